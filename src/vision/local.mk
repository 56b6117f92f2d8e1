# libamass vision layer: preprocess (resize, crop, normalise) and postprocess
libamass_a_SOURCES += src/vision/vision.h src/vision/resize.c src/vision/preprocess.c
libamass_a_SOURCES += src/vision/postprocess.c
libamass_a_SOURCES += src/vision/annotate.c
# Detectors: the decoders of NanoDet's and CenterNet's heads, and the NMS
libamass_a_SOURCES += src/vision/detect.h src/vision/detect_list.c src/vision/detect_nanodet.c \
	src/vision/detect_centernet.c src/vision/nms.c
