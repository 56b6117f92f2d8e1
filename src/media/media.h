/* libamass media layer: files decoded through FFmpeg into pixels a model
 * can take. Images: JPEG, PNG, WebP, BMP, TIFF, GIF (first frame) and the
 * other still formats FFmpeg reads, as packed 8-bit RGB, upright (EXIF
 * orientation applied), alpha dropped. */
#ifndef AMASS_MEDIA_H
#define AMASS_MEDIA_H

#include <stdint.h>

#include "../base/base.h"

/* ---- still images ---------------------------------------------------- */

/* A decoded image: packed RGB, 8 bits a channel, row-major, top row first,
 * no padding between rows (row stride = width * channels). */
typedef struct {
    int width, height;
    int channels;           /* always 3 (R, G, B) */
    uint8_t *pixels;        /* width * height * channels bytes */
    int orientation;        /* the EXIF orientation applied (1..8; 1 = none) */
} amass_image;

/* Images larger than this are refused before their pixels are allocated:
 * a 100-byte PNG can declare 100000 x 100000 pixels. 2^28 pixels is also
 * about where FFmpeg's own av_image_check_size stops. */
#define AMASS_IMAGE_MAX_SIDE 32768
#define AMASS_IMAGE_MAX_PIXELS ((int64_t)1 << 28)

typedef struct {
    int max_side;           /* widest or tallest image accepted */
    int64_t max_pixels;     /* width * height accepted */
} amass_image_limits;

/* Decodes the image file at path (the first frame of an animation) into
 * *image, which the caller frees with amass_media_image_free. On failure
 * *image is left empty and status names the file and the cause:
 *   "dog.jpg: not an image: Invalid data found when processing input"
 *   "talk.wav: not an image: it is a WAV / WAVE (Waveform Audio) file"
 *   "big.png: image too large: 40000 x 8 pixels (at most 32768 on a side)"
 * The file is read through the path only (no FFmpeg protocols or image
 * sequence patterns), so any name is safe. FFmpeg's own log lines go to
 * amass_log at debug level; the library prints nothing. Thread-safe. */
amass_code amass_media_image_load(const char *path, amass_image *image, amass_status *status);
/* The same with other limits (NULL: the defaults above). */
amass_code amass_media_image_load_limited(const char *path, const amass_image_limits *limits, amass_image *image,
                                          amass_status *status);
/* Frees the pixels and empties *image; NULL and empty images are fine. */
void amass_media_image_free(amass_image *image);

#endif
