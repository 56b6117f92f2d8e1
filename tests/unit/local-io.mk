# Unit tests of the io layer.
io_unit_tests = tests/unit/test-io-json
check_PROGRAMS += $(io_unit_tests)
TESTS += $(io_unit_tests)
tests_unit_test_io_json_LDADD = $(AMASS_LIBS)
