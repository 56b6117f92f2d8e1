# Training the DNN acoustic model (scripts/train-dnn-am): the teacher-target
# dumper is built by `make` so it always compiles with the library, but it
# is neither a test nor installed.
noinst_PROGRAMS += scripts/dnn/dump-targets
scripts_dnn_dump_targets_SOURCES = scripts/dnn/dump-targets.c scripts/dnn/align.c scripts/dnn/align.h
scripts_dnn_dump_targets_LDADD = $(AMASS_LIBS)
EXTRA_DIST += scripts/train-dnn-am scripts/install-train-deps scripts/dnn/train.py scripts/dnn/tune \
	scripts/dnn/held_out.py scripts/dnn/half_weights.py scripts/dnn/targets_file.py scripts/dnn/dnn_params.py \
	models-src/en-us-dnn/README.md models-src/en-us-dnn/dnn.onnx models-src/en-us-dnn/priors \
	models-src/en-us-dnn/dnn.params models-src/en-us-dnn/training.json models-src/en-us-dnn/tuning.json
# The shipped model decodes the held-out LibriVox clips within a WER bound.
TESTS += tests/cli/transcribe-dnn-accuracy.pl
EXTRA_DIST += tests/cli/transcribe-dnn-accuracy.pl
