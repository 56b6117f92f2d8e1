/* The GMM scorer against pocketsphinx's own senone scores, computed at
 * test time by pocketsphinx_batch on the same input: en-us (PTM) and an4
 * (continuous) on a raw clip, tidigits (semi-continuous, four s2_4x
 * streams) on its cepstra. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/acoustic.h"
#include "speech-gmm-helpers.h"
#include "tap.h"

/* ---- parity with pocketsphinx's own senone scores -------------------
 * pocketsphinx_batch logs every senone's score per frame (-senlogdir with
 * -compallsen): an "s3"-like text header up to "endhdr\n", the int32
 * byte-order magic, then per frame an int16 count and that many int16
 * scores, each the distance to the frame's best in units of 1024 steps of
 * log base 1.0001. A phone loop (-allphone) needs no language model;
 * -pl_window 0 keeps the lookahead search from logging frames twice. */
#define POCKETSPHINX_BATCH "/usr/bin/pocketsphinx_batch"

static float *pocketsphinx_scores(const char *hmm, const char *input_path, int32_t n_senones, size_t *n_frames)
{
    /* Audio (raw 16-bit) or Sphinx cepstra (.mfc), told by the extension. */
    int cepstra = strlen(input_path) > 4 && strcmp(input_path + strlen(input_path) - 4, ".mfc") == 0;
    char directory[] = "/tmp/amass-gmm-ps-XXXXXX", command[2048], path[600];
    unsigned char *bytes = NULL;
    float *scores = NULL;
    FILE *file;
    long size;
    if (!mkdtemp(directory))
        return NULL;
    snprintf(path, sizeof path, "%s/utt.%s", directory, cepstra ? "mfc" : "raw");
    copy_file(input_path, path, -1);
    snprintf(path, sizeof path, "%s/ctl", directory);
    write_text(path, "utt\n");
    snprintf(command, sizeof command,
             POCKETSPHINX_BATCH " -adcin %s -cepdir %s -cepext .%s -ctl %s/ctl -hmm %s -allphone /dev/null "
             "-senlogdir %s -compallsen yes -remove_silence no -pl_window 0 -hyp /dev/null -logfn /dev/null "
             ">/dev/null 2>&1",
             cepstra ? "no" : "yes", directory, cepstra ? "mfc" : "raw", directory, hmm, directory);
    if (system(command) == 0) {
        snprintf(path, sizeof path, "%s/000000000.sen", directory);
        if ((file = fopen(path, "rb"))) {
            fseek(file, 0, SEEK_END);
            size = ftell(file);
            rewind(file);
            bytes = malloc((size_t)size + 1);
            if (bytes && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
                free(bytes);
                bytes = NULL;
            }
            fclose(file);
            unlink(path);
        }
    }
    if (bytes) {
        const char *end;
        bytes[size] = 0;
        end = strstr((const char *)bytes, "endhdr\n");
        if (end) {
            size_t at = (size_t)(end - (const char *)bytes) + 7 + 4, row = 2 * ((size_t)n_senones + 1);
            /* The magic is 0x11223344 in the writer's order. */
            int swap = bytes[at - 4] == 0x11;
            *n_frames = ((size_t)size - at) / row;
            scores = malloc(*n_frames * (size_t)n_senones * sizeof *scores + 1);
            for (size_t t = 0; scores && t < *n_frames; t++)
                for (int32_t i = 0; i <= n_senones; i++) {
                    const unsigned char *b = bytes + at + t * row + 2 * (size_t)i;
                    int16_t value = (int16_t)(uint16_t)(swap ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0]));
                    if (i == 0 && value != n_senones) {
                        free(scores);
                        scores = NULL;
                        break;
                    }
                    if (i > 0)
                        scores[t * (size_t)n_senones + (size_t)(i - 1)] = (float)(-value * 1024 * log(1.0001));
                }
        }
        free(bytes);
    }
    snprintf(path, sizeof path, "%s/utt.%s", directory, cepstra ? "mfc" : "raw");
    unlink(path);
    snprintf(path, sizeof path, "%s/ctl", directory);
    unlink(path);
    rmdir(directory);
    return scores;
}

/* Our scores against pocketsphinx's on the same audio: pocketsphinx works
 * in a quantized integer log domain (steps of 0.1 nats, table log-adds),
 * so rows agree closely but not exactly; its best senone must score near
 * our best in every frame. */
static void check_pocketsphinx(const char *label, const char *directory, const char *audio,
                               const amass_speech_acoustic_model *model, const float *scores, size_t n_frames,
                               double min_agreement, double max_mean_difference)
{
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    size_t ps_frames = 0, agree = 0;
    double difference = 0, worst_gap = 0;
    float *ps;
    char name[256];
    if (access(POCKETSPHINX_BATCH, X_OK) != 0) {
        skip("pocketsphinx not installed");
        return;
    }
    ps = pocketsphinx_scores(directory, audio, n_senones, &ps_frames);
    snprintf(name, sizeof name, "%s: pocketsphinx_batch logs as many frames as we score", label);
    if (!ok(ps && ps_frames == n_frames, name)) {
        printf("#   pocketsphinx: %zu frames, ours %zu\n", ps_frames, n_frames);
        free(ps);
        return;
    }
    for (size_t t = 0; t < n_frames; t++) {
        const float *ours = scores + t * (size_t)n_senones, *theirs = ps + t * (size_t)n_senones;
        int32_t our_best = 0, their_best = 0;
        for (int32_t i = 1; i < n_senones; i++) {
            if (ours[i] > ours[our_best])
                our_best = i;
            if (theirs[i] > theirs[their_best])
                their_best = i;
        }
        agree += our_best == their_best;
        if (ours[their_best] - ours[our_best] < worst_gap)
            worst_gap = ours[their_best] - ours[our_best];
        /* Rows compare up to their own offsets (pocketsphinx's
         * semi-continuous scorer does not bring its best to 0). */
        for (int32_t i = 0; i < n_senones; i++)
            difference += fabs(((double)ours[i] - ours[our_best]) - ((double)theirs[i] - theirs[their_best]));
    }
    difference /= (double)n_frames * (double)n_senones;
    printf("# %s: best senone as pocketsphinx's in %zu of %zu frames; mean |difference| %.3f nats; "
           "pocketsphinx's best is within %.3f nats of ours\n",
           label, agree, n_frames, difference, -worst_gap);
    snprintf(name, sizeof name, "%s: best senone agrees with pocketsphinx in >= %.0f%% of frames", label,
             100 * min_agreement);
    ok((double)agree >= min_agreement * (double)n_frames, name);
    snprintf(name, sizeof name, "%s: senone scores within %.2f nats of pocketsphinx's on average", label,
             max_mean_difference);
    ok(difference <= max_mean_difference, name);
    snprintf(name, sizeof name, "%s: pocketsphinx's best senone scores within 1 nat of our best", label);
    ok(worst_gap >= -1, name);
    free(ps);
}


/* ---- a semi-continuous, four-stream model: tidigits (s2_4x) ----------- */

/* A Sphinx cepstrum file: an int32 count of floats, then the floats, in
 * the writer's byte order (the count that fits the file size tells it). */
static float *read_mfc(const char *path, int n_cepstra, size_t *n_frames)
{
    FILE *file = fopen(path, "rb");
    unsigned char *bytes;
    float *values = NULL;
    long size;
    uint32_t count_le, count_be;
    int swap;
    if (!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    rewind(file);
    bytes = malloc(size > 4 ? (size_t)size : 4);
    if (!bytes || size < 4 || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
        free(bytes);
        fclose(file);
        return NULL;
    }
    fclose(file);
    count_le = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    count_be = (uint32_t)bytes[3] | (uint32_t)bytes[2] << 8 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[0] << 24;
    swap = (uint64_t)count_le * 4 + 4 != (uint64_t)size;
    if (!swap || (uint64_t)count_be * 4 + 4 == (uint64_t)size) {
        *n_frames = (swap ? count_be : count_le) / (uint32_t)n_cepstra;
        values = malloc(*n_frames * (size_t)n_cepstra * sizeof *values + 1);
    }
    for (size_t i = 0; values && i < *n_frames * (size_t)n_cepstra; i++) {
        const unsigned char *b = bytes + 4 + 4 * i;
        uint32_t u = swap ? ((uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24)
                          : ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
        memcpy(&values[i], &u, sizeof u);
    }
    free(bytes);
    return values;
}

/* Sphinx-II's s2_4x features, streams one after the other: c1..c12;
 * their deltas over +-2 and +-4 frames; c0 with its delta and double
 * delta; the double deltas of c1..c12. The utterance's edges are padded
 * with copies of the first and last frame. */
static float *features_s2_4x(const float *cepstra, size_t n_frames, int n_cepstra)
{
    int n = n_cepstra - 1, dim = 4 * n_cepstra - 1;
    float *out = malloc(n_frames * (size_t)dim * sizeof *out + 1);
    for (size_t t = 0; out && t < n_frames; t++) {
        const float *at[9];
        float *f = out + t * (size_t)dim;
        for (int k = -4; k <= 4; k++) {
            long u = (long)t + k;
            u = u < 0 ? 0 : u >= (long)n_frames ? (long)n_frames - 1 : u;
            at[k + 4] = cepstra + (size_t)u * (size_t)n_cepstra;
        }
#define CEP(k, i) (at[(k) + 4][i])
        for (int i = 0; i < n; i++) {
            f[i] = CEP(0, i + 1);
            f[n + i] = CEP(2, i + 1) - CEP(-2, i + 1);
            f[2 * n + i] = CEP(4, i + 1) - CEP(-4, i + 1);
            f[3 * n + 3 + i] = (CEP(3, i + 1) - CEP(-1, i + 1)) - (CEP(1, i + 1) - CEP(-3, i + 1));
        }
        f[3 * n] = CEP(0, 0);
        f[3 * n + 1] = CEP(2, 0) - CEP(-2, 0);
        f[3 * n + 2] = (CEP(3, 0) - CEP(-1, 0)) - (CEP(1, 0) - CEP(-3, 0));
#undef CEP
    }
    return out;
}

static void test_tidigits(void)
{
    const char *mfc = TIDIGITS "/man.ah.111a.mfc";
    amass_speech_acoustic_model *model = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_status status;
    float *cepstra, *features = NULL, *scores = NULL, *scores_one = NULL;
    size_t n_frames = 0;
    int32_t n_senones;
    amass_status_clear(&status);
    if (!ok(amass_speech_acoustic_model_open(TIDIGITS "/hmm", NULL, &model, &status) == AMASS_OK,
            "tidigits (semi-continuous, s2_4x): model opens")) {
        printf("# %s\n", status.message);
        return;
    }
    is_int(amass_speech_acoustic_model_feature_dim(model), 51, "tidigits: s2_4x is 51 floats a frame");
    n_senones = amass_speech_acoustic_model_n_senones(model);
    cepstra = read_mfc(mfc, 13, &n_frames);
    if (cepstra && amass_speech_cmn_open(amass_speech_acoustic_model_params(model), &cmn, &status) == AMASS_OK) {
        amass_speech_cmn_apply(cmn, cepstra, n_frames);
        features = features_s2_4x(cepstra, n_frames, 13);
    }
    amass_speech_cmn_close(cmn);
    if (features) {
        scores = score_all(model, features, n_frames, 100, NULL);
        scores_one = score_all(model, features, n_frames, 1, NULL);
    }
    ok(scores && all_finite(scores, n_frames * (size_t)n_senones), "tidigits: all senone scores finite");
    ok(scores && scores_one && memcmp(scores, scores_one, n_frames * (size_t)n_senones * sizeof *scores) == 0,
       "tidigits: block size 1 and 100 give identical scores");
    if (scores)
        check_pocketsphinx("tidigits", TIDIGITS "/hmm", mfc, model, scores, n_frames, 0.9, 0.5);
    else
        skip("tidigits: no scores to compare");
    free(cepstra);
    free(features);
    free(scores);
    free(scores_one);
    amass_speech_acoustic_model_close(model);
}


/* A model's scores on goforward.raw against pocketsphinx's. */
static void test_clip(const char *label, const char *directory, double min_agreement, double max_mean_difference)
{
    amass_speech_acoustic_model *model = NULL;
    amass_status status;
    float *features = NULL, *scores = NULL;
    size_t n_frames = 0;
    char name[256];
    amass_status_clear(&status);
    snprintf(name, sizeof name, "%s: model opens", label);
    if (!ok(amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK, name)) {
        printf("# %s\n", status.message);
        return;
    }
    if ((features = utterance_features(model, GOFORWARD, &n_frames)))
        scores = score_all(model, features, n_frames, 100, NULL);
    snprintf(name, sizeof name, "%s: goforward.raw scored", label);
    if (ok(scores != NULL, name))
        check_pocketsphinx(label, directory, GOFORWARD, model, scores, n_frames, min_agreement, max_mean_difference);
    free(features);
    free(scores);
    amass_speech_acoustic_model_close(model);
}

int main(void)
{
    if (!file_exists(EN_US "/sendump") || !file_exists(GOFORWARD))
        skip("pocketsphinx-en-us or pocketsphinx-testdata not installed");
    else
        test_clip("en-us", EN_US, 0.85, 0.6);
    if (!file_exists(AN4 "/mixture_weights") || !file_exists(GOFORWARD))
        skip("pocketsphinx-testdata (an4_ci_cont) not installed");
    else
        test_clip("an4", AN4, 0.95, 0.1);
    if (!file_exists(TIDIGITS "/hmm/sendump") || !file_exists(TIDIGITS "/man.ah.111a.mfc"))
        skip("pocketsphinx-testdata (tidigits) not installed");
    else
        test_tidigits();
    return done_testing();
}
