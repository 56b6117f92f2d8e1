#!/bin/sh
# The Sphinx readers' fuzz target over its seed corpus (small models made by
# corpus/sphinx/make-seeds; the first byte of each picks the reader) and
# mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-sphinx" "${top_srcdir:-.}"/tests/fuzz/corpus/sphinx/*.seed
