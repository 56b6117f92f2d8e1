/* libamass speech layer: the Sphinx front end (MFCC, cepstral mean
 * normalisation, 1s_c_d_dd dynamic features) and its parameters, read from
 * an acoustic model's feat.params. Later: acoustic scorers, lexicon, search. */
#ifndef AMASS_SPEECH_H
#define AMASS_SPEECH_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* How cepstra are computed from the log mel energies (sphinx_fe -transform). */
typedef enum {
    AMASS_SPEECH_TRANSFORM_LEGACY, /* Sphinx-II's DCT, scaled by 1/nfilt */
    AMASS_SPEECH_TRANSFORM_DCT,    /* orthonormal DCT-II */
    AMASS_SPEECH_TRANSFORM_HTK     /* DCT-II with C0 scaled like the other terms, as HTK does */
} amass_speech_transform;

typedef enum {
    AMASS_SPEECH_CMN_NONE,
    AMASS_SPEECH_CMN_BATCH, /* mean of the whole utterance ("current" in older models) */
    AMASS_SPEECH_CMN_LIVE   /* running mean started from cmninit ("prior" in older models) */
} amass_speech_cmn;

#define AMASS_SPEECH_MAX_CEPSTRA 64
#define AMASS_SPEECH_NAME_MAX 64

/* Front-end and feature parameters. amass_speech_params_default gives
 * sphinx_fe's and pocketsphinx's defaults, except -remove_silence;
 * amass_speech_params_read overrides them from a feat.params file. */
typedef struct {
    double sample_rate;     /* -samprate, Hz */
    double frame_rate;      /* -frate, frames per second */
    double window_length;   /* -wlen, seconds */
    int fft_size;           /* -nfft, a power of two */
    double lower_frequency; /* -lowerf, Hz: lower edge of the first mel filter */
    double upper_frequency; /* -upperf, Hz: upper edge of the last one */
    int n_filters;          /* -nfilt */
    int n_cepstra;          /* -ncep */
    double preemphasis;     /* -alpha; 0 turns it off */
    int lifter;             /* -lifter: sine lifter length, 0 for none */
    amass_speech_transform transform; /* -transform */
    int remove_dc;          /* -remove_dc: subtract each frame's mean before the window */
    int unit_area;          /* -unit_area: each mel filter has area 1 */
    int round_filters;      /* -round_filters: filter edges on DFT points */
    int double_bandwidth;   /* -doublebw; not supported by the front end */
    /* -dither: Sphinx adds random 1-bit noise. Read, but the front end does
     * not add it: amass output is reproducible; tools may warn. */
    int dither;
    /* -remove_noise: Sphinx's noise removal on the mel energies, on by
     * default in sphinx_fe and pocketsphinx as here. */
    int remove_noise;
    /* -remove_silence: sphinx_fe's VAD dropping non-speech frames (its
     * default is yes). Not implemented: default 0 here, and
     * amass_speech_frontend_open refuses 1; amass segments speech itself. */
    int remove_silence;

    amass_speech_cmn cmn;   /* -cmn */
    int variance_normalize; /* -varnorm; not supported by the feature stage */
    int n_cmn_init;         /* -cmninit values given (0: none) */
    float cmn_init[AMASS_SPEECH_MAX_CEPSTRA];
    char feature_type[AMASS_SPEECH_NAME_MAX]; /* -feat, e.g. "1s_c_d_dd" */
    char agc[AMASS_SPEECH_NAME_MAX];          /* -agc; only "none" is supported */
    /* -svspec, "" when absent: how the GMM splits the feature vector into
     * streams ("0-12/13-25/26-38"); the front end does not use it. */
    char svspec[256];
} amass_speech_params;

void amass_speech_params_default(amass_speech_params *params);
/* Reads "-name value" pairs (one or more a line, '#' starts a comment) from
 * a feat.params file over the values already in params. Unknown names and
 * bad values fail with "PATH:LINE: ..." messages. Names about the model
 * rather than the front end (-model, -mllr, ...) are accepted and ignored. */
amass_code amass_speech_params_read(amass_speech_params *params, const char *path, amass_status *status);
/* The same over text in memory; name is used in messages. */
amass_code amass_speech_params_parse(amass_speech_params *params, const char *name, const char *text,
                                     size_t length, amass_status *status);

/* Frames of n_values floats each, appended by the front end and the feature
 * stage. Callers drain it (n_frames = 0) to keep memory flat on long input. */
typedef struct {
    float *data;
    size_t n_frames;
    size_t capacity; /* in frames */
    int n_values;
} amass_speech_frames;

void amass_speech_frames_init(amass_speech_frames *frames, int n_values);
void amass_speech_frames_free(amass_speech_frames *frames);
/* A pointer to room for one more frame at the end (n_frames grows by one),
 * or NULL when out of memory. */
float *amass_speech_frames_append(amass_speech_frames *frames);

/* The MFCC front end, frame for frame equal to sphinx_fe (with or without
 * noise removal; without its VAD). Streaming: feed blocks of any size; frames come out as
 * soon as a whole window is in; finish flushes the last, zero-padded
 * window as sphinx_fe does and starts a new utterance. One per thread. */
typedef struct amass_speech_frontend amass_speech_frontend;

amass_code amass_speech_frontend_open(const amass_speech_params *params, amass_speech_frontend **frontend,
                                      amass_status *status);
void amass_speech_frontend_close(amass_speech_frontend *frontend);
int amass_speech_frontend_n_cepstra(const amass_speech_frontend *frontend);
/* Samples per frame shift and per window, as sphinx_fe rounds them. */
int amass_speech_frontend_frame_shift(const amass_speech_frontend *frontend);
int amass_speech_frontend_frame_size(const amass_speech_frontend *frontend);
/* Appends n_cepstra-value frames to out (its n_values must be n_cepstra). */
amass_code amass_speech_frontend_feed_int16(amass_speech_frontend *frontend, const int16_t *samples, size_t n,
                                            amass_speech_frames *out, amass_status *status);
/* Float samples in [-1, 1] (as the media layer decodes them), scaled to the
 * 16-bit range Sphinx models were trained on; not rounded. */
amass_code amass_speech_frontend_feed_float(amass_speech_frontend *frontend, const float *samples, size_t n,
                                            amass_speech_frames *out, amass_status *status);
amass_code amass_speech_frontend_finish(amass_speech_frontend *frontend, amass_speech_frames *out,
                                        amass_status *status);

/* Cepstral mean normalisation as pocketsphinx does it. Batch: subtract the
 * utterance mean (over the frames whose c0 is not negative, as Sphinx
 * skips "zero energy" frames). Live: subtract the running mean, seeded
 * from cmninit, updated after each block and at the end of the utterance. */
typedef struct amass_speech_cmn_state amass_speech_cmn_state;

amass_code amass_speech_cmn_open(const amass_speech_params *params, amass_speech_cmn_state **state,
                                 amass_status *status);
void amass_speech_cmn_close(amass_speech_cmn_state *state);
/* Batch mode normalises frames [0, n_frames) as one utterance; live mode
 * treats them as the next block of the current one. */
void amass_speech_cmn_apply(amass_speech_cmn_state *state, float *cepstra, size_t n_frames);
/* Live mode: end of utterance (the running mean is brought up to date). */
void amass_speech_cmn_end_utterance(amass_speech_cmn_state *state);
/* The mean live mode subtracts next (n_cepstra values). */
const float *amass_speech_cmn_mean(const amass_speech_cmn_state *state);

/* 1s_c_d_dd: [c, c(t+2) - c(t-2), (c(t+3) - c(t-1)) - (c(t+1) - c(t-3))]
 * for each of n_frames cepstral frames, the edges padded with copies of the
 * first and last frame as Sphinx does for a whole utterance. out has room
 * for n_frames * 3 * n_cepstra floats. */
void amass_speech_features_1s_c_d_dd(const float *cepstra, size_t n_frames, int n_cepstra, float *out);

#endif
