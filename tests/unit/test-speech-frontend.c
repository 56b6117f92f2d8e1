/* The Sphinx front end: feat.params parsing (with bad input), MFCC frame
 * counts and streaming, CMN, 1s_c_d_dd, and frame-for-frame parity with
 * sphinx_fe, run at test time on pocketsphinx-testdata audio. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "speech/speech.h"
#include "tap.h"

#define MODEL_PARAMS "/usr/share/pocketsphinx/model/en-us/en-us/feat.params"
#define TESTDATA "/usr/share/pocketsphinx/test/data"

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* A Sphinx cepstrum file: an int32 count of floats, then the floats, in
 * the writer's byte order (found, as Sphinx does, by the count that fits
 * the file size). */
static float *read_mfc(const char *path, int n_cepstra, size_t *n_frames)
{
    FILE *file = fopen(path, "rb");
    unsigned char *bytes;
    long size;
    uint32_t count_le, count_be;
    float *values = NULL;
    int swap;
    if (!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    rewind(file);
    bytes = malloc(size > 4 ? (size_t)size : 4);
    if (size < 4 || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        free(bytes);
        fclose(file);
        return NULL;
    }
    fclose(file);
    count_le = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    count_be = (uint32_t)bytes[3] | (uint32_t)bytes[2] << 8 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[0] << 24;
    swap = (uint64_t)count_le * 4 + 4 != (uint64_t)size;
    if (swap && (uint64_t)count_be * 4 + 4 != (uint64_t)size) {
        free(bytes);
        return NULL;
    }
    *n_frames = (swap ? count_be : count_le) / (uint32_t)n_cepstra;
    values = malloc((*n_frames * (size_t)n_cepstra + 1) * sizeof *values);
    for (size_t i = 0; values && i < *n_frames * (size_t)n_cepstra; i++) {
        const unsigned char *b = bytes + 4 + 4 * i;
        uint32_t u = swap ? ((uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24)
                          : ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
        memcpy(&values[i], &u, sizeof u);
    }
    free(bytes);
    return values;
}

/* 16-bit samples of a raw (headerless, little-endian) or WAV file. */
static int16_t *read_audio(const char *path, int raw, size_t *n)
{
    SF_INFO info;
    SNDFILE *sf;
    int16_t *samples;
    memset(&info, 0, sizeof info);
    if (raw) {
        info.samplerate = 16000;
        info.channels = 1;
        info.format = SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
    }
    sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return NULL;
    if (info.channels != 1 || info.frames <= 0) {
        sf_close(sf);
        return NULL;
    }
    samples = malloc((size_t)info.frames * sizeof *samples);
    *n = samples ? (size_t)sf_read_short(sf, samples, info.frames) : 0;
    sf_close(sf);
    return samples;
}

static void model_params(amass_speech_params *params)
{
    amass_status status;
    amass_speech_params_default(params);
    /* The en-us model's feat.params, written out so these tests run without it. */
    static const char text[] = "-lowerf 130\n-upperf 6800\n-nfilt 25\n-transform dct\n-lifter 22\n-feat 1s_c_d_dd\n"
                               "-svspec 0-12/13-25/26-38\n-agc none\n-cmn batch\n-varnorm no\n-model ptm\n"
                               "-cmninit 41.00,-5.29,-0.12,5.09,2.48,-4.07,-1.37,-1.78,-5.08,-2.05,-6.45,-1.42,1.17\n";
    if (amass_speech_params_parse(params, "en-us/feat.params", text, sizeof text - 1, &status) != AMASS_OK)
        printf("# %s\n", status.message);
}

static void test_params(void)
{
    amass_speech_params p;
    amass_status status;
    model_params(&p);
    ok(p.n_filters == 25 && p.lifter == 22 && p.transform == AMASS_SPEECH_TRANSFORM_DCT &&
           p.cmn == AMASS_SPEECH_CMN_BATCH && fabs(p.lower_frequency - 130) < 1e-9 &&
           fabs(p.upper_frequency - 6800) < 1e-9 && strcmp(p.feature_type, "1s_c_d_dd") == 0 &&
           strcmp(p.svspec, "0-12/13-25/26-38") == 0,
       "en-us feat.params: filters, lifter, transform, cmn, feature type, svspec");
    ok(p.n_cmn_init == 13 && fabs(p.cmn_init[0] - 41.0f) < 1e-6 && fabs(p.cmn_init[12] - 1.17f) < 1e-6,
       "en-us feat.params: 13 cmninit values");
    ok(p.sample_rate == 16000 && p.fft_size == 512 && p.n_cepstra == 13 && fabs(p.preemphasis - 0.97) < 1e-9,
       "defaults stay where the file is silent");
    amass_speech_params_default(&p);
    ok(p.remove_noise == 1 && p.remove_silence == 0 && p.n_cmn_init == 3 && p.cmn_init[0] == 40,
       "noise removal on by default as in pocketsphinx; VAD dropping off; cmninit 40,3,-1");
    ok(amass_speech_params_parse(&p, "x", "-remove_noise no -cmn prior", 27, &status) == AMASS_OK &&
           p.remove_noise == 0 && p.cmn == AMASS_SPEECH_CMN_LIVE,
       "several pairs on a line; old CMN names");
    if (file_exists(MODEL_PARAMS)) {
        amass_speech_params q;
        amass_speech_params_default(&q);
        ok(amass_speech_params_read(&q, MODEL_PARAMS, &status) == AMASS_OK && q.n_filters == 25 &&
               q.n_cmn_init == 13,
           "the installed en-us feat.params reads");
    } else {
        printf("ok %d # skip %s not installed (pocketsphinx-en-us)\n", ++tap_count, MODEL_PARAMS);
    }

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"-nfilt 25\n-frobnicate 3\n", "feat.params:2: unknown parameter '-frobnicate'"},
        {"-nfilt abc\n", "feat.params:1: -nfilt: 'abc' is not a number"},
        {"-nfilt 2.5\n", "feat.params:1: -nfilt: '2.5' is not a whole number"},
        {"-nfilt 100000\n", "feat.params:1: -nfilt: 100000 is out of range"},
        {"-lowerf\n-upperf 6800\n", "feat.params:1: -lowerf has no value"},
        {"\n\n-lifter", "feat.params:3: -lifter has no value"},
        {"-transform fft\n", "feat.params:1: -transform: 'fft' is not one of legacy, dct, htk"},
        {"-cmn sometimes\n", "feat.params:1: -cmn: 'sometimes' is not one of"},
        {"-cmninit 1,,2\n", "feat.params:1: -cmninit: '1,,2' is not a comma-separated list"},
        {"-cmninit 1,2,\n", "feat.params:1: -cmninit: '1,2,' ends with a comma"},
        {"-remove_dc maybe\n", "feat.params:1: -remove_dc: 'maybe' is not yes or no"},
        {"nfilt 25\n", "feat.params:1: expected a -name, found 'nfilt'"},
        {"-alpha nan\n", "feat.params:1: -alpha: 'nan' is not a number"},
        {"# -nfilt 3\n-nfilt 25 # two\n-frobnicate", "feat.params:3: -frobnicate has no value"},
        {"-svspec 0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/"
         "0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/0-12/13-25/26-38/\n",
         "feat.params:1: -svspec: '0-12/"},
        {"-nfilt 2\0 5\n", "feat.params:1: not a text file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char name[64];
        size_t length = strlen(bad[i].text);
        if (i == sizeof bad / sizeof *bad - 1)
            length = 12;
        amass_speech_params_default(&p);
        amass_status_clear(&status);
        snprintf(name, sizeof name, "bad feat.params %zu fails with file and line", i + 1);
        int failed = amass_speech_params_parse(&p, "feat.params", bad[i].text, length, &status) == AMASS_ERR_INPUT;
        ok(failed && strncmp(status.message, bad[i].want, strlen(bad[i].want)) == 0, name);
        if (!failed || strncmp(status.message, bad[i].want, strlen(bad[i].want)) != 0)
            printf("#   got \"%s\"\n#   want \"%s...\"\n", status.message, bad[i].want);
    }
    ok(amass_speech_params_read(&p, "/nonexistent/feat.params", &status) == AMASS_ERR_IO &&
           strstr(status.message, "/nonexistent/feat.params"),
       "a missing feat.params names the file");
}

static size_t run_frontend(amass_speech_frontend *fe, const int16_t *samples, size_t n, size_t block,
                           amass_speech_frames *out)
{
    amass_status status;
    for (size_t at = 0; at < n; at += block) {
        size_t take = n - at < block ? n - at : block;
        if (amass_speech_frontend_feed_int16(fe, samples + at, take, out, &status) != AMASS_OK)
            printf("# %s\n", status.message);
    }
    if (amass_speech_frontend_finish(fe, out, &status) != AMASS_OK)
        printf("# %s\n", status.message);
    return out->n_frames;
}

static void test_frontend_shapes(void)
{
    amass_speech_params p;
    amass_speech_frontend *fe = NULL;
    amass_speech_frames a, b;
    amass_status status;
    int16_t *noise = malloc(5000 * sizeof *noise);
    float *noise_float = malloc(5000 * sizeof *noise_float);
    uint32_t seed = 12345;
    model_params(&p);
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_OK, "front end opens on the en-us parameters");
    if (!fe) {
        free(noise);
        free(noise_float);
        return;
    }
    is_int(amass_speech_frontend_frame_shift(fe), 160, "frame shift 160 samples at 16 kHz, 100 frames/s");
    is_int(amass_speech_frontend_frame_size(fe), 410, "window 410 samples (0.025625 s)");
    for (int i = 0; i < 5000; i++) {
        seed = seed * 1664525u + 1013904223u;
        noise[i] = (int16_t)((int32_t)(seed >> 16) % 2000 - 1000);
        noise_float[i] = noise[i] / 32768.0f;
    }
    amass_speech_frames_init(&a, 13);
    amass_speech_frames_init(&b, 13);
    is_int(run_frontend(fe, noise, 0, 1, &a), 0, "empty audio: zero frames");
    a.n_frames = 0;
    is_int(run_frontend(fe, noise, 100, 100, &a), 1, "100 samples: one zero-padded frame, as sphinx_fe");
    a.n_frames = 0;
    is_int(run_frontend(fe, noise, 410, 410, &a), 2, "one window exactly: that frame and the tail frame");
    a.n_frames = 0;
    is_int(run_frontend(fe, noise, 5000, 5000, &a), 1 + (5000 - 410) / 160 + 1,
           "5000 samples: 1 + (n - 410) / 160 full frames and the tail");
    run_frontend(fe, noise, 5000, 7, &b);
    ok(a.n_frames == b.n_frames && memcmp(a.data, b.data, a.n_frames * 13 * sizeof(float)) == 0,
       "blocks of 7 samples give the same frames as one block");
    b.n_frames = 0;
    for (size_t at = 0; at < 5000; at += 333)
        amass_speech_frontend_feed_float(fe, noise_float + at, 5000 - at < 333 ? 5000 - at : 333, &b, &status);
    amass_speech_frontend_finish(fe, &b, &status);
    double worst = 0;
    for (size_t i = 0; b.n_frames == a.n_frames && i < a.n_frames * 13; i++)
        worst = fmax(worst, fabs(a.data[i] - b.data[i]));
    ok(b.n_frames == a.n_frames && worst < 1e-4, "float samples in [-1, 1] give the int16 frames");
    {
        amass_speech_frames wrong;
        amass_speech_frames_init(&wrong, 12);
        ok(amass_speech_frontend_feed_int16(fe, noise, 10, &wrong, &status) == AMASS_ERR_USAGE,
           "a frame buffer of the wrong width is refused");
        amass_speech_frames_free(&wrong);
    }
    amass_speech_frames_free(&a);
    amass_speech_frames_free(&b);
    amass_speech_frontend_close(fe);
    amass_speech_frontend_close(NULL);

    model_params(&p);
    p.remove_silence = 1;
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_ERR_UNSUPPORTED && !fe &&
           strstr(status.message, "-remove_silence"),
       "VAD frame dropping is refused, not silently skipped");
    model_params(&p);
    p.n_filters = 200;
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_ERR_USAGE && strstr(status.message, "mel filter"),
       "more mel filters than DFT points is refused");
    model_params(&p);
    p.fft_size = 256;
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_ERR_USAGE && strstr(status.message, "FFT size 256"),
       "a window longer than the FFT is refused");
    model_params(&p);
    p.frame_rate = 10;
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_ERR_USAGE && strstr(status.message, "frame shift"),
       "a frame shift longer than the window is refused");
    model_params(&p);
    p.upper_frequency = 9000;
    ok(amass_speech_frontend_open(&p, &fe, &status) == AMASS_ERR_USAGE && strstr(status.message, "9000"),
       "a filter range past half the sample rate is refused");
    free(noise);
    free(noise_float);
}

/* Runs sphinx_fe on the file and compares frame by frame. */
static void parity(const char *audio, int raw, int remove_noise)
{
    char directory[] = "/tmp/amass-speech-XXXXXX", output[256], command[1024], name[512];
    amass_speech_params p;
    amass_speech_frontend *fe = NULL;
    amass_speech_frames ours;
    amass_status status;
    int16_t *samples;
    float *theirs;
    size_t n_samples = 0, n_theirs = 0;
    const char *base = strrchr(audio, '/') ? strrchr(audio, '/') + 1 : audio;
    if (!file_exists(audio)) {
        printf("ok %d # skip %s not installed (pocketsphinx-testdata)\n", ++tap_count, audio);
        return;
    }
    if (system("command -v sphinx_fe >/dev/null 2>&1") != 0) {
        /* The shipped goforward.mfc was made with other parameters (264
         * frames from 44580 samples: VAD or another frame rate), so there
         * is nothing valid to compare with. */
        printf("ok %d # skip sphinx_fe not installed (sphinxbase-utils)\n", ++tap_count);
        return;
    }
    if (!mkdtemp(directory)) {
        ok(0, "temporary directory");
        return;
    }
    snprintf(output, sizeof output, "%s/out.mfc", directory);
    snprintf(command, sizeof command,
             "sphinx_fe -i '%s' %s -lowerf 130 -upperf 6800 -nfilt 25 -transform dct -lifter 22 "
             "-dither no -remove_noise %s -remove_silence no -o '%s' >'%s/log' 2>&1",
             audio, raw ? "-raw yes" : "-mswav yes", remove_noise ? "yes" : "no", output, directory);
    ok(system(command) == 0, "sphinx_fe runs");
    theirs = read_mfc(output, 13, &n_theirs);
    samples = read_audio(audio, raw, &n_samples);
    model_params(&p);
    p.remove_noise = remove_noise;
    amass_speech_frames_init(&ours, 13);
    if (theirs && samples && amass_speech_frontend_open(&p, &fe, &status) == AMASS_OK) {
        double worst[13] = {0}, low[13], high[13], worst_relative = 0;
        run_frontend(fe, samples, n_samples, 2048, &ours);
        snprintf(name, sizeof name, "%s%s: %zu frames as sphinx_fe", base, remove_noise ? " (noise removal)" : "",
                 n_theirs);
        is_int(ours.n_frames, n_theirs, name);
        for (int i = 0; i < 13; i++)
            low[i] = INFINITY, high[i] = -INFINITY;
        for (size_t f = 0; f < n_theirs && f < ours.n_frames; f++)
            for (int i = 0; i < 13; i++) {
                double want = theirs[f * 13 + i], got = ours.data[f * 13 + i];
                worst[i] = fmax(worst[i], fabs(got - want));
                low[i] = fmin(low[i], want);
                high[i] = fmax(high[i], want);
            }
        for (int i = 0; i < 13; i++) {
            double relative = worst[i] / (high[i] - low[i]);
            worst_relative = fmax(worst_relative, relative);
            printf("# c%-2d max |ours - sphinx_fe| %.3g over a range of %.3g\n", i, worst[i], high[i] - low[i]);
        }
        snprintf(name, sizeof name, "%s%s: every coefficient within 1e-4 of its range of sphinx_fe's (worst %.2g)",
                 base, remove_noise ? " (noise removal)" : "", worst_relative);
        ok(worst_relative < 1e-4, name);
        /* The comparison must see a small change: sphinx_fe's default lower
         * filter edge (133.3 Hz instead of 130) moves the first filter. */
        {
            amass_speech_frontend *other = NULL;
            amass_speech_frames shifted;
            double moved = 0;
            amass_speech_frames_init(&shifted, 13);
            p.lower_frequency = 133.33334;
            if (amass_speech_frontend_open(&p, &other, &status) == AMASS_OK)
                run_frontend(other, samples, n_samples, 2048, &shifted);
            for (size_t k = 0; shifted.n_frames == n_theirs && k < n_theirs * 13; k++)
                moved = fmax(moved, fabs(shifted.data[k] - theirs[k]));
            snprintf(name, sizeof name, "%s: the comparison sees -lowerf 133.3 instead of 130 (%.3g)", base, moved);
            ok(moved > 0.01, name);
            amass_speech_frames_free(&shifted);
            amass_speech_frontend_close(other);
        }
    } else {
        ok(0, "sphinx_fe output, audio and front end at hand");
    }
    amass_speech_frames_free(&ours);
    amass_speech_frontend_close(fe);
    free(theirs);
    free(samples);
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0)
        printf("# could not remove %s\n", directory);
}

static void test_cmn_and_deltas(void)
{
    amass_speech_params p;
    amass_speech_cmn_state *cmn = NULL;
    amass_status status;
    enum { n_frames = 50, n = 13 };
    float cep[n_frames * n], features[n_frames * 3 * n];
    double sum[n] = {0};
    model_params(&p);
    for (int f = 0; f < n_frames; f++)
        for (int i = 0; i < n; i++)
            cep[f * n + i] = (float)(i == 0 ? 30 + f % 7 : sin(f * 0.3 + i));
    ok(amass_speech_cmn_open(&p, &cmn, &status) == AMASS_OK, "batch CMN opens");
    amass_speech_cmn_apply(cmn, cep, n_frames);
    for (int f = 0; f < n_frames; f++)
        for (int i = 0; i < n; i++)
            sum[i] += cep[f * n + i];
    int zero_mean = 1;
    for (int i = 0; i < n; i++)
        zero_mean &= fabs(sum[i] / n_frames) < 1e-5;
    ok(zero_mean, "batch CMN: every coefficient has zero mean over the utterance");
    amass_speech_cmn_close(cmn);

    p.cmn = AMASS_SPEECH_CMN_LIVE;
    amass_speech_cmn_open(&p, &cmn, &status);
    for (int f = 0; f < n_frames; f++)
        for (int i = 0; i < n; i++)
            cep[f * n + i] = (float)(i == 0 ? 50 : 1);
    cep[3 * n] = -1; /* a zero-energy frame: left alone */
    amass_speech_cmn_apply(cmn, cep, n_frames);
    ok(fabs(cep[0] - (50 - 41.0f)) < 1e-5 && fabs(cep[12] - (1 - 1.17f)) < 1e-5,
       "live CMN subtracts cmninit from the first frames");
    ok(cep[3 * n] == -1 && cep[3 * n + 1] == 1, "live CMN skips frames whose c0 is negative");
    amass_speech_cmn_end_utterance(cmn);
    /* (41 * 500 + 49 * 50) / 549 */
    is_close(amass_speech_cmn_mean(cmn)[0], (41.0 * 500 + 49 * 50) / 549, 1e-5,
             "live CMN: the mean moves towards the utterance at its end");
    amass_speech_cmn_close(cmn);

    /* Past 800 frames the running sum is scaled back to stand for 500. */
    {
        float *many = malloc(301 * n * sizeof *many);
        double mean0 = (41.0 * 500 + 301 * 50.0) / 801;
        amass_speech_cmn_open(&p, &cmn, &status);
        for (int i = 0; many && i < 301 * n; i++)
            many[i] = i % n == 0 ? 50 : 0;
        if (many)
            amass_speech_cmn_apply(cmn, many, 301);
        is_close(amass_speech_cmn_mean(cmn)[0], mean0, 1e-5, "live CMN: the mean updates within a block past 800 frames");
        amass_speech_cmn_end_utterance(cmn);
        is_close(amass_speech_cmn_mean(cmn)[0], mean0, 1e-5, "live CMN: the decayed sum keeps that mean");
        amass_speech_cmn_close(cmn);
        free(many);
    }
    p.variance_normalize = 1;
    ok(amass_speech_cmn_open(&p, &cmn, &status) == AMASS_ERR_UNSUPPORTED && !cmn, "-varnorm yes is refused");

    /* c(t) = t: deltas 4 inside, double deltas 0; edges repeat frames. */
    for (int f = 0; f < n_frames; f++)
        for (int i = 0; i < n; i++)
            cep[f * n + i] = (float)f;
    amass_speech_features_1s_c_d_dd(cep, n_frames, n, features);
    ok(features[10 * 39 + 0] == 10 && features[10 * 39 + 13] == 4 && features[10 * 39 + 26] == 0,
       "1s_c_d_dd inside: c, c(t+2) - c(t-2), double delta");
    /* t = 0: delta c2 - c0 = 2; dd (c3 - c0) - (c1 - c0) = 2 */
    ok(features[0 + 13] == 2 && features[0 + 26] == 2, "1s_c_d_dd at the start pads with the first frame");
    /* t = 49: delta c49 - c47 = 2; dd (c49 - c48) - (c49 - c46) = -2 */
    ok(features[49 * 39 + 13] == 2 && features[49 * 39 + 26] == -2,
       "1s_c_d_dd at the end pads with the last frame");
    amass_speech_features_1s_c_d_dd(cep, 1, n, features);
    ok(features[13] == 0 && features[26] == 0, "1s_c_d_dd of a single frame");
}

int main(void)
{
    test_params();
    test_frontend_shapes();
    test_cmn_and_deltas();
    parity(TESTDATA "/goforward.raw", 1, 0);
    parity(TESTDATA "/librivox/sense_and_sensibility_01_austen_64kb-0870.wav", 0, 0);
    parity(TESTDATA "/goforward.raw", 1, 1);
    parity(TESTDATA "/librivox/sense_and_sensibility_01_austen_64kb-0870.wav", 0, 1);
    return done_testing();
}
