/* Acoustic models and their scorers.
 *
 * An acoustic model is read once and shared read-only by threads: the
 * senone set (mdef), the HMM transition matrices, the front-end parameters
 * (feat.params) and the scorer's parameters. A scorer is one thread's
 * working state over a model: it turns feature frames into senone
 * log-likelihoods. GMM scoring (Sphinx continuous, semi-continuous and PTM
 * models) is the first kind; the DNN scorer (issue 8) comes in behind the
 * same functions, so the decoder never knows which one it is talking to. */
#ifndef AMASS_SPEECH_ACOUSTIC_H
#define AMASS_SPEECH_ACOUSTIC_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../formats/sphinx.h"
#include "speech.h"

typedef struct amass_speech_acoustic_model amass_speech_acoustic_model;
typedef struct amass_speech_scorer amass_speech_scorer;

typedef struct {
    float variance_floor;        /* pocketsphinx -varfloor, 1e-4 */
    float mixture_weight_floor;  /* -mixwfloor, 1e-7 (mixture_weights files) */
    float transition_floor;      /* -tmatfloor, 1e-4 */
    int top_n;                   /* -topn: densities kept per codebook and stream (PTM/semi), 4 */
    /* The scorer: NULL or "auto" (dnn when the directory has dnn.onnx,
     * else gmm), "gmm" or "dnn". */
    const char *kind;
} amass_speech_acoustic_options;

void amass_speech_acoustic_options_default(amass_speech_acoustic_options *options);

/* Reads a Sphinx model directory: mdef (binary or text), means, variances,
 * sendump or mixture_weights, transition_matrices, feat.params (optional:
 * defaults apply) and noisedict (optional); a DNN model has dnn.onnx,
 * priors and dnn.params instead of the Gaussians (src/speech/dnn.c gives
 * the layout). Every file is checked against the others' counts; messages
 * name the file and the reason. */
amass_code amass_speech_acoustic_model_open(const char *directory, const amass_speech_acoustic_options *options,
                                            amass_speech_acoustic_model **model, amass_status *status);
void amass_speech_acoustic_model_close(amass_speech_acoustic_model *model);

const amass_sphinx_mdef *amass_speech_acoustic_model_mdef(const amass_speech_acoustic_model *model);
/* feat.params over the defaults. */
const amass_speech_params *amass_speech_acoustic_model_params(const amass_speech_acoustic_model *model);
/* Path of the model's noisedict, or NULL when it has none. */
const char *amass_speech_acoustic_model_noisedict(const amass_speech_acoustic_model *model);
/* Floats per feature frame the scorer takes (39 for 1s_c_d_dd on 13 cepstra). */
int amass_speech_acoustic_model_feature_dim(const amass_speech_acoustic_model *model);
int32_t amass_speech_acoustic_model_n_senones(const amass_speech_acoustic_model *model);
/* Emitting states per HMM (3 for the usual 5-state Sphinx topology minus
 * entry/exit; every matrix has the same count). */
int amass_speech_acoustic_model_n_states(const amass_speech_acoustic_model *model);
/* Natural-log transition probabilities of matrix tmat as an n_states x
 * (n_states + 1) row-major array: row i = from emitting state i, column j =
 * to state j, column n_states = the exit. -INFINITY where there is no arc.
 * NULL when tmat is out of range. */
const float *amass_speech_acoustic_model_transitions(const amass_speech_acoustic_model *model, int32_t tmat);
/* "gmm" or "dnn". */
const char *amass_speech_acoustic_model_kind(const amass_speech_acoustic_model *model);

/* One thread's scorer. */
amass_code amass_speech_scorer_open(const amass_speech_acoustic_model *model, amass_speech_scorer **scorer,
                                    amass_status *status);
void amass_speech_scorer_close(amass_speech_scorer *scorer);
/* Scores frames [first, first + count) of an utterance's n_frames feature
 * frames (feature_dim floats each; a scorer with context may read frames
 * outside the range, never outside [0, n_frames)). scores receives count x
 * n_senones natural-log likelihoods, row-major, higher is better; each row
 * may carry its own constant offset (the decoder only compares within a
 * frame). Any block size works; the result does not depend on it. */
amass_code amass_speech_scorer_score(amass_speech_scorer *scorer, const float *features, size_t n_frames,
                                     size_t first, size_t count, float *scores, amass_status *status);

#endif
