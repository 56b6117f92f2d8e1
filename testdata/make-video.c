/* Writes small test videos with FFmpeg's own encoders (no outside codec
 * libraries), so the video tests need no committed clips:
 *   make-video OUT SECONDS FPS WIDTH HEIGHT [vfr] [mjpeg]
 * The container follows OUT's extension (.mkv, .avi, .mp4). Frame i is a
 * flat gray of luma 20 + 6 * (i % 36) with a white square moving along
 * the top row, so a test can tell which frame it got. Frame i is shown at
 * i / FPS seconds, or with "vfr" at 3 / FPS * (i / 3) + {0, 0.4, 1.7}[i % 3] / FPS
 * (uneven gaps: the nearest-frame rule has to pick the right one). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

/* milliseconds of frame i at 1000 / fps ms a frame */
static int64_t frame_ms(int64_t i, double fps, int vfr)
{
    static const double offsets[3] = {0.0, 0.4, 1.7};
    double period = 1000.0 / fps;
    if (!vfr)
        return (int64_t)(i * period + 0.5);
    return (int64_t)((double)(i / 3) * 3 * period + offsets[i % 3] * period + 0.5);
}

static void paint(AVFrame *frame, int64_t i)
{
    int x, y, side = frame->height / 4 > 2 ? frame->height / 4 : 2;
    int left = (int)((i * 3) % (frame->width > side ? frame->width - side : 1));
    for (y = 0; y < frame->height; y++)
        for (x = 0; x < frame->width; x++)
            frame->data[0][y * frame->linesize[0] + x] =
                (uint8_t)(y < side && x >= left && x < left + side ? 235 : 20 + 6 * (i % 36));
    for (y = 0; y < (frame->height + 1) / 2; y++) {
        memset(frame->data[1] + y * frame->linesize[1], 128, (size_t)(frame->width + 1) / 2);
        memset(frame->data[2] + y * frame->linesize[2], 128, (size_t)(frame->width + 1) / 2);
    }
}

static int drain(AVCodecContext *encoder, AVFormatContext *format, AVStream *stream, AVPacket *packet)
{
    int error;
    while ((error = avcodec_receive_packet(encoder, packet)) == 0) {
        av_packet_rescale_ts(packet, encoder->time_base, stream->time_base);
        packet->stream_index = stream->index;
        if (av_interleaved_write_frame(format, packet) < 0)
            return -1;
    }
    return error == AVERROR(EAGAIN) || error == AVERROR_EOF ? 0 : -1;
}

int main(int argc, char **argv)
{
    AVFormatContext *format = NULL;
    AVCodecContext *encoder;
    const AVCodec *codec;
    AVStream *stream;
    AVFrame *frame;
    AVPacket *packet;
    double seconds, fps;
    int width, height, vfr = 0, mjpeg = 0, i;
    int64_t n_frames, index;
    if (argc < 6) {
        fprintf(stderr, "usage: make-video OUT SECONDS FPS WIDTH HEIGHT [vfr] [mjpeg]\n");
        return 2;
    }
    seconds = atof(argv[2]);
    fps = atof(argv[3]);
    width = atoi(argv[4]);
    height = atoi(argv[5]);
    for (i = 6; i < argc; i++) {
        vfr |= strcmp(argv[i], "vfr") == 0;
        mjpeg |= strcmp(argv[i], "mjpeg") == 0;
    }
    n_frames = (int64_t)(seconds * fps + 0.5);
    av_log_set_level(AV_LOG_ERROR);
    if (avformat_alloc_output_context2(&format, NULL, NULL, argv[1]) < 0 ||
        !(codec = avcodec_find_encoder(mjpeg ? AV_CODEC_ID_MJPEG : AV_CODEC_ID_MPEG4)) ||
        !(stream = avformat_new_stream(format, NULL)) || !(encoder = avcodec_alloc_context3(codec))) {
        fprintf(stderr, "make-video: %s: cannot set up the muxer or encoder\n", argv[1]);
        return 1;
    }
    encoder->width = width;
    encoder->height = height;
    encoder->pix_fmt = mjpeg ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    encoder->time_base = (AVRational){1, 1000};
    encoder->framerate = av_d2q(fps, 1000);
    encoder->gop_size = 12;
    encoder->flags |= AV_CODEC_FLAG_QSCALE | AV_CODEC_FLAG_BITEXACT;
    encoder->global_quality = FF_QP2LAMBDA * 2;
    if (format->oformat->flags & AVFMT_GLOBALHEADER)
        encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(encoder, codec, NULL) < 0 || avcodec_parameters_from_context(stream->codecpar, encoder) < 0) {
        fprintf(stderr, "make-video: %s: cannot open the encoder\n", argv[1]);
        return 1;
    }
    stream->time_base = encoder->time_base;
    stream->avg_frame_rate = encoder->framerate;
    format->flags |= AVFMT_FLAG_BITEXACT;
    if (avio_open(&format->pb, argv[1], AVIO_FLAG_WRITE) < 0 || avformat_write_header(format, NULL) < 0) {
        fprintf(stderr, "make-video: %s: cannot write\n", argv[1]);
        return 1;
    }
    frame = av_frame_alloc();
    packet = av_packet_alloc();
    if (!frame || !packet)
        return 1;
    frame->format = encoder->pix_fmt;
    frame->width = width;
    frame->height = height;
    if (av_frame_get_buffer(frame, 0) < 0)
        return 1;
    for (index = 0; index < n_frames; index++) {
        if (av_frame_make_writable(frame) < 0)
            return 1;
        paint(frame, index);
        frame->pts = frame_ms(index, fps, vfr);
        frame->quality = encoder->global_quality;
        if (avcodec_send_frame(encoder, frame) < 0 || drain(encoder, format, stream, packet) < 0) {
            fprintf(stderr, "make-video: %s: encoding failed\n", argv[1]);
            return 1;
        }
    }
    if (avcodec_send_frame(encoder, NULL) < 0 || drain(encoder, format, stream, packet) < 0 ||
        av_write_trailer(format) < 0 || avio_closep(&format->pb) < 0) {
        fprintf(stderr, "make-video: %s: cannot finish\n", argv[1]);
        return 1;
    }
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&encoder);
    avformat_free_context(format);
    return 0;
}
