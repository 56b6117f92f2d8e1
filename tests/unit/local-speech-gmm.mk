# Unit tests of the GMM acoustic scorer (src/speech/acoustic.c, gmm*.c) on
# the installed Sphinx models: scoring, the loader on broken copies, and
# parity with pocketsphinx_batch's senone scores.
check_PROGRAMS += tests/unit/test-speech-gmm tests/unit/test-speech-gmm-models tests/unit/test-speech-gmm-parity
TESTS += tests/unit/test-speech-gmm tests/unit/test-speech-gmm-models tests/unit/test-speech-gmm-parity
tests_unit_test_speech_gmm_SOURCES = tests/unit/test-speech-gmm.c tests/unit/speech-gmm-helpers.h
tests_unit_test_speech_gmm_LDADD = $(AMASS_LIBS)
tests_unit_test_speech_gmm_models_SOURCES = tests/unit/test-speech-gmm-models.c tests/unit/speech-gmm-helpers.h
tests_unit_test_speech_gmm_models_LDADD = $(AMASS_LIBS)
tests_unit_test_speech_gmm_parity_SOURCES = tests/unit/test-speech-gmm-parity.c tests/unit/speech-gmm-helpers.h
tests_unit_test_speech_gmm_parity_LDADD = $(AMASS_LIBS)
