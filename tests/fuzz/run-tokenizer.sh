#!/bin/sh
# The tokenizer's fuzz target over its seed corpus (texts, tokenizer.json
# and vocab.txt files) and mutations of them.
exec "${top_builddir:-.}/tests/fuzz/fuzz-tokenizer" "${top_srcdir:-.}"/tests/fuzz/corpus/tokenizer/*
