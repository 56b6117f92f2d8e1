# The lexicon tree and the beam search (src/speech/lexicon.c, search*.c):
# options, bad input, a planted path on synthetic scores, and WER on the
# LibriVox clips with the installed en-us model. speech-decode is a
# developer driver printing words and the realtime factor.
noinst_PROGRAMS += tests/unit/speech-decode
tests_unit_speech_decode_SOURCES = tests/unit/speech-decode.c tests/unit/speech-search-helpers.h
tests_unit_speech_decode_LDADD = $(AMASS_LIBS)
check_PROGRAMS += tests/unit/test-speech-search
TESTS += tests/unit/test-speech-search
tests_unit_test_speech_search_SOURCES = tests/unit/test-speech-search.c
tests_unit_test_speech_search_LDADD = $(AMASS_LIBS)
check_PROGRAMS += tests/unit/test-speech-search-librivox
TESTS += tests/unit/test-speech-search-librivox
tests_unit_test_speech_search_librivox_SOURCES = tests/unit/test-speech-search-librivox.c tests/unit/speech-search-helpers.h
tests_unit_test_speech_search_librivox_LDADD = $(AMASS_LIBS)
