# Unit tests of the transcribe pipeline's pieces that need no decoder:
# voice activity, subtitle times and cues, the manifest, the writers.
check_PROGRAMS += tests/unit/test-transcribe-units
TESTS += tests/unit/test-transcribe-units
tests_unit_test_transcribe_units_SOURCES = tests/unit/test-transcribe-units.c tests/unit/tap.h
tests_unit_test_transcribe_units_LDADD = $(AMASS_LIBS)
