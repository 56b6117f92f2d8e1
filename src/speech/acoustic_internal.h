/* The acoustic model's insides shared between the model (acoustic.c) and
 * its scorer kinds (gmm.c; the DNN scorer of issue 8 later): a small table
 * of functions per kind, so the public scorer calls dispatch without the
 * decoder knowing which kind it talks to. Not public. */
#ifndef AMASS_SPEECH_ACOUSTIC_INTERNAL_H
#define AMASS_SPEECH_ACOUSTIC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "acoustic.h"

typedef struct {
    const char *name; /* "gmm" */
    /* Reads the kind's parameters from the model directory; the model's
     * mdef, params and feature_dim are already set. */
    amass_code (*load)(amass_speech_acoustic_model *model, const char *directory,
                       const amass_speech_acoustic_options *options, void **parameters, amass_status *status);
    void (*unload)(void *parameters);
    /* One thread's working state over the parameters. */
    amass_code (*open)(const amass_speech_acoustic_model *model, void **state, amass_status *status);
    void (*close)(void *state);
    amass_code (*score)(void *state, const float *features, size_t n_frames, size_t first, size_t count,
                        float *scores, amass_status *status);
} speech_scorer_kind;

struct amass_speech_acoustic_model {
    const speech_scorer_kind *kind;
    void *parameters; /* the kind's, immutable after load */
    amass_sphinx_mdef *mdef;
    amass_speech_params params;
    char *noisedict;  /* NULL when the directory has none */
    int feature_dim;
    int32_t n_senones;
    int n_states;
    int32_t n_transition_matrices;
    float *transitions; /* n_transition_matrices x n_states x (n_states + 1), natural logs */
};

extern const speech_scorer_kind speech_gmm_kind;
extern const speech_scorer_kind speech_dnn_kind;

/* Joins a directory and a file name ("dir/name"); NULL when out of memory. */
char *speech_model_path(const char *directory, const char *name);

#endif
