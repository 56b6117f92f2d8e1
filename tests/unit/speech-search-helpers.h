/* Helpers shared by the search's LibriVox test and the speech-decode driver:
 * an audio file through the front end, batch CMN, 1s_c_d_dd, the scorer and
 * the decoder, with the CPU time spent scoring and searching. */
#ifndef AMASS_TEST_SPEECH_SEARCH_HELPERS_H
#define AMASS_TEST_SPEECH_SEARCH_HELPERS_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/media.h"
#include "speech/search.h"

#define EN_US_DIR "/usr/share/pocketsphinx/model/en-us"
#define EN_US EN_US_DIR "/en-us"
#define LIBRIVOX "/usr/share/pocketsphinx/test/data/librivox"

static inline double cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static inline float *features_of(const amass_speech_acoustic_model *model, const float *samples, size_t n_samples,
                                 size_t *n_frames, amass_status *status)
{
    const amass_speech_params *params = amass_speech_acoustic_model_params(model);
    amass_speech_frontend *frontend = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_speech_frames cepstra;
    float *features = NULL;
    if (amass_speech_frontend_open(params, &frontend, status) != AMASS_OK)
        return NULL;
    amass_speech_frames_init(&cepstra, params->n_cepstra);
    if (amass_speech_frontend_feed_float(frontend, samples, n_samples, &cepstra, status) == AMASS_OK &&
        amass_speech_frontend_finish(frontend, &cepstra, status) == AMASS_OK &&
        amass_speech_cmn_open(params, &cmn, status) == AMASS_OK) {
        amass_speech_cmn_apply(cmn, cepstra.data, cepstra.n_frames);
        amass_speech_cmn_close(cmn);
        features = malloc(cepstra.n_frames * 3 * (size_t)params->n_cepstra * sizeof *features + 1);
        if (features)
            amass_speech_features_1s_c_d_dd(cepstra.data, cepstra.n_frames, params->n_cepstra, features);
        *n_frames = cepstra.n_frames;
    }
    amass_speech_frontend_close(frontend);
    amass_speech_frames_free(&cepstra);
    return features;
}

typedef struct {
    double audio_seconds, scoring_seconds, search_seconds;
} decode_timing;

/* Decodes one file into hypothesis; scores are computed in blocks of 100
 * frames and stepped block by block, as a streaming caller would. */
static inline amass_code decode_file(const amass_speech_acoustic_model *model, amass_speech_scorer *scorer,
                                     amass_speech_decoder *decoder, const char *path,
                                     amass_speech_hypothesis *hypothesis, decode_timing *timing, amass_status *status)
{
    float *samples = NULL;
    size_t n_samples = 0, n_frames = 0;
    /* pocketsphinx's test clips *.raw are headerless 16 kHz s16le. */
    amass_audio_options raw = {0, 16000, 1};
    size_t length = strlen(path);
    int is_raw = length > 4 && !strcmp(path + length - 4, ".raw");
    amass_code code = amass_media_audio_load(path, is_raw ? &raw : NULL, &samples, &n_samples, status);
    if (code != AMASS_OK)
        return code;
    float *features = features_of(model, samples, n_samples, &n_frames, status);
    free(samples);
    if (!features)
        return AMASS_ERR_INPUT;
    size_t block = 100, n_senones = (size_t)amass_speech_acoustic_model_n_senones(model);
    float *scores = malloc(block * n_senones * sizeof *scores);
    code = scores ? amass_speech_decoder_start(decoder, status) : AMASS_ERR_NOMEM;
    for (size_t first = 0; code == AMASS_OK && first < n_frames; first += block) {
        size_t count = n_frames - first < block ? n_frames - first : block;
        double t0 = cpu_seconds();
        code = amass_speech_scorer_score(scorer, features, n_frames, first, count, scores, status);
        double t1 = cpu_seconds();
        if (code == AMASS_OK)
            code = amass_speech_decoder_step(decoder, scores, count, status);
        timing->scoring_seconds += t1 - t0;
        timing->search_seconds += cpu_seconds() - t1;
    }
    double t2 = cpu_seconds();
    if (code == AMASS_OK)
        code = amass_speech_decoder_finish(decoder, hypothesis, status);
    timing->search_seconds += cpu_seconds() - t2;
    timing->audio_seconds += (double)n_samples / 16000.0;
    free(scores);
    free(features);
    return code;
}

#endif
