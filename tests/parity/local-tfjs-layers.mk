# Parity of the TF.js layers-model importer with TensorFlow.js on the
# nsfwjs models (skipped until scripts/install-models ran), fixtures by
# tests/parity/tfjs-layers/make-fixtures (with tfjs-run.js).
check_PROGRAMS += tests/parity/tfjs-layers-parity
TESTS += tests/parity/tfjs-layers-parity
tests_parity_tfjs_layers_parity_SOURCES = tests/parity/tfjs-layers-parity.c tests/unit/tap.h
tests_parity_tfjs_layers_parity_LDADD = $(AMASS_LIBS)
tfjs_layers_fixtures = nsfw-dog nsfw-person nsfw-inception-eagle
EXTRA_DIST += tests/parity/tfjs-layers/make-fixtures tests/parity/tfjs-layers/tfjs-run.js \
	$(tfjs_layers_fixtures:%=tests/parity/tfjs-layers/%.rgb) \
	$(tfjs_layers_fixtures:%=tests/parity/tfjs-layers/%.dense_3.f32) \
	$(tfjs_layers_fixtures:%=tests/parity/tfjs-layers/%.flatten_1.f32)
# scripts/tfjs-unwrap (the nsfwjs bundles' unwrapper) on hand-made bundles, good and hostile.
TESTS += tests/cli/tfjs-unwrap.sh
EXTRA_DIST += scripts/tfjs-unwrap tests/cli/tfjs-unwrap.sh
# The layers-model importer on small Keras topologies written by the test.
check_PROGRAMS += tests/unit/test-formats-tfjs-layers
TESTS += tests/unit/test-formats-tfjs-layers
tests_unit_test_formats_tfjs_layers_SOURCES = tests/unit/test-formats-tfjs-layers.c tests/unit/tap.h
tests_unit_test_formats_tfjs_layers_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/cli/classify-nsfw.cases
TESTS += tests/cli/install-models-nsfw.sh
EXTRA_DIST += tests/cli/install-models-nsfw.sh
# The layers-model importer's fuzz target on the standalone driver (see tests/fuzz/local.mk).
check_PROGRAMS += tests/fuzz/fuzz-tfjs-layers
tests_fuzz_fuzz_tfjs_layers_SOURCES = tests/fuzz/fuzz-tfjs-layers.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_tfjs_layers_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-tfjs-layers.sh
EXTRA_DIST += tests/fuzz/run-tfjs-layers.sh tests/fuzz/corpus/tfjs-layers/functional.json \
	tests/fuzz/corpus/tfjs-layers/sequential.json
