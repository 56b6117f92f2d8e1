#!/bin/sh
# The TF.js layers-model importer's fuzz target over its seed corpus
# (small Keras topologies without weights) and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-tfjs-layers" "${top_srcdir:-.}"/tests/fuzz/corpus/tfjs-layers/*
