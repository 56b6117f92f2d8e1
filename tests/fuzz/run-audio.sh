#!/bin/sh
# The audio reader's fuzz target over its seed corpus (tiny WAV, AIFF, AU,
# FLAC, MP3, M4A and Ogg files from testdata/audio/make-audio) and mutations
# of it. A round decodes a whole file through FFmpeg or libsndfile and the
# resampler, so fewer rounds than the text parsers.
AMASS_FUZZ_ROUNDS=${AMASS_FUZZ_ROUNDS:-1000}
export AMASS_FUZZ_ROUNDS
exec "${top_builddir:-.}/tests/fuzz/fuzz-audio" "${top_srcdir:-.}"/tests/fuzz/corpus/audio/*
