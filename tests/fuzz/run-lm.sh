#!/bin/sh
# The language model readers' fuzz target over its seed corpus (a small
# ARPA model and a unigram trie binary) and mutations of them.
exec "${top_builddir:-.}/tests/fuzz/fuzz-lm" "${top_srcdir:-.}"/tests/fuzz/corpus/lm/*.arpa \
	"${top_srcdir:-.}"/tests/fuzz/corpus/lm/*.bin
