# Unit tests of the audio reader, on files written at test time and the
# compressed ones testdata/audio/make-audio wrote.
check_PROGRAMS += tests/unit/test-media-audio
TESTS += tests/unit/test-media-audio
tests_unit_test_media_audio_SOURCES = tests/unit/test-media-audio.c tests/unit/tap.h
tests_unit_test_media_audio_LDADD = $(AMASS_LIBS)
EXTRA_DIST += testdata/audio/make-audio testdata/audio/tone-440.mp3 testdata/audio/tone-440.m4a \
	testdata/audio/tone-440.opus testdata/audio/clip-sound.mkv
