/* Helpers shared by the GMM scorer's unit tests (test-speech-gmm*.c):
 * the installed models' paths, features of a raw clip, scoring a whole
 * utterance in blocks, file copies for broken model directories. */
#ifndef AMASS_TEST_SPEECH_GMM_HELPERS_H
#define AMASS_TEST_SPEECH_GMM_HELPERS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "speech/acoustic.h"
#include "tap.h"

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"
#define TESTDATA "/usr/share/pocketsphinx/test/data"
#define AN4 TESTDATA "/an4_ci_cont"
#define TIDIGITS TESTDATA "/tidigits"
#define GOFORWARD TESTDATA "/goforward.raw"

static inline int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

static inline void skip(const char *why)
{
    printf("ok %d # skip %s\n", ++tap_count, why);
}

/* 1s_c_d_dd features of a raw 16 kHz little-endian file, computed with the
 * model's front-end parameters and batch CMN, as a decoder would. */
static inline float *utterance_features(const amass_speech_acoustic_model *model, const char *path, size_t *n_frames)
{
    const amass_speech_params *params = amass_speech_acoustic_model_params(model);
    FILE *file = fopen(path, "rb");
    amass_speech_frontend *frontend = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_speech_frames cepstra;
    amass_status status;
    unsigned char bytes[4096];
    int16_t samples[2048];
    size_t got;
    float *features = NULL;
    if (!file)
        return NULL;
    amass_status_clear(&status);
    if (amass_speech_frontend_open(params, &frontend, &status) != AMASS_OK) {
        fclose(file);
        printf("# %s\n", status.message);
        return NULL;
    }
    amass_speech_frames_init(&cepstra, params->n_cepstra);
    while ((got = fread(bytes, 1, sizeof bytes, file)) >= 2) {
        for (size_t i = 0; i < got / 2; i++)
            samples[i] = (int16_t)(uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        amass_speech_frontend_feed_int16(frontend, samples, got / 2, &cepstra, &status);
    }
    fclose(file);
    amass_speech_frontend_finish(frontend, &cepstra, &status);
    amass_speech_frontend_close(frontend);
    if (amass_speech_cmn_open(params, &cmn, &status) == AMASS_OK) {
        amass_speech_cmn_apply(cmn, cepstra.data, cepstra.n_frames);
        amass_speech_cmn_close(cmn);
        features = malloc(cepstra.n_frames * 3 * (size_t)params->n_cepstra * sizeof *features + 1);
        if (features)
            amass_speech_features_1s_c_d_dd(cepstra.data, cepstra.n_frames, params->n_cepstra, features);
        *n_frames = cepstra.n_frames;
    }
    amass_speech_frames_free(&cepstra);
    return features;
}


static inline float *score_all(const amass_speech_acoustic_model *model, const float *features, size_t n_frames,
                        size_t block_size, double *seconds)
{
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    float *scores = malloc(n_frames * (size_t)n_senones * sizeof *scores + 1);
    amass_speech_scorer *scorer = NULL;
    amass_status status;
    struct timespec start, end;
    amass_status_clear(&status);
    if (!scores || amass_speech_scorer_open(model, &scorer, &status) != AMASS_OK) {
        free(scores);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (size_t first = 0; first < n_frames; first += block_size) {
        size_t count = n_frames - first < block_size ? n_frames - first : block_size;
        if (amass_speech_scorer_score(scorer, features, n_frames, first, count, scores + first * (size_t)n_senones,
                                      &status) != AMASS_OK) {
            printf("# %s\n", status.message);
            free(scores);
            scores = NULL;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (seconds)
        *seconds = (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
    amass_speech_scorer_close(scorer);
    return scores;
}

static inline int all_finite(const float *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return 0;
    return 1;
}


static inline void copy_file(const char *from, const char *to, long limit)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buffer[65536];
    size_t got;
    long done = 0;
    while (in && out && (got = fread(buffer, 1, sizeof buffer, in)) > 0) {
        if (limit >= 0 && done + (long)got > limit)
            got = (size_t)(limit - done);
        fwrite(buffer, 1, got, out);
        done += (long)got;
        if (limit >= 0 && done >= limit)
            break;
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static inline void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "wb");
    if (out) {
        fputs(text, out);
        fclose(out);
    }
}

/* A copy of en-us in a temporary directory. */

#endif
