# Fuzz target for the centroid and stats files of amass-cluster.
check_PROGRAMS += tests/fuzz/fuzz-centroids
tests_fuzz_fuzz_centroids_SOURCES = tests/fuzz/fuzz-centroids.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_centroids_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-centroids.sh
EXTRA_DIST += tests/fuzz/run-centroids.sh
# Fuzz target for the TF.js reader and graph-model importer.
check_PROGRAMS += tests/fuzz/fuzz-tfjs
tests_fuzz_fuzz_tfjs_SOURCES = tests/fuzz/fuzz-tfjs.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_tfjs_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-tfjs.sh
EXTRA_DIST += tests/fuzz/run-tfjs.sh tests/fuzz/corpus/tfjs/graph.json tests/fuzz/corpus/tfjs/quantised.json \
	tests/fuzz/corpus/tfjs/layers.json
