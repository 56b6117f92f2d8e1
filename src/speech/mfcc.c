/* The MFCC front end, computed step for step as sphinx_fe does (floating
 * point build): pre-emphasis carried across frames, Hamming window, power
 * spectrum, triangular mel filters, log, DCT, lifter. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/tx.h>

#include "speech.h"
#include "speech_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Sphinx adds this before the log so silent (all-zero) frames stay finite. */
#define LOG_FLOOR 1e-4

struct amass_speech_frontend {
    amass_speech_transform transform;
    int frame_shift, frame_size, fft_size, n_filters, n_cepstra, remove_dc;
    float preemphasis;
    double *pending;  /* up to frame_size samples: the next window's start */
    size_t n_pending;
    double prior;     /* the sample before the next window, for pre-emphasis */
    double *window;   /* the first half of the symmetric Hamming window */
    AVTXContext *fft;
    av_tx_fn fft_function;
    AVComplexDouble *fft_in, *fft_out;
    double *power;    /* fft_size / 2 + 1 bins */
    double *log_mel;  /* n_filters: the mel energies, then their logs */
    /* Filter f covers power[spec_start[f] .. + width[f]) with weights
     * coefficients[coef_start[f] ..]. Sphinx keeps them as float32. */
    int *spec_start, *width, *coef_start;
    float *coefficients;
    float *cosine;    /* n_cepstra x n_filters */
    float sqrt_inv_n, sqrt_inv_2n;
    float *lifter;    /* n_cepstra, NULL for none */
    speech_noise *noise; /* NULL without noise removal */
};

/* Mel scale with Sphinx's float32 rounding: the filter edges it rounds to
 * DFT points depend on it. */
static float mel_of_hz(float hz)
{
    return (float)(2595.0 * log10(1.0 + hz / 700.0));
}

static float hz_of_mel(float mel)
{
    return (float)(700.0 * (pow(10.0, mel / 2595.0) - 1.0));
}

static void filter_edges(const amass_speech_params *params, int filter, float edges[3])
{
    float sample_rate = (float)params->sample_rate;
    float fft_step = sample_rate / (float)params->fft_size;
    float mel_min = mel_of_hz((float)params->lower_frequency);
    float mel_max = mel_of_hz((float)params->upper_frequency);
    float mel_width = (mel_max - mel_min) / (float)(params->n_filters + 1);
    for (int j = 0; j < 3; j++) {
        edges[j] = hz_of_mel((float)(filter + j) * mel_width + mel_min);
        if (params->round_filters)
            edges[j] = (float)(int)((double)(edges[j] / fft_step) + 0.5) * fft_step;
    }
}

static amass_code build_filters(amass_speech_frontend *fe, const amass_speech_params *params, amass_status *status)
{
    float fft_step = (float)params->sample_rate / (float)params->fft_size;
    int n_bins = fe->fft_size / 2 + 1, n_coefficients = 0;
    fe->spec_start = amass_calloc_array((size_t)fe->n_filters, sizeof *fe->spec_start);
    fe->width = amass_calloc_array((size_t)fe->n_filters, sizeof *fe->width);
    fe->coef_start = amass_calloc_array((size_t)fe->n_filters, sizeof *fe->coef_start);
    if (!fe->spec_start || !fe->width || !fe->coef_start)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the mel filters");
    for (int f = 0; f < fe->n_filters; f++) {
        float edges[3];
        filter_edges(params, f, edges);
        fe->spec_start[f] = -1;
        for (int j = 0; j < n_bins; j++) {
            float hz = (float)j * fft_step;
            if (hz < edges[0])
                continue;
            if (hz > edges[2] || j == n_bins - 1) {
                fe->width[f] = fe->spec_start[f] < 0 ? 0 : j - fe->spec_start[f];
                break;
            }
            if (fe->spec_start[f] < 0)
                fe->spec_start[f] = j;
        }
        /* Sphinx would divide by zero here: too many filters for the FFT. */
        if (fe->width[f] <= 0 || edges[1] <= edges[0] || edges[2] <= edges[1])
            return amass_fail(status, AMASS_ERR_USAGE,
                              "mel filter %d of %d (%.1f-%.1f Hz) covers no DFT point: fewer filters (-nfilt), "
                              "a larger -nfft or a wider -lowerf/-upperf range needed",
                              f + 1, fe->n_filters, edges[0], edges[2]);
        fe->coef_start[f] = n_coefficients;
        n_coefficients += fe->width[f];
    }
    fe->coefficients = amass_alloc_array((size_t)n_coefficients, sizeof *fe->coefficients);
    if (!fe->coefficients)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the mel filters");
    for (int f = 0; f < fe->n_filters; f++) {
        float edges[3];
        filter_edges(params, f, edges);
        for (int j = 0; j < fe->width[f]; j++) {
            float hz = (float)(fe->spec_start[f] + j) * fft_step;
            float rising = (hz - edges[0]) / (edges[1] - edges[0]);
            float falling = (edges[2] - hz) / (edges[2] - edges[1]);
            if (params->unit_area) {
                rising *= 2 / (edges[2] - edges[0]);
                falling *= 2 / (edges[2] - edges[0]);
            }
            fe->coefficients[fe->coef_start[f] + j] = rising < falling ? rising : falling;
        }
    }
    return AMASS_OK;
}

static amass_code check_params(const amass_speech_params *p, amass_status *status)
{
    if (!(p->sample_rate >= 1000 && p->sample_rate <= 384000))
        return amass_fail(status, AMASS_ERR_USAGE, "sample rate %g Hz is out of range", p->sample_rate);
    if (!(p->frame_rate >= 1 && p->frame_rate <= p->sample_rate))
        return amass_fail(status, AMASS_ERR_USAGE, "frame rate %g is out of range", p->frame_rate);
    if (!(p->window_length > 0 && p->window_length <= 1))
        return amass_fail(status, AMASS_ERR_USAGE, "window length %g s is out of range", p->window_length);
    if (p->fft_size < 2 || p->fft_size > 65536 || (p->fft_size & (p->fft_size - 1)) != 0)
        return amass_fail(status, AMASS_ERR_USAGE, "FFT size %d is not a power of two from 2 to 65536",
                          p->fft_size);
    if (!(p->lower_frequency >= 0 && p->lower_frequency < p->upper_frequency &&
          p->upper_frequency <= p->sample_rate / 2))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "mel filter range %g-%g Hz is not inside 0-%g Hz (half the sample rate)",
                          p->lower_frequency, p->upper_frequency, p->sample_rate / 2);
    if (p->n_filters < 1 || p->n_filters > 1024)
        return amass_fail(status, AMASS_ERR_USAGE, "%d mel filters is out of range (1-1024)", p->n_filters);
    if (p->n_cepstra < 1 || p->n_cepstra > p->n_filters || p->n_cepstra > AMASS_SPEECH_MAX_CEPSTRA)
        return amass_fail(status, AMASS_ERR_USAGE, "%d cepstra is out of range (1 to min(nfilt, %d))",
                          p->n_cepstra, AMASS_SPEECH_MAX_CEPSTRA);
    if (p->lifter < 0)
        return amass_fail(status, AMASS_ERR_USAGE, "lifter %d is negative", p->lifter);
    if (!(p->preemphasis >= 0 && p->preemphasis < 1))
        return amass_fail(status, AMASS_ERR_USAGE, "pre-emphasis %g is out of range [0, 1)", p->preemphasis);
    if (p->remove_silence)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "Sphinx's frame-dropping voice activity detection (-remove_silence) is not supported");
    if (p->double_bandwidth)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "double-bandwidth mel filters (-doublebw) are not supported");
    return AMASS_OK;
}

amass_code amass_speech_frontend_open(const amass_speech_params *params, amass_speech_frontend **frontend,
                                      amass_status *status)
{
    amass_speech_frontend *fe;
    amass_code code;
    double scale = 1.0;
    *frontend = NULL;
    if ((code = check_params(params, status)) != AMASS_OK)
        return code;
    fe = calloc(1, sizeof *fe);
    if (!fe)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the speech front end");
    fe->transform = params->transform;
    /* Sphinx's rounding: float32 rate and length, then + 0.5 and truncate. */
    fe->frame_shift = (int)((double)((float)params->sample_rate / (float)params->frame_rate) + 0.5);
    fe->frame_size = (int)((double)((float)params->window_length * (float)params->sample_rate) + 0.5);
    fe->fft_size = params->fft_size;
    fe->n_filters = params->n_filters;
    fe->n_cepstra = params->n_cepstra;
    fe->remove_dc = params->remove_dc;
    fe->preemphasis = (float)params->preemphasis;
    if (fe->frame_shift < 1 || fe->frame_size < 2 || fe->frame_size > fe->fft_size) {
        amass_fail(status, AMASS_ERR_USAGE, "window of %d samples does not fit the FFT size %d", fe->frame_size,
                   fe->fft_size);
        amass_speech_frontend_close(fe);
        return AMASS_ERR_USAGE;
    }
    /* Windows that leave gaps between them would drop audio unseen. */
    if (fe->frame_shift > fe->frame_size) {
        amass_fail(status, AMASS_ERR_USAGE, "frame shift of %d samples is longer than the %d-sample window",
                   fe->frame_shift, fe->frame_size);
        amass_speech_frontend_close(fe);
        return AMASS_ERR_USAGE;
    }
    fe->pending = amass_calloc_array((size_t)fe->frame_size, sizeof *fe->pending);
    fe->window = amass_calloc_array((size_t)fe->frame_size / 2 + 1, sizeof *fe->window);
    fe->fft_in = amass_calloc_array((size_t)fe->fft_size, sizeof *fe->fft_in);
    fe->fft_out = amass_calloc_array((size_t)fe->fft_size, sizeof *fe->fft_out);
    fe->power = amass_calloc_array((size_t)fe->fft_size / 2 + 1, sizeof *fe->power);
    fe->log_mel = amass_calloc_array((size_t)fe->n_filters, sizeof *fe->log_mel);
    fe->cosine = amass_calloc_array((size_t)fe->n_cepstra * (size_t)fe->n_filters, sizeof *fe->cosine);
    if (params->lifter > 0)
        fe->lifter = amass_calloc_array((size_t)fe->n_cepstra, sizeof *fe->lifter);
    if (params->remove_noise)
        fe->noise = speech_noise_create(fe->n_filters);
    if ((params->remove_noise && !fe->noise) || !fe->pending || !fe->window || !fe->fft_in || !fe->fft_out ||
        !fe->power || !fe->log_mel || !fe->cosine || (params->lifter > 0 && !fe->lifter)) {
        amass_speech_frontend_close(fe);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the speech front end");
    }
    if (av_tx_init(&fe->fft, &fe->fft_function, AV_TX_DOUBLE_FFT, 0, fe->fft_size, &scale, 0) < 0) {
        amass_speech_frontend_close(fe);
        return amass_fail(status, AMASS_ERR_FATAL, "cannot set up a %d-point FFT", params->fft_size);
    }
    if ((code = build_filters(fe, params, status)) != AMASS_OK) {
        amass_speech_frontend_close(fe);
        return code;
    }
    for (int i = 0; i < fe->frame_size / 2; i++)
        fe->window[i] = 0.54 - 0.46 * cos(2 * M_PI * i / ((double)fe->frame_size - 1.0));
    for (int i = 0; i < fe->n_cepstra; i++)
        for (int j = 0; j < fe->n_filters; j++)
            fe->cosine[i * fe->n_filters + j] = (float)cos(M_PI / fe->n_filters * i * (j + 0.5));
    fe->sqrt_inv_n = (float)sqrt(1.0 / fe->n_filters);
    fe->sqrt_inv_2n = (float)sqrt(2.0 / fe->n_filters);
    /* Sphinx halves the lifter length in integer arithmetic. */
    for (int i = 0; fe->lifter && i < fe->n_cepstra; i++)
        fe->lifter[i] = (float)(1 + (double)(params->lifter / 2) * sin(i * M_PI / params->lifter));
    *frontend = fe;
    return AMASS_OK;
}

void amass_speech_frontend_close(amass_speech_frontend *fe)
{
    if (!fe)
        return;
    av_tx_uninit(&fe->fft);
    free(fe->pending);
    free(fe->window);
    free(fe->fft_in);
    free(fe->fft_out);
    free(fe->power);
    free(fe->log_mel);
    free(fe->spec_start);
    free(fe->width);
    free(fe->coef_start);
    free(fe->coefficients);
    free(fe->cosine);
    free(fe->lifter);
    speech_noise_free(fe->noise);
    free(fe);
}

int amass_speech_frontend_n_cepstra(const amass_speech_frontend *fe)
{
    return fe->n_cepstra;
}

int amass_speech_frontend_frame_shift(const amass_speech_frontend *fe)
{
    return fe->frame_shift;
}

int amass_speech_frontend_frame_size(const amass_speech_frontend *fe)
{
    return fe->frame_size;
}

/* Cepstra from log mel energies. Sphinx accumulates into its float32
 * output while the energies are double: kept so, for bit-level parity. */
static void cepstra_of_log_mel(const amass_speech_frontend *fe, float *cep)
{
    const double *lm = fe->log_mel;
    int n = fe->n_filters;
    if (fe->transform == AMASS_SPEECH_TRANSFORM_LEGACY) {
        cep[0] = (float)(lm[0] / 2);
        for (int j = 1; j < n; j++)
            cep[0] = (float)(cep[0] + lm[j]);
        cep[0] = (float)(cep[0] / (double)n);
        for (int i = 1; i < fe->n_cepstra; i++) {
            cep[i] = 0;
            for (int j = 0; j < n; j++)
                cep[i] = (float)(cep[i] + lm[j] * fe->cosine[i * n + j] * (j == 0 ? 1 : 2));
            cep[i] = (float)(cep[i] / ((double)n * 2));
        }
        return;
    }
    cep[0] = (float)lm[0];
    for (int j = 1; j < n; j++)
        cep[0] = (float)(cep[0] + lm[j]);
    cep[0] *= fe->transform == AMASS_SPEECH_TRANSFORM_HTK ? fe->sqrt_inv_2n : fe->sqrt_inv_n;
    for (int i = 1; i < fe->n_cepstra; i++) {
        cep[i] = 0;
        for (int j = 0; j < n; j++)
            cep[i] = (float)(cep[i] + lm[j] * fe->cosine[i * n + j]);
        cep[i] *= fe->sqrt_inv_2n;
    }
}

/* One window of n_samples (a short last one is zero-padded). */
static amass_code emit_frame(amass_speech_frontend *fe, const double *samples, int n_samples,
                             amass_speech_frames *out, amass_status *status)
{
    AVComplexDouble *frame = fe->fft_in;
    int size = fe->frame_size, half = fe->fft_size / 2;
    float *cep = amass_speech_frames_append(out);
    if (!cep)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for cepstral frames");
    memset(frame, 0, (size_t)fe->fft_size * sizeof *frame);
    if (fe->preemphasis != 0) {
        frame[0].re = samples[0] - fe->prior * fe->preemphasis;
        for (int i = 1; i < n_samples; i++)
            frame[i].re = samples[i] - samples[i - 1] * fe->preemphasis;
        fe->prior = samples[(n_samples >= fe->frame_shift ? fe->frame_shift : n_samples) - 1];
    } else {
        for (int i = 0; i < n_samples; i++)
            frame[i].re = samples[i];
    }
    if (fe->remove_dc) {
        double mean = 0;
        for (int i = 0; i < size; i++)
            mean += frame[i].re;
        mean /= size;
        for (int i = 0; i < size; i++)
            frame[i].re -= mean;
    }
    for (int i = 0; i < size / 2; i++) {
        frame[i].re *= fe->window[i];
        frame[size - 1 - i].re *= fe->window[i];
    }
    fe->fft_function(fe->fft, fe->fft_out, frame, sizeof(AVComplexDouble));
    for (int j = 0; j <= half; j++)
        fe->power[j] = fe->fft_out[j].re * fe->fft_out[j].re + fe->fft_out[j].im * fe->fft_out[j].im;
    for (int f = 0; f < fe->n_filters; f++) {
        const double *bins = fe->power + fe->spec_start[f];
        const float *weights = fe->coefficients + fe->coef_start[f];
        double energy = 0;
        for (int j = 0; j < fe->width[f]; j++)
            energy += bins[j] * weights[j];
        fe->log_mel[f] = energy;
    }
    if (fe->noise)
        speech_noise_apply(fe->noise, fe->log_mel);
    for (int f = 0; f < fe->n_filters; f++)
        fe->log_mel[f] = log(fe->log_mel[f] + LOG_FLOOR);
    cepstra_of_log_mel(fe, cep);
    for (int i = 0; fe->lifter && i < fe->n_cepstra; i++)
        cep[i] *= fe->lifter[i];
    return AMASS_OK;
}

/* Copies samples in (converted by one of the two feeders) and emits every
 * window that is complete; the window then moves on by one frame shift. */
static amass_code take_samples(amass_speech_frontend *fe, const int16_t *int16_samples, const float *float_samples,
                               size_t n, amass_speech_frames *out, amass_status *status)
{
    size_t used = 0;
    if (out->n_values != fe->n_cepstra)
        return amass_fail(status, AMASS_ERR_USAGE, "frame buffer holds %d values a frame, the front end makes %d",
                          out->n_values, fe->n_cepstra);
    while (used < n) {
        size_t room = (size_t)fe->frame_size - fe->n_pending, take = n - used < room ? n - used : room;
        double *to = fe->pending + fe->n_pending;
        for (size_t i = 0; i < take; i++)
            to[i] = int16_samples ? (double)int16_samples[used + i] : (double)float_samples[used + i] * 32768.0;
        used += take;
        fe->n_pending += take;
        if (fe->n_pending == (size_t)fe->frame_size) {
            amass_code code = emit_frame(fe, fe->pending, fe->frame_size, out, status);
            if (code != AMASS_OK)
                return code;
            fe->n_pending -= (size_t)fe->frame_shift;
            memmove(fe->pending, fe->pending + fe->frame_shift, fe->n_pending * sizeof *fe->pending);
        }
    }
    return AMASS_OK;
}

amass_code amass_speech_frontend_feed_int16(amass_speech_frontend *fe, const int16_t *samples, size_t n,
                                            amass_speech_frames *out, amass_status *status)
{
    return take_samples(fe, samples, NULL, n, out, status);
}

amass_code amass_speech_frontend_feed_float(amass_speech_frontend *fe, const float *samples, size_t n,
                                            amass_speech_frames *out, amass_status *status)
{
    return take_samples(fe, NULL, samples, n, out, status);
}

/* sphinx_fe ends an utterance with one more window over whatever follows
 * the last full one (at least frame_size - frame_shift samples once any
 * full window was made), zero-padded; kept for frame-count parity. */
amass_code amass_speech_frontend_finish(amass_speech_frontend *fe, amass_speech_frames *out, amass_status *status)
{
    amass_code code = AMASS_OK;
    if (out->n_values != fe->n_cepstra)
        return amass_fail(status, AMASS_ERR_USAGE, "frame buffer holds %d values a frame, the front end makes %d",
                          out->n_values, fe->n_cepstra);
    if (fe->n_pending > 0)
        code = emit_frame(fe, fe->pending, (int)fe->n_pending, out, status);
    fe->n_pending = 0;
    fe->prior = 0;
    if (fe->noise)
        speech_noise_reset(fe->noise);
    return code;
}
