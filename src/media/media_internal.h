/* What the media layer's FFmpeg-based files share and nobody else needs. */
#ifndef AMASS_MEDIA_INTERNAL_H
#define AMASS_MEDIA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avio.h>

#include "../base/base.h"
#include "media.h"

/* Routes FFmpeg's log lines to amass_log at debug level (once per
 * process), so the library never prints. */
void amass_media_ffmpeg_setup(void);

/* The last error line FFmpeg logged on this thread since the last
 * amass_media_ffmpeg_forget_error ("" when none), without its newline. It
 * often says more than the error code ("Picture size 20000x20000 is
 * invalid"). */
const char *amass_media_ffmpeg_last_error(void);
void amass_media_ffmpeg_forget_error(void);

/* av_strerror into buffer; returns buffer. */
const char *amass_media_ffmpeg_error_text(int error, char *buffer, size_t size);

/* An AVIOContext reading an open stdio file (seekable, size known through
 * fstat), with a buffer of buffer_size bytes; NULL when out of memory. The
 * file stays the caller's. _free releases the context and its buffer and
 * sets *io to NULL; it takes NULL. */
AVIOContext *amass_media_ffmpeg_file_io(FILE *file, int buffer_size);
void amass_media_ffmpeg_file_io_free(AVIOContext **io);

/* The demuxers FFmpeg probes still pictures as ("png_pipe", "jpeg_pipe",
 * "image2"...; gif and apng are animations whose first frame counts). */
int amass_media_ffmpeg_is_image_demuxer(const char *name);

/* Fails status with AMASS_ERR_INPUT "PATH: WHAT: FFmpeg's error text", and
 * FFmpeg's last logged line in parentheses when it says more. */
amass_code amass_media_ffmpeg_fail(amass_status *status, const char *path, const char *what, int error);

/* FFmpeg's own decoder for id, never a wrapper of an outside library:
 * those print to stderr behind FFmpeg's back (Debian's libjxl writes
 * "JXL_FAILURE: ..." lines on bad JPEG XL data), and the library must not
 * print. NULL when FFmpeg has none. */
const AVCodec *amass_media_ffmpeg_native_decoder(enum AVCodecID id);

/* JPEG's "J" formats are deprecated aliases swscale wants spelled as the
 * plain format plus a full-range flag: returns the plain format and sets
 * *full_range for them; other formats come back as they are. */
enum AVPixelFormat amass_media_ffmpeg_plain_format(enum AVPixelFormat format, int *full_range);

/* Whether a picture of width x height exceeds limits. */
int amass_media_too_large(const amass_image_limits *limits, int64_t width, int64_t height);

/* A decoder's allocation guard: amass_media_ffmpeg_guard_sizes makes the
 * decoder refuse, when it asks for a frame buffer (the last moment before
 * the pixels are allocated), a frame over limits, and remember its size
 * in refused_width/height (0 until then) for the caller's message. The
 * guard becomes the decoder's opaque and must outlive it. */
typedef struct {
    const amass_image_limits *limits;
    int refused_width, refused_height;
} amass_media_size_guard;

void amass_media_ffmpeg_guard_sizes(AVCodecContext *decoder, amass_media_size_guard *guard);

/* EXIF orientation (1..8; 1 when there is none) of a TIFF file or of a
 * PNG file's eXIf chunk, read from the open file descriptor. */
int amass_media_tiff_file_orientation(int fd);
int amass_media_png_file_orientation(int fd);

/* Row y of a 2x-subsampled (shift 1) or full (shift 0) chroma plane
 * upsampled to width samples as libjpeg's fancy upsampling does; column
 * holds source_width scratch values. */
void amass_media_upsample_chroma_row(const uint8_t *plane, int stride, int source_width, int source_height,
                                     int shift_x, int shift_y, int y, uint16_t *column, uint8_t *out, int width);
/* Full-range JFIF YCbCr planes (chroma subsampled by 1 << shift) into
 * packed RGB as libjpeg computes it; -1 when out of memory. */
int amass_media_jfif_to_rgb(const uint8_t *const planes[3], const int strides[3], int shift_x, int shift_y,
                            int width, int height, uint8_t *rgb);

#endif
