/* Noise removal as sphinx_fe and pocketsphinx do it by default
 * (-remove_noise yes): per mel filter, a smoothed power, a noise estimate
 * from its lower envelope, a floor and a temporal-masking peak give a gain
 * that is smoothed across neighbouring filters and applied to the energy. */
#include "config.h"

#include <stdlib.h>

#include "speech_internal.h"
#include "../base/base.h"

/* Sphinx's constants: smoothing of the power, the envelope's rise and
 * fall rates, masking decay and level, and the gain limit. */
#define SMOOTH_WINDOW 4
#define LAMBDA_POWER 0.7
#define LAMBDA_RISE 0.995
#define LAMBDA_FALL 0.5
#define LAMBDA_MASK 0.85
#define MU_MASK 0.2
#define MAX_GAIN 20.0

struct speech_noise {
    int n_filters;
    int started;
    double *power, *noise, *floor, *peak, *signal, *gain;
};

speech_noise *speech_noise_create(int n_filters)
{
    speech_noise *noise = calloc(1, sizeof *noise);
    size_t n = (size_t)n_filters;
    if (!noise)
        return NULL;
    noise->n_filters = n_filters;
    noise->power = amass_calloc_array(n, sizeof(double));
    noise->noise = amass_calloc_array(n, sizeof(double));
    noise->floor = amass_calloc_array(n, sizeof(double));
    noise->peak = amass_calloc_array(n, sizeof(double));
    noise->signal = amass_calloc_array(n, sizeof(double));
    noise->gain = amass_calloc_array(n, sizeof(double));
    if (!noise->power || !noise->noise || !noise->floor || !noise->peak || !noise->signal || !noise->gain) {
        speech_noise_free(noise);
        return NULL;
    }
    return noise;
}

void speech_noise_free(speech_noise *noise)
{
    if (!noise)
        return;
    free(noise->power);
    free(noise->noise);
    free(noise->floor);
    free(noise->peak);
    free(noise->signal);
    free(noise->gain);
    free(noise);
}

void speech_noise_reset(speech_noise *noise)
{
    noise->started = 0;
}

/* Follows rises of x slowly and falls quickly: a lower envelope. */
static void lower_envelope(const double *x, double *envelope, int n)
{
    for (int i = 0; i < n; i++) {
        if (x[i] >= envelope[i])
            envelope[i] = LAMBDA_RISE * envelope[i] + (1 - LAMBDA_RISE) * x[i];
        else
            envelope[i] = LAMBDA_FALL * envelope[i] + (1 - LAMBDA_FALL) * x[i];
    }
}

void speech_noise_apply(speech_noise *s, double *mel)
{
    int n = s->n_filters;
    if (!s->started) {
        for (int i = 0; i < n; i++) {
            s->power[i] = mel[i];
            s->noise[i] = mel[i] / MAX_GAIN;
            s->floor[i] = mel[i] / MAX_GAIN;
            s->peak[i] = 0;
        }
        s->started = 1;
    }
    for (int i = 0; i < n; i++)
        s->power[i] = LAMBDA_POWER * s->power[i] + (1 - LAMBDA_POWER) * mel[i];
    lower_envelope(s->power, s->noise, n);
    for (int i = 0; i < n; i++) {
        s->signal[i] = s->power[i] - s->noise[i];
        if (s->signal[i] < 1.0)
            s->signal[i] = 1.0;
    }
    lower_envelope(s->signal, s->floor, n);
    /* Temporal masking: a decaying peak hides what falls far below it. */
    for (int i = 0; i < n; i++) {
        double in = s->signal[i];
        s->peak[i] *= LAMBDA_MASK;
        if (s->signal[i] < LAMBDA_MASK * s->peak[i])
            s->signal[i] = s->peak[i] * MU_MASK;
        if (in > s->peak[i])
            s->peak[i] = in;
    }
    for (int i = 0; i < n; i++) {
        if (s->signal[i] < s->floor[i])
            s->signal[i] = s->floor[i];
        if (s->signal[i] < MAX_GAIN * s->power[i])
            s->gain[i] = s->signal[i] / s->power[i];
        else
            s->gain[i] = MAX_GAIN;
        if (s->gain[i] < 1.0 / MAX_GAIN)
            s->gain[i] = 1.0 / MAX_GAIN;
    }
    /* Each energy scaled by the mean gain of its neighbourhood. */
    for (int i = 0; i < n; i++) {
        int low = i - SMOOTH_WINDOW > 0 ? i - SMOOTH_WINDOW : 0;
        int high = i + SMOOTH_WINDOW < n - 1 ? i + SMOOTH_WINDOW : n - 1;
        double sum = 0;
        for (int j = low; j <= high; j++)
            sum += s->gain[j];
        mel[i] = mel[i] * (sum / (high - low + 1));
    }
}
