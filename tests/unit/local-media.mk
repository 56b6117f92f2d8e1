# Unit tests of the media layer (image decoding) and the vision preprocess,
# on the images testdata/images/make-images wrote.
media_unit_tests = tests/unit/test-media-image tests/unit/test-vision-preprocess
check_PROGRAMS += $(media_unit_tests)
TESTS += $(media_unit_tests)
tests_unit_test_media_image_SOURCES = tests/unit/test-media-image.c tests/unit/tap.h
tests_unit_test_media_image_LDADD = $(AMASS_LIBS)
tests_unit_test_vision_preprocess_SOURCES = tests/unit/test-vision-preprocess.c tests/unit/tap.h
tests_unit_test_vision_preprocess_LDADD = $(AMASS_LIBS)
EXTRA_DIST += testdata/images/make-images testdata/images/make-preprocess-expected \
	testdata/images/preprocess-expected.txt \
	testdata/images/pattern.png testdata/images/pattern.bmp testdata/images/pattern.tif \
	testdata/images/pattern-lossless.webp testdata/images/pattern.gif testdata/images/pattern-alpha.png \
	testdata/images/pattern-palette.png testdata/images/pattern-16bit.png testdata/images/gray-16bit.png \
	testdata/images/gray.jpg testdata/images/cmyk.jpg testdata/images/quadrants.jpg testdata/images/quadrants.webp \
	testdata/images/orientation-1.jpg testdata/images/orientation-2.jpg testdata/images/orientation-3.jpg \
	testdata/images/orientation-4.jpg testdata/images/orientation-5.jpg testdata/images/orientation-6.jpg \
	testdata/images/orientation-7.jpg testdata/images/orientation-8.jpg testdata/images/orientation-6.webp \
	testdata/images/orientation-6.png testdata/images/orientation-6.tif testdata/images/scene.png \
	testdata/images/scene-tall.png testdata/images/huge-side.png testdata/images/huge-area.png \
	testdata/images/tone.wav testdata/images/clip.mkv testdata/images/flat-odd-420.jpg \
	testdata/images/flat-odd-422.jpg testdata/images/pattern-animated.png

# Fuzz target for image decoding, run in make check like the io targets.
check_PROGRAMS += tests/fuzz/fuzz-image
tests_fuzz_fuzz_image_SOURCES = tests/fuzz/fuzz-image.c tests/fuzz/standalone.c tests/fuzz/fuzz_file.h
tests_fuzz_fuzz_image_LDADD = $(AMASS_LIBS)
TESTS += tests/fuzz/run-image.sh
EXTRA_DIST += tests/fuzz/run-image.sh

# Annotation (boxes, captions, the built-in font) and the JPEG writer.
check_PROGRAMS += tests/unit/test-vision-annotate
TESTS += tests/unit/test-vision-annotate
tests_unit_test_vision_annotate_SOURCES = tests/unit/test-vision-annotate.c tests/unit/tap.h
tests_unit_test_vision_annotate_LDADD = $(AMASS_LIBS)
# The detector decoders and the NMS, on hand-made tensors.
check_PROGRAMS += tests/unit/test-vision-detect
TESTS += tests/unit/test-vision-detect
tests_unit_test_vision_detect_SOURCES = tests/unit/test-vision-detect.c tests/unit/tap.h
tests_unit_test_vision_detect_LDADD = $(AMASS_LIBS)
