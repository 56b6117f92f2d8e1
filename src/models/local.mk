# libamass models layer: model directories (manifest, labels) and the pipelines over them
libamass_a_SOURCES += src/models/models.h src/models/embed.h src/models/manifest.c src/models/classify.c
libamass_a_SOURCES += src/models/registry.c src/models/image-feed.c
# The detector path of classify (manifest "postprocess": nanodet, centernet)
libamass_a_SOURCES += src/models/classify_detect.h src/models/classify_detect.c
# Where scripts/install-models puts models: the last directory of the search path.
AM_CPPFLAGS += -DAMASS_MODELS_DIR='"$(datadir)/amass/models"'
# Its unit test, the CLI cases and the tiny model they run.
check_PROGRAMS += tests/unit/test-models-classify
TESTS += tests/unit/test-models-classify
tests_unit_test_models_classify_SOURCES = tests/unit/test-models-classify.c tests/unit/tap.h
tests_unit_test_models_classify_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/cli/classify.cases testdata/models/tiny-resnet/manifest.json \
	testdata/models/tiny-resnet/labels.txt testdata/models/tiny-resnet/model.onnx
EXTRA_DIST += testdata/models/make-parity.js testdata/models/tiny-resnet/scene.f32 \
	testdata/models/tiny-resnet/scene.ort.txt
check_PROGRAMS += tests/unit/test-models-registry
TESTS += tests/unit/test-models-registry
tests_unit_test_models_registry_SOURCES = tests/unit/test-models-registry.c tests/unit/tap.h
tests_unit_test_models_registry_LDADD = $(AMASS_LIBS)
check_PROGRAMS += tests/unit/test-models-feed
TESTS += tests/unit/test-models-feed
tests_unit_test_models_feed_SOURCES = tests/unit/test-models-feed.c tests/unit/tap.h
tests_unit_test_models_feed_LDADD = $(AMASS_LIBS)
# The transcribe pipeline: model parts, worker threads, record and subtitle writers
libamass_a_SOURCES += src/models/transcribe.h src/models/transcribe_internal.h src/models/transcribe.c \
	src/models/transcribe-run.c src/models/transcribe-write.c
libamass_a_SOURCES += src/models/classify_internal.h src/models/classify-annotate.c
# The detector path's CLI cases, its tiny models and their image.
EXTRA_DIST += tests/cli/classify-detect.cases testdata/detect/make-detectors \
	testdata/detect/tiny-centernet/manifest.json testdata/detect/tiny-centernet/labels.txt \
	testdata/detect/tiny-centernet/model.onnx testdata/detect/tiny-nanodet/manifest.json \
	testdata/detect/tiny-nanodet/labels.txt testdata/detect/tiny-nanodet/model.onnx \
	testdata/images/squares.png testdata/images/squares-64.png
# The installed COCO detectors on the darknet photos (skips without them).
TESTS += tests/cli/classify-detect-photos.pl
EXTRA_DIST += tests/cli/classify-detect-photos.pl
# The text embed pipeline: items, tokens, length-sorted batches, pooling
libamass_a_SOURCES += src/models/embed_text.h src/models/embed_text_internal.h src/models/embed-pool.c \
	src/models/embed-text.c src/models/embed-text-read.c src/models/embed-text-model.c
# The image embed pipeline: an image model's feature tensor per image
libamass_a_SOURCES += src/models/embed_image.h src/models/embed-image.c
# Its test on the installed nsfw model and the darknet photos (skips without them).
TESTS += tests/cli/embed-image.pl
EXTRA_DIST += tests/cli/embed-image.pl tests/cli/embed-image.cases testdata/embed-image/make-fixtures \
	testdata/embed-image/dog-224.png testdata/embed-image/dog-224.nsfw-flatten_1.txt
# Text encoders: BERT-family networks from ONNX or safetensors + config.json
libamass_a_SOURCES += src/models/text_encoder_internal.h src/models/text_encoder.c \
	src/models/text_encoder_config.c src/models/text_encoder_bert.c
check_PROGRAMS += tests/unit/test-models-text-encoder
TESTS += tests/unit/test-models-text-encoder
tests_unit_test_models_text_encoder_SOURCES = tests/unit/test-models-text-encoder.c tests/unit/tap.h
tests_unit_test_models_text_encoder_LDADD = $(AMASS_LIBS)
