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

/* ---- video -------------------------------------------------------------
 * Any video FFmpeg reads (MP4, Matroska/WebM, AVI, MPEG-TS, Y4M...) as a
 * stream of sampled frames, packed RGB like still images, streamed: the
 * reader holds a frame or two, so memory stays flat however long the file.
 * A file is told apart by its content, not its name (amass_media_probe). */

typedef enum {
    AMASS_MEDIA_UNKNOWN,    /* unreadable, empty, or neither: the image loader explains */
    AMASS_MEDIA_IMAGE,      /* a still-picture format (JPEG, PNG, GIF, APNG, WebP, TIFF...) */
    AMASS_MEDIA_VIDEO       /* any other container FFmpeg recognises */
} amass_media_kind;

/* What FFmpeg's probe says the file is: a still-picture demuxer (its
 * first frame is the image, animated GIF and APNG included) or a
 * container; a container is treated as a video (a WAV or MP3 file then
 * fails to open as one with "no video stream"). Reads the head only. */
amass_media_kind amass_media_probe(const char *path);

typedef struct {
    /* > 0: of the decoded frames, the one nearest each step k / fps
     * seconds (k = 0, 1, 2...) by presentation time, each frame at most
     * once, a step past the last frame giving none; */
    double fps;
    /* > 0 (when fps is 0): every Nth decoded frame, the first included;
     * both 0: AMASS_VIDEO_DEFAULT_FPS frames a second. */
    int every;
    const amass_image_limits *limits;   /* NULL: the image defaults */
} amass_video_options;

#define AMASS_VIDEO_DEFAULT_FPS 1.0

typedef struct amass_video_reader amass_video_reader;

/* Opens path (options NULL: the defaults). Fails naming the file:
 *   "clip.mp4: not a video: the file is empty"
 *   "talk.wav: no video stream (it is a WAV / WAVE (Waveform Audio) file)"
 *   "big.y4m: video frames too large: 40000 x 40000 pixels (...)"
 * Only the path is read (no FFmpeg protocols). One reader per thread. */
amass_code amass_media_video_open(const char *path, const amass_video_options *options, amass_video_reader **reader,
                                  amass_status *status);
/* The next sampled frame: 1 with *image (the reader's; valid until the
 * next call) and *t, seconds from the stream's first frame; 0 at the end;
 * -1 when the file turns out truncated or unreadable midway, status
 * saying where ("clip.mkv: truncated at 1.60 s: the header promises
 * 3.00 s"); the frames before it were good. A frame the decoder rejects
 * is skipped and logged (amass_log, warning) once per file. Frames are
 * shown as a player would: stretched by a non-square sample aspect
 * ratio, turned by a display-matrix rotation of 90, 180 or 270 degrees.
 * Frames with no timestamp get the previous one's plus a frame duration. */
int amass_media_video_next(amass_video_reader *reader, const amass_image **image, double *t, amass_status *status);
/* Frames decoded so far (sampled or not). */
int64_t amass_media_video_frames_decoded(const amass_video_reader *reader);
/* NULL is fine. */
void amass_media_video_close(amass_video_reader *reader);

/* ---- writing images --------------------------------------------------- */

/* Writes image as a baseline JPEG (FFmpeg's mjpeg encoder, 4:2:0, high
 * quality) to path, replacing it. On failure nothing is left at path and
 * status names it: "out/dog.jpg: No such file or directory". */
amass_code amass_media_image_save_jpeg(const char *path, const amass_image *image, amass_status *status);

#endif
