#!/bin/sh
# The vector reader's fuzz target over its seed corpus and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-vectors" "${top_srcdir:-.}"/tests/fuzz/corpus/vectors/*
