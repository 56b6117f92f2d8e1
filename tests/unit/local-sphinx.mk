# Unit tests of the Sphinx acoustic model and dictionary readers (src/formats/sphinx_*.c)
# on the Debian pocketsphinx-en-us and pocketsphinx-testdata models, and on corrupt copies.
check_PROGRAMS += tests/unit/test-formats-sphinx
TESTS += tests/unit/test-formats-sphinx
tests_unit_test_formats_sphinx_SOURCES = tests/unit/test-formats-sphinx.c tests/unit/tap.h
tests_unit_test_formats_sphinx_LDADD = $(AMASS_LIBS)
