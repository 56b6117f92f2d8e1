# The Transformer-encoder ops (src/nn/*_math.c, fuse_encoder.c): parity with
# ONNX Runtime on the fixtures tests/parity/onnx/make-math-fixtures wrote
# (with ort-run-cases.js), and the fusions they rely on.
check_PROGRAMS += tests/parity/onnx-math-parity
TESTS += tests/parity/onnx-math-parity
tests_parity_onnx_math_parity_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/onnx/make-math-fixtures tests/parity/onnx/ort-run-cases.js \
	tests/parity/onnx/math-cases.json tests/parity/onnx/constant-of-shape-bad.onnx \
	tests/parity/onnx/math-ops.onnx tests/parity/onnx/math-gather.onnx \
	tests/parity/onnx/encoder-opset13.onnx tests/parity/onnx/encoder-opset17.onnx \
	tests/parity/onnx/encoder-opset13.b1.in0.f32 tests/parity/onnx/encoder-opset13.b1.in1.f32 \
	tests/parity/onnx/encoder-opset13.b1.ort.f32 tests/parity/onnx/encoder-opset13.b3.in0.f32 \
	tests/parity/onnx/encoder-opset13.b3.in1.f32 tests/parity/onnx/encoder-opset13.b3.ort.f32 \
	tests/parity/onnx/encoder-opset17.b1.in0.f32 tests/parity/onnx/encoder-opset17.b1.in1.f32 \
	tests/parity/onnx/encoder-opset17.b1.ort.f32 tests/parity/onnx/encoder-opset17.b3.in0.f32 \
	tests/parity/onnx/encoder-opset17.b3.in1.f32 tests/parity/onnx/encoder-opset17.b3.ort.f32 \
	tests/parity/onnx/math-gather.b1.in0.f32 tests/parity/onnx/math-gather.b1.ort.f32 \
	tests/parity/onnx/math-gather.b3.in0.f32 tests/parity/onnx/math-gather.b3.ort.f32 \
	tests/parity/onnx/math-ops.b1.in0.f32 tests/parity/onnx/math-ops.b1.ort.f32 \
	tests/parity/onnx/math-ops.b3.in0.f32 tests/parity/onnx/math-ops.b3.ort.f32
check_PROGRAMS += tests/unit/test-nn-math
TESTS += tests/unit/test-nn-math
tests_unit_test_nn_math_SOURCES = tests/unit/test-nn-math.c tests/unit/nn-reference.h tests/unit/tap.h
tests_unit_test_nn_math_LDADD = $(AMASS_LIBS)
