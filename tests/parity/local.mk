# Parity with scikit-learn: fixtures made by tests/parity/cluster/make-fixtures,
# checked by tests/parity/cluster.sh against amass-cluster on the same data.
# gen-blobs makes the synthetic data sets for tests, fixtures and benchmarks.
check_PROGRAMS += testdata/gen-blobs tests/parity/ari
testdata_gen_blobs_SOURCES = testdata/gen-blobs.c
testdata_gen_blobs_LDADD = -lm
tests_parity_ari_SOURCES = tests/parity/ari.c
tests_parity_ari_LDADD = $(AMASS_LIBS)
TESTS += tests/parity/cluster.sh
# Whole torchvision architectures against ONNX Runtime, run by hand:
# tests/parity/zoo/check (onnx-run is its engine side).
check_PROGRAMS += tests/parity/onnx-run
tests_parity_onnx_run_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/zoo/check
EXTRA_DIST += tests/parity/fixtures.h
