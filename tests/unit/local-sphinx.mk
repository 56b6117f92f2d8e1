# Unit tests of the Sphinx acoustic model and dictionary readers (src/formats/sphinx_*.c)
# on the Debian pocketsphinx-en-us and pocketsphinx-testdata models, and on corrupt copies.
check_PROGRAMS += tests/unit/test-formats-sphinx tests/unit/test-formats-sphinx-hostile
TESTS += tests/unit/test-formats-sphinx tests/unit/test-formats-sphinx-hostile
tests_unit_test_formats_sphinx_SOURCES = tests/unit/test-formats-sphinx.c tests/unit/tap.h
tests_unit_test_formats_sphinx_LDADD = $(AMASS_LIBS)
tests_unit_test_formats_sphinx_hostile_SOURCES = tests/unit/test-formats-sphinx-hostile.c tests/unit/tap.h
tests_unit_test_formats_sphinx_hostile_LDADD = $(AMASS_LIBS)

# The Sphinx readers' fuzz target on the standalone driver (see tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz-sphinx
tests_fuzz_fuzz_sphinx_SOURCES = tests/fuzz/fuzz-sphinx.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_sphinx_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-sphinx.sh
EXTRA_DIST += tests/fuzz/run-sphinx.sh tests/fuzz/corpus/sphinx/make-seeds tests/fuzz/corpus/sphinx/an4-mdef.seed \
	tests/fuzz/corpus/sphinx/tidigits-mdef.seed tests/fuzz/corpus/sphinx/an4-means.seed \
	tests/fuzz/corpus/sphinx/an4-variances.seed tests/fuzz/corpus/sphinx/an4-mixture-weights.seed \
	tests/fuzz/corpus/sphinx/an4-transitions.seed tests/fuzz/corpus/sphinx/sendump-8bit.seed \
	tests/fuzz/corpus/sphinx/sendump-clustered-be.seed tests/fuzz/corpus/sphinx/dict.seed
