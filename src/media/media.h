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

/* ---- audio ------------------------------------------------------------ */

/* Audio files as a stream of mono float samples in [-1, 1] at one rate
 * (16000 unless asked otherwise): WAV, FLAC, OGG, AIFF... through
 * libsndfile, MP3, M4A/AAC, Opus and the audio track of video files
 * through FFmpeg, or headerless signed 16-bit little-endian PCM. Channels
 * are averaged (not FFmpeg's default 1/sqrt(2) mix, which can clip) and
 * the rate converted with libswresample. Memory stays flat whatever the
 * length: the reader holds one decoded block at a time. */
#define AMASS_AUDIO_DEFAULT_RATE 16000

typedef struct {
    int sample_rate;        /* output rate; 0: AMASS_AUDIO_DEFAULT_RATE */
    int raw_rate;           /* > 0: the file is headerless s16le PCM at this rate */
    int raw_channels;       /* channels of raw PCM, interleaved; 0: 1 */
} amass_audio_options;

typedef struct {
    int sample_rate;        /* of the samples read */
    int source_rate;        /* of the file */
    int source_channels;
    /* samples the stream will give at sample_rate, from the header; -1
     * when the header does not say (the count is known at the end) */
    int64_t expected_samples;
    const char *format;     /* "wav", "flac", "mp3", "matroska,webm", "raw"... */
    const char *codec;      /* "pcm_s16le", "vorbis", "aac"... */
} amass_audio_info;

typedef struct amass_audio_reader amass_audio_reader;

/* Opens path for reading (options NULL: the defaults). On failure *reader
 * is NULL and status names the file and the cause:
 *   "talk.wav: empty file"
 *   "photo.jpg: not audio: it is an image (piped jpeg sequence)"
 *   "clip.mkv: no audio track (Matroska / WebM file with video only)"
 *   "talk.wav: not audio or corrupt: Invalid data found when processing input"
 *   "talk.wav: truncated: the header promises 176400 bytes of samples, the file holds 99922"
 * A valid file with no samples opens and reads 0 samples. Only the path is
 * read (no FFmpeg protocols). Each reader is for one thread. */
amass_code amass_media_audio_open(const char *path, const amass_audio_options *options, amass_audio_reader **reader,
                                  amass_status *status);
/* Reads up to capacity samples into samples; *count is how many, 0 at the
 * end of the stream. A file that turns out truncated or corrupt midway
 * fails with a message giving the time ("talk.flac: truncated or corrupt
 * at 2.50 s: ..."); a damaged frame of a lossy stream (MP3, AAC) is
 * skipped as players do, and a lossy file cut short simply ends early.
 * NaN and infinite samples of float files read as 0. */
amass_code amass_media_audio_read(amass_audio_reader *reader, float *samples, size_t capacity, size_t *count,
                                  amass_status *status);
/* The same as 16-bit integers (rounded, clipped). */
amass_code amass_media_audio_read_int16(amass_audio_reader *reader, int16_t *samples, size_t capacity,
                                        size_t *count, amass_status *status);
void amass_media_audio_get_info(const amass_audio_reader *reader, amass_audio_info *info);
/* Samples read so far; after the end, the duration in samples. */
int64_t amass_media_audio_samples_read(const amass_audio_reader *reader);
/* The most bytes of sample buffers the reader has held at once (what a
 * test checks to see that memory does not grow with the file's length). */
size_t amass_media_audio_peak_buffer_bytes(const amass_audio_reader *reader);
/* NULL is fine. */
void amass_media_audio_close(amass_audio_reader *reader);

/* A whole file into *samples (malloc'd, the caller frees; NULL when 0
 * samples), for short clips and tests. */
amass_code amass_media_audio_load(const char *path, const amass_audio_options *options, float **samples,
                                  size_t *count, amass_status *status);

#endif
