# Unit tests of the neural engine (src/nn): graph building, shape
# inference and folding, and blocks checked against a naive reference.
check_PROGRAMS += tests/unit/test-nn-blocks
TESTS += tests/unit/test-nn-blocks
EXTRA_DIST += tests/unit/nn-reference.h
tests_unit_test_nn_blocks_SOURCES = tests/unit/test-nn-blocks.c tests/unit/nn-reference.h tests/unit/tap.h
tests_unit_test_nn_blocks_LDADD = $(AMASS_LIBS)
check_PROGRAMS += tests/unit/test-nn-ops
TESTS += tests/unit/test-nn-ops
tests_unit_test_nn_ops_SOURCES = tests/unit/test-nn-ops.c tests/unit/nn-reference.h tests/unit/tap.h
tests_unit_test_nn_ops_LDADD = $(AMASS_LIBS)
