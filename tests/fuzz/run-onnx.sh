#!/bin/sh
# The ONNX reader's fuzz target over its seed corpus (the test models) and
# mutations of it.
exec "${top_builddir:-.}/tests/fuzz/fuzz-onnx" "${top_srcdir:-.}"/tests/fuzz/corpus/onnx/*
