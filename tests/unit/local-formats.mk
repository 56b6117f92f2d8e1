# Unit tests of the formats layer (protobuf wire format, ONNX reader) over
# the models testdata/onnx/make-models wrote, and the ONNX fuzz target.
formats_unit_tests = tests/unit/test-formats-protobuf tests/unit/test-formats-onnx \
	tests/unit/test-formats-onnx-hostile
check_PROGRAMS += $(formats_unit_tests)
TESTS += $(formats_unit_tests)
tests_unit_test_formats_protobuf_LDADD = $(AMASS_LIBS)
tests_unit_test_formats_onnx_LDADD = $(AMASS_LIBS)
tests_unit_test_formats_onnx_hostile_LDADD = $(AMASS_LIBS)
EXTRA_DIST += testdata/onnx/make-models testdata/onnx/conv.onnx testdata/onnx/dynamic-batch.onnx \
	testdata/onnx/external.onnx testdata/onnx/external.bin testdata/onnx/float-data.onnx \
	testdata/onnx/if-subgraph.onnx testdata/onnx/cyclic.onnx testdata/onnx/dangling.onnx testdata/onnx/opset9.onnx

# The ONNX reader's fuzz target on the standalone driver (see tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz-onnx
tests_fuzz_fuzz_onnx_SOURCES = tests/fuzz/fuzz-onnx.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_onnx_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-onnx.sh
EXTRA_DIST += tests/fuzz/run-onnx.sh

# ONNX import: unit tests on testdata/onnx, and parity with ONNX Runtime on
# the fixtures tests/parity/onnx/make-fixtures wrote (with ort-run.js).
import_tests = tests/unit/test-formats-import tests/parity/onnx-parity
check_PROGRAMS += $(import_tests)
TESTS += $(import_tests)
tests_unit_test_formats_import_LDADD = $(AMASS_LIBS)
tests_parity_onnx_parity_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/onnx/make-fixtures tests/parity/onnx/ort-run.js tests/parity/onnx/input.f32 \
	tests/parity/onnx/resnet-tiny.onnx tests/parity/onnx/resnet-tiny.ort.f32 \
	tests/parity/onnx/mobilenetv2-tiny.onnx tests/parity/onnx/mobilenetv2-tiny.ort.f32 \
	tests/parity/onnx/poolnet.onnx tests/parity/onnx/poolnet.ort.f32 \
	tests/parity/onnx/poolnet-opset11.onnx tests/parity/onnx/poolnet-opset11.ort.f32 \
	tests/parity/onnx/poolnet-opset14.onnx tests/parity/onnx/poolnet-opset14.ort.f32 \
	tests/parity/onnx/attributes-opset9.onnx tests/parity/onnx/attributes-opset9.ort.f32 \
	tests/parity/onnx/attributes-opset11.onnx tests/parity/onnx/attributes-opset11.ort.f32 \
	tests/parity/onnx/attributes-opset13.onnx tests/parity/onnx/attributes-opset13.ort.f32 \
	tests/parity/onnx/unsupported.onnx

# TF.js graph models: parity with TensorFlow.js on the human-models graphs
# (tests/parity/tfjs/make-fixtures, tfjs-run.js; models installed by
# scripts/install-models, skipped when absent); tfjs-input writes the
# input the fixtures were made from.
check_PROGRAMS += tests/parity/tfjs-parity tests/parity/tfjs-input
TESTS += tests/parity/tfjs-parity
tests_parity_tfjs_parity_SOURCES = tests/parity/tfjs-parity.c tests/parity/tfjs-input.h
tests_parity_tfjs_parity_LDADD = $(AMASS_LIBS)
tests_parity_tfjs_input_SOURCES = tests/parity/tfjs-input.c tests/parity/tfjs-input.h
tests_parity_tfjs_input_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/tfjs/make-fixtures tests/parity/tfjs/tfjs-run.js tests/parity/tfjs/nanodet.txt \
	tests/parity/tfjs/faceres.txt

# The TF.js reader and graph importer on model.json files the test writes.
check_PROGRAMS += tests/unit/test-formats-tfjs
TESTS += tests/unit/test-formats-tfjs
tests_unit_test_formats_tfjs_LDADD = $(AMASS_LIBS)
