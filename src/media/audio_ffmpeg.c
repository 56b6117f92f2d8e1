/* The audio reader's FFmpeg source: MP3, M4A/AAC, Opus, the audio track of
 * video files and whatever else libsndfile does not read, demuxed and
 * decoded one frame at a time. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>

#include "../base/base.h"
#include "audio_internal.h"
#include "media_internal.h"

#define IO_BUFFER_SIZE 65536
/* as many channels as the resampler takes (audio.c's MAX_CHANNELS) */
#define MAX_PLANES 64

struct amass_audio_ffmpeg_source {
    FILE *file;
    AVIOContext *io;
    AVFormatContext *format;
    AVCodecContext *decoder;
    AVPacket *packet;
    AVFrame *frame;
    int stream_index;
    /* samples of frame already pushed: a frame is resampled a block at a
     * time, so a codec with huge frames does not grow the reader's buffer */
    int frame_offset;
};

static amass_code fail_no_audio(amass_audio_reader *reader, amass_status *status)
{
    AVFormatContext *format = reader->ffmpeg->format;
    const char *name = format->iformat->name;
    const char *kind = format->iformat->long_name ? format->iformat->long_name : name;
    unsigned i, videos = 0;
    if (amass_media_ffmpeg_is_image_demuxer(name))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: not audio: it is an image (%s)", reader->path, kind);
    for (i = 0; i < format->nb_streams; i++)
        if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO)
            videos++;
    if (videos)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no audio track (%s file with video only)", reader->path, kind);
    return amass_fail(status, AMASS_ERR_INPUT, "%s: no audio track (%s file)", reader->path, kind);
}

amass_code amass_media_audio_ffmpeg_open(amass_audio_reader *reader, amass_status *status)
{
    amass_audio_ffmpeg_source *source;
    const AVCodec *codec;
    AVStream *stream;
    int error, first_byte;
    amass_media_ffmpeg_setup();
    amass_media_ffmpeg_forget_error();
    source = calloc(1, sizeof *source);
    if (!source)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    reader->ffmpeg = source;
    source->file = amass_media_audio_open_stream(reader);
    if (!source->file)
        return amass_fail(status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO, "%s: %s",
                          reader->path, strerror(errno));
    /* An empty regular file was refused on opening; an empty pipe (or one
     * an earlier "-" read to its end) only shows here, and FFmpeg would
     * call it "invalid data". */
    if ((first_byte = getc(source->file)) == EOF)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: empty input", reader->path);
    ungetc(first_byte, source->file);
    /* our own reader rather than avformat_open_input(path): FFmpeg would
     * take "concat:a|b" or "http://..." as protocols */
    source->io = amass_media_ffmpeg_file_io(source->file, IO_BUFFER_SIZE);
    if (!source->io)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    source->format = avformat_alloc_context();
    if (!source->format)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    source->format->pb = source->io;
    error = avformat_open_input(&source->format, NULL, NULL, NULL);
    if (error < 0) {
        source->format = NULL; /* freed by avformat_open_input */
        return amass_media_ffmpeg_fail(status, reader->path, "not audio or corrupt", error);
    }
    error = avformat_find_stream_info(source->format, NULL);
    if (error < 0)
        return amass_media_ffmpeg_fail(status, reader->path, "not audio or corrupt", error);
    source->stream_index = av_find_best_stream(source->format, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (source->stream_index < 0)
        return fail_no_audio(reader, status);
    stream = source->format->streams[source->stream_index];
    codec = amass_media_ffmpeg_native_decoder(stream->codecpar->codec_id);
    if (!codec)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: no decoder for its audio (%s)", reader->path,
                          avcodec_get_name(stream->codecpar->codec_id));
    source->decoder = avcodec_alloc_context3(codec);
    source->packet = av_packet_alloc();
    source->frame = av_frame_alloc();
    if (!source->decoder || !source->packet || !source->frame)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    error = avcodec_parameters_to_context(source->decoder, stream->codecpar);
    if (error >= 0) {
        source->decoder->thread_count = 1; /* the caller runs files in parallel */
        error = avcodec_open2(source->decoder, codec, NULL);
    }
    if (error < 0)
        return amass_media_ffmpeg_fail(status, reader->path, "cannot decode its audio", error);
    /* what the header says until the first frame tells the truth */
    reader->info.source_rate = stream->codecpar->sample_rate;
    reader->info.source_channels = stream->codecpar->ch_layout.nb_channels;
    snprintf(reader->format_name, sizeof reader->format_name, "%s", source->format->iformat->name);
    snprintf(reader->codec_name, sizeof reader->codec_name, "%s", codec->name);
    if (stream->duration > 0 && stream->time_base.num > 0)
        reader->info.expected_samples =
            av_rescale_q(stream->duration, stream->time_base, (AVRational){1, reader->info.sample_rate});
    else if (source->format->duration > 0)
        reader->info.expected_samples =
            av_rescale(source->format->duration, reader->info.sample_rate, AV_TIME_BASE);
    /* the resampler starts with the first frame, whose format is the truth
     * (some headers leave the rate or sample format unset) */
    return AMASS_OK;
}

/* Pushes the next block of the decoded frame; 1 in *done when the frame is
 * used up. */
static amass_code push_frame(amass_audio_reader *reader, int *done, amass_status *status)
{
    amass_audio_ffmpeg_source *source = reader->ffmpeg;
    AVFrame *frame = source->frame;
    int channels = frame->ch_layout.nb_channels, count, planar, planes, bytes, i;
    const uint8_t *data[MAX_PLANES];
    amass_code code;
    *done = 1;
    if (frame->nb_samples <= 0)
        return AMASS_OK;
    if (!reader->resampler) {
        code = amass_media_audio_start_resampler(reader, (enum AVSampleFormat)frame->format, frame->sample_rate,
                                                 channels, status);
        if (code != AMASS_OK)
            return code;
    } else if (frame->format != reader->input_format || frame->sample_rate != reader->input_rate ||
               channels != reader->input_channels) {
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: the audio format changes at %.2f s (%d Hz, %d channels to %d Hz, %d channels)",
                          reader->path, (double)reader->input_frames / reader->input_rate, reader->input_rate,
                          reader->input_channels, frame->sample_rate, channels);
    }
    planar = av_sample_fmt_is_planar((enum AVSampleFormat)frame->format);
    planes = planar ? channels : 1;
    bytes = av_get_bytes_per_sample((enum AVSampleFormat)frame->format) * (planar ? 1 : channels);
    if (planes > MAX_PLANES || bytes <= 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: unsupported audio layout", reader->path);
    for (i = 0; i < planes; i++)
        data[i] = frame->extended_data[i] + (size_t)source->frame_offset * bytes;
    count = frame->nb_samples - source->frame_offset;
    if (count > AMASS_AUDIO_BLOCK_FRAMES)
        count = AMASS_AUDIO_BLOCK_FRAMES;
    source->frame_offset += count;
    *done = source->frame_offset >= frame->nb_samples;
    return amass_media_audio_push(reader, data, count, status);
}

amass_code amass_media_audio_ffmpeg_pull(amass_audio_reader *reader, amass_status *status)
{
    amass_audio_ffmpeg_source *source = reader->ffmpeg;
    int error, done;
    if (source->frame_offset > 0) {
        amass_code code = push_frame(reader, &done, status);
        if (done || code != AMASS_OK) {
            av_frame_unref(source->frame);
            source->frame_offset = 0;
        }
        return code;
    }
    for (;;) {
        error = avcodec_receive_frame(source->decoder, source->frame);
        if (error >= 0) {
            amass_code code = push_frame(reader, &done, status);
            if (done || code != AMASS_OK) {
                av_frame_unref(source->frame);
                source->frame_offset = 0;
            }
            return code;
        }
        if (error == AVERROR_EOF) {
            reader->input_done = 1;
            /* a file whose every frame was empty never set the resampler up */
            if (!reader->resampler)
                reader->finished = 1;
            return AMASS_OK;
        }
        if (error != AVERROR(EAGAIN))
            goto corrupt;
        error = av_read_frame(source->format, source->packet);
        if (error == AVERROR_EOF) {
            error = avcodec_send_packet(source->decoder, NULL);
            if (error < 0 && error != AVERROR_EOF)
                goto corrupt;
            continue;
        }
        if (error < 0)
            goto corrupt;
        if (source->packet->stream_index != source->stream_index) {
            av_packet_unref(source->packet);
            continue;
        }
        error = avcodec_send_packet(source->decoder, source->packet);
        av_packet_unref(source->packet);
        /* a damaged packet in the middle of a lossy stream is skipped as
         * every player does; only the reading itself failing is an error */
        if (error == AVERROR_INVALIDDATA)
            continue;
        if (error < 0)
            goto corrupt;
    }
corrupt: {
    char what[64];
    snprintf(what, sizeof what, "truncated or corrupt at %.2f s",
             reader->input_rate ? (double)reader->input_frames / reader->input_rate : 0.0);
    return amass_media_ffmpeg_fail(status, reader->path, what, error);
}
}

void amass_media_audio_ffmpeg_close(amass_audio_ffmpeg_source *source)
{
    if (!source)
        return;
    av_frame_free(&source->frame);
    av_packet_free(&source->packet);
    avcodec_free_context(&source->decoder);
    avformat_close_input(&source->format);
    amass_media_ffmpeg_file_io_free(&source->io);
    if (source->file)
        fclose(source->file);
    free(source);
}
