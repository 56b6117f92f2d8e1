/* Acoustic models: the directory's shared files (mdef, feat.params,
 * transition matrices, noisedict) and the dispatch to the scorer kind. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acoustic_internal.h"

void amass_speech_acoustic_options_default(amass_speech_acoustic_options *options)
{
    options->variance_floor = AMASS_SPHINX_VARIANCE_FLOOR;
    options->mixture_weight_floor = AMASS_SPHINX_MIXTURE_WEIGHT_FLOOR;
    options->transition_floor = AMASS_SPHINX_TRANSITION_FLOOR;
    options->top_n = 4;
    options->kind = NULL;
}

char *speech_model_path(const char *directory, const char *name)
{
    size_t length = strlen(directory), name_length = strlen(name);
    char *path = malloc(length + name_length + 2);
    if (!path)
        return NULL;
    memcpy(path, directory, length);
    path[length] = '/';
    memcpy(path + length + 1, name, name_length + 1);
    return path;
}

/* Sphinx stores transition probabilities; the decoder adds natural logs. A
 * larger floor than the reader's is applied to the arcs that exist. */
static amass_code load_transitions(amass_speech_acoustic_model *model, const char *directory, float floor,
                                   amass_status *status)
{
    char *path = speech_model_path(directory, "transition_matrices");
    amass_sphinx_array3 *array;
    int32_t n_matrices = amass_sphinx_mdef_n_transition_matrices(model->mdef);
    int n_states = model->n_states;
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    array = amass_sphinx_transitions_open(path, status);
    if (!array) {
        free(path);
        return status->code;
    }
    if (array->dims[0] != n_matrices || array->dims[1] != n_states || array->dims[2] != n_states + 1) {
        amass_fail(status, AMASS_ERR_INPUT,
                   "%s: %d matrices of %d x %d, but the mdef has %d matrices over %d emitting states", path,
                   (int)array->dims[0], (int)array->dims[1], (int)array->dims[2], (int)n_matrices, n_states);
        amass_sphinx_array3_close(array);
        free(path);
        return status->code;
    }
    free(path);
    model->transitions = amass_alloc_array(array->n_values, sizeof *model->transitions);
    if (!model->transitions) {
        amass_sphinx_array3_close(array);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    model->n_transition_matrices = n_matrices;
    for (size_t row = 0; row < array->n_values / (size_t)(n_states + 1); row++) {
        const float *in = array->data + row * (size_t)(n_states + 1);
        float *out = model->transitions + row * (size_t)(n_states + 1);
        double sum = 0;
        for (int j = 0; j <= n_states; j++)
            sum += in[j] > 0 ? fmax(in[j], floor) : 0;
        for (int j = 0; j <= n_states; j++)
            out[j] = in[j] > 0 && sum > 0 ? (float)log(fmax(in[j], floor) / sum) : -INFINITY;
    }
    amass_sphinx_array3_close(array);
    return AMASS_OK;
}

static amass_code load_common(amass_speech_acoustic_model *model, const char *directory,
                              const amass_speech_acoustic_options *options, amass_status *status)
{
    char *path = speech_model_path(directory, "mdef");
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    model->mdef = amass_sphinx_mdef_open(path, status);
    free(path);
    if (!model->mdef)
        return status->code;
    model->n_senones = amass_sphinx_mdef_n_senones(model->mdef);
    model->n_states = (int)amass_sphinx_mdef_n_states(model->mdef);

    amass_speech_params_default(&model->params);
    if (!(path = speech_model_path(directory, "feat.params")))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) == 0 && amass_speech_params_read(&model->params, path, status) != AMASS_OK) {
        free(path);
        return status->code;
    }
    /* s2_4x (Sphinx-II's four streams, e.g. semi-continuous tidigits) is
     * accepted for the scorer; the front end computes only 1s_c_d_dd. */
    if (strcmp(model->params.feature_type, "1s_c_d_dd") == 0)
        model->feature_dim = 3 * model->params.n_cepstra;
    else if (strcmp(model->params.feature_type, "s2_4x") == 0 && model->params.n_cepstra > 1)
        model->feature_dim = 4 * model->params.n_cepstra - 1;
    else {
        amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: feature type '%s' is not supported (1s_c_d_dd or s2_4x)",
                   path, model->params.feature_type);
        free(path);
        return status->code;
    }
    free(path);

    if (!(path = speech_model_path(directory, "noisedict")))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) == 0)
        model->noisedict = path;
    else
        free(path);
    return load_transitions(model, directory, options->transition_floor, status);
}

/* A directory may hold both a GMM and a DNN over the same senones; the
 * network is the newer model, so it wins unless the caller says gmm. */
static amass_code choose_kind(amass_speech_acoustic_model *model, const char *directory, const char *kind,
                              amass_status *status)
{
    char *path;
    if (kind && strcmp(kind, "gmm") == 0) {
        model->kind = &speech_gmm_kind;
        return AMASS_OK;
    }
    if (kind && strcmp(kind, "dnn") == 0) {
        model->kind = &speech_dnn_kind;
        return AMASS_OK;
    }
    if (kind && strcmp(kind, "auto") != 0)
        return amass_fail(status, AMASS_ERR_USAGE, "acoustic scorer '%s' is not one of auto, gmm, dnn", kind);
    if (!(path = speech_model_path(directory, "dnn.onnx")))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    model->kind = access(path, F_OK) == 0 ? &speech_dnn_kind : &speech_gmm_kind;
    free(path);
    return AMASS_OK;
}

amass_code amass_speech_acoustic_model_open(const char *directory, const amass_speech_acoustic_options *options,
                                            amass_speech_acoustic_model **model, amass_status *status)
{
    amass_speech_acoustic_options defaults;
    amass_speech_acoustic_model *m;
    *model = NULL;
    if (!options) {
        amass_speech_acoustic_options_default(&defaults);
        options = &defaults;
    }
    if (options->top_n < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "top_n must be at least 1 (got %d)", options->top_n);
    if (!(options->variance_floor > 0) || !(options->mixture_weight_floor > 0) || !(options->transition_floor > 0))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "the variance, mixture weight and transition floors must be positive");
    if (!(m = calloc(1, sizeof *m)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (choose_kind(m, directory, options->kind, status) != AMASS_OK) {
        free(m);
        return status->code;
    }
    if (load_common(m, directory, options, status) != AMASS_OK ||
        m->kind->load(m, directory, options, &m->parameters, status) != AMASS_OK) {
        amass_speech_acoustic_model_close(m);
        return status->code;
    }
    *model = m;
    return AMASS_OK;
}

void amass_speech_acoustic_model_close(amass_speech_acoustic_model *model)
{
    if (!model)
        return;
    if (model->parameters)
        model->kind->unload(model->parameters);
    amass_sphinx_mdef_close(model->mdef);
    free(model->noisedict);
    free(model->transitions);
    free(model);
}

const amass_sphinx_mdef *amass_speech_acoustic_model_mdef(const amass_speech_acoustic_model *model)
{
    return model->mdef;
}

const amass_speech_params *amass_speech_acoustic_model_params(const amass_speech_acoustic_model *model)
{
    return &model->params;
}

const char *amass_speech_acoustic_model_noisedict(const amass_speech_acoustic_model *model)
{
    return model->noisedict;
}

int amass_speech_acoustic_model_feature_dim(const amass_speech_acoustic_model *model)
{
    return model->feature_dim;
}

int32_t amass_speech_acoustic_model_n_senones(const amass_speech_acoustic_model *model)
{
    return model->n_senones;
}

int amass_speech_acoustic_model_n_states(const amass_speech_acoustic_model *model)
{
    return model->n_states;
}

const float *amass_speech_acoustic_model_transitions(const amass_speech_acoustic_model *model, int32_t tmat)
{
    if (tmat < 0 || tmat >= model->n_transition_matrices)
        return NULL;
    return model->transitions + (size_t)tmat * (size_t)model->n_states * (size_t)(model->n_states + 1);
}

const char *amass_speech_acoustic_model_kind(const amass_speech_acoustic_model *model)
{
    return model->kind->name;
}

struct amass_speech_scorer {
    const amass_speech_acoustic_model *model;
    void *state;
};

amass_code amass_speech_scorer_open(const amass_speech_acoustic_model *model, amass_speech_scorer **scorer,
                                    amass_status *status)
{
    amass_speech_scorer *s = calloc(1, sizeof *s);
    *scorer = NULL;
    if (!s)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    s->model = model;
    if (model->kind->open(model, &s->state, status) != AMASS_OK) {
        free(s);
        return status->code;
    }
    *scorer = s;
    return AMASS_OK;
}

void amass_speech_scorer_close(amass_speech_scorer *scorer)
{
    if (!scorer)
        return;
    scorer->model->kind->close(scorer->state);
    free(scorer);
}

amass_code amass_speech_scorer_score(amass_speech_scorer *scorer, const float *features, size_t n_frames,
                                     size_t first, size_t count, float *scores, amass_status *status)
{
    if (first > n_frames || count > n_frames - first)
        return amass_fail(status, AMASS_ERR_USAGE, "frames %zu..%zu are outside the utterance's %zu frames", first,
                          first + count, n_frames);
    if (count == 0)
        return AMASS_OK;
    /* One NaN would spread through a whole row of scores, and the decoder
     * would follow it silently. */
    for (size_t t = first; t < first + count; t++)
        for (int i = 0; i < scorer->model->feature_dim; i++)
            if (!isfinite(features[t * (size_t)scorer->model->feature_dim + (size_t)i]))
                return amass_fail(status, AMASS_ERR_INPUT, "frame %zu: feature %d is not a finite number", t, i);
    return scorer->model->kind->score(scorer->state, features, n_frames, first, count, scores, status);
}
