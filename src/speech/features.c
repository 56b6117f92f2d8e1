/* The feature stage after the MFCC front end: cepstral mean normalisation
 * (batch and live, as pocketsphinx does them) and 1s_c_d_dd dynamic
 * features. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "speech.h"

/* pocketsphinx's live CMN window: the running sum stands for CMN_WINDOW
 * frames and is scaled back to that once it passes CMN_HIGH_WATER. */
#define CMN_WINDOW 500
#define CMN_HIGH_WATER 800

struct amass_speech_cmn_state {
    amass_speech_cmn mode;
    int n_cepstra;
    float mean[AMASS_SPEECH_MAX_CEPSTRA];
    float sum[AMASS_SPEECH_MAX_CEPSTRA];
    int n_frames; /* frames the running sum stands for */
};

amass_code amass_speech_cmn_open(const amass_speech_params *params, amass_speech_cmn_state **state,
                                 amass_status *status)
{
    amass_speech_cmn_state *s;
    *state = NULL;
    if (params->variance_normalize)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "cepstral variance normalisation (-varnorm yes) is not supported");
    if (params->n_cepstra < 1 || params->n_cepstra > AMASS_SPEECH_MAX_CEPSTRA)
        return amass_fail(status, AMASS_ERR_USAGE, "%d cepstra is out of range", params->n_cepstra);
    if (params->n_cmn_init > params->n_cepstra)
        return amass_fail(status, AMASS_ERR_USAGE, "-cmninit has %d values for %d cepstra", params->n_cmn_init,
                          params->n_cepstra);
    s = calloc(1, sizeof *s);
    if (!s)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for CMN");
    s->mode = params->cmn;
    s->n_cepstra = params->n_cepstra;
    /* As pocketsphinx's cmn_live_set: the initial mean counts as a full
     * window of frames, so it gives way slowly. */
    memcpy(s->mean, params->cmn_init, (size_t)params->n_cmn_init * sizeof *s->mean);
    for (int i = 0; i < s->n_cepstra; i++)
        s->sum[i] = s->mean[i] * CMN_WINDOW;
    s->n_frames = CMN_WINDOW;
    *state = s;
    return AMASS_OK;
}

void amass_speech_cmn_close(amass_speech_cmn_state *state)
{
    free(state);
}

const float *amass_speech_cmn_mean(const amass_speech_cmn_state *state)
{
    return state->mean;
}

/* The running mean from the sum; the sum decays once it stands for more
 * than the window (strictly more at the end of an utterance, at least as
 * many within one: pocketsphinx's two code paths differ so). */
static void update_running_mean(amass_speech_cmn_state *s, int at_end)
{
    float scale;
    if (s->n_frames <= 0)
        return;
    scale = 1.0f / (float)s->n_frames;
    for (int i = 0; i < s->n_cepstra; i++)
        s->mean[i] = s->sum[i] / (float)s->n_frames;
    if (at_end ? s->n_frames > CMN_HIGH_WATER : s->n_frames >= CMN_HIGH_WATER) {
        scale = CMN_WINDOW * scale;
        for (int i = 0; i < s->n_cepstra; i++)
            s->sum[i] *= scale;
        s->n_frames = CMN_WINDOW;
    }
}

static void apply_batch(amass_speech_cmn_state *s, float *cepstra, size_t n_frames)
{
    float mean[AMASS_SPEECH_MAX_CEPSTRA] = {0};
    size_t n_counted = 0;
    int n = s->n_cepstra;
    for (size_t f = 0; f < n_frames; f++) {
        const float *c = cepstra + f * (size_t)n;
        /* Sphinx leaves "zero energy" frames (c0 < 0) out of the mean. */
        if (c[0] < 0)
            continue;
        for (int i = 0; i < n; i++)
            mean[i] += c[i];
        n_counted++;
    }
    /* Sphinx divides by zero here; leaving the frames as they are is the
     * only sane reading of an utterance with no energy at all. */
    if (n_counted == 0)
        return;
    for (int i = 0; i < n; i++)
        mean[i] /= (float)n_counted;
    for (size_t f = 0; f < n_frames; f++)
        for (int i = 0; i < n; i++)
            cepstra[f * (size_t)n + i] -= mean[i];
    memcpy(s->mean, mean, (size_t)n * sizeof *mean);
}

void amass_speech_cmn_apply(amass_speech_cmn_state *s, float *cepstra, size_t n_frames)
{
    int n = s->n_cepstra;
    if (s->mode == AMASS_SPEECH_CMN_NONE || n_frames == 0)
        return;
    if (s->mode == AMASS_SPEECH_CMN_BATCH) {
        apply_batch(s, cepstra, n_frames);
        return;
    }
    for (size_t f = 0; f < n_frames; f++) {
        float *c = cepstra + f * (size_t)n;
        if (c[0] < 0)
            continue;
        for (int i = 0; i < n; i++) {
            s->sum[i] += c[i];
            c[i] -= s->mean[i];
        }
        s->n_frames++;
    }
    if (s->n_frames > CMN_HIGH_WATER)
        update_running_mean(s, 0);
}

void amass_speech_cmn_end_utterance(amass_speech_cmn_state *s)
{
    if (s->mode == AMASS_SPEECH_CMN_LIVE)
        update_running_mean(s, 1);
}

void amass_speech_features_1s_c_d_dd(const float *cepstra, size_t n_frames, int n_cepstra, float *out)
{
    size_t n = (size_t)n_cepstra;
    for (size_t t = 0; t < n_frames; t++) {
        /* Frame t + k with the utterance's edge frames repeated beyond it. */
        const float *c[7];
        float *o = out + t * 3 * n;
        for (int k = -3; k <= 3; k++) {
            long long index = (long long)t + k;
            if (index < 0)
                index = 0;
            if (index >= (long long)n_frames)
                index = (long long)n_frames - 1;
            c[k + 3] = cepstra + (size_t)index * n;
        }
        for (size_t i = 0; i < n; i++) {
            o[i] = c[3][i];
            o[n + i] = c[5][i] - c[1][i];
            o[2 * n + i] = (c[6][i] - c[2][i]) - (c[4][i] - c[0][i]);
        }
    }
}
