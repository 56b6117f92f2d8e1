# Unit tests of the GMM acoustic scorer (src/speech/acoustic.c, gmm*.c) on
# the installed Sphinx models.
check_PROGRAMS += tests/unit/test-speech-gmm
TESTS += tests/unit/test-speech-gmm
tests_unit_test_speech_gmm_LDADD = $(AMASS_LIBS)
