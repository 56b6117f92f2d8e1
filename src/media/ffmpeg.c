/* FFmpeg glue shared by the media decoders: its logging kept quiet, its
 * error texts at hand, and files read through stdio. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avio.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>

#include "../base/base.h"
#include "media_internal.h"

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
/* Per thread, because worker threads decode different files at once and
 * FFmpeg's log callback is process-wide. */
static _Thread_local char last_error[256];

static void log_callback(void *context, int level, const char *format, va_list args)
{
    char line[1024];
    int print_prefix = 1;
    size_t n;
    if (level > AV_LOG_VERBOSE) /* the per-marker chatter costs time and tells a user nothing */
        return;
    av_log_format_line2(context, level, format, args, line, (int)sizeof line, &print_prefix);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n == 0)
        return;
    if (level <= AV_LOG_ERROR) {
        /* the text without the "[png @ 0x...] " context prefix */
        const char *text = line;
        if (text[0] == '[') {
            const char *end = strstr(text, "] ");
            if (end)
                text = end + 2;
        }
        snprintf(last_error, sizeof last_error, "%s", text);
    }
    amass_log(AMASS_LOG_DEBUG, "ffmpeg: %s", line);
}

static void setup(void)
{
    av_log_set_callback(log_callback);
}

void amass_media_ffmpeg_setup(void)
{
    pthread_once(&setup_once, setup);
}

const char *amass_media_ffmpeg_last_error(void)
{
    return last_error;
}

void amass_media_ffmpeg_forget_error(void)
{
    last_error[0] = '\0';
}

const char *amass_media_ffmpeg_error_text(int error, char *buffer, size_t size)
{
    if (av_strerror(error, buffer, size) < 0)
        snprintf(buffer, size, "FFmpeg error %d", error);
    return buffer;
}

static int read_file(void *opaque, uint8_t *buffer, int size)
{
    FILE *file = opaque;
    size_t got = fread(buffer, 1, (size_t)size, file);
    if (got == 0)
        return ferror(file) ? AVERROR(EIO) : AVERROR_EOF;
    return (int)got;
}

static int64_t seek_file(void *opaque, int64_t offset, int whence)
{
    FILE *file = opaque;
    if (whence & AVSEEK_SIZE) {
        struct stat info;
        return fstat(fileno(file), &info) == 0 ? (int64_t)info.st_size : AVERROR(ENOSYS);
    }
    whence &= ~AVSEEK_FORCE;
    if (fseeko(file, (off_t)offset, whence) != 0)
        return AVERROR(errno);
    return (int64_t)ftello(file);
}

AVIOContext *amass_media_ffmpeg_file_io(FILE *file, int buffer_size)
{
    AVIOContext *io;
    unsigned char *buffer = av_malloc((size_t)buffer_size);
    if (!buffer)
        return NULL;
    /* A pipe cannot seek: without a seek function FFmpeg keeps what it
     * probes and reads on, where a failing one loses the stream's start. */
    io = avio_alloc_context(buffer, buffer_size, 0, file, read_file, NULL,
                            ftello(file) < 0 ? NULL : seek_file);
    if (!io)
        av_free(buffer);
    return io;
}

void amass_media_ffmpeg_file_io_free(AVIOContext **io)
{
    if (!*io)
        return;
    av_freep(&(*io)->buffer);
    avio_context_free(io);
}

int amass_media_ffmpeg_is_image_demuxer(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, "_pipe") == 0) || strcmp(name, "image2") == 0 ||
           strcmp(name, "gif") == 0 || strcmp(name, "apng") == 0;
}

amass_code amass_media_ffmpeg_fail(amass_status *status, const char *path, const char *what, int error)
{
    char text[AV_ERROR_MAX_STRING_SIZE + 8];
    const char *detail = amass_media_ffmpeg_last_error();
    amass_media_ffmpeg_error_text(error, text, sizeof text);
    if (detail[0] && strcmp(detail, text) != 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s: %s (%s)", path, what, text, detail);
    return amass_fail(status, AMASS_ERR_INPUT, "%s: %s: %s", path, what, text);
}

const AVCodec *amass_media_ffmpeg_native_decoder(enum AVCodecID id)
{
    const AVCodec *codec;
    void *iterator = NULL;
    while ((codec = av_codec_iterate(&iterator)))
        if (codec->id == id && av_codec_is_decoder(codec) && !codec->wrapper_name)
            return codec;
    return NULL;
}

enum AVPixelFormat amass_media_ffmpeg_plain_format(enum AVPixelFormat format, int *full_range)
{
    switch (format) {
    case AV_PIX_FMT_YUVJ420P: *full_range = 1; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = 1; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = 1; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = 1; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full_range = 1; return AV_PIX_FMT_YUV411P;
    default: return format;
    }
}

int amass_media_too_large(const amass_image_limits *limits, int64_t width, int64_t height)
{
    return width > limits->max_side || height > limits->max_side || width * height > limits->max_pixels;
}

static int guarded_get_buffer(AVCodecContext *decoder, AVFrame *frame, int flags)
{
    amass_media_size_guard *guard = decoder->opaque;
    if (amass_media_too_large(guard->limits, frame->width, frame->height)) {
        guard->refused_width = frame->width;
        guard->refused_height = frame->height;
        return AVERROR(ERANGE);
    }
    return avcodec_default_get_buffer2(decoder, frame, flags);
}

void amass_media_ffmpeg_guard_sizes(AVCodecContext *decoder, amass_media_size_guard *guard)
{
    decoder->opaque = guard;
    decoder->get_buffer2 = guarded_get_buffer;
    /* FFmpeg's own early check (before it allocates row buffers) applies
     * max_pixels to the width rounded up to its SIMD stride (64): leave it
     * that slack, guarded_get_buffer applies the exact limit. */
    decoder->max_pixels = guard->limits->max_pixels + (int64_t)64 * guard->limits->max_side;
}
