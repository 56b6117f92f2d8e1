# libamass vision layer: preprocess (resize, crop, normalise) and postprocess
libamass_a_SOURCES += src/vision/vision.h src/vision/resize.c src/vision/preprocess.c
libamass_a_SOURCES += src/vision/postprocess.c
libamass_a_SOURCES += src/vision/annotate.c
