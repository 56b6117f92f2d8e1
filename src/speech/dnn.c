/* The DNN acoustic scorer (hybrid DNN-HMM): a network on the engine turns
 * spliced feature frames into senone log-posteriors, divided by the senone
 * priors into the scaled likelihoods the HMM search compares.
 *
 * A DNN model directory holds the Sphinx files the HMM needs (mdef,
 * transition_matrices, feat.params, noisedict) and three more:
 *
 *   dnn.onnx    the network. One input [N, (L + 1 + R) * D] float32: frame
 *               t's window, frames t - L .. t + R in time order, each D =
 *               feature_dim floats (39 for 1s_c_d_dd), the first and last
 *               frames of the utterance repeated where the window runs past
 *               its ends. Its first output [N, n_senones] holds logits or
 *               log-posteriors, senones in mdef order: the scorer applies a
 *               log-softmax to every row, which leaves log-posteriors as
 *               they are (log-softmax is idempotent) and turns logits into
 *               log-posteriors. Export it without a final LogSoftmax or
 *               Softmax node: the engine runs no LogSoftmax, and a
 *               Softmax's probabilities would be log-softmaxed again.
 *   priors      text: n_senones numbers, whitespace-separated, the senone
 *               prior probabilities (or frame counts: they are normalised to
 *               sum to 1), e.g. the average posterior over training data.
 *   dnn.params  text: "-context L,R" (frames of left and right context), in
 *               feat.params' syntax ('#' starts a comment); optionally
 *               "-acoustic_scale A" and "-prior_scale P" (both default 1).
 *
 * The score of senone s at frame t is A (log p(s | window) - P log p(s)).
 * With P = 1 it is Bourlard and Morgan's scaled likelihood, the usual
 * hybrid recipe. A network trained on a teacher's posteriors under a flat
 * prior (models-src/en-us-dnn learns the GMM's) already gives likelihoods
 * up to a per-frame constant, so it wants P near 0; A puts the scores on
 * the scale the language weight and beams were set for. Both are tuned on
 * held-out data and written beside the network. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/formats.h"
#include "../nn/nn.h"
#include "acoustic_internal.h"
#include "speech_internal.h"

/* Frames per network run. Every run has exactly this many rows (the last
 * is padded with copies of a real window) so that a frame's outputs come
 * from the same oneDNN kernels whatever block the caller scores: the
 * scores do not depend on the block size. 64 rows keep the matrix
 * products efficient while a caller scoring a few frames at a time wastes
 * little. */
#define SPEECH_DNN_BATCH 64

/* Priors below this are raised to it: a senone (almost) never seen in
 * training has an unreliable posterior, and dividing by a near-zero prior
 * would let it outscore every well-trained senone. 1e-5 is about 1/20 of a
 * uniform prior over the 5126 senones of the en-us model. */
#define SPEECH_DNN_PRIOR_FLOOR 1e-5

/* Longest context accepted on either side: a window of 2 x 50 frames (a
 * second of speech either way) is already far beyond any published TDNN. */
#define SPEECH_DNN_MAX_CONTEXT 50

typedef struct {
    amass_nn_graph *graph;
    int left, right;     /* frames of context */
    float acoustic_scale, prior_scale;
    int feature_dim;
    int input_width;     /* (left + 1 + right) * feature_dim */
    int32_t n_senones;
    float *log_priors;   /* n_senones natural logs, floored */
} speech_dnn;

typedef struct {
    const speech_dnn *dnn;
    amass_nn_session *session;
    float *input;        /* SPEECH_DNN_BATCH x input_width */
    float *output;       /* SPEECH_DNN_BATCH x n_senones */
} speech_dnn_state;

static void dnn_unload(void *parameters)
{
    speech_dnn *dnn = parameters;
    if (!dnn)
        return;
    amass_nn_graph_free(dnn->graph);
    free(dnn->log_priors);
    free(dnn);
}

/* One pair of dnn.params; have_context is set when -context is seen. */
typedef struct {
    speech_dnn *dnn;
    int have_context;
} params_reading;

static amass_code set_param(void *context, const speech_option *at, amass_status *status)
{
    params_reading *reading = context;
    speech_dnn *dnn = reading->dnn;
    if (strcmp(at->name, "-context") == 0) {
        char *end;
        long left, right;
        errno = 0;
        left = strtol(at->value, &end, 10);
        right = *end == ',' && isdigit((unsigned char)end[1]) ? strtol(end + 1, &end, 10) : -1;
        if (errno || !isdigit((unsigned char)at->value[0]) || *end || left < 0 || right < 0 ||
            left > SPEECH_DNN_MAX_CONTEXT || right > SPEECH_DNN_MAX_CONTEXT)
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: -context '%s' is not two frame counts 'L,R' of 0..%d",
                              at->file, at->line, at->value, SPEECH_DNN_MAX_CONTEXT);
        dnn->left = (int)left;
        dnn->right = (int)right;
        reading->have_context = 1;
        return AMASS_OK;
    }
    if (strcmp(at->name, "-acoustic_scale") == 0 || strcmp(at->name, "-prior_scale") == 0) {
        /* A zero acoustic scale would make every path tie; a zero prior
         * scale is a model without the prior division. */
        int acoustic = strcmp(at->name, "-acoustic_scale") == 0;
        char *end;
        double value;
        errno = 0;
        value = strtod(at->value, &end);
        if (errno || end == at->value || *end || !isfinite(value) || value < 0 || value > 100 ||
            (acoustic && value == 0))
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s '%s' is not a number in %s..100", at->file,
                              at->line, at->name, at->value, acoustic ? "(0" : "[0");
        *(acoustic ? &dnn->acoustic_scale : &dnn->prior_scale) = (float)value;
        return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_INPUT,
                      "%s:%d: unknown option '%.64s' (a DNN model takes -context L,R, -acoustic_scale A, "
                      "-prior_scale P)", at->file, at->line, at->name);
}

static amass_code read_params(speech_dnn *dnn, const char *path, amass_status *status)
{
    params_reading reading = {dnn, 0};
    if (speech_options_read(path, set_param, &reading, status) != AMASS_OK)
        return status->code;
    if (!reading.have_context)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no -context L,R", path);
    return AMASS_OK;
}

static amass_code read_priors(speech_dnn *dnn, const char *path, amass_status *status)
{
    FILE *file = fopen(path, "rb");
    double *priors, sum = 0;
    int32_t count = 0;
    char token[64];
    int c;
    if (!file)
        return amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
    if (!(priors = amass_alloc_array((size_t)dnn->n_senones, sizeof *priors))) {
        fclose(file);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (;;) {
        size_t length = 0;
        char *end;
        double value;
        while ((c = getc(file)) != EOF && isspace(c))
            ;
        if (c == EOF)
            break;
        while (c != EOF && !isspace(c)) {
            if (length + 1 < sizeof token)
                token[length] = (char)c;
            length++;
            c = getc(file);
        }
        if (length >= sizeof token) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: value %ld is not a number", path, (long)count + 1);
            goto fail;
        }
        token[length] = '\0';
        if (count == dnn->n_senones) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: more than the mdef's %ld senones' priors", path,
                       (long)dnn->n_senones);
            goto fail;
        }
        value = strtod(token, &end);
        if (*end || !isfinite(value) || value < 0) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: value %ld '%s' is not a probability (a finite number >= 0)",
                       path, (long)count + 1, token);
            goto fail;
        }
        priors[count++] = value;
        sum += value;
    }
    if (ferror(file)) {
        amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (count != dnn->n_senones) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: %ld priors, but the mdef has %ld senones", path, (long)count,
                   (long)dnn->n_senones);
        goto fail;
    }
    if (!(sum > 0) || !isfinite(sum)) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: the priors do not have a positive finite sum", path);
        goto fail;
    }
    fclose(file);
    if (!(dnn->log_priors = amass_alloc_array((size_t)count, sizeof *dnn->log_priors))) {
        free(priors);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (int32_t s = 0; s < count; s++)
        dnn->log_priors[s] = (float)log(fmax(priors[s] / sum, SPEECH_DNN_PRIOR_FLOOR));
    free(priors);
    return AMASS_OK;
fail:
    fclose(file);
    free(priors);
    return status->code;
}

/* The network must take the window the context implies and give one score
 * per senone: a mismatch means the files belong to different models. */
static amass_code check_network(const speech_dnn *dnn, const char *path, amass_status *status)
{
    amass_nn_tensor_type type;
    if (amass_nn_graph_input_count(dnn->graph) != 1)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the network has %zu inputs; a DNN acoustic model has one",
                          path, amass_nn_graph_input_count(dnn->graph));
    if (amass_nn_graph_input_type(dnn->graph, 0, &type) != AMASS_OK)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the network's input has no type", path);
    if (type.rank != 2 || type.dims[1] != dnn->input_width)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: input '%s' must be [N, %d] (%d frames of %d features: -context %d,%d), not rank %d "
                          "with %lld values a row",
                          path, amass_nn_graph_input_name(dnn->graph, 0), dnn->input_width,
                          dnn->left + 1 + dnn->right, dnn->feature_dim, dnn->left, dnn->right, type.rank,
                          type.rank >= 2 ? (long long)type.dims[type.rank - 1] : 0LL);
    if (amass_nn_graph_output_count(dnn->graph) < 1)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the network has no output", path);
    if (amass_nn_graph_output_type(dnn->graph, 0, &type) != AMASS_OK)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the network's output has no type", path);
    if (type.dtype != AMASS_NN_FLOAT32 || type.rank != 2 || type.dims[1] != dnn->n_senones)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: output '%s' must be float [N, %ld] (one score per senone of the mdef), not rank %d "
                          "with %lld values a row",
                          path, amass_nn_graph_output_name(dnn->graph, 0), (long)dnn->n_senones, type.rank,
                          type.rank >= 2 ? (long long)type.dims[type.rank - 1] : 0LL);
    return AMASS_OK;
}

static amass_code dnn_load(amass_speech_acoustic_model *model, const char *directory,
                           const amass_speech_acoustic_options *options, void **parameters, amass_status *status)
{
    speech_dnn *dnn = calloc(1, sizeof *dnn);
    char *path = NULL;
    (void)options;
    *parameters = NULL;
    if (!dnn)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    dnn->feature_dim = model->feature_dim;
    dnn->acoustic_scale = dnn->prior_scale = 1;
    dnn->n_senones = model->n_senones;
    if (!(path = speech_model_path(directory, "dnn.params"))) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (read_params(dnn, path, status) != AMASS_OK)
        goto fail;
    free(path);
    dnn->input_width = (dnn->left + 1 + dnn->right) * dnn->feature_dim;
    if (!(path = speech_model_path(directory, "priors"))) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (read_priors(dnn, path, status) != AMASS_OK)
        goto fail;
    free(path);
    if (!(path = speech_model_path(directory, "dnn.onnx"))) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (amass_formats_load_onnx(path, &dnn->graph, status) != AMASS_OK || check_network(dnn, path, status) != AMASS_OK)
        goto fail;
    free(path);
    *parameters = dnn;
    return AMASS_OK;
fail:
    free(path);
    dnn_unload(dnn);
    return status->code;
}

static void dnn_close(void *state)
{
    speech_dnn_state *s = state;
    if (!s)
        return;
    amass_nn_session_close(s->session);
    free(s->input);
    free(s->output);
    free(s);
}

static amass_code dnn_open(const amass_speech_acoustic_model *model, void **state, amass_status *status)
{
    const speech_dnn *dnn = model->parameters;
    speech_dnn_state *s = calloc(1, sizeof *s);
    *state = NULL;
    if (!s)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    s->dnn = dnn;
    s->input = amass_alloc_array(SPEECH_DNN_BATCH, (size_t)dnn->input_width * sizeof *s->input);
    s->output = amass_alloc_array(SPEECH_DNN_BATCH, (size_t)dnn->n_senones * sizeof *s->output);
    if (!s->input || !s->output) {
        dnn_close(s);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    if (!(s->session = amass_nn_session_open(dnn->graph, status))) {
        dnn_close(s);
        return status->code;
    }
    *state = s;
    return AMASS_OK;
}

/* Row t's window: frames t - left .. t + right, clamped to the utterance,
 * so the first and last frames stand in for the silence beyond its ends. */
static void splice(const speech_dnn *dnn, const float *features, size_t n_frames, size_t t, float *row)
{
    size_t width = (size_t)dnn->feature_dim;
    for (int k = -dnn->left; k <= dnn->right; k++) {
        size_t source = k < 0 ? (t >= (size_t)-k ? t - (size_t)-k : 0) : t + (size_t)k;
        if (source >= n_frames)
            source = n_frames - 1;
        memcpy(row, features + source * width, width * sizeof *row);
        row += width;
    }
}

static amass_code dnn_score(void *state, const float *features, size_t n_frames, size_t first, size_t count,
                            float *scores, amass_status *status)
{
    speech_dnn_state *s = state;
    const speech_dnn *dnn = s->dnn;
    size_t n_senones = (size_t)dnn->n_senones, width = (size_t)dnn->input_width;
    const float *inputs[1] = {s->input};
    float *outputs[1] = {s->output};
    for (size_t done = 0; done < count; done += SPEECH_DNN_BATCH) {
        size_t rows = count - done < SPEECH_DNN_BATCH ? count - done : SPEECH_DNN_BATCH;
        for (size_t r = 0; r < SPEECH_DNN_BATCH; r++)
            splice(dnn, features, n_frames, first + done + (r < rows ? r : rows - 1), s->input + r * width);
        if (amass_nn_session_run(s->session, SPEECH_DNN_BATCH, inputs, outputs, status) != AMASS_OK)
            return status->code;
        for (size_t r = 0; r < rows; r++) {
            const float *logits = s->output + r * n_senones;
            float *row = scores + (done + r) * n_senones, top = -INFINITY;
            double sum = 0;
            for (size_t j = 0; j < n_senones; j++)
                top = logits[j] > top ? logits[j] : top;
            for (size_t j = 0; j < n_senones; j++)
                sum += exp((double)(logits[j] - top));
            /* A NaN or infinity anywhere in the row shows up in the sum. */
            if (!isfinite(top) || !isfinite(sum))
                return amass_fail(status, AMASS_ERR_INPUT, "frame %zu: the network's output is not finite",
                                  first + done + r);
            float normaliser = top + (float)log(sum);
            for (size_t j = 0; j < n_senones; j++)
                row[j] = dnn->acoustic_scale * (logits[j] - normaliser - dnn->prior_scale * dnn->log_priors[j]);
        }
    }
    return AMASS_OK;
}

const speech_scorer_kind speech_dnn_kind = {
    .name = "dnn",
    .load = dnn_load,
    .unload = dnn_unload,
    .open = dnn_open,
    .close = dnn_close,
    .score = dnn_score,
};
