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

# Fuzz targets for the io parsers, run in make check (and so under the
# sanitizers) through a standalone driver over a seed corpus and
# deterministic mutations of it; the same sources link with libFuzzer.
check_PROGRAMS += tests/fuzz/fuzz-vectors tests/fuzz/fuzz-resume
tests_fuzz_fuzz_vectors_SOURCES = tests/fuzz/fuzz-vectors.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_vectors_LDADD = $(AMASS_LIBS)
tests_fuzz_fuzz_resume_SOURCES = tests/fuzz/fuzz-resume.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_resume_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-vectors.sh tests/fuzz/run-resume.sh
EXTRA_DIST += tests/fuzz/run-vectors.sh tests/fuzz/run-resume.sh tests/fuzz/corpus

# The fast decimal parser against strtof.
check_PROGRAMS += tests/unit/test-io-number
TESTS += tests/unit/test-io-number
tests_unit_test_io_number_LDADD = $(AMASS_LIBS)
