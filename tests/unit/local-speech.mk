# Unit tests of the speech layer (src/speech): feat.params, the MFCC front
# end with its parity against sphinx_fe, CMN and dynamic features.
check_PROGRAMS += tests/unit/test-speech-frontend
TESTS += tests/unit/test-speech-frontend
tests_unit_test_speech_frontend_LDADD = $(AMASS_LIBS)

# The feat.params reader's fuzz target on the standalone driver (see tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz-feat-params
tests_fuzz_fuzz_feat_params_SOURCES = tests/fuzz/fuzz-feat-params.c tests/fuzz/standalone.c
tests_fuzz_fuzz_feat_params_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-feat-params.sh
EXTRA_DIST += tests/fuzz/run-feat-params.sh tests/fuzz/corpus/feat-params/ptm.params \
	tests/fuzz/corpus/feat-params/narrowband.params
