/* What the audio reader's sources (libsndfile, FFmpeg, raw PCM) share with
 * the reader that resamples their blocks. */
#ifndef AMASS_AUDIO_INTERNAL_H
#define AMASS_AUDIO_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>

#include "../base/base.h"
#include "media.h"

/* Input frames a source decodes at a time: small enough that the reader's
 * memory is a few hundred kilobytes, large enough that the per-call cost
 * does not show. */
#define AMASS_AUDIO_BLOCK_FRAMES 4096

typedef struct amass_audio_ffmpeg_source amass_audio_ffmpeg_source;

struct amass_audio_reader {
    char *path;
    amass_audio_info info;
    char format_name[64], codec_name[64];
    struct SwrContext *resampler;
    enum AVSampleFormat input_format;
    int input_channels, input_rate;
    /* resampled samples not yet handed out: pending[pending_start ..
     * pending_start + pending_count) */
    float *pending;
    size_t pending_start, pending_count, pending_capacity;
    size_t peak_bytes;
    int input_done, finished;
    int64_t input_frames, samples_read;
    /* the sources; one of them is set */
    FILE *raw;
    int16_t *raw_block;
    struct sf_private_tag *sndfile;
    int sndfile_fd;
    float *sndfile_block;
    amass_audio_ffmpeg_source *ffmpeg;
};

/* Sets up the resampler for planes of input_format at input_rate with
 * input_channels channels; 0 or a failed status. */
amass_code amass_media_audio_start_resampler(amass_audio_reader *reader, enum AVSampleFormat input_format,
                                             int input_rate, int input_channels, amass_status *status);
/* Resamples frame_count input frames (data NULL: the resampler's tail at
 * the end) into the pending samples. */
amass_code amass_media_audio_push(amass_audio_reader *reader, const uint8_t *const *data, int frame_count,
                                  amass_status *status);

/* reader->path opened for reading: "-" is standard input, duplicated so
 * that closing the stream leaves descriptor 0 open. */
FILE *amass_media_audio_open_stream(const amass_audio_reader *reader);
/* The FFmpeg source: opens reader->path and starts the resampler. */
amass_code amass_media_audio_ffmpeg_open(amass_audio_reader *reader, amass_status *status);
/* Decodes and pushes the next frame; sets reader->input_done at the end. */
amass_code amass_media_audio_ffmpeg_pull(amass_audio_reader *reader, amass_status *status);
void amass_media_audio_ffmpeg_close(amass_audio_ffmpeg_source *source);

#endif
