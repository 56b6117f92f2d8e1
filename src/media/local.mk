# libamass media layer: FFmpeg/libsndfile decode -> float tensors
libamass_a_SOURCES += src/media/media.h src/media/media_internal.h src/media/ffmpeg.c src/media/image.c src/media/exif.c src/media/jfif.c
libamass_a_SOURCES += src/media/audio_internal.h src/media/audio.c src/media/audio_ffmpeg.c
libamass_a_SOURCES += src/media/video.c src/media/image_save.c
