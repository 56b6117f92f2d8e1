#!/bin/sh
# The --resume reader's fuzz target over its seed corpus and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-resume" "${top_srcdir:-.}"/tests/fuzz/corpus/resume/*
