# The DNN acoustic scorer (src/speech/dnn.c): parity with ONNX Runtime on
# real feature windows, block-size independence, broken model directories,
# and a decode end to end with a random network (testdata/dnn). Run as
# `test-speech-dnn --features CLIP.raw OUT.f32` it writes the features
# testdata/dnn/make-dnn feeds ONNX Runtime.
check_PROGRAMS += tests/unit/test-speech-dnn
TESTS += tests/unit/test-speech-dnn
tests_unit_test_speech_dnn_SOURCES = tests/unit/test-speech-dnn.c tests/unit/speech-gmm-helpers.h
tests_unit_test_speech_dnn_LDADD = $(AMASS_LIBS)
EXTRA_DIST += testdata/dnn/make-dnn testdata/dnn/ort-dnn.js testdata/dnn/dnn.onnx testdata/dnn/dnn.params \
	testdata/dnn/priors testdata/dnn/goforward.features.f32 testdata/dnn/goforward.frames \
	testdata/dnn/goforward.ort.f32 testdata/dnn/wrong-senones.onnx \
	testdata/dnn/dnn-fp16.onnx testdata/dnn/goforward.ort-fp16.f32 \
	tests/cli/transcribe-dnn.cases tests/cli/transcribe-dnn-model.sh
