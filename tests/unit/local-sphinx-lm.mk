# N-gram language models: a hand-made ARPA model, bad ARPA and binary input,
# and parity of the Sphinx trie binaries with sphinx_lm_convert's ARPA text.
check_PROGRAMS += tests/unit/test-formats-sphinx-lm
TESTS += tests/unit/test-formats-sphinx-lm
tests_unit_test_formats_sphinx_lm_LDADD = $(AMASS_LIBS)
