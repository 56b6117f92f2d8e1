#!/bin/sh
# The image decoder's fuzz target over its seed corpus (test images from
# testdata/images) and mutations of it. FFmpeg takes about half a millisecond a
# round under the sanitizers, so fewer rounds than the text parsers.
AMASS_FUZZ_ROUNDS=${AMASS_FUZZ_ROUNDS:-1000}
export AMASS_FUZZ_ROUNDS
exec "${top_builddir:-.}/tests/fuzz/fuzz-image" "${top_srcdir:-.}"/tests/fuzz/corpus/image/*
