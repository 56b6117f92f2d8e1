/* The audio reader: opens a file through libsndfile, FFmpeg or as raw PCM,
 * and streams it as mono float samples at the model's rate. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <sndfile.h>

#include "../base/base.h"
#include "audio_internal.h"
#include "media.h"

/* Past these a rate or channel count is a damaged header or a typo, not a
 * recording (the highest common rates are 384 kHz, the lowest telephone
 * ones 4 kHz; WAV allows 65535 channels but no microphone has). The low
 * bound also caps how many samples one input block resamples to. */
#define MIN_RATE 1000
#define MAX_RATE 768000
#define MAX_CHANNELS 64

amass_code amass_media_audio_start_resampler(amass_audio_reader *reader, enum AVSampleFormat input_format,
                                             int input_rate, int input_channels, amass_status *status)
{
    AVChannelLayout input_layout, output_layout = AV_CHANNEL_LAYOUT_MONO;
    double matrix[MAX_CHANNELS];
    int i, error;
    if (input_rate < MIN_RATE || input_rate > MAX_RATE)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: unsupported sample rate %d Hz (%d to %d)", reader->path,
                          input_rate, MIN_RATE, MAX_RATE);
    if (input_channels < 1 || input_channels > MAX_CHANNELS)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: unsupported channel count %d (at most %d)", reader->path,
                          input_channels, MAX_CHANNELS);
    av_channel_layout_default(&input_layout, input_channels);
    error = swr_alloc_set_opts2(&reader->resampler, &output_layout, AV_SAMPLE_FMT_FLT, reader->info.sample_rate,
                                &input_layout, input_format, input_rate, 0, NULL);
    av_channel_layout_uninit(&input_layout);
    if (error < 0 || !reader->resampler)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: cannot set up the resampler", reader->path);
    /* every channel weighs the same: a plain average never clips and does
     * not depend on which speaker FFmpeg thinks a channel feeds */
    for (i = 0; i < input_channels; i++)
        matrix[i] = 1.0 / input_channels;
    if (swr_set_matrix(reader->resampler, matrix, input_channels) < 0 || swr_init(reader->resampler) < 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: cannot resample %d channels at %d Hz", reader->path,
                          input_channels, input_rate);
    reader->input_format = input_format;
    reader->input_rate = input_rate;
    reader->input_channels = input_channels;
    reader->info.source_rate = input_rate;
    reader->info.source_channels = input_channels;
    return AMASS_OK;
}

amass_code amass_media_audio_push(amass_audio_reader *reader, const uint8_t *const *data, int frame_count,
                                  amass_status *status)
{
    int room = swr_get_out_samples(reader->resampler, data ? frame_count : 0), produced;
    uint8_t *out;
    if (room < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: resampler error", reader->path);
    if (room == 0)
        return AMASS_OK;
    /* the consumer drained what came before (reads only pull when nothing
     * is pending), so the buffer restarts at 0 and never grows past the
     * output of one block */
    if (reader->pending_count == 0)
        reader->pending_start = 0;
    if (reader->pending_start + reader->pending_count + (size_t)room > reader->pending_capacity) {
        size_t capacity = reader->pending_start + reader->pending_count + (size_t)room;
        float *grown = amass_realloc_array(reader->pending, capacity, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
        reader->pending = grown;
        reader->pending_capacity = capacity;
        if (capacity * sizeof(float) > reader->peak_bytes)
            reader->peak_bytes = capacity * sizeof(float);
    }
    out = (uint8_t *)(reader->pending + reader->pending_start + reader->pending_count);
    produced = swr_convert(reader->resampler, &out, room, (const uint8_t **)data, data ? frame_count : 0);
    if (produced < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: resampler error", reader->path);
    reader->pending_count += (size_t)produced;
    if (data)
        reader->input_frames += frame_count;
    return AMASS_OK;
}

static double seconds_in(const amass_audio_reader *reader)
{
    return reader->input_rate > 0 ? (double)reader->input_frames / reader->input_rate : 0;
}

/* "-" reads standard input, as DESIGN.md has every tool do. */
static int is_stdin(const char *path)
{
    return strcmp(path, "-") == 0;
}

static int open_descriptor(const char *path)
{
    return is_stdin(path) ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
}

FILE *amass_media_audio_open_stream(const amass_audio_reader *reader)
{
    int fd = open_descriptor(reader->path);
    FILE *file;
    if (fd < 0)
        return NULL;
    if (!(file = fdopen(fd, "rb")))
        close(fd);
    return file;
}

/* ---- raw PCM ------------------------------------------------------------ */

static amass_code open_raw(amass_audio_reader *reader, const amass_audio_options *options, amass_status *status)
{
    int channels = options->raw_channels ? options->raw_channels : 1;
    struct stat file_info;
    amass_code code;
    if (options->raw_rate < MIN_RATE || options->raw_rate > MAX_RATE || channels < 0 || channels > MAX_CHANNELS)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: raw PCM at %d Hz with %d channels is not supported",
                          reader->path, options->raw_rate, channels);
    reader->raw = amass_media_audio_open_stream(reader);
    if (!reader->raw)
        return amass_fail(status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO, "%s: %s",
                          reader->path, strerror(errno));
    code = amass_media_audio_start_resampler(reader, AV_SAMPLE_FMT_S16, options->raw_rate, channels, status);
    if (code != AMASS_OK)
        return code;
    reader->raw_block = amass_alloc_array((size_t)AMASS_AUDIO_BLOCK_FRAMES * channels, sizeof(int16_t));
    if (!reader->raw_block)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
    if (fstat(fileno(reader->raw), &file_info) == 0 && S_ISREG(file_info.st_mode))
        reader->info.expected_samples = av_rescale(file_info.st_size / (2 * channels), reader->info.sample_rate,
                                                   options->raw_rate);
    snprintf(reader->format_name, sizeof reader->format_name, "raw");
    snprintf(reader->codec_name, sizeof reader->codec_name, "pcm_s16le");
    return AMASS_OK;
}

static amass_code pull_raw(amass_audio_reader *reader, amass_status *status)
{
    size_t frame_bytes = 2 * (size_t)reader->input_channels, got, i;
    const uint8_t *planes[1];
    got = fread(reader->raw_block, 1, AMASS_AUDIO_BLOCK_FRAMES * frame_bytes, reader->raw);
    if (got < AMASS_AUDIO_BLOCK_FRAMES * frame_bytes) {
        if (ferror(reader->raw))
            return amass_fail(status, AMASS_ERR_IO, "%s: read error at %.2f s: %s", reader->path,
                              seconds_in(reader), strerror(errno));
        reader->input_done = 1;
    }
    /* the file is little-endian whatever the machine */
    for (i = 0; i < got / 2; i++) {
        const uint8_t *bytes = (const uint8_t *)&reader->raw_block[i];
        reader->raw_block[i] = (int16_t)(uint16_t)(bytes[0] | (unsigned)bytes[1] << 8);
    }
    planes[0] = (const uint8_t *)reader->raw_block;
    /* a trailing partial frame is dropped, as every raw reader does */
    return got / frame_bytes ? amass_media_audio_push(reader, planes, (int)(got / frame_bytes), status) : AMASS_OK;
}

/* ---- libsndfile ---------------------------------------------------------- */

/* The containers libsndfile reads, by their first bytes. The rest goes to
 * FFmpeg: libsndfile hands MPEG to libmpg123, which prints its warnings to
 * stderr (the library must not print), and its Ogg reader leaks libvorbis'
 * state (about 6 KB) on every damaged Ogg file, which a batch of
 * thousands would feel; FFmpeg's own Vorbis and Opus decoders do neither. */
static int is_sndfile_container(const unsigned char *head, size_t size)
{
    static const char *const magics[] = {"RIFF", "RIFX", "RF64", "FORM", "fLaC", ".snd", "caff", "riff"};
    size_t i;
    if (size < 12)
        return 0;
    for (i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (memcmp(head, magics[i], 4) == 0)
            return 1;
    return 0;
}

/* libsndfile reads a WAV or AIFF whose sample chunk runs past the end of
 * the file as if it were complete, noting "data : 176400 (should be
 * 99922)" in its log: a copy cut short, which a user wants to hear of
 * rather than get a shorter transcript. */
static int cut_short(SNDFILE *sndfile, long long *declared, long long *present)
{
    char log[4096], *line;
    if (sf_command(sndfile, SFC_GET_LOG_INFO, log, sizeof log) <= 0)
        return 0;
    log[sizeof log - 1] = '\0';
    for (line = log; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        /* a streamed WAV declares 0 or 0xFFFFFFFF bytes: not a cut */
        if ((sscanf(line, "data : %lld (should be %lld)", declared, present) == 2 ||
             sscanf(line, "SSND : %lld (should be %lld)", declared, present) == 2) &&
            *declared > *present && *declared != 0xFFFFFFFFLL && *declared != 0x7FFFFFFFLL)
            return 1;
    }
    return 0;
}

/* 0 when libsndfile does not know the file (FFmpeg gets a try), 1 when it
 * opened it, -1 with status set when it opened it but it cannot be read. */
static int open_sndfile(amass_audio_reader *reader, amass_status *status)
{
    SF_INFO sound_info;
    SF_FORMAT_INFO format_info;
    SNDFILE *sndfile;
    unsigned char head[12];
    ssize_t head_size;
    long long declared, present;
    memset(&sound_info, 0, sizeof sound_info);
    /* through our own descriptor: sf_open would read a file named "-" as
     * stdin. A pipe (stdin) fails the pread below and goes to FFmpeg,
     * which reads streams without seeking back. */
    reader->sndfile_fd = open_descriptor(reader->path);
    if (reader->sndfile_fd < 0) {
        amass_fail(status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO, "%s: %s",
                   reader->path, strerror(errno));
        return -1;
    }
    head_size = pread(reader->sndfile_fd, head, sizeof head, 0);
    if (head_size < 0 || !is_sndfile_container(head, (size_t)head_size)) {
        close(reader->sndfile_fd);
        reader->sndfile_fd = -1;
        return 0;
    }
    sndfile = sf_open_fd(reader->sndfile_fd, SFM_READ, &sound_info, SF_FALSE);
    if (!sndfile) {
        close(reader->sndfile_fd);
        reader->sndfile_fd = -1;
        return 0;
    }
    reader->sndfile = sndfile;
    switch (sound_info.format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_MPEG_LAYER_I:
    case SF_FORMAT_MPEG_LAYER_II:
    case SF_FORMAT_MPEG_LAYER_III:
        /* MP3 in a WAV: FFmpeg decodes it without libmpg123's printing */
        sf_close(sndfile);
        reader->sndfile = NULL;
        close(reader->sndfile_fd);
        reader->sndfile_fd = -1;
        return 0;
    default:
        break;
    }
    if (cut_short(sndfile, &declared, &present)) {
        amass_fail(status, AMASS_ERR_INPUT,
                   "%s: truncated: the header promises %lld bytes of samples, the file holds %lld", reader->path,
                   declared, present);
        return -1;
    }
    if (amass_media_audio_start_resampler(reader, AV_SAMPLE_FMT_FLT, sound_info.samplerate, sound_info.channels,
                                          status) != AMASS_OK)
        return -1;
    reader->sndfile_block = amass_alloc_array((size_t)AMASS_AUDIO_BLOCK_FRAMES * sound_info.channels, sizeof(float));
    if (!reader->sndfile_block) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
        return -1;
    }
    if (sound_info.frames >= 0 && sound_info.frames < INT64_MAX / MAX_RATE)
        reader->info.expected_samples =
            av_rescale_rnd(sound_info.frames, reader->info.sample_rate, sound_info.samplerate, AV_ROUND_UP);
    memset(&format_info, 0, sizeof format_info);
    format_info.format = sound_info.format & SF_FORMAT_TYPEMASK;
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &format_info, sizeof format_info) == 0 && format_info.extension)
        snprintf(reader->format_name, sizeof reader->format_name, "%s", format_info.extension);
    format_info.format = sound_info.format & SF_FORMAT_SUBMASK;
    if (sf_command(NULL, SFC_GET_FORMAT_INFO, &format_info, sizeof format_info) == 0 && format_info.name)
        snprintf(reader->codec_name, sizeof reader->codec_name, "%s", format_info.name);
    /* float samples of integer files in [-1, 1) as FFmpeg gives them */
    sf_command(sndfile, SFC_SET_NORM_FLOAT, NULL, SF_TRUE);
    return 1;
}

static amass_code pull_sndfile(amass_audio_reader *reader, amass_status *status)
{
    const uint8_t *planes[1];
    sf_count_t got = sf_readf_float(reader->sndfile, reader->sndfile_block, AMASS_AUDIO_BLOCK_FRAMES);
    if (got < AMASS_AUDIO_BLOCK_FRAMES) {
        int error = sf_error(reader->sndfile);
        if (error != SF_ERR_NO_ERROR)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: truncated or corrupt at %.2f s: %s", reader->path,
                              seconds_in(reader), sf_error_number(error));
        reader->input_done = 1;
    }
    planes[0] = (const uint8_t *)reader->sndfile_block;
    return got > 0 ? amass_media_audio_push(reader, planes, (int)got, status) : AMASS_OK;
}

/* ---- the reader ------------------------------------------------------------ */

amass_code amass_media_audio_open(const char *path, const amass_audio_options *options, amass_audio_reader **out,
                                  amass_status *status)
{
    static const amass_audio_options defaults = {0, 0, 0};
    amass_audio_reader *reader;
    struct stat file_info;
    amass_code code = AMASS_OK;
    int opened;
    *out = NULL;
    if (!options)
        options = &defaults;
    if (options->sample_rate < 0 || (options->sample_rate > 0 && options->sample_rate < MIN_RATE) ||
        options->sample_rate > MAX_RATE || options->raw_rate < 0)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: bad sample rate", path);
    if (is_stdin(path) ? fstat(STDIN_FILENO, &file_info) != 0 : stat(path, &file_info) != 0)
        return amass_fail(status, errno == ENOENT || errno == EACCES ? AMASS_ERR_INPUT : AMASS_ERR_IO, "%s: %s",
                          path, strerror(errno));
    if (S_ISDIR(file_info.st_mode))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: is a directory", path);
    if (S_ISREG(file_info.st_mode) && file_info.st_size == 0 && options->raw_rate == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: empty file", path);
    reader = calloc(1, sizeof *reader);
    if (!reader || !(reader->path = amass_strndup(path, strlen(path)))) {
        free(reader);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    reader->sndfile_fd = -1;
    reader->info.sample_rate = options->sample_rate ? options->sample_rate : AMASS_AUDIO_DEFAULT_RATE;
    reader->info.expected_samples = -1;
    reader->info.format = reader->format_name;
    reader->info.codec = reader->codec_name;
    if (options->raw_rate > 0) {
        code = open_raw(reader, options, status);
    } else {
        opened = open_sndfile(reader, status);
        if (opened < 0) {
            code = status->code;
        } else if (opened == 0) {
            code = amass_media_audio_ffmpeg_open(reader, status);
        }
    }
    if (code != AMASS_OK) {
        amass_media_audio_close(reader);
        return code;
    }
    *out = reader;
    return AMASS_OK;
}

static amass_code pull(amass_audio_reader *reader, amass_status *status)
{
    if (reader->input_done) {
        amass_code code = amass_media_audio_push(reader, NULL, 0, status);
        /* the resampler's tail comes out in one piece */
        reader->finished = 1;
        return code;
    }
    if (reader->raw)
        return pull_raw(reader, status);
    if (reader->sndfile)
        return pull_sndfile(reader, status);
    return amass_media_audio_ffmpeg_pull(reader, status);
}

amass_code amass_media_audio_read(amass_audio_reader *reader, float *samples, size_t capacity, size_t *count,
                                  amass_status *status)
{
    size_t n, i;
    *count = 0;
    while (reader->pending_count == 0 && !reader->finished) {
        amass_code code = pull(reader, status);
        if (code != AMASS_OK)
            return code;
    }
    n = reader->pending_count < capacity ? reader->pending_count : capacity;
    for (i = 0; i < n; i++) {
        float value = reader->pending[reader->pending_start + i];
        /* a float file can hold NaN or infinity, which would poison every
         * frame of features computed over it */
        samples[i] = isfinite(value) ? value : 0.0f;
    }
    reader->pending_start += n;
    reader->pending_count -= n;
    reader->samples_read += (int64_t)n;
    *count = n;
    return AMASS_OK;
}

amass_code amass_media_audio_read_int16(amass_audio_reader *reader, int16_t *samples, size_t capacity,
                                        size_t *count, amass_status *status)
{
    float block[1024];
    size_t done = 0, got, i;
    amass_code code;
    *count = 0;
    while (done < capacity) {
        size_t want = capacity - done < 1024 ? capacity - done : 1024;
        code = amass_media_audio_read(reader, block, want, &got, status);
        if (code != AMASS_OK)
            return code;
        if (got == 0)
            break;
        for (i = 0; i < got; i++) {
            float scaled = block[i] * 32768.0f;
            samples[done + i] = scaled >= 32767.0f ? 32767 : scaled <= -32768.0f ? -32768 : (int16_t)lrintf(scaled);
        }
        done += got;
        if (got < want)
            break;
    }
    *count = done;
    return AMASS_OK;
}

void amass_media_audio_get_info(const amass_audio_reader *reader, amass_audio_info *info)
{
    *info = reader->info;
}

int64_t amass_media_audio_samples_read(const amass_audio_reader *reader)
{
    return reader->samples_read;
}

size_t amass_media_audio_peak_buffer_bytes(const amass_audio_reader *reader)
{
    size_t block = 0;
    if (reader->raw_block)
        block = (size_t)AMASS_AUDIO_BLOCK_FRAMES * reader->input_channels * sizeof(int16_t);
    if (reader->sndfile_block)
        block = (size_t)AMASS_AUDIO_BLOCK_FRAMES * reader->input_channels * sizeof(float);
    return reader->peak_bytes + block;
}

void amass_media_audio_close(amass_audio_reader *reader)
{
    if (!reader)
        return;
    if (reader->raw)
        fclose(reader->raw);
    if (reader->sndfile)
        sf_close(reader->sndfile);
    if (reader->sndfile_fd >= 0)
        close(reader->sndfile_fd);
    amass_media_audio_ffmpeg_close(reader->ffmpeg);
    swr_free(&reader->resampler);
    free(reader->raw_block);
    free(reader->sndfile_block);
    free(reader->pending);
    free(reader->path);
    free(reader);
}

amass_code amass_media_audio_load(const char *path, const amass_audio_options *options, float **samples,
                                  size_t *count, amass_status *status)
{
    amass_audio_reader *reader;
    float *all = NULL;
    size_t length = 0, capacity = 0, got;
    amass_code code;
    *samples = NULL;
    *count = 0;
    code = amass_media_audio_open(path, options, &reader, status);
    if (code != AMASS_OK)
        return code;
    for (;;) {
        if (capacity - length < AMASS_AUDIO_BLOCK_FRAMES) {
            size_t grown_capacity = capacity ? capacity * 2 : 4 * AMASS_AUDIO_BLOCK_FRAMES;
            float *grown = amass_realloc_array(all, grown_capacity, sizeof *grown);
            if (!grown) {
                code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            all = grown;
            capacity = grown_capacity;
        }
        code = amass_media_audio_read(reader, all + length, capacity - length, &got, status);
        if (code != AMASS_OK || got == 0)
            break;
        length += got;
    }
    amass_media_audio_close(reader);
    if (code != AMASS_OK || length == 0) {
        free(all);
        return code;
    }
    *samples = all;
    *count = length;
    return AMASS_OK;
}
