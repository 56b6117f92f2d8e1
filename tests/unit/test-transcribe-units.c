/* The transcribe pipeline's pieces that need no decoder: voice-activity
 * segmentation (on c0 values and on tone bursts through the real front
 * end), subtitle times and cue splitting, the transcribe manifest, -f
 * parsing and the transcript writers in every format. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "io/subtitle.h"
#include "models/models.h"
#include "models/transcribe.h"
#include "speech/speech.h"
#include "speech/vad.h"
#include "tap.h"

#define MAX_SEGMENTS 64

/* Runs c0 values through a VAD; returns the number of segments. */
static size_t segment_c0(const amass_speech_vad_options *options, const float *c0, size_t n,
                         amass_speech_segment *segments, int *first_needed_ok)
{
    amass_speech_vad *vad;
    amass_status status;
    size_t count = 0, i;
    uint64_t previous_needed = 0;
    amass_status_clear(&status);
    if (amass_speech_vad_open(options, &vad, &status) != AMASS_OK)
        return 0;
    *first_needed_ok = 1;
    for (i = 0; i <= n; i++) {
        amass_speech_segment segment;
        if (i < n)
            amass_speech_vad_push(vad, c0[i], &status);
        else
            amass_speech_vad_finish(vad, &status);
        /* What the caller may drop never moves back and never covers an
         * utterance still to come. */
        if (amass_speech_vad_first_needed(vad) < previous_needed)
            *first_needed_ok = 0;
        previous_needed = amass_speech_vad_first_needed(vad);
        while (amass_speech_vad_next(vad, &segment)) {
            if (count && segment.start < segments[count - 1].end)
                *first_needed_ok = 0;
            if (count < MAX_SEGMENTS)
                segments[count++] = segment;
        }
    }
    amass_speech_vad_close(vad);
    return count;
}

static void fill(float *c0, size_t from, size_t to, float value)
{
    for (; from < to; from++)
        c0[from] = value;
}

static void test_vad_on_c0(void)
{
    amass_speech_vad_options options;
    amass_speech_segment segments[MAX_SEGMENTS];
    float c0[6000];
    size_t n;
    int ok_needed;
    amass_speech_vad_options_default(&options, NULL);
    options.c0_per_db = 1; /* thresholds in c0 units: start 10, stop 6 */

    /* silence 20, speech 40 at [100, 200) and [400, 450); a 3-frame click
     * at 300 (shorter than min_speech); a 20-frame pause inside the second
     * utterance (shorter than min_silence). */
    fill(c0, 0, 700, 20);
    fill(c0, 100, 200, 40);
    fill(c0, 300, 303, 40);
    fill(c0, 400, 450, 40);
    fill(c0, 450, 470, 20);
    fill(c0, 470, 500, 40);
    n = segment_c0(&options, c0, 700, segments, &ok_needed);
    is_int(n, 2, "two utterances: the click is not speech, the short pause does not split");
    is_int(segments[0].start, 75, "the first starts 0.25 s before the speech");
    is_int(segments[0].end, 225, "and ends 0.25 s after it");
    is_int(segments[1].start, 375, "the second starts 0.25 s before its speech");
    is_int(segments[1].end, 525, "and runs past the pause to 0.25 s after its end");
    ok(ok_needed, "first_needed never moves back and no utterance overlaps the one before");

    /* Speech to the end of the stream: the open utterance ends there. */
    fill(c0, 0, 300, 20);
    fill(c0, 200, 300, 40);
    n = segment_c0(&options, c0, 300, segments, &ok_needed);
    is_int(n, 1, "speech at the end of the stream is one utterance");
    is_int(segments[0].end, 300, "ending with the stream");

    /* Nothing but silence, or nothing at all. */
    fill(c0, 0, 500, 20);
    is_int(segment_c0(&options, c0, 500, segments, &ok_needed), 0, "silence gives no utterance");
    is_int(segment_c0(&options, c0, 0, segments, &ok_needed), 0, "an empty stream gives no utterance");
    is_int(segment_c0(&options, c0, 10, segments, &ok_needed), 0, "a stream shorter than the warmup neither");

    /* Speech from the first frame: the warmup still finds the floor from
     * the quiet tenth of the first half second. */
    fill(c0, 0, 400, 20);
    fill(c0, 0, 150, 40);
    n = segment_c0(&options, c0, 400, segments, &ok_needed);
    is_int(n, 1, "speech from the first frame is found");
    is_int(segments[0].start, 0, "starting at frame 0");
    is_int(segments[0].end, 175, "ending 0.25 s after it");

    /* Digital silence (c0 < 0, exact zeros) before a quiet background:
     * it neither sets nor drags the floor, so the background is not taken
     * for speech and only the speech makes an utterance. */
    fill(c0, 0, 1000, 20);
    fill(c0, 0, 300, -46);
    fill(c0, 800, 900, 40);
    n = segment_c0(&options, c0, 1000, segments, &ok_needed);
    is_int(n, 1, "zeros, then background, then speech: one utterance");
    is_int(segments[0].start, 775, "starting 0.25 s before the speech, not at the background");
    is_int(segments[0].end, 925, "ending 0.25 s after it");

    /* 60 s of speech with max_utterance 10 s: cut at the quietest frame of
     * each utterance's second half, never longer than 10 s. */
    options.max_utterance = 10;
    fill(c0, 0, 6000, 40);
    fill(c0, 0, 50, 20);
    fill(c0, 800, 801, 33);
    n = segment_c0(&options, c0, 6000, segments, &ok_needed);
    ok(n >= 6, "a minute of speech cut into utterances of at most 10 s");
    is_int(segments[0].start, 25, "the first starts at the speech, less padding");
    is_int(segments[0].end, 800, "and is cut at the dip in its second half");
    ok(segments[1].start == 800 && segments[1].end - segments[1].start <= 1000, "the next starts at the cut");
    ok(segments[n - 1].end == 6000, "the last ends with the stream");

    /* --no-vad: all of it, cut only at max_utterance. */
    options.whole_stream = 1;
    options.max_utterance = 30;
    fill(c0, 0, 500, 20);
    n = segment_c0(&options, c0, 500, segments, &ok_needed);
    ok(n == 1 && segments[0].start == 0 && segments[0].end == 500, "whole-stream mode gives the stream, silence and all");
}

static void test_vad_options(void)
{
    amass_speech_vad_options options;
    amass_speech_vad *vad = NULL;
    amass_status status;
    amass_speech_params params;
    amass_speech_params_default(&params);
    amass_speech_vad_options_default(&options, &params);
    options.stop_threshold = options.start_threshold + 1;
    amass_status_clear(&status);
    is_int(amass_speech_vad_open(&options, &vad, &status), AMASS_ERR_USAGE, "a stop threshold above the start fails");
    ok(vad == NULL && strstr(status.message, "stop threshold"), "naming the stop threshold");
    amass_speech_vad_options_default(&options, &params);
    options.max_utterance = 0.5;
    is_int(amass_speech_vad_open(&options, &vad, &status), AMASS_ERR_USAGE, "max utterance under 1 s fails");
    ok(strstr(status.message, "--max-utterance") != NULL, "naming --max-utterance");
    amass_speech_vad_options_default(&options, &params);
    options.start_threshold = NAN;
    is_int(amass_speech_vad_open(&options, &vad, &status), AMASS_ERR_USAGE, "a NaN threshold fails");
    params.transform = AMASS_SPEECH_TRANSFORM_DCT;
    params.n_filters = 25;
    is_close(amass_speech_vad_c0_per_db(&params), 5 * log(10.0) / 10, 1e-12, "dct c0 moves sqrt(nfilt) ln10/10 a dB");
    params.transform = AMASS_SPEECH_TRANSFORM_LEGACY;
    is_close(amass_speech_vad_c0_per_db(&params), log(10.0) / 10, 1e-12, "legacy c0 moves ln10/10 a dB");
}

/* Tone bursts in faint noise through the front end en-us uses: the
 * utterances come out around the bursts, padding included. */
static void test_vad_on_tone_bursts(void)
{
    const double rate = 16000, bursts[2][2] = {{1.0, 1.8}, {3.0, 3.5}};
    size_t n = (size_t)(4.5 * rate), i;
    float *samples = malloc(n * sizeof *samples);
    amass_speech_params params;
    amass_speech_frontend *frontend = NULL;
    amass_speech_frames frames;
    amass_speech_vad_options options;
    amass_speech_vad *vad = NULL;
    amass_speech_segment segments[4];
    amass_status status;
    size_t count = 0;
    unsigned seed = 12345;
    amass_status_clear(&status);
    amass_speech_params_default(&params);
    params.transform = AMASS_SPEECH_TRANSFORM_DCT;
    params.lower_frequency = 130;
    params.upper_frequency = 6800;
    params.n_filters = 25;
    params.lifter = 22;
    /* Sphinx's noise removal lifts c0 for about a second after a loud
     * stationary tone (its noise estimate catches up), which would blur
     * the ends this test measures. */
    params.remove_noise = 0;
    for (i = 0; i < n; i++) {
        double t = (double)i / rate, value;
        seed = seed * 1103515245u + 12345u;
        value = ((double)(seed >> 16 & 0x7fff) / 32768.0 - 0.5) * 2e-3;
        if ((t >= bursts[0][0] && t < bursts[0][1]) || (t >= bursts[1][0] && t < bursts[1][1]))
            value += 0.3 * sin(2 * M_PI * 440 * t) + 0.1 * sin(2 * M_PI * 1330 * t);
        samples[i] = (float)value;
    }
    amass_speech_frames_init(&frames, 13);
    ok(samples && amass_speech_frontend_open(&params, &frontend, &status) == AMASS_OK, "front end opens");
    amass_speech_vad_options_default(&options, &params);
    ok(amass_speech_vad_open(&options, &vad, &status) == AMASS_OK, "VAD opens with the defaults");
    if (frontend && vad && samples) {
        amass_speech_frontend_feed_float(frontend, samples, n, &frames, &status);
        amass_speech_frontend_finish(frontend, &frames, &status);
        for (i = 0; i < frames.n_frames; i++)
            amass_speech_vad_push(vad, frames.data[i * 13], &status);
        amass_speech_vad_finish(vad, &status);
        while (count < 4 && amass_speech_vad_next(vad, &segments[count]))
            count++;
        is_int(count, 2, "two bursts, two utterances");
        for (i = 0; i < count && i < 2; i++) {
            char name[96];
            snprintf(name, sizeof name, "burst %zu starts 0.25 s early (got %.2f s)", i + 1,
                     segments[i].start / 100.0);
            ok(fabs(segments[i].start / 100.0 - (bursts[i][0] - 0.25)) <= 0.06, name);
            snprintf(name, sizeof name, "burst %zu ends 0.25 s late (got %.2f s)", i + 1, segments[i].end / 100.0);
            ok(fabs(segments[i].end / 100.0 - (bursts[i][1] + 0.25)) <= 0.06, name);
        }
    }
    amass_speech_vad_close(vad);
    amass_speech_frontend_close(frontend);
    amass_speech_frames_free(&frames);
    free(samples);
}

static void test_subtitle_times(void)
{
    amass_buf buf;
    amass_buf_init(&buf);
#define TIME_IS(seconds, vtt, want)                              \
    do {                                                         \
        amass_buf_reset(&buf);                                   \
        amass_subtitle_append_time(&buf, (seconds), (vtt));      \
        amass_buf_append_char(&buf, '\0');                       \
        is_str(buf.data, (want), "time " want);                  \
    } while (0)
    TIME_IS(0, 0, "00:00:00,000");
    TIME_IS(1.234, 0, "00:00:01,234");
    TIME_IS(1.234, 1, "00:00:01.234");
    TIME_IS(59.9996, 0, "00:01:00,000");
    TIME_IS(3723.5, 1, "01:02:03.500");
    TIME_IS(360000, 0, "100:00:00,000");
    TIME_IS(-3, 0, "00:00:00,000");
    TIME_IS(NAN, 1, "00:00:00.000");
    amass_buf_free(&buf);
}

static void test_cue_split(void)
{
    amass_subtitle_word words[6] = {
        {"the", 3, 0.0, 0.2}, {"quick", 5, 0.3, 0.6}, {"brown", 5, 0.7, 1.0},
        {"fox", 3, 6.0, 6.5},  {"jumps", 5, 7.5, 8.0}, {"supercalifragilisticexpialidocious", 34, 8.1, 9.0}};
    is_int(amass_subtitle_next_cue(words, 6, 7.0, 42), 4, "a cue ends before the word past 7 s");
    is_int(amass_subtitle_next_cue(words, 6, 7.0, 15), 3, "or before the word past the width");
    is_int(amass_subtitle_next_cue(words + 5, 1, 7.0, 10), 1, "a word wider than a cue is a cue of its own");
    is_int(amass_subtitle_next_cue(words, 0, 7.0, 42), 0, "no words, no cue");
    is_int(amass_subtitle_next_cue(words + 3, 3, 7.0, 80), 3, "the rest fits one cue");
}

static void test_manifest(void)
{
    amass_model_manifest m;
    amass_status status;
    const char *good = "{\"name\":\"en-us\",\"task\":\"transcribe\",\"format\":\"sphinx\",\"acoustic\":\"acoustic\","
                       "\"dict\":\"cmudict-en-us.dict\",\"lm\":\"/abs/en-us.lm.bin\"}";
    const char *no_lm = "{\"task\":\"transcribe\",\"format\":\"sphinx\",\"acoustic\":\"a\",\"dict\":\"d\"}";
    const char *no_file = "{\"task\":\"classify\",\"format\":\"onnx\"}";
    amass_status_clear(&status);
    ok(amass_models_manifest_parse(good, strlen(good), "m/manifest.json", "m", &m, &status) == AMASS_OK,
       "a transcribe manifest needs no \"file\"");
    is_str(m.acoustic_path, "m/acoustic", "acoustic is relative to the directory");
    is_str(m.dict_path, "m/cmudict-en-us.dict", "dict too");
    is_str(m.lm_path, "/abs/en-us.lm.bin", "an absolute lm stays as it is");
    is_str(m.scorer, "gmm", "the scorer defaults to gmm");
    ok(m.file_path == NULL, "and there is no file path");
    amass_models_manifest_free(&m);
    ok(amass_models_manifest_parse(no_lm, strlen(no_lm), "m/manifest.json", "m", &m, &status) == AMASS_ERR_USAGE,
       "a transcribe manifest without lm fails");
    is_str(status.message, "m/manifest.json: \"lm\" is missing", "naming the field");
    ok(amass_models_manifest_parse(no_file, strlen(no_file), "x/manifest.json", "x", &m, &status) == AMASS_ERR_USAGE,
       "a classify manifest still needs file");
    is_str(status.message, "x/manifest.json: \"file\" is missing", "naming file");
}

static void test_format_parse(void)
{
    amass_format format = AMASS_FORMAT_NDJSON;
    ok(amass_io_format_parse("srt", &format) == 0 && format == AMASS_FORMAT_SRT, "-f srt parses");
    ok(amass_io_format_parse("vtt", &format) == 0 && format == AMASS_FORMAT_VTT, "-f vtt parses");
    ok(amass_io_format_parse("txt", &format) == 0 && format == AMASS_FORMAT_TXT, "-f txt parses");
    ok(amass_io_format_parse("SRT", &format) == -1, "names are lower case");
}

/* Writes the transcript in format to a file and reads it back. */
static char *written(const amass_transcript *transcript, amass_format format, int precision, int header)
{
    char path[] = "/tmp/test-transcribe-XXXXXX";
    int fd = mkstemp(path);
    amass_status status;
    amass_output *out;
    amass_transcribe_sink sink;
    amass_buf scratch;
    size_t cue = 0, length;
    char *text;
    FILE *file;
    if (fd < 0)
        return NULL;
    close(fd);
    amass_status_clear(&status);
    amass_buf_init(&scratch);
    out = amass_io_output_open(path, 0, &status);
    memset(&sink, 0, sizeof sink);
    sink.writer = amass_io_writer_new(out, format, header, precision);
    sink.output = out;
    sink.format = format;
    sink.precision = precision;
    amass_transcript_write(transcript, "talk.wav", &sink, &cue, &scratch, &status);
    amass_io_writer_free(sink.writer);
    amass_io_output_close(out, &status);
    amass_buf_free(&scratch);
    file = fopen(path, "rb");
    text = calloc(1, 4096);
    length = file && text ? fread(text, 1, 4095, file) : 0;
    if (file)
        fclose(file);
    unlink(path);
    if (text)
        text[length] = '\0';
    return text;
}

static void test_writers(void)
{
    amass_transcribe_word words[4] = {
        {"he", 0.5234, 0.71, 0.91234f}, {"was", 0.71, 0.9, 1.0f}, {"not", 4.0, 4.2, 0.5f}, {"ill", 4.25, 4.6, 0.0f}};
    amass_transcribe_utterance utterances[3] = {{0, 2, 0.3, 1.2}, {2, 0, 2.0, 2.5}, {2, 2, 3.8, 4.9}};
    amass_transcript transcript = {5.0, words, 4, 4, utterances, 3, 3};
    amass_transcript empty = {2.5, NULL, 0, 0, NULL, 0, 0};
    char *text;
    text = written(&transcript, AMASS_FORMAT_NDJSON, 0, 0);
    is_str(text,
           "{\"input\":\"talk.wav\",\"duration\":5,\"text\":\"he was not ill\",\"words\":["
           "{\"word\":\"he\",\"start\":0.52,\"end\":0.71,\"conf\":0.912},{\"word\":\"was\",\"start\":0.71,\"end\":0.9,\"conf\":1},"
           "{\"word\":\"not\",\"start\":4,\"end\":4.2,\"conf\":0.5},{\"word\":\"ill\",\"start\":4.25,\"end\":4.6,\"conf\":0}]}\n",
           "NDJSON: times to 1/100 s, conf to 3 decimals");
    free(text);
    text = written(&transcript, AMASS_FORMAT_TSV, 0, 1);
    is_str(text, "input\tstart\tend\ttext\ntalk.wav\t0.52\t0.9\the was\ntalk.wav\t4\t4.6\tnot ill\n",
           "TSV: a row per utterance with words, from its first word to its last");
    free(text);
    text = written(&empty, AMASS_FORMAT_TSV, 0, 0);
    is_str(text, "talk.wav\t0\t2.5\t\n", "TSV: a file with no words still gets a row");
    free(text);
    text = written(&empty, AMASS_FORMAT_NDJSON, 0, 0);
    is_str(text, "{\"input\":\"talk.wav\",\"duration\":2.5,\"text\":\"\",\"words\":[]}\n", "NDJSON: silence, empty text");
    free(text);
    text = written(&transcript, AMASS_FORMAT_SRT, 0, 0);
    is_str(text, "1\n00:00:00,523 --> 00:00:00,900\nhe was\n\n2\n00:00:04,000 --> 00:00:04,600\nnot ill\n\n",
           "SubRip: numbered cues, one per utterance");
    free(text);
    text = written(&transcript, AMASS_FORMAT_VTT, 0, 0);
    is_str(text, "00:00:00.523 --> 00:00:00.900\nhe was\n\n00:00:04.000 --> 00:00:04.600\nnot ill\n\n",
           "WebVTT: cues with dots (the header is the run's)");
    free(text);
    text = written(&transcript, AMASS_FORMAT_TXT, 0, 0);
    is_str(text, "he was\nnot ill\n", "text: a line per utterance");
    free(text);
    text = written(&transcript, AMASS_FORMAT_NDJSON, 2, 0);
    ok(text && strstr(text, "\"start\":0.52,") && strstr(text, "\"conf\":0.91}"), "--precision 2: two significant digits");
    free(text);
}

int main(void)
{
    test_vad_on_c0();
    test_vad_options();
    test_vad_on_tone_bursts();
    test_subtitle_times();
    test_cue_split();
    test_manifest();
    test_format_parse();
    test_writers();
    return done_testing();
}
