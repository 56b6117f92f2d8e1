/* Still images through FFmpeg: demux the file, decode its first frame,
 * convert it to packed RGB24 with libswscale, and turn it upright by its
 * EXIF orientation. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media.h"
#include "media_internal.h"

#define IO_BUFFER_SIZE 32768
/* bytes past the pixels for swscale to overrun into */
#define RGB_SLACK 256

/* Everything one load holds, so one exit path frees it all. */
typedef struct {
    const char *path;
    const amass_image_limits *limits;
    amass_status *status;
    FILE *file;
    AVIOContext *io;
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *scaler;
    amass_media_size_guard guard;       /* a frame the decoder's get_buffer turned down */
} image_load;

static amass_code fail_too_large(image_load *load, int64_t width, int64_t height)
{
    return amass_fail(load->status, AMASS_ERR_INPUT,
                      "%s: image too large: %lld x %lld pixels (at most %d on a side and %lld in all)", load->path,
                      (long long)width, (long long)height, load->limits->max_side,
                      (long long)load->limits->max_pixels);
}

static amass_code open_input(image_load *load, int *stream_index)
{
    const char *name, *kind;
    struct stat info;
    int error, i;
    load->file = fopen(load->path, "rb");
    if (!load->file)
        return amass_fail(load->status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO,
                          "%s: %s", load->path, strerror(errno));
    if (fstat(fileno(load->file), &info) == 0) {
        if (S_ISDIR(info.st_mode))
            return amass_fail(load->status, AMASS_ERR_INPUT, "%s: is a directory", load->path);
        if (S_ISREG(info.st_mode) && info.st_size == 0)
            return amass_fail(load->status, AMASS_ERR_INPUT, "%s: not an image: the file is empty", load->path);
    }
    /* Our own reader rather than avformat_open_input(path): FFmpeg would
     * read "concat:a|b" or "http://..." as protocols and "img%03d.jpg" as
     * an image sequence. */
    load->io = amass_media_ffmpeg_file_io(load->file, IO_BUFFER_SIZE);
    if (!load->io)
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    load->format = avformat_alloc_context();
    if (!load->format)
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    load->format->pb = load->io;
    error = avformat_open_input(&load->format, NULL, NULL, NULL);
    if (error < 0) {
        /* avformat_open_input frees the context on failure */
        load->format = NULL;
        return amass_media_ffmpeg_fail(load->status, load->path, "not an image", error);
    }
    name = load->format->iformat->name;
    kind = load->format->iformat->long_name ? load->format->iformat->long_name : name;
    if (!amass_media_ffmpeg_is_image_demuxer(name))
        return amass_fail(load->status, AMASS_ERR_INPUT, "%s: not an image: it is a%s %s file", load->path,
                          kind[0] && strchr("AEIOU", kind[0]) ? "n" : "", kind);
    for (i = 0; i < (int)load->format->nb_streams; i++)
        if (load->format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
            break;
    if (i == (int)load->format->nb_streams)
        return amass_fail(load->status, AMASS_ERR_INPUT, "%s: not an image: no picture in it", load->path);
    *stream_index = i;
    return AMASS_OK;
}

/* The size a PNG header declares (IHDR is always the first chunk). FFmpeg
 * refuses the absurd ones itself, but only as "Invalid image size". */
static int png_declared_size(FILE *file, int64_t *width, int64_t *height)
{
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t head[24];
    if (pread(fileno(file), head, sizeof head, 0) != (ssize_t)sizeof head || memcmp(head, signature, 8) != 0 ||
        memcmp(head + 12, "IHDR", 4) != 0)
        return 0;
    *width = (int64_t)head[16] << 24 | head[17] << 16 | head[18] << 8 | head[19];
    *height = (int64_t)head[20] << 24 | head[21] << 16 | head[22] << 8 | head[23];
    return 1;
}

static amass_code open_decoder(image_load *load, int stream_index)
{
    const AVCodecParameters *parameters = load->format->streams[stream_index]->codecpar;
    const AVCodec *codec = amass_media_ffmpeg_native_decoder(parameters->codec_id);
    int error;
    if (!codec)
        return amass_fail(load->status, AMASS_ERR_UNSUPPORTED, "%s: %s images are not supported", load->path,
                          avcodec_get_name(parameters->codec_id));
    /* some demuxers (gif) know the size from the header already */
    if (amass_media_too_large(load->limits, parameters->width, parameters->height))
        return fail_too_large(load, parameters->width, parameters->height);
    if (parameters->codec_id == AV_CODEC_ID_PNG || parameters->codec_id == AV_CODEC_ID_APNG) {
        int64_t width, height;
        if (png_declared_size(load->file, &width, &height) && amass_media_too_large(load->limits, width, height))
            return fail_too_large(load, width, height);
    }
    load->decoder = avcodec_alloc_context3(codec);
    if (!load->decoder)
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    error = avcodec_parameters_to_context(load->decoder, parameters);
    if (error < 0)
        return amass_media_ffmpeg_fail(load->status, load->path, "cannot decode", error);
    load->guard.limits = load->limits;
    amass_media_ffmpeg_guard_sizes(load->decoder, &load->guard);
    /* one image per call; callers decode in parallel across images */
    load->decoder->thread_count = 1;
    error = avcodec_open2(load->decoder, codec, NULL);
    if (error < 0)
        return amass_media_ffmpeg_fail(load->status, load->path, "cannot decode", error);
    return AMASS_OK;
}

static amass_code decode_error(image_load *load, int error)
{
    char name[32], what[64];
    size_t i;
    if (load->guard.refused_width)
        return fail_too_large(load, load->guard.refused_width, load->guard.refused_height);
    /* "bad PNG image", "bad JPEG image" */
    snprintf(name, sizeof name, "%s",
             load->decoder->codec_id == AV_CODEC_ID_MJPEG ? "jpeg" : avcodec_get_name(load->decoder->codec_id));
    for (i = 0; name[i]; i++)
        if (name[i] >= 'a' && name[i] <= 'z')
            name[i] = (char)(name[i] - 'a' + 'A');
    snprintf(what, sizeof what, "bad %s image", name);
    return amass_media_ffmpeg_fail(load->status, load->path, what, error);
}

/* Feeds packets of the picture stream until the decoder hands out a frame.
 * A packet the decoder rejects is skipped (the mjpeg parser may split
 * junk off a good picture); the error is reported only if no frame comes. */
static amass_code decode_first_frame(image_load *load, int stream_index)
{
    int error, last_error = AVERROR_INVALIDDATA, flushed = 0;
    load->packet = av_packet_alloc();
    load->frame = av_frame_alloc();
    if (!load->packet || !load->frame)
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    for (;;) {
        error = avcodec_receive_frame(load->decoder, load->frame);
        if (error == 0)
            return AMASS_OK;
        if (error == AVERROR_EOF || flushed)
            break;
        if (error != AVERROR(EAGAIN)) {
            last_error = error;
            if (load->guard.refused_width)
                break;
        }
        error = av_read_frame(load->format, load->packet);
        if (error < 0) {
            if (error != AVERROR_EOF)
                last_error = error;
            avcodec_send_packet(load->decoder, NULL);
            flushed = 1;
            continue;
        }
        if (load->packet->stream_index == stream_index) {
            error = avcodec_send_packet(load->decoder, load->packet);
            if (error < 0 && error != AVERROR(EAGAIN))
                last_error = error;
            if (load->guard.refused_width)
                break;
        }
        av_packet_unref(load->packet);
    }
    return decode_error(load, last_error);
}

/* The EXIF orientation FFmpeg 5.1 passes on: the mjpeg and webp decoders
 * parse the EXIF block and attach its tags to the frame as metadata, the
 * orientation under the key "Orientation" with a decimal value (checked
 * against JPEGs written with each of the eight values, and a WebP). Its
 * png and tiff decoders drop it: exif.c reads those. */
static int frame_orientation(const AVFrame *frame)
{
    const AVDictionaryEntry *entry = av_dict_get(frame->metadata, "Orientation", NULL, 0);
    char *end;
    long value;
    if (!entry || !entry->value)
        return 1;
    value = strtol(entry->value, &end, 10);
    return end != entry->value && *end == '\0' && value >= 1 && value <= 8 ? (int)value : 1;
}

static int orientation_of(image_load *load)
{
    int orientation = frame_orientation(load->frame);
    if (orientation != 1)
        return orientation;
    /* PIL's exif_transpose honours these too */
    if (load->decoder->codec_id == AV_CODEC_ID_TIFF)
        return amass_media_tiff_file_orientation(fileno(load->file));
    if (load->decoder->codec_id == AV_CODEC_ID_PNG || load->decoder->codec_id == AV_CODEC_ID_APNG)
        return amass_media_png_file_orientation(fileno(load->file));
    return 1;
}

static amass_code convert_to_rgb(image_load *load, uint8_t **rgb_out)
{
    const AVFrame *frame = load->frame;
    int full_range = frame->color_range == AVCOL_RANGE_JPEG, width = frame->width, height = frame->height;
    enum AVPixelFormat format = amass_media_ffmpeg_plain_format((enum AVPixelFormat)frame->format, &full_range);
    const AVPixFmtDescriptor *descriptor = av_pix_fmt_desc_get(format);
    uint8_t *scratch[4] = {NULL}, *rgb, *chroma = NULL;
    const uint8_t *planes[4];
    int scratch_stride[4], strides[4], y, error, deep, ycbcr, i;
    enum AVPixelFormat target;
    if (!descriptor)
        return amass_fail(load->status, AMASS_ERR_UNSUPPORTED, "%s: decoder gave no pixel format", load->path);
    /* Gray and palette pictures (PNG, GIF, BMP, gray JPEG) have no range
     * flag but are always full range; swscale would stretch 16-235. */
    if (descriptor->nb_components <= 2 && !(descriptor->flags & AV_PIX_FMT_FLAG_RGB))
        full_range = 1;
    if (frame->width <= 0 || frame->height <= 0)
        return amass_fail(load->status, AMASS_ERR_INPUT, "%s: bad image: no pixels", load->path);
    if (amass_media_too_large(load->limits, width, height))
        return fail_too_large(load, width, height);
    /* Deep pictures (16-bit PNG and TIFF) go through RGB48 and are narrowed
     * here with rounding: swscale's own 16-to-8-bit path rounds half up
     * and would turn 257 * v into v + 1 for some v. */
    deep = descriptor->comp[0].depth > 8;
    for (i = 0; i < 4; i++) {
        planes[i] = frame->data[i];
        strides[i] = frame->linesize[i];
    }
    ycbcr = !deep && descriptor->nb_components >= 3 && (descriptor->flags & AV_PIX_FMT_FLAG_PLANAR) &&
            !(descriptor->flags & AV_PIX_FMT_FLAG_RGB) && descriptor->log2_chroma_w <= 1 &&
            descriptor->log2_chroma_h <= 1;
    if (ycbcr && full_range && (frame->colorspace == AVCOL_SPC_BT470BG || frame->colorspace == AVCOL_SPC_SMPTE170M ||
                                frame->colorspace == AVCOL_SPC_UNSPECIFIED)) {
        /* JPEG: libjpeg's conversion, so pixels come out as PIL shows them
         * (and faster than swscale's accurate path) */
        rgb = amass_alloc_array((size_t)width * 3, (size_t)height);
        if (!rgb || amass_media_jfif_to_rgb((const uint8_t *const *)planes, strides, descriptor->log2_chroma_w,
                                            descriptor->log2_chroma_h, width, height, rgb) != 0) {
            free(rgb);
            return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory for %d x %d pixels", load->path,
                              width, height);
        }
        *rgb_out = rgb;
        return AMASS_OK;
    }
    if (ycbcr && (descriptor->log2_chroma_w || descriptor->log2_chroma_h)) {
        int shift_x = descriptor->log2_chroma_w, shift_y = descriptor->log2_chroma_h;
        uint16_t *column = amass_alloc_array((size_t)AV_CEIL_RSHIFT(width, shift_x), sizeof *column);
        chroma = amass_alloc_array((size_t)width * 2, (size_t)height);
        if (!chroma || !column) {
            free(chroma);
            free(column);
            return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
        }
        for (i = 1; i <= 2; i++) {
            for (y = 0; y < height; y++)
                amass_media_upsample_chroma_row(frame->data[i], frame->linesize[i], AV_CEIL_RSHIFT(width, shift_x),
                                                AV_CEIL_RSHIFT(height, shift_y), shift_x, shift_y, y, column,
                                                chroma + (size_t)(i - 1) * width * height + (size_t)y * width,
                                                width);
            planes[i] = chroma + (size_t)(i - 1) * width * height;
            strides[i] = width;
        }
        free(column);
        /* an alpha plane (yuva420p from WebP) is dropped like any alpha */
        format = AV_PIX_FMT_YUV444P;
    }
    target = deep ? AV_PIX_FMT_RGB48 : AV_PIX_FMT_RGB24;
    load->scaler = sws_alloc_context();
    if (!load->scaler) {
        free(chroma);
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    }
    av_opt_set_int(load->scaler, "srcw", width, 0);
    av_opt_set_int(load->scaler, "srch", height, 0);
    av_opt_set_int(load->scaler, "src_format", format, 0);
    av_opt_set_int(load->scaler, "dstw", width, 0);
    av_opt_set_int(load->scaler, "dsth", height, 0);
    av_opt_set_int(load->scaler, "dst_format", target, 0);
    av_opt_set_int(load->scaler, "sws_flags",
                   SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, 0);
    av_opt_set_int(load->scaler, "src_range", full_range, 0);
    av_opt_set_int(load->scaler, "dst_range", 1, 0);
    if (sws_init_context(load->scaler, NULL, NULL) < 0) {
        free(chroma);
        return amass_fail(load->status, AMASS_ERR_UNSUPPORTED, "%s: cannot convert %s pixels to RGB", load->path,
                          descriptor->name);
    }
    /* The packed result, with slack at the end: should swscale's SIMD
     * write past a row's last pixel, it lands on the next row (written
     * after it) or in the slack. */
    rgb = amass_alloc_array((size_t)width * 3 * (size_t)height + RGB_SLACK, 1);
    if (!rgb) {
        free(chroma);
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory for %d x %d pixels", load->path, width,
                          height);
    }
    if (!deep) {
        uint8_t *destination[4] = {rgb, NULL, NULL, NULL};
        int destination_stride[4] = {width * 3, 0, 0, 0};
        sws_scale(load->scaler, planes, strides, 0, height, destination, destination_stride);
        free(chroma);
        *rgb_out = rgb;
        return AMASS_OK;
    }
    error = av_image_alloc(scratch, scratch_stride, width, height, target, 64);
    if (error < 0) {
        free(chroma);
        free(rgb);
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory for %d x %d pixels", load->path, width,
                          height);
    }
    sws_scale(load->scaler, planes, strides, 0, height, scratch, scratch_stride);
    free(chroma);
    for (y = 0; y < height; y++) {
        const uint16_t *wide = (const uint16_t *)(scratch[0] + (size_t)y * scratch_stride[0]);
        uint8_t *out = rgb + (size_t)y * width * 3;
        for (i = 0; i < width * 3; i++)
            out[i] = (uint8_t)((wide[i] * 255u + 32767u) / 65535u);
    }
    av_freep(&scratch[0]);
    *rgb_out = rgb;
    return AMASS_OK;
}

/* Turns the stored picture upright, as EXIF orientation o says it should
 * be shown (the same transposes as PIL's ImageOps.exif_transpose):
 *   2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
 *   7 transverse, 8 rotate 90 counter-clockwise.
 * Output pixel (x, y) comes from stored pixel (sx, sy). */
static amass_code apply_orientation(image_load *load, amass_image *image, int orientation)
{
    int w = image->width, h = image->height, swap = orientation >= 5;
    int out_w = swap ? h : w, out_h = swap ? w : h, x, y;
    uint8_t *out;
    if (orientation == 1)
        return AMASS_OK;
    out = amass_alloc_array((size_t)w * 3, (size_t)h);
    if (!out)
        return amass_fail(load->status, AMASS_ERR_NOMEM, "%s: out of memory", load->path);
    for (y = 0; y < out_h; y++) {
        for (x = 0; x < out_w; x++) {
            int sx, sy;
            switch (orientation) {
            case 2: sx = w - 1 - x; sy = y; break;
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;
            case 4: sx = x; sy = h - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = h - 1 - x; break;
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;
            default: sx = w - 1 - y; sy = x; break;
            }
            memcpy(out + ((size_t)y * out_w + x) * 3, image->pixels + ((size_t)sy * w + sx) * 3, 3);
        }
    }
    free(image->pixels);
    image->pixels = out;
    image->width = out_w;
    image->height = out_h;
    image->orientation = orientation;
    return AMASS_OK;
}

static void close_load(image_load *load)
{
    sws_freeContext(load->scaler);
    av_frame_free(&load->frame);
    av_packet_free(&load->packet);
    avcodec_free_context(&load->decoder);
    avformat_close_input(&load->format);
    amass_media_ffmpeg_file_io_free(&load->io);
    if (load->file)
        fclose(load->file);
}

amass_code amass_media_image_load_limited(const char *path, const amass_image_limits *limits, amass_image *image,
                                          amass_status *status)
{
    static const amass_image_limits default_limits = {AMASS_IMAGE_MAX_SIDE, AMASS_IMAGE_MAX_PIXELS};
    image_load load;
    amass_code code;
    int stream_index = 0;
    memset(image, 0, sizeof *image);
    memset(&load, 0, sizeof load);
    load.path = path;
    load.limits = limits ? limits : &default_limits;
    load.status = status;
    amass_media_ffmpeg_setup();
    amass_media_ffmpeg_forget_error();
    code = open_input(&load, &stream_index);
    if (code == AMASS_OK)
        code = open_decoder(&load, stream_index);
    if (code == AMASS_OK)
        code = decode_first_frame(&load, stream_index);
    if (code == AMASS_OK)
        code = convert_to_rgb(&load, &image->pixels);
    if (code == AMASS_OK) {
        image->width = load.frame->width;
        image->height = load.frame->height;
        image->channels = 3;
        image->orientation = 1;
        code = apply_orientation(&load, image, orientation_of(&load));
    }
    close_load(&load);
    if (code != AMASS_OK)
        amass_media_image_free(image);
    return code;
}

amass_code amass_media_image_load(const char *path, amass_image *image, amass_status *status)
{
    return amass_media_image_load_limited(path, NULL, image, status);
}

void amass_media_image_free(amass_image *image)
{
    if (!image)
        return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}
