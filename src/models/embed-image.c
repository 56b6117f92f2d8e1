/* The image embed pipeline: an image model's feature tensor per image,
 * from the image feed in batches, flattened (and optionally L2-normalised)
 * into vector records in input order. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/nn.h"
#include "classify_detect.h"
#include "embed_image.h"
#include "models.h"

#define DEFAULT_BATCH 8

struct amass_image_embedder {
    amass_embed_image_options options;
    char *name;
    amass_nn_graph *graph;
    amass_nn_session *session;
    amass_vision_preprocess_spec spec;
    size_t batch, image_count, dim;
    size_t n_outputs, feature_output;   /* the vector is output feature_output of n_outputs */
    size_t *output_counts;              /* floats per image of each output */
    float **outputs;                    /* batch images of each */
    float *input;                       /* batch * image_count */
    char **names;                       /* the batch's inputs */
    size_t n_pending;
};

static int is_image_model(const amass_model_manifest *manifest)
{
    if (strcmp(manifest->format, "tfjs") != 0 && strcmp(manifest->format, "onnx") != 0)
        return 0;
    return manifest->features_output != NULL || strcmp(manifest->task, "embed") == 0;
}

int amass_image_embedder_accepts(const char *path)
{
    amass_model_manifest manifest;
    amass_status status;
    int accepts;
    amass_status_clear(&status);
    if (amass_models_manifest_load(path, &manifest, &status) != AMASS_OK)
        return 0;
    accepts = manifest.file_path && is_image_model(&manifest);
    amass_models_manifest_free(&manifest);
    return accepts;
}

/* The graph, cut at the feature tensor when the manifest names one. */
static int load_graph(amass_image_embedder *embedder, const char *path, const amass_model_manifest *manifest,
                      amass_status *status)
{
    const char *features[1];
    if (!is_image_model(manifest))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "%s: a %s model in %s format without \"features\"; amass-embed runs image models "
                          "(tfjs or onnx) with \"features\" or task \"embed\"",
                          path, manifest->task, manifest->format);
    if (manifest->features_output && strcmp(manifest->format, "onnx") == 0)
        return amass_fail(status, AMASS_ERR_USAGE,
                          "%s: \"features\" cuts a TF.js model at a tensor; an ONNX model's outputs are its own "
                          "(give it task \"embed\" instead)", path);
    if (manifest->features_output) {
        features[0] = manifest->features_output;
        return amass_classify_load_graph(manifest->format, manifest->file_path, features, 1, &embedder->graph,
                                         status);
    }
    return amass_classify_load_graph(manifest->format, manifest->file_path, (const char *const *)manifest->outputs,
                                     manifest->n_outputs, &embedder->graph, status);
}

/* Buffers for every output (a graph model runs them all), the widest of
 * them the vector. */
static int open_session(amass_image_embedder *embedder, const char *path, size_t expected_dim, amass_status *status)
{
    amass_nn_tensor_type type;
    size_t i;
    if (!(embedder->session = amass_nn_session_open(embedder->graph, status)))
        return status->code;
    amass_nn_session_set_bf16(embedder->session, embedder->options.bf16);
    embedder->n_outputs = amass_nn_graph_output_count(embedder->graph);
    if (embedder->n_outputs < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: the model has no output", path);
    embedder->output_counts = amass_calloc_array(embedder->n_outputs, sizeof *embedder->output_counts);
    embedder->outputs = amass_calloc_array(embedder->n_outputs, sizeof *embedder->outputs);
    if (!embedder->output_counts || !embedder->outputs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (i = 0; i < embedder->n_outputs; i++) {
        if (amass_nn_session_output_type(embedder->session, 1, i, &type, status) != AMASS_OK)
            return status->code;
        embedder->output_counts[i] = amass_nn_type_count(&type);
        if (embedder->output_counts[i] > embedder->output_counts[embedder->feature_output])
            embedder->feature_output = i;
        if (!(embedder->outputs[i] = amass_alloc_array(embedder->batch, embedder->output_counts[i] * sizeof(float))))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu", embedder->batch);
    }
    embedder->dim = embedder->output_counts[embedder->feature_output];
    if (embedder->dim < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: the model's output is empty", path);
    if (expected_dim && expected_dim != embedder->dim)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"features.dim\" is %zu but the tensor holds %zu values", path,
                          expected_dim, embedder->dim);
    embedder->image_count = amass_vision_preprocess_output_count(&embedder->spec);
    embedder->input = amass_alloc_array(embedder->batch, embedder->image_count * sizeof(float));
    embedder->names = amass_calloc_array(embedder->batch, sizeof *embedder->names);
    if (!embedder->input || !embedder->names)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu", embedder->batch);
    return AMASS_OK;
}

int amass_image_embedder_open(const char *path, const amass_embed_image_options *options,
                              amass_image_embedder **result, amass_status *status)
{
    amass_image_embedder *embedder;
    amass_model_manifest manifest;
    amass_classify_options spec_options;
    amass_nn_tensor_type input_type;
    int code;
    *result = NULL;
    if (!(embedder = calloc(1, sizeof *embedder)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    embedder->options = *options;
    if (embedder->options.decode_threads < 1)
        embedder->options.decode_threads = 1;
    if (amass_models_manifest_load(path, &manifest, status) != AMASS_OK) {
        free(embedder);
        return status->code;
    }
    /* The user sets no preprocessing here: the manifest's is the model's. */
    amass_classify_options_init(&spec_options);
    spec_options.model_path = path;
    code = load_graph(embedder, path, &manifest, status);
    if (code == AMASS_OK)
        code = amass_classify_make_spec(&spec_options, embedder->graph, &manifest, &embedder->spec, status);
    if (code == AMASS_OK) {
        /* A model built for one image at a time runs them one at a time. */
        int fixed = amass_nn_graph_input_type(embedder->graph, 0, &input_type) == AMASS_OK &&
                    input_type.dims[0] != AMASS_NN_DYNAMIC;
        embedder->batch = fixed ? 1 : options->batch ? options->batch : DEFAULT_BATCH;
        if (!(embedder->name = amass_strndup(manifest.name, strlen(manifest.name))))
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    if (code == AMASS_OK)
        code = open_session(embedder, path, manifest.features_dim, status);
    amass_models_manifest_free(&manifest);
    if (code != AMASS_OK) {
        amass_image_embedder_close(embedder);
        return code;
    }
    *result = embedder;
    return AMASS_OK;
}

void amass_image_embedder_close(amass_image_embedder *embedder)
{
    size_t i;
    if (!embedder)
        return;
    if (embedder->names)
        for (i = 0; i < embedder->batch; i++)
            free(embedder->names[i]);
    free(embedder->names);
    if (embedder->outputs)
        for (i = 0; i < embedder->n_outputs; i++)
            free(embedder->outputs[i]);
    free(embedder->outputs);
    free(embedder->output_counts);
    free(embedder->input);
    amass_nn_session_close(embedder->session);
    amass_nn_graph_free(embedder->graph);
    free(embedder->name);
    free(embedder);
}

size_t amass_image_embedder_dim(const amass_image_embedder *embedder)
{
    return embedder->dim;
}

const char *amass_image_embedder_name(const amass_image_embedder *embedder)
{
    return embedder->name;
}

static void normalize(float *vector, size_t n)
{
    double sum = 0;
    size_t i;
    for (i = 0; i < n; i++)
        sum += (double)vector[i] * vector[i];
    if (sum > 0) {
        float scale = (float)(1.0 / sqrt(sum));
        for (i = 0; i < n; i++)
            vector[i] *= scale;
    }
}

static int write_vector(const amass_image_embedder *embedder, const char *input, const float *vector,
                        const amass_embed_sink *sink, amass_status *status)
{
    amass_io_record_begin(sink->writer);
    amass_io_field_string(sink->writer, "input", input, strlen(input));
    if (sink->format == AMASS_FORMAT_NDJSON) {
        amass_io_field_string(sink->writer, "model", embedder->name, strlen(embedder->name));
        amass_io_field_int(sink->writer, "dim", (long long)embedder->dim);
        amass_io_field_floats(sink->writer, "embedding", vector, embedder->dim);
    } else {
        amass_io_field_floats(sink->writer, "v", vector, embedder->dim);
    }
    return amass_io_record_end(sink->writer, status);
}

/* Runs the pending images as one batch and writes their records. */
static int flush_batch(amass_image_embedder *embedder, const amass_embed_sink *sink, uint64_t *n_done,
                       amass_status *status)
{
    const float *inputs[1] = {embedder->input};
    size_t i, n = embedder->n_pending, dim = embedder->dim;
    int code = AMASS_OK;
    if (n == 0)
        return AMASS_OK;
    if (amass_nn_session_run(embedder->session, (int64_t)n, inputs, embedder->outputs, status) != AMASS_OK)
        code = status->code;
    for (i = 0; i < n; i++) {
        float *vector = embedder->outputs[embedder->feature_output] + i * dim;
        if (code == AMASS_OK && embedder->options.normalize)
            normalize(vector, dim);
        if (code == AMASS_OK && (code = write_vector(embedder, embedder->names[i], vector, sink, status)) == AMASS_OK)
            (*n_done)++;
        free(embedder->names[i]);
        embedder->names[i] = NULL;
    }
    embedder->n_pending = 0;
    amass_report_progress(sink->reporter, "embed", *n_done, 0);
    return code;
}

int amass_image_embedder_run(amass_image_embedder *embedder, amass_input_list *inputs, const amass_embed_sink *sink,
                             amass_status *status)
{
    size_t batch = embedder->batch;
    /* A batch decoded ahead while one runs, and one image per worker in hand. */
    size_t depth = (batch < 256 ? batch : 256) + (size_t)embedder->options.decode_threads;
    amass_image_feed *feed = amass_image_feed_open(inputs, sink->shard, sink->done, &embedder->spec,
                                                   embedder->options.decode_threads, depth, status);
    amass_image_feed_item item;
    uint64_t n_done = 0;
    int result, code = AMASS_OK;
    if (!feed)
        return status->code;
    while (!amass_report_stop_requested(sink->reporter)) {
        result = amass_image_feed_next(feed, &item, status);
        if (result == 0)
            break;
        if (result < 0) {
            code = status->code;
            break;
        }
        if (!item.tensor) {
            amass_report_failure(sink->reporter, item.name, strlen(item.name), item.problem);
            continue;
        }
        memcpy(embedder->input + embedder->n_pending * embedder->image_count, item.tensor,
               embedder->image_count * sizeof(float));
        if (!(embedder->names[embedder->n_pending] = amass_strndup(item.name, strlen(item.name)))) {
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            break;
        }
        if (++embedder->n_pending == batch && (code = flush_batch(embedder, sink, &n_done, status)) != AMASS_OK)
            break;
    }
    amass_image_feed_close(feed);
    if (code != AMASS_OK)
        return code;
    return flush_batch(embedder, sink, &n_done, status);
}
