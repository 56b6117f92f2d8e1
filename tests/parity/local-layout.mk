# Parity with ONNX Runtime of the layout and resampling ops and of the real
# PP-OCR det/cls models (skipped until scripts/install-models ran), on the
# fixtures tests/parity/layout/make-fixtures wrote; bad-input checks of the
# same ops in tests/unit/test-nn-layout.
check_PROGRAMS += tests/parity/layout-parity
TESTS += tests/parity/layout-parity
tests_parity_layout_parity_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/layout/make-fixtures tests/parity/layout/ort-run.js tests/parity/layout/cases.txt \
	$(layout_fixtures:%=tests/parity/layout/%.input.f32) $(layout_fixtures:%=tests/parity/layout/%.ort.f32) \
	$(layout_networks:%=tests/parity/layout/%.onnx)
layout_networks = resampling-opset11 resampling-opset13 upsample-opset9 slicing-opset11 slicing-opset13 \
	padding-opset10 deconv-opset11 resize-modes slice-steps pixel-shuffle-opset13 depth-to-space-dcr \
	paddle-blocks
layout_fixtures = $(layout_networks) ocr-det-64x96 ocr-det-96x160 ocr-cls
check_PROGRAMS += tests/unit/test-nn-layout
TESTS += tests/unit/test-nn-layout
tests_unit_test_nn_layout_SOURCES = tests/unit/test-nn-layout.c tests/unit/tap.h
tests_unit_test_nn_layout_LDADD = $(AMASS_LIBS)
TESTS += tests/cli/install-models.sh
EXTRA_DIST += tests/cli/install-models.sh scripts/install-models
