#!/bin/sh
# The feat.params reader's fuzz target (with the front end it configures)
# over its seed corpus and mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-feat-params" "${top_srcdir:-.}"/tests/fuzz/corpus/feat-params/*
