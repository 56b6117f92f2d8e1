# Parity with scikit-learn: fixtures made by tests/parity/cluster/make-fixtures,
# checked by tests/parity/cluster.sh against amass-cluster on the same data.
# gen-blobs makes the synthetic data sets for tests, fixtures and benchmarks.
check_PROGRAMS += testdata/gen-blobs tests/parity/ari
testdata_gen_blobs_SOURCES = testdata/gen-blobs.c
testdata_gen_blobs_LDADD = -lm
tests_parity_ari_SOURCES = tests/parity/ari.c
tests_parity_ari_LDADD = $(AMASS_LIBS)
TESTS += tests/parity/cluster.sh
