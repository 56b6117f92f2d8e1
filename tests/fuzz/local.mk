# Fuzz target for the centroid and stats files of amass-cluster.
check_PROGRAMS += tests/fuzz/fuzz-centroids
tests_fuzz_fuzz_centroids_SOURCES = tests/fuzz/fuzz-centroids.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_centroids_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-centroids.sh
EXTRA_DIST += tests/fuzz/run-centroids.sh
