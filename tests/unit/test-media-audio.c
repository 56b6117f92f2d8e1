/* Unit tests of the audio reader: sample counts after resampling, a sine's
 * frequency surviving, downmix by averaging, every container we promise,
 * the LibriVox clips' lengths, bad files, and flat memory on a long file.
 * The WAV/FLAC/OGG/raw inputs are written here with libsndfile into a
 * temporary directory; the compressed ones are testdata/audio/make-audio's. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "media/media.h"
#include "tap.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static char directory[] = "/tmp/amass-audio-test-XXXXXX";
static char path_buffer[512];

static const char *temp_path(const char *name)
{
    snprintf(path_buffer, sizeof path_buffer, "%s/%s", directory, name);
    return path_buffer;
}

static const char *data_path(const char *name)
{
    static char buffer[1024];
    const char *top = getenv("top_srcdir");
    snprintf(buffer, sizeof buffer, "%s/testdata/%s", top ? top : ".", name);
    return buffer;
}

/* channel c of frame i: a sine of frequency (or, frequency 0, the
 * constant 0.1 * (c + 1)) */
static double signal_value(double frequency, int rate, int64_t i, int c)
{
    if (frequency == 0)
        return 0.1 * (c + 1);
    return 0.5 * sin(2 * M_PI * frequency * (double)i / rate);
}

static int write_sound(const char *path, int format, int rate, int channels, int64_t frames, double frequency)
{
    SF_INFO info;
    SNDFILE *file;
    float block[4096 * 8];
    int64_t done = 0;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    file = sf_open(path, SFM_WRITE, &info);
    if (!file)
        return -1;
    while (done < frames) {
        int64_t n = frames - done < 4096 ? frames - done : 4096, i;
        int c;
        for (i = 0; i < n; i++)
            for (c = 0; c < channels; c++)
                block[i * channels + c] = (float)signal_value(frequency, rate, done + i, c);
        if (sf_writef_float(file, block, n) != n) {
            sf_close(file);
            return -1;
        }
        done += n;
    }
    return sf_close(file);
}

/* Goertzel power of samples at frequency: how much of the signal is there */
static double power_at(const float *samples, size_t count, double frequency, int rate)
{
    double coefficient = 2 * cos(2 * M_PI * frequency / rate), previous = 0, before = 0;
    size_t i;
    for (i = 0; i < count; i++) {
        double current = samples[i] + coefficient * previous - before;
        before = previous;
        previous = current;
    }
    return previous * previous + before * before - coefficient * previous * before;
}

/* the sine is the loudest thing in it: 100x the power a fifth away */
static int has_tone(const float *samples, size_t count, double frequency)
{
    double at = power_at(samples, count, frequency, 16000);
    return at > 100 * power_at(samples, count, frequency * 1.5, 16000) &&
           at > 100 * power_at(samples, count, frequency / 1.5, 16000);
}

static int names_file(const amass_status *status, const char *path)
{
    size_t n = strlen(path);
    return strncmp(status->message, path, n) == 0 && status->message[n] == ':';
}

static void check_load(const char *name, const char *path, const amass_audio_options *options, long want,
                       long tolerance, double frequency)
{
    amass_status status;
    float *samples;
    size_t count;
    char label[256];
    amass_status_clear(&status);
    snprintf(label, sizeof label, "%s decodes", name);
    if (!ok(amass_media_audio_load(path, options, &samples, &count, &status) == AMASS_OK, label)) {
        printf("#   %s\n", status.message);
        return;
    }
    snprintf(label, sizeof label, "%s: %ld +- %ld samples at 16 kHz", name, want, tolerance);
    if (!ok(labs((long)count - want) <= tolerance, label))
        printf("#   got %zu\n", count);
    if (frequency > 0) {
        snprintf(label, sizeof label, "%s: the %g Hz tone survives", name, frequency);
        ok(count > 0 && has_tone(samples, count, frequency), label);
    }
    free(samples);
}

/* opening or reading to the end fails, with a message naming the file */
static void check_fails(const char *name, const char *path, const amass_audio_options *options, const char *cause)
{
    amass_status status;
    float *samples = (float *)&status;
    size_t count = 1;
    char label[256];
    amass_status_clear(&status);
    snprintf(label, sizeof label, "%s is refused", name);
    ok(amass_media_audio_load(path, options, &samples, &count, &status) != AMASS_OK && samples == NULL &&
           count == 0,
       label);
    snprintf(label, sizeof label, "%s: the message names the file and says '%s'", name, cause);
    if (!ok(names_file(&status, path) && strstr(status.message, cause), label))
        printf("#   got \"%s\"\n", status.message);
}

static void test_containers(void)
{
    static const amass_audio_options raw_stereo = {0, 8000, 2};
    amass_status status;
    float *samples = NULL;
    size_t count = 0, i;
    int all_close = 1;
    ok(write_sound(temp_path("tone-44k.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 44100, 440) == 0,
       "wrote a stereo 44.1 kHz WAV");
    check_load("44.1 kHz stereo WAV", temp_path("tone-44k.wav"), NULL, 16000, 1, 440);
    ok(write_sound(temp_path("tone-8k.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 8000, 1000) == 0,
       "wrote an 8 kHz WAV");
    check_load("8 kHz WAV (upsampled)", temp_path("tone-8k.wav"), NULL, 16000, 1, 1000);
    ok(write_sound(temp_path("tone.flac"), SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 1, 11025, 440) == 0,
       "wrote a FLAC");
    check_load("22.05 kHz FLAC", temp_path("tone.flac"), NULL, 8000, 1, 440);
    ok(write_sound(temp_path("tone.ogg"), SF_FORMAT_OGG | SF_FORMAT_VORBIS, 48000, 2, 24000, 440) == 0,
       "wrote an Ogg Vorbis");
    /* FFmpeg's Vorbis decoder drops the first half block (128 samples at
     * 48 kHz) */
    check_load("48 kHz Ogg Vorbis", temp_path("tone.ogg"), NULL, 8000, 50, 440);
    ok(write_sound(temp_path("tone.aiff"), SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 16000, 1, 16000, 300) == 0,
       "wrote an AIFF");
    check_load("16 kHz AIFF (no resampling)", temp_path("tone.aiff"), NULL, 16000, 0, 300);
    /* lossy codecs pad the start and end (MP3's encoder delay, AAC's
     * priming), so their counts are looser */
    check_load("MP3", data_path("audio/tone-440.mp3"), NULL, 16000, 800, 440);
    check_load("M4A (AAC)", data_path("audio/tone-440.m4a"), NULL, 16000, 800, 440);
    check_load("Opus", data_path("audio/tone-440.opus"), NULL, 16000, 800, 440);
    check_load("the audio track of a Matroska video", data_path("audio/clip-sound.mkv"), NULL, 16000, 1, 440);

    /* raw s16le, two channels: left 1000, right -3000, so the average is -1000 */
    {
        FILE *file = fopen(temp_path("pcm.raw"), "wb");
        for (i = 0; file && i < 4000; i++) {
            const unsigned char frame[4] = {0xE8, 0x03, 0x48, 0xF4};
            fwrite(frame, 1, 4, file);
        }
        ok(file && fclose(file) == 0, "wrote 0.5 s of raw stereo PCM");
    }
    amass_status_clear(&status);
    ok(amass_media_audio_load(temp_path("pcm.raw"), &raw_stereo, &samples, &count, &status) == AMASS_OK,
       "raw PCM decodes with --raw 8000 and 2 channels");
    is_int(count, 8000, "raw PCM: 0.5 s at 8 kHz is 8000 samples at 16 kHz");
    for (i = 100; i + 100 < count; i++)
        all_close &= fabsf(samples[i] - (-1000.0f / 32768)) < 2e-4f;
    ok(count > 200 && all_close, "raw PCM: little-endian, channels averaged (-1000/32768)");
    free(samples);

    /* downmix: six constant channels 0.1 .. 0.6 average to 0.35 */
    ok(write_sound(temp_path("six.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 6, 48000, 0) == 0,
       "wrote a 6-channel 48 kHz WAV");
    amass_status_clear(&status);
    ok(amass_media_audio_load(temp_path("six.wav"), NULL, &samples, &count, &status) == AMASS_OK,
       "6 channels decode");
    is_int(count, 16000, "6 channels at 48 kHz: 16000 samples");
    all_close = 1;
    for (i = 200; i + 200 < count; i++) {
        all_close &= fabsf(samples[i] - 0.35f) < 1e-3f;
    }
    ok(count > 400 && all_close, "6 channels are averaged, not mixed at 1/sqrt(2)");
    free(samples);
}

static void test_stream(void)
{
    amass_status status;
    amass_audio_reader *reader;
    amass_audio_info info;
    float block[1000];
    int16_t shorts[1000];
    size_t got;
    int64_t total = 0;
    int same = 1;
    amass_status_clear(&status);
    reader = (amass_audio_reader *)&status;
    ok(amass_media_audio_open(temp_path("missing.wav"), NULL, &reader, &status) == AMASS_ERR_INPUT && !reader,
       "a failed open leaves the reader NULL");
    ok(amass_media_audio_open(temp_path("tone-44k.wav"), NULL, &reader, &status) == AMASS_OK,
       "a reader opens the 44.1 kHz WAV");
    amass_media_audio_get_info(reader, &info);
    is_int(info.sample_rate, 16000, "info: output rate 16000");
    is_int(info.source_rate, 44100, "info: source rate 44100");
    is_int(info.source_channels, 2, "info: 2 source channels");
    is_int(info.expected_samples, 16000, "info: the header's length at 16 kHz");
    is_str(info.format, "wav", "info: format wav");
    while (amass_media_audio_read(reader, block, 333, &got, &status) == AMASS_OK && got > 0)
        total += (int64_t)got;
    is_int(total, 16000, "reading in 333-sample pieces gives every sample");
    is_int(amass_media_audio_samples_read(reader), 16000, "samples_read is the duration at the end");
    ok(amass_media_audio_read(reader, block, 333, &got, &status) == AMASS_OK && got == 0,
       "reading past the end gives 0 again");
    amass_media_audio_close(reader);

    ok(amass_media_audio_open(data_path("audio/clip-sound.mkv"), NULL, &reader, &status) == AMASS_OK,
       "a reader opens the Matroska video");
    amass_media_audio_get_info(reader, &info);
    is_str(info.format, "matroska,webm", "info: its container");
    is_int(info.source_rate, 8000, "info: its audio track's rate");
    is_int(info.expected_samples, 16000, "info: its length from the header");
    amass_media_audio_close(reader);

    /* the int16 view is the float one rounded */
    {
        amass_audio_reader *floats, *ints;
        size_t float_count, int_count, i;
        ok(amass_media_audio_open(temp_path("tone-8k.wav"), NULL, &floats, &status) == AMASS_OK &&
               amass_media_audio_open(temp_path("tone-8k.wav"), NULL, &ints, &status) == AMASS_OK,
           "two readers of one file");
        ok(amass_media_audio_read(floats, block, 1000, &float_count, &status) == AMASS_OK &&
               amass_media_audio_read_int16(ints, shorts, 1000, &int_count, &status) == AMASS_OK &&
               float_count == 1000 && int_count == 1000,
           "1000 samples each as float and as int16");
        for (i = 0; i < 1000; i++)
            same &= abs(shorts[i] - (int)lrintf(block[i] * 32768)) <= 1;
        ok(same, "int16 samples are the float ones times 32768, rounded");
        amass_media_audio_close(floats);
        amass_media_audio_close(ints);
    }
}

/* 20 minutes of 8 kHz stands for an hour-long recording: the reader's
 * buffers stay at one block whatever the length */
static void test_long_file(void)
{
    const int64_t frames = 20LL * 60 * 8000;
    amass_status status;
    amass_audio_reader *reader;
    float block[4096];
    size_t got;
    int64_t total = 0;
    amass_code code;
    ok(write_sound(temp_path("long.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, frames, 200) == 0,
       "wrote 20 minutes of 8 kHz audio");
    amass_status_clear(&status);
    ok(amass_media_audio_open(temp_path("long.wav"), NULL, &reader, &status) == AMASS_OK, "it opens");
    while ((code = amass_media_audio_read(reader, block, 4096, &got, &status)) == AMASS_OK && got > 0)
        total += (int64_t)got;
    ok(code == AMASS_OK, "it streams to the end");
    is_int(total, 2 * frames, "20 minutes at 16 kHz");
    if (!ok(amass_media_audio_peak_buffer_bytes(reader) < 256 * 1024, "the reader never held more than 256 KiB"))
        printf("#   held %zu bytes\n", amass_media_audio_peak_buffer_bytes(reader));
    amass_media_audio_close(reader);
    unlink(temp_path("long.wav"));
}

static void test_librivox(void)
{
    static const struct {
        const char *name;
        long samples;
    } clips[] = {
        {"sense_and_sensibility_01_austen_64kb-0870.wav", 113600},
        {"sense_and_sensibility_01_austen_64kb-0880.wav", 47840},
        {"sense_and_sensibility_01_austen_64kb-0890.wav", 84800},
        {"sense_and_sensibility_01_austen_64kb-0920.wav", 96800},
        {"sense_and_sensibility_01_austen_64kb-0930.wav", 52640},
    };
    static const amass_audio_options at_8k = {8000, 0, 0};
    char path[512];
    size_t i;
    for (i = 0; i < sizeof clips / sizeof clips[0]; i++) {
        snprintf(path, sizeof path, "/usr/share/pocketsphinx/test/data/librivox/%s", clips[i].name);
        if (access(path, R_OK) != 0) {
            printf("ok %d - # SKIP %s absent (Debian pocketsphinx-testdata)\n", ++tap_count, path);
            continue;
        }
        /* 16 kHz mono 16-bit already: (file size - 44-byte header) / 2 */
        check_load(clips[i].name, path, NULL, clips[i].samples, 0, 0);
        if (i == 0)
            check_load("a LibriVox clip at 8 kHz", path, &at_8k, clips[i].samples / 2, 1, 0);
    }
}

static void write_bytes(const char *path, const void *data, size_t size)
{
    FILE *file = fopen(path, "wb");
    if (file) {
        if (size)
            fwrite(data, 1, size, file);
        fclose(file);
    }
}

/* the first 1/fraction of the file at source, as name in the temporary
 * directory; returns its path */
static const char *cut_copy(const char *source, const char *name, long fraction)
{
    static char *copy;
    FILE *file = fopen(source, "rb");
    long size = 0;
    char *bytes = NULL;
    if (file && fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) > 0 && fseek(file, 0, SEEK_SET) == 0 &&
        (bytes = malloc((size_t)size)) && fread(bytes, 1, (size_t)size, file) == (size_t)size)
        write_bytes(temp_path(name), bytes, (size_t)(size / fraction));
    if (file)
        fclose(file);
    free(bytes);
    free(copy);
    copy = strdup(temp_path(name));
    return copy;
}

static void test_bad_input(void)
{
    static const amass_audio_options bad_channels = {0, 8000, 100}, bad_rate = {-5, 0, 0};
    static const char not_riff[] = "RIFF\x24\x00\x00\x00WAVEfmx junk that is not a format chunk at all..";
    amass_status status;
    float *samples = (float *)1;
    size_t count = 99;
    unsigned char buffer[64];
    FILE *file;
    write_bytes(temp_path("empty.wav"), "", 0);
    check_fails("an empty file", temp_path("empty.wav"), NULL, "empty file");
    check_fails("a missing file", temp_path("missing.wav"), NULL, "No such file");
    check_fails("a directory", directory, NULL, "is a directory");
    file = fopen(temp_path("tone-44k.wav"), "rb");
    ok(file && fread(buffer, 1, 30, file) == 30, "read the first 30 bytes of a WAV");
    if (file)
        fclose(file);
    write_bytes(temp_path("cut-header.wav"), buffer, 30);
    check_fails("a WAV cut inside its header", temp_path("cut-header.wav"), NULL, "not audio or corrupt");
    check_fails("a WAV cut in its samples", cut_copy(temp_path("tone-44k.wav"), "cut-data.wav", 2), NULL,
                "truncated: the header promises 176400 bytes of samples");
    check_fails("a FLAC cut in its samples", cut_copy(temp_path("tone.flac"), "cut.flac", 2), NULL,
                "truncated or corrupt at");
    write_bytes(temp_path("wrong-header.wav"), not_riff, sizeof not_riff - 1);
    check_fails("a WAV with a wrong header", temp_path("wrong-header.wav"), NULL, "not audio or corrupt");
    check_fails("a JPEG", data_path("images/gray.jpg"), NULL, "not audio: it is an image");
    check_fails("a video without sound", data_path("images/clip.mkv"), NULL, "no audio track");
    check_fails("raw PCM with 100 channels", temp_path("pcm.raw"), &bad_channels, "not supported");
    {
        static const amass_audio_options slow_raw = {0, 500, 1};
        check_fails("raw PCM at 500 Hz", temp_path("pcm.raw"), &slow_raw, "not supported");
    }
    check_fails("a negative output rate", temp_path("tone-8k.wav"), &bad_rate, "bad sample rate");

    /* a valid file with no samples is not an error */
    ok(write_sound(temp_path("zero.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, 0, 440) == 0,
       "wrote a WAV with 0 samples");
    amass_status_clear(&status);
    ok(amass_media_audio_load(temp_path("zero.wav"), NULL, &samples, &count, &status) == AMASS_OK,
       "a WAV with 0 samples decodes");
    ok(count == 0 && samples == NULL, "to 0 samples");
    {
        static const amass_audio_options raw = {0, 16000, 1};
        amass_status_clear(&status);
        ok(amass_media_audio_load(temp_path("empty.wav"), &raw, &samples, &count, &status) == AMASS_OK &&
               count == 0,
           "an empty raw PCM file is 0 samples");
    }
}

int main(void)
{
    if (!mkdtemp(directory)) {
        printf("Bail out! cannot make a temporary directory\n");
        return 1;
    }
    test_containers();
    test_stream();
    test_librivox();
    test_bad_input();
    test_long_file();
    {
        static const char *const names[] = {"tone-44k.wav", "tone-8k.wav", "tone.flac", "tone.ogg",
                                            "tone.aiff", "pcm.raw", "six.wav", "empty.wav",
                                            "cut-header.wav", "wrong-header.wav", "zero.wav",
                                            "cut-data.wav", "cut.flac"};
        size_t i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            unlink(temp_path(names[i]));
        rmdir(directory);
    }
    return done_testing();
}
