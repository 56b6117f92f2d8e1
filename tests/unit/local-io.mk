# Unit tests of the io layer.
io_unit_tests = tests/unit/test-io-json tests/unit/test-io-lines tests/unit/test-io-vectors \
	tests/unit/test-io-inputs tests/unit/test-io-sets
check_PROGRAMS += $(io_unit_tests)
TESTS += $(io_unit_tests)
tests_unit_test_io_json_LDADD = $(AMASS_LIBS)
tests_unit_test_io_lines_LDADD = $(AMASS_LIBS)
tests_unit_test_io_vectors_LDADD = $(AMASS_LIBS)
tests_unit_test_io_inputs_LDADD = $(AMASS_LIBS)
tests_unit_test_io_sets_LDADD = $(AMASS_LIBS)
