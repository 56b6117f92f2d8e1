/* Images written out as JPEG files through FFmpeg's mjpeg encoder: one
 * packet of the encoder is a whole JFIF file. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>

#include "media.h"
#include "media_internal.h"

/* mjpeg's quantiser scale: 2 is visually lossless and a third of the
 * size of 1; what a person looking at boxes needs. */
#define JPEG_QUALITY 2

typedef struct {
    AVCodecContext *encoder;
    AVFrame *frame;
    AVPacket *packet;
    struct SwsContext *scaler;
    FILE *file;
} jpeg_save;

static void close_save(jpeg_save *save)
{
    sws_freeContext(save->scaler);
    av_packet_free(&save->packet);
    av_frame_free(&save->frame);
    avcodec_free_context(&save->encoder);
    if (save->file)
        fclose(save->file);
}

static amass_code encode(const char *path, const amass_image *image, jpeg_save *save, amass_status *status)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    const uint8_t *source[4] = {image->pixels, NULL, NULL, NULL};
    int source_stride[4] = {image->width * 3, 0, 0, 0};
    int error;
    if (!codec)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: this FFmpeg has no JPEG encoder", path);
    if (!(save->encoder = avcodec_alloc_context3(codec)) || !(save->frame = av_frame_alloc()) ||
        !(save->packet = av_packet_alloc()))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    save->encoder->width = image->width;
    save->encoder->height = image->height;
    /* the "J" format is what the encoder takes for full-range JFIF */
    save->encoder->pix_fmt = AV_PIX_FMT_YUVJ420P;
    save->encoder->color_range = AVCOL_RANGE_JPEG;
    save->encoder->time_base = (AVRational){1, 25};
    save->encoder->flags |= AV_CODEC_FLAG_QSCALE;
    save->encoder->global_quality = FF_QP2LAMBDA * JPEG_QUALITY;
    save->encoder->thread_count = 1;
    if ((error = avcodec_open2(save->encoder, codec, NULL)) < 0)
        return amass_media_ffmpeg_fail(status, path, "cannot encode JPEG", error);
    save->frame->format = AV_PIX_FMT_YUVJ420P;
    save->frame->width = image->width;
    save->frame->height = image->height;
    save->frame->quality = save->encoder->global_quality;
    save->frame->color_range = AVCOL_RANGE_JPEG;
    if (av_frame_get_buffer(save->frame, 0) < 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    save->scaler = sws_getContext(image->width, image->height, AV_PIX_FMT_RGB24, image->width, image->height,
                                  AV_PIX_FMT_YUV420P, SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (!save->scaler)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    /* full-range output, as JFIF readers expect */
    sws_setColorspaceDetails(save->scaler, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_DEFAULT),
                             1, 0, 1 << 16, 1 << 16);
    sws_scale(save->scaler, source, source_stride, 0, image->height, save->frame->data, save->frame->linesize);
    if ((error = avcodec_send_frame(save->encoder, save->frame)) < 0 ||
        (error = avcodec_send_frame(save->encoder, NULL)) < 0 ||
        (error = avcodec_receive_packet(save->encoder, save->packet)) < 0)
        return amass_media_ffmpeg_fail(status, path, "cannot encode JPEG", error);
    return AMASS_OK;
}

amass_code amass_media_image_save_jpeg(const char *path, const amass_image *image, amass_status *status)
{
    jpeg_save save;
    amass_code code;
    memset(&save, 0, sizeof save);
    amass_media_ffmpeg_setup();
    amass_media_ffmpeg_forget_error();
    if (!image->pixels || image->channels != 3 || image->width < 1 || image->height < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: no RGB picture to write", path);
    code = encode(path, image, &save, status);
    if (code == AMASS_OK) {
        if (!(save.file = fopen(path, "wb")))
            code = amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
        else {
            int failed = fwrite(save.packet->data, 1, (size_t)save.packet->size, save.file) != (size_t)save.packet->size;
            failed |= fclose(save.file) != 0;
            save.file = NULL;
            if (failed) {
                code = amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
                unlink(path);
            }
        }
    }
    close_save(&save);
    return code;
}
