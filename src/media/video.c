/* Video files as a stream of sampled RGB frames: demux, decode one frame
 * at a time, pick the frames --fps or --every asks for by presentation
 * time, and convert only those to packed RGB, shown as a player would. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media.h"
#include "media_internal.h"

#define IO_BUFFER_SIZE 65536
/* bytes past the pixels for swscale's SIMD to overrun into */
#define RGB_SLACK 256
/* Timestamps come in whole ticks of the stream's time base: two times
 * closer than this are the same instant. */
#define TIME_EPSILON 1e-6
/* swscale's SIMD YUV-to-RGB path: the accurate flags still images use (to
 * match PIL to the bit) cost 2.5 times as long on a 720p frame, 10 ms,
 * for a level or two of difference at chroma edges. There is no reference
 * decoder to match for video frames. */
#define VIDEO_SWS_FLAGS SWS_BILINEAR

struct amass_video_reader {
    char *path;
    amass_image_limits limits;
    double fps;
    int every;
    FILE *file;
    AVIOContext *io;
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *scaler;
    int stream_index;
    AVRational time_base;
    int64_t start_pts;
    int have_start;
    double frame_duration;      /* from the stream's frame rate, for frames without a timestamp */
    double promised_duration;   /* what the header says; 0 when it does not */
    double last_t;
    int have_last;
    int64_t decoded;
    int flushed, ended, warned;
    int rotation;               /* clockwise degrees to turn the decoded picture: 0, 90, 180, 270 */
    amass_media_size_guard guard;   /* a frame the decoder's get_buffer turned down */
    int read_error;             /* the demuxer failed (not a clean end) */
    char read_error_text[128];
    char damage_text[AV_ERROR_MAX_STRING_SIZE + 8];   /* the first damaged frame's error */
    amass_status failure;       /* given out once the frames before it are */
    int failure_pending;
    /* --fps: the last decoded frame, a candidate for the next step */
    AVFrame *previous;
    double previous_t;
    int have_previous, previous_given;
    int64_t step;
    /* frames chosen and not yet given out (at most two per decoded frame) */
    AVFrame *queue[2];
    double queue_t[2];
    int n_queued;
    uint8_t *converted;         /* before rotation */
    size_t converted_size;
    amass_image image;
    size_t image_size;
};

static amass_code fail_too_large(amass_video_reader *reader, amass_status *status, int64_t width, int64_t height)
{
    return amass_fail(status, AMASS_ERR_INPUT,
                      "%s: video frames too large: %lld x %lld pixels (at most %d on a side and %lld in all)",
                      reader->path, (long long)width, (long long)height, reader->limits.max_side,
                      (long long)reader->limits.max_pixels);
}

/* Opens the container through our own reader: avformat_open_input(path)
 * would take "concat:" or "http://" names as protocols. */
static amass_code open_container(const char *path, FILE **file, AVIOContext **io, AVFormatContext **format,
                                 amass_status *status)
{
    struct stat info;
    int error;
    *file = fopen(path, "rb");
    if (!*file)
        return amass_fail(status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO, "%s: %s", path,
                          strerror(errno));
    if (fstat(fileno(*file), &info) == 0) {
        if (S_ISDIR(info.st_mode))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: is a directory", path);
        if (S_ISREG(info.st_mode) && info.st_size == 0)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: not a video: the file is empty", path);
    }
    if (!(*io = amass_media_ffmpeg_file_io(*file, IO_BUFFER_SIZE)) || !(*format = avformat_alloc_context()))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    (*format)->pb = *io;
    error = avformat_open_input(format, NULL, NULL, NULL);
    if (error < 0) {
        *format = NULL; /* freed by avformat_open_input */
        return amass_media_ffmpeg_fail(status, path, "not a video", error);
    }
    return AMASS_OK;
}

/* The signatures of the common still formats, checked before FFmpeg's
 * probe: the probe scans a whole JPEG's markers over growing buffers, as
 * long as a third of decoding the picture, and the image loader probes
 * again. What these start with is never a video container. */
static int starts_as_still_image(const char *path)
{
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t head[12];
    FILE *file = fopen(path, "rb");
    size_t n;
    if (!file)
        return 0;
    n = fread(head, 1, sizeof head, file);
    fclose(file);
    if (n < sizeof head)
        return 0;
    return (head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) || memcmp(head, png, 8) == 0 ||
           memcmp(head, "GIF87a", 6) == 0 || memcmp(head, "GIF89a", 6) == 0 ||
           (memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0) ||
           memcmp(head, "II*\0", 4) == 0 || memcmp(head, "MM\0*", 4) == 0;
}

amass_media_kind amass_media_probe(const char *path)
{
    FILE *file = NULL;
    AVIOContext *io = NULL;
    AVFormatContext *format = NULL;
    amass_status status;
    amass_media_kind kind = AMASS_MEDIA_UNKNOWN;
    if (starts_as_still_image(path))
        return AMASS_MEDIA_IMAGE;
    amass_media_ffmpeg_setup();
    amass_status_clear(&status);
    if (open_container(path, &file, &io, &format, &status) == AMASS_OK)
        kind = amass_media_ffmpeg_is_image_demuxer(format->iformat->name) ? AMASS_MEDIA_IMAGE : AMASS_MEDIA_VIDEO;
    avformat_close_input(&format);
    amass_media_ffmpeg_file_io_free(&io);
    if (file)
        fclose(file);
    amass_media_ffmpeg_forget_error();
    return kind;
}

/* Clockwise degrees, as FFmpeg's own players turn the picture: the
 * display matrix gives the counter-clockwise angle. */
static int stream_rotation(const AVStream *stream)
{
    const int32_t *matrix = (const int32_t *)av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    double angle;
    long quarter;
    if (!matrix)
        return 0;
    angle = -av_display_rotation_get(matrix);
    if (!isfinite(angle))
        return 0;
    quarter = lround(angle / 90.0);
    if (fabs(angle - 90.0 * (double)quarter) > 2.0)
        return 0; /* odd angles are left alone: not worth resampling for */
    return (int)(((quarter % 4) + 4) % 4) * 90;
}

static amass_code choose_stream(amass_video_reader *reader, amass_status *status)
{
    AVFormatContext *format = reader->format;
    const char *kind = format->iformat->long_name ? format->iformat->long_name : format->iformat->name;
    AVStream *stream;
    unsigned i;
    int error;
    if (amass_media_ffmpeg_is_image_demuxer(format->iformat->name))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: not a video: it is a still image (%s)", reader->path, kind);
    /* before find_stream_info reads any frame of a declared 40000 x 40000 */
    for (i = 0; i < format->nb_streams; i++) {
        const AVCodecParameters *parameters = format->streams[i]->codecpar;
        if (parameters->codec_type == AVMEDIA_TYPE_VIDEO && amass_media_too_large(&reader->limits, parameters->width, parameters->height))
            return fail_too_large(reader, status, parameters->width, parameters->height);
    }
    error = avformat_find_stream_info(format, NULL);
    if (error < 0)
        return amass_media_ffmpeg_fail(status, reader->path, "not a video", error);
    reader->stream_index = -1;
    for (i = 0; i < format->nb_streams; i++) {
        stream = format->streams[i];
        /* cover art of a music file is a "video" stream of one picture */
        if (stream->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(stream->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            reader->stream_index = (int)i;
            break;
        }
    }
    if (reader->stream_index < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no video stream (it is a%s %s file)", reader->path,
                          kind[0] && strchr("AEIOU", kind[0]) ? "n" : "", kind);
    stream = format->streams[reader->stream_index];
    if (amass_media_too_large(&reader->limits, stream->codecpar->width, stream->codecpar->height))
        return fail_too_large(reader, status, stream->codecpar->width, stream->codecpar->height);
    reader->time_base = stream->time_base;
    if (stream->start_time != AV_NOPTS_VALUE) {
        reader->start_pts = stream->start_time;
        reader->have_start = 1;
    }
    reader->frame_duration = stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0
                                 ? av_q2d(av_inv_q(stream->avg_frame_rate))
                             : stream->r_frame_rate.num > 0 && stream->r_frame_rate.den > 0
                                 ? av_q2d(av_inv_q(stream->r_frame_rate))
                                 : 1.0 / 25;
    /* The stream's own duration; the container's only when the video is
     * all it holds (an audio track may run longer). */
    if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0)
        reader->promised_duration = (double)stream->duration * av_q2d(stream->time_base);
    else if (format->nb_streams == 1 && format->duration != AV_NOPTS_VALUE && format->duration > 0)
        reader->promised_duration = (double)format->duration / AV_TIME_BASE;
    reader->rotation = stream_rotation(stream);
    return AMASS_OK;
}

static amass_code open_decoder(amass_video_reader *reader, amass_status *status)
{
    const AVCodecParameters *parameters = reader->format->streams[reader->stream_index]->codecpar;
    const AVCodec *codec = amass_media_ffmpeg_native_decoder(parameters->codec_id);
    int error;
    if (!codec)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %s video is not supported", reader->path,
                          avcodec_get_name(parameters->codec_id));
    if (!(reader->decoder = avcodec_alloc_context3(codec)) || !(reader->packet = av_packet_alloc()) ||
        !(reader->frame = av_frame_alloc()) || !(reader->previous = av_frame_alloc()) ||
        !(reader->queue[0] = av_frame_alloc()) || !(reader->queue[1] = av_frame_alloc()))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    error = avcodec_parameters_to_context(reader->decoder, parameters);
    if (error < 0)
        return amass_media_ffmpeg_fail(status, reader->path, "cannot decode", error);
    reader->guard.limits = &reader->limits;
    amass_media_ffmpeg_guard_sizes(reader->decoder, &reader->guard);
    reader->decoder->pkt_timebase = reader->time_base;
    /* the caller decodes other files on other threads */
    reader->decoder->thread_count = 1;
    error = avcodec_open2(reader->decoder, codec, NULL);
    if (error < 0)
        return amass_media_ffmpeg_fail(status, reader->path, "cannot decode", error);
    return AMASS_OK;
}

amass_code amass_media_video_open(const char *path, const amass_video_options *options, amass_video_reader **result,
                                  amass_status *status)
{
    static const amass_image_limits default_limits = {AMASS_IMAGE_MAX_SIDE, AMASS_IMAGE_MAX_PIXELS};
    amass_video_reader *reader;
    amass_code code;
    *result = NULL;
    amass_media_ffmpeg_setup();
    amass_media_ffmpeg_forget_error();
    if (!(reader = calloc(1, sizeof *reader)) || !(reader->path = amass_strndup(path, strlen(path)))) {
        free(reader);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    reader->limits = options && options->limits ? *options->limits : default_limits;
    reader->fps = options && options->fps > 0 ? options->fps : 0;
    reader->every = options && options->every > 0 && reader->fps == 0 ? options->every : 0;
    if (reader->fps == 0 && reader->every == 0)
        reader->fps = AMASS_VIDEO_DEFAULT_FPS;
    code = open_container(path, &reader->file, &reader->io, &reader->format, status);
    if (code == AMASS_OK)
        code = choose_stream(reader, status);
    if (code == AMASS_OK)
        code = open_decoder(reader, status);
    if (code != AMASS_OK) {
        amass_media_video_close(reader);
        return code;
    }
    *result = reader;
    return AMASS_OK;
}

/* A damaged frame is skipped as players skip it; saying so once per file
 * is enough to explain a gap in the records. */
static void warn_damaged(amass_video_reader *reader, int error)
{
    if (reader->warned)
        return;
    reader->warned = 1;
    amass_media_ffmpeg_error_text(error, reader->damage_text, sizeof reader->damage_text);
    amass_log(AMASS_LOG_WARN, "%s: damaged frame after %.3f s skipped: %s", reader->path,
              reader->have_last ? reader->last_t : 0.0, reader->damage_text);
}

/* 1: reader->frame holds the next decoded frame; 0: no more; -1: a
 * failure that ends the file, in status. */
static int decode_next(amass_video_reader *reader, amass_status *status)
{
    int error;
    for (;;) {
        error = avcodec_receive_frame(reader->decoder, reader->frame);
        if (error == 0)
            return 1;
        if (reader->guard.refused_width)
            return fail_too_large(reader, status, reader->guard.refused_width, reader->guard.refused_height), -1;
        if (error == AVERROR_EOF || (reader->flushed && error == AVERROR(EAGAIN)))
            return 0;
        if (error != AVERROR(EAGAIN)) {
            warn_damaged(reader, error);
            if (reader->flushed)
                continue;
        }
        error = av_read_frame(reader->format, reader->packet);
        if (error < 0) {
            if (error != AVERROR_EOF) {
                reader->read_error = 1;
                amass_media_ffmpeg_error_text(error, reader->read_error_text, sizeof reader->read_error_text);
            }
            avcodec_send_packet(reader->decoder, NULL);
            reader->flushed = 1;
            continue;
        }
        if (reader->packet->stream_index == reader->stream_index) {
            error = avcodec_send_packet(reader->decoder, reader->packet);
            if (reader->guard.refused_width) {
                av_packet_unref(reader->packet);
                return fail_too_large(reader, status, reader->guard.refused_width, reader->guard.refused_height), -1;
            }
            if (error < 0 && error != AVERROR(EAGAIN))
                warn_damaged(reader, error);
        }
        av_packet_unref(reader->packet);
    }
}

/* Seconds from the stream's start; a frame without a timestamp follows
 * the previous one by a frame duration, and time never runs backwards
 * (so a bad timestamp cannot reorder the records). */
static double frame_time(amass_video_reader *reader, const AVFrame *frame)
{
    int64_t pts = frame->best_effort_timestamp;
    double t;
    if (pts == AV_NOPTS_VALUE)
        t = reader->have_last ? reader->last_t + reader->frame_duration : 0.0;
    else {
        if (!reader->have_start) {
            reader->start_pts = pts;
            reader->have_start = 1;
        }
        t = (double)(pts - reader->start_pts) * av_q2d(reader->time_base);
    }
    if (t < 0)
        t = 0;
    if (reader->have_last && t < reader->last_t)
        t = reader->last_t;
    reader->last_t = t;
    reader->have_last = 1;
    return t;
}

static amass_code enqueue(amass_video_reader *reader, const AVFrame *frame, double t, amass_status *status)
{
    if (av_frame_ref(reader->queue[reader->n_queued], frame) < 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    reader->queue_t[reader->n_queued++] = t;
    return AMASS_OK;
}

/* The first step k with k / fps later than x (x itself counting as
 * reached, so a frame exactly on a step takes it). */
static int64_t step_after(const amass_video_reader *reader, double x)
{
    return (int64_t)floor(x * reader->fps + TIME_EPSILON) + 1;
}

/* --fps: the frame nearest each step, known once a frame at or past the
 * step arrives. The previous frame wins ties, so the earlier of two
 * equally near frames is the one written. */
static amass_code sample(amass_video_reader *reader, double t, amass_status *status)
{
    int given = 0;
    if (reader->every) {
        if ((reader->decoded - 1) % reader->every == 0)
            return enqueue(reader, reader->frame, t, status);
        return AMASS_OK;
    }
    for (;;) {
        double step_time = (double)reader->step / reader->fps;
        if (t + TIME_EPSILON < step_time)
            break;
        if (reader->have_previous && step_time - reader->previous_t <= t - step_time + TIME_EPSILON) {
            if (!reader->previous_given && enqueue(reader, reader->previous, reader->previous_t, status) != AMASS_OK)
                return status->code;
            reader->previous_given = 1;
            reader->step = step_after(reader, (reader->previous_t + t) / 2);
            continue;
        }
        if (enqueue(reader, reader->frame, t, status) != AMASS_OK)
            return status->code;
        given = 1;
        reader->step = step_after(reader, t);
        break;
    }
    av_frame_unref(reader->previous);
    av_frame_move_ref(reader->previous, reader->frame);
    reader->previous_t = t;
    reader->have_previous = 1;
    reader->previous_given = given;
    return AMASS_OK;
}

/* A clean end short of what the header promised is a cut file: the
 * demuxers of Matroska and MP4 just stop at a cut. Half a second of slack,
 * or two frames, covers containers that round their duration. */
static void check_end(amass_video_reader *reader, amass_status *status)
{
    double reached = reader->have_last ? reader->last_t + reader->frame_duration : 0.0;
    double slack = 2 * reader->frame_duration > 0.5 ? 2 * reader->frame_duration : 0.5;
    /* a video that gives no frame at all gives no record: say why */
    if (reader->decoded == 0)
        amass_fail(status, AMASS_ERR_INPUT, "%s: no frame could be decoded%s%s", reader->path,
                   reader->warned ? ": " : reader->read_error ? ": " : " (the file may be cut short)",
                   reader->warned ? reader->damage_text : reader->read_error ? reader->read_error_text : "");
    else if (reader->read_error)
        amass_fail(status, AMASS_ERR_INPUT, "%s: truncated or unreadable at %.2f s: %s", reader->path, reached,
                   reader->read_error_text);
    else if (reader->promised_duration > 0 && reached + slack < reader->promised_duration)
        amass_fail(status, AMASS_ERR_INPUT, "%s: truncated or corrupt at %.2f s: the header promises %.2f s", reader->path, reached,
                   reader->promised_duration);
    else
        return;
    reader->failure_pending = 1;
}

static int ensure(uint8_t **buffer, size_t *size, size_t need)
{
    uint8_t *grown;
    if (*size >= need)
        return 1;
    if (!(grown = realloc(*buffer, need)))
        return 0;
    *buffer = grown;
    *size = need;
    return 1;
}

/* Turns width x height packed RGB clockwise by rotation degrees into out. */
static void rotate(const uint8_t *in, int width, int height, int rotation, uint8_t *out)
{
    int x, y, out_width = rotation == 180 ? width : height;
    for (y = 0; y < height; y++)
        for (x = 0; x < width; x++) {
            int ox, oy;
            if (rotation == 90) {
                ox = height - 1 - y;
                oy = x;
            } else if (rotation == 180) {
                ox = width - 1 - x;
                oy = height - 1 - y;
            } else {
                ox = y;
                oy = width - 1 - x;
            }
            memcpy(out + ((size_t)oy * out_width + ox) * 3, in + ((size_t)y * width + x) * 3, 3);
        }
}

/* One chosen frame to upright packed RGB at its display size. */
static amass_code convert(amass_video_reader *reader, const AVFrame *frame, amass_status *status)
{
    int full_range = frame->color_range == AVCOL_RANGE_JPEG;
    enum AVPixelFormat format = amass_media_ffmpeg_plain_format((enum AVPixelFormat)frame->format, &full_range);
    const AVPixFmtDescriptor *descriptor = av_pix_fmt_desc_get(format);
    AVRational aspect = frame->sample_aspect_ratio;
    int width = frame->width, height = frame->height, colorspace;
    uint8_t *destination[4] = {NULL};
    int destination_stride[4] = {0};
    size_t bytes;
    if (!descriptor || width <= 0 || height <= 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the decoder gave a frame with no pixels", reader->path);
    if (descriptor->nb_components <= 2 && !(descriptor->flags & AV_PIX_FMT_FLAG_RGB))
        full_range = 1;
    /* non-square pixels (DVD, HDV) are shown stretched sideways */
    if (aspect.num > 0 && aspect.den > 0 && aspect.num != aspect.den) {
        double shown = floor(width * av_q2d(aspect) + 0.5);
        width = shown < 1 ? 1 : shown > reader->limits.max_side ? reader->limits.max_side : (int)shown;
    }
    if (amass_media_too_large(&reader->limits, width, height))
        return fail_too_large(reader, status, width, height);
    reader->scaler = sws_getCachedContext(reader->scaler, frame->width, frame->height, format, width, height,
                                          AV_PIX_FMT_RGB24,
                                          VIDEO_SWS_FLAGS,
                                          NULL, NULL, NULL);
    if (!reader->scaler)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: cannot convert %s frames to RGB", reader->path,
                          descriptor->name);
    colorspace = frame->colorspace == AVCOL_SPC_BT709                                               ? SWS_CS_ITU709
                 : frame->colorspace == AVCOL_SPC_BT2020_NCL || frame->colorspace == AVCOL_SPC_BT2020_CL ? SWS_CS_BT2020
                                                                                                     : SWS_CS_DEFAULT;
    sws_setColorspaceDetails(reader->scaler, sws_getCoefficients(colorspace), full_range,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    bytes = (size_t)width * 3 * (size_t)height;
    if (!ensure(&reader->converted, &reader->converted_size, bytes + RGB_SLACK) ||
        !ensure(&reader->image.pixels, &reader->image_size, bytes + RGB_SLACK))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d x %d frames", reader->path, width, height);
    destination[0] = reader->rotation ? reader->converted : reader->image.pixels;
    destination_stride[0] = width * 3;
    sws_scale(reader->scaler, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, destination,
              destination_stride);
    reader->image.width = width;
    reader->image.height = height;
    if (reader->rotation) {
        rotate(reader->converted, width, height, reader->rotation, reader->image.pixels);
        if (reader->rotation != 180) {
            reader->image.width = height;
            reader->image.height = width;
        }
    }
    reader->image.channels = 3;
    reader->image.orientation = 1;
    return AMASS_OK;
}

int amass_media_video_next(amass_video_reader *reader, const amass_image **image, double *t, amass_status *status)
{
    double frame_t;
    int result;
    while (reader->n_queued == 0) {
        if (reader->ended) {
            if (!reader->failure_pending)
                return 0;
            reader->failure_pending = 0;
            *status = reader->failure;
            return -1;
        }
        result = decode_next(reader, &reader->failure);
        if (result < 0) {
            reader->ended = 1;
            reader->failure_pending = 1;
            continue;
        }
        if (result == 0) {
            reader->ended = 1;
            check_end(reader, &reader->failure);
            continue;
        }
        reader->decoded++;
        frame_t = frame_time(reader, reader->frame);
        if (sample(reader, frame_t, status) != AMASS_OK)
            return -1;
        av_frame_unref(reader->frame);
    }
    result = convert(reader, reader->queue[0], status) == AMASS_OK ? 1 : -1;
    *t = reader->queue_t[0];
    av_frame_unref(reader->queue[0]);
    if (--reader->n_queued) {
        AVFrame *first = reader->queue[0];
        reader->queue[0] = reader->queue[1];
        reader->queue[1] = first;
        reader->queue_t[0] = reader->queue_t[1];
    }
    if (result == 1)
        *image = &reader->image;
    return result;
}

int64_t amass_media_video_frames_decoded(const amass_video_reader *reader)
{
    return reader->decoded;
}

void amass_media_video_close(amass_video_reader *reader)
{
    if (!reader)
        return;
    sws_freeContext(reader->scaler);
    av_frame_free(&reader->queue[0]);
    av_frame_free(&reader->queue[1]);
    av_frame_free(&reader->previous);
    av_frame_free(&reader->frame);
    av_packet_free(&reader->packet);
    avcodec_free_context(&reader->decoder);
    avformat_close_input(&reader->format);
    amass_media_ffmpeg_file_io_free(&reader->io);
    if (reader->file)
        fclose(reader->file);
    free(reader->converted);
    free(reader->image.pixels);
    free(reader->path);
    free(reader);
}
