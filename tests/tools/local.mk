# The word error rate tool (tests/tools/wer) the transcribe accuracy test and
# scripts/bench/transcribe score with: built by `make` (the benchmark needs
# it too) but not installed; its unit test; the amass-transcribe CLI tests.
noinst_PROGRAMS += tests/tools/wer
tests_tools_wer_SOURCES = tests/tools/wer.c tests/tools/wer-align.c tests/tools/wer.h
tests_tools_wer_LDADD = $(JANSSON_LIBS) -lm

check_PROGRAMS += tests/unit/test-wer
TESTS += tests/unit/test-wer
tests_unit_test_wer_SOURCES = tests/unit/test-wer.c tests/tools/wer-align.c tests/tools/wer.h
tests_unit_test_wer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/tools
tests_unit_test_wer_LDADD = $(JANSSON_LIBS) -lm
TESTS += tests/cli/wer.sh
EXTRA_DIST += tests/cli/wer.sh

# amass-transcribe on the LibriVox clips (WER bound) and on bad audio made
# at test time; both skip while tools/amass-transcribe is not built or the
# Debian pocketsphinx-testdata clips are absent.
TESTS += tests/cli/transcribe-accuracy.pl tests/cli/transcribe-bad-audio.pl
EXTRA_DIST += tests/cli/transcribe-accuracy.pl tests/cli/transcribe-bad-audio.pl tests/cli/TranscribeCli.pm tests/cli/TapCli.pm

# Video: test clips written at test time by testdata/make-video, the
# reader's sampled frames printed by tests/tools/video-frames, and the
# script that checks both and amass-classify on them.
check_PROGRAMS += testdata/make-video tests/tools/video-frames
testdata_make_video_SOURCES = testdata/make-video.c
testdata_make_video_LDADD = $(AVFORMAT_LIBS)
tests_tools_video_frames_SOURCES = tests/tools/video-frames.c
tests_tools_video_frames_LDADD = $(AMASS_LIBS)
TESTS += tests/cli/video.sh
EXTRA_DIST += tests/cli/video.sh
