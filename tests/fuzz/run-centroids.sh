#!/bin/sh
# The centroid and stats readers' fuzz target over its seed corpus and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-centroids" "${top_srcdir:-.}"/tests/fuzz/corpus/centroids/*
