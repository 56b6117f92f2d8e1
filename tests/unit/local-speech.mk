# Unit tests of the speech layer (src/speech): feat.params, the MFCC front
# end with its parity against sphinx_fe, CMN and dynamic features.
check_PROGRAMS += tests/unit/test-speech-frontend
TESTS += tests/unit/test-speech-frontend
tests_unit_test_speech_frontend_LDADD = $(AMASS_LIBS)
