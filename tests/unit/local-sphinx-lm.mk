# N-gram language models: a hand-made ARPA model, bad ARPA and binary input,
# and parity of the Sphinx trie binaries with sphinx_lm_convert's ARPA text.
check_PROGRAMS += tests/unit/test-formats-sphinx-lm
TESTS += tests/unit/test-formats-sphinx-lm
tests_unit_test_formats_sphinx_lm_LDADD = $(AMASS_LIBS)

# The language model readers' fuzz target on the standalone driver.
check_PROGRAMS += tests/fuzz/fuzz-lm
tests_fuzz_fuzz_lm_SOURCES = tests/fuzz/fuzz-lm.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_lm_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-lm.sh
EXTRA_DIST += tests/fuzz/run-lm.sh tests/fuzz/corpus/lm/small.arpa tests/fuzz/corpus/lm/unigram.lm.bin \
	tests/fuzz/corpus/lm/README
