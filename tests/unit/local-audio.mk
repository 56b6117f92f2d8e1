# Unit tests of the audio reader, on files written at test time and the
# compressed ones testdata/audio/make-audio wrote.
check_PROGRAMS += tests/unit/test-media-audio
TESTS += tests/unit/test-media-audio
tests_unit_test_media_audio_SOURCES = tests/unit/test-media-audio.c tests/unit/tap.h
tests_unit_test_media_audio_LDADD = $(AMASS_LIBS)
EXTRA_DIST += testdata/audio/make-audio testdata/audio/tone-440.mp3 testdata/audio/tone-440.m4a \
	testdata/audio/tone-440.opus testdata/audio/clip-sound.mkv

# Fuzz target for the audio reader, run in make check like the others.
check_PROGRAMS += tests/fuzz/fuzz-audio
tests_fuzz_fuzz_audio_SOURCES = tests/fuzz/fuzz-audio.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_audio_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-audio.sh
EXTRA_DIST += tests/fuzz/run-audio.sh tests/fuzz/corpus/audio/stereo.wav tests/fuzz/corpus/audio/float.wav \
	tests/fuzz/corpus/audio/tone.aiff tests/fuzz/corpus/audio/tone.au tests/fuzz/corpus/audio/tone.flac \
	tests/fuzz/corpus/audio/tone.mp3 tests/fuzz/corpus/audio/tone.m4a tests/fuzz/corpus/audio/tone.ogg
