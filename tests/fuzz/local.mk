# Fuzz target for the centroid and stats files of amass-cluster.
check_PROGRAMS += tests/fuzz/fuzz-centroids
tests_fuzz_fuzz_centroids_SOURCES = tests/fuzz/fuzz-centroids.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_centroids_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-centroids.sh
EXTRA_DIST += tests/fuzz/run-centroids.sh
# Fuzz target for the WordPiece tokenizer and its files.
check_PROGRAMS += tests/fuzz/fuzz-tokenizer
tests_fuzz_fuzz_tokenizer_SOURCES = tests/fuzz/fuzz-tokenizer.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_tokenizer_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-tokenizer.sh
EXTRA_DIST += tests/fuzz/run-tokenizer.sh tests/fuzz/corpus/tokenizer/text-mixed tests/fuzz/corpus/tokenizer/vocab \
	tests/fuzz/corpus/tokenizer/tokenizer-json
