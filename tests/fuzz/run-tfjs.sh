#!/bin/sh
# The TF.js reader and graph importer's fuzz target over its seed corpus
# (small model.json files) and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-tfjs" "${top_srcdir:-.}"/tests/fuzz/corpus/tfjs/*
