/* The text encoder: a BERT-family network opened from a model directory
 * (model.onnx, onnx/model.onnx, or model.safetensors + config.json) or an
 * .onnx file, shared by threads, each running it through its own session
 * with the ids, mask and token types in the integer type the graph takes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text_encoder_internal.h"
#include "../formats/formats.h"

enum { INPUT_IDS, INPUT_MASK, INPUT_TYPES, N_ROLES };

struct amass_text_encoder {
    char *path;
    amass_nn_graph *graph;
    amass_text_encoder_info info;
    int role[8];                   /* per graph input: INPUT_* */
    amass_nn_dtype dtype[8];       /* per graph input: what it takes */
    size_t n_inputs;
    size_t hidden_output;          /* the graph output holding the token states */
};

struct amass_text_encoder_session {
    const amass_text_encoder *encoder;
    amass_nn_session *session;
    void *staging[8];
    size_t staging_bytes[8];
    float *spare[8];               /* outputs the caller does not want */
    size_t spare_count[8];
};

static char *join(const char *directory, const char *name)
{
    size_t length = strlen(directory) + strlen(name) + 2;
    char *path = malloc(length);
    if (path)
        snprintf(path, length, "%s/%s", directory, name);
    return path;
}

static int is_file(const char *path)
{
    struct stat info;
    return path && stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

static int ends_with(const char *text, const char *suffix)
{
    size_t a = strlen(text), b = strlen(suffix);
    return a >= b && !strcmp(text + a - b, suffix);
}

/* Which graph input is which, by the names exporters give them. */
static int map_inputs(amass_text_encoder *encoder, amass_status *status)
{
    size_t n = amass_nn_graph_input_count(encoder->graph);
    if (n < 2 || n > 3)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: the network takes %zu inputs; a text encoder takes input_ids, attention_mask and "
                          "optionally token_type_ids", encoder->path, n);
    int seen[N_ROLES] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *name = amass_nn_graph_input_name(encoder->graph, i);
        amass_nn_tensor_type type;
        amass_nn_graph_input_type(encoder->graph, i, &type);
        int role = !strcmp(name, "input_ids") ? INPUT_IDS : !strcmp(name, "attention_mask") ? INPUT_MASK
                   : !strcmp(name, "token_type_ids")                                       ? INPUT_TYPES
                                                                                            : -1;
        if (role < 0)
            return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                              "%s: input '%s' is not one of input_ids, attention_mask, token_type_ids", encoder->path,
                              name);
        if (type.rank != 2 || (type.dtype != AMASS_NN_INT64 && type.dtype != AMASS_NN_INT32))
            return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: input '%s' is not int64 or int32 [batch, length]",
                              encoder->path, name);
        encoder->role[i] = role;
        encoder->dtype[i] = type.dtype;
        seen[role] = 1;
    }
    if (!seen[INPUT_IDS] || !seen[INPUT_MASK])
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: the network needs input_ids and attention_mask inputs",
                          encoder->path);
    encoder->n_inputs = n;
    encoder->info.takes_token_types = seen[INPUT_TYPES];
    /* the token states: last_hidden_state, else the first output */
    size_t outputs = amass_nn_graph_output_count(encoder->graph);
    for (size_t o = 0; o < outputs; o++)
        if (!strcmp(amass_nn_graph_output_name(encoder->graph, o), "last_hidden_state"))
            encoder->hidden_output = o;
    amass_nn_tensor_type type;
    amass_nn_graph_output_type(encoder->graph, encoder->hidden_output, &type);
    if (type.rank != 3 || type.dims[2] <= 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: output '%s' is not the token states [batch, length, hidden]", encoder->path,
                          amass_nn_graph_output_name(encoder->graph, encoder->hidden_output));
    if (encoder->info.hidden && encoder->info.hidden != (size_t)type.dims[2])
        return amass_fail(status, AMASS_ERR_INPUT, "%s: states of width %lld, config.json says %zu", encoder->path,
                          (long long)type.dims[2], encoder->info.hidden);
    encoder->info.hidden = (size_t)type.dims[2];
    return AMASS_OK;
}

static int open_onnx(amass_text_encoder *encoder, const char *onnx_path, const char *directory, amass_status *status)
{
    int result = amass_formats_load_onnx(onnx_path, &encoder->graph, status);
    encoder->info.format = "onnx";
    encoder->info.max_length = 512;
    /* config.json beside (or above onnx/) gives the sizes the ONNX file
     * does not state. Absent, the position table's rows bound the length:
     * less 2 when the graph counts positions RoBERTa's way (a CumSum over
     * the mask from pad + 1), and 512 when no table is named "position". */
    text_encoder_config config;
    amass_status ignored = {0};
    if (result == AMASS_OK && directory && text_encoder_read_config(directory, &config, &ignored) == AMASS_OK) {
        encoder->info.max_length = text_encoder_max_length(&config);
        encoder->info.vocab_size = config.vocab_size;
        encoder->info.hidden = config.hidden;
    } else if (result == AMASS_OK) {
        int64_t rows = amass_nn_graph_table_rows(encoder->graph, "position");
        int64_t offset = amass_nn_graph_count_op(encoder->graph, AMASS_NN_OP_CUMSUM) > 0 ? 2 : 0;
        if (rows - offset >= 3)
            encoder->info.max_length = (size_t)(rows - offset);
    }
    return result;
}

static int open_safetensors(amass_text_encoder *encoder, const char *directory, const char *weights_path,
                            amass_status *status)
{
    text_encoder_config config;
    int result = text_encoder_read_config(directory, &config, status);
    amass_safetensors *weights = NULL;
    if (result == AMASS_OK)
        result = amass_safetensors_open(weights_path, &weights, status);
    if (result == AMASS_OK)
        result = text_encoder_build_graph(weights, &config, &encoder->graph, status);
    amass_safetensors_close(weights);
    encoder->info.format = "safetensors";
    encoder->info.max_length = text_encoder_max_length(&config);
    encoder->info.vocab_size = config.vocab_size;
    encoder->info.hidden = config.hidden;
    return result;
}

int amass_text_encoder_open(const char *path, amass_text_encoder **out, amass_status *status)
{
    *out = NULL;
    amass_text_encoder *encoder = calloc(1, sizeof *encoder);
    if (!encoder || !(encoder->path = strdup(path))) {
        free(encoder);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    encoder->info.pooling = AMASS_EMBED_POOLING_MEAN;
    int result;
    char *directory = NULL;
    if (ends_with(path, ".onnx") && is_file(path)) {
        /* the file's directory, for config.json and the pooling files */
        directory = strdup(path);
        char *slash = directory ? strrchr(directory, '/') : NULL;
        if (slash)
            *slash = '\0';
        else if (directory)
            strcpy(directory, ".");
        if (directory)
            result = open_onnx(encoder, path, directory, status);
        else
            result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    } else {
        directory = strdup(path);
        char *onnx = join(path, "model.onnx"), *nested = join(path, "onnx/model.onnx");
        char *weights = join(path, "model.safetensors"), *config = join(path, "config.json");
        if (!directory || !onnx || !nested || !weights || !config)
            result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        else if (is_file(onnx))
            result = open_onnx(encoder, onnx, path, status);
        else if (is_file(nested))
            result = open_onnx(encoder, nested, path, status);
        else if (is_file(weights) && is_file(config))
            result = open_safetensors(encoder, path, weights, status);
        else if (is_file(weights))
            result = amass_fail(status, AMASS_ERR_INPUT, "%s: model.safetensors needs a config.json beside it", path);
        else
            result = amass_fail(status, AMASS_ERR_INPUT,
                                "%s: no text encoder here (model.onnx, onnx/model.onnx, or model.safetensors + "
                                "config.json)", path);
        free(onnx);
        free(nested);
        free(weights);
        free(config);
    }
    if (result == AMASS_OK)
        result = map_inputs(encoder, status);
    if (result == AMASS_OK)
        result = text_encoder_read_pooling(directory, &encoder->info.pooling, &encoder->info.normalize, status);
    free(directory);
    if (result != AMASS_OK) {
        amass_text_encoder_close(encoder);
        return result;
    }
    *out = encoder;
    return AMASS_OK;
}

void amass_text_encoder_close(amass_text_encoder *encoder)
{
    if (!encoder)
        return;
    amass_nn_graph_free(encoder->graph);
    free(encoder->path);
    free(encoder);
}

void amass_text_encoder_get_info(const amass_text_encoder *encoder, amass_text_encoder_info *info)
{
    *info = encoder->info;
}

amass_text_encoder_session *amass_text_encoder_session_open(const amass_text_encoder *encoder, amass_status *status)
{
    amass_text_encoder_session *session = calloc(1, sizeof *session);
    if (!session) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    session->encoder = encoder;
    session->session = amass_nn_session_open(encoder->graph, status);
    if (!session->session) {
        free(session);
        return NULL;
    }
    return session;
}

void amass_text_encoder_session_close(amass_text_encoder_session *session)
{
    if (!session)
        return;
    amass_nn_session_close(session->session);
    for (size_t i = 0; i < 8; i++) {
        free(session->staging[i]);
        free(session->spare[i]);
    }
    free(session);
}

void amass_text_encoder_session_set_bf16(amass_text_encoder_session *session, int enabled)
{
    amass_nn_session_set_bf16(session->session, enabled);
}

static void *staging(amass_text_encoder_session *session, size_t input, size_t bytes)
{
    if (bytes > session->staging_bytes[input]) {
        void *grown = realloc(session->staging[input], bytes);
        if (!grown)
            return NULL;
        session->staging[input] = grown;
        session->staging_bytes[input] = bytes;
    }
    return session->staging[input];
}

int amass_text_encoder_run(amass_text_encoder_session *session, size_t batch, size_t length, const int32_t *ids,
                           const uint8_t *mask, const int32_t *type_ids, float *hidden, amass_status *status)
{
    const amass_text_encoder *encoder = session->encoder;
    if (batch == 0 || length == 0 || length > encoder->info.max_length)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: %zu sequences of %zu tokens (1 to %zu tokens run)",
                          encoder->path, batch, length, encoder->info.max_length);
    size_t count = batch * length;
    if (encoder->info.vocab_size)
        for (size_t i = 0; i < count; i++)
            if (ids[i] < 0 || (size_t)ids[i] >= encoder->info.vocab_size)
                return amass_fail(status, AMASS_ERR_USAGE, "%s: token id %d is outside the vocabulary of %zu",
                                  encoder->path, (int)ids[i], encoder->info.vocab_size);
    amass_nn_tensor_type types[8];
    const void *inputs[8];
    for (size_t i = 0; i < encoder->n_inputs; i++) {
        amass_nn_dtype dtype = encoder->dtype[i];
        types[i] = (amass_nn_tensor_type){.dtype = dtype, .rank = 2, .dims = {(int64_t)batch, (int64_t)length}};
        void *data = staging(session, i, count * amass_nn_dtype_size(dtype));
        if (!data)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < count; j++) {
            int64_t value = encoder->role[i] == INPUT_IDS ? ids[j] : encoder->role[i] == INPUT_MASK ? mask[j] != 0
                            : type_ids                                                             ? type_ids[j]
                                                                                                   : 0;
            if (dtype == AMASS_NN_INT64)
                ((int64_t *)data)[j] = value;
            else
                ((int32_t *)data)[j] = (int32_t)value;
        }
        inputs[i] = data;
    }
    size_t n_outputs = amass_nn_graph_output_count(encoder->graph);
    float *outputs[8];
    for (size_t o = 0; o < n_outputs && o < 8; o++) {
        if (o == encoder->hidden_output) {
            outputs[o] = hidden;
            continue;
        }
        amass_nn_tensor_type type;
        int result = amass_nn_session_output_type_typed(session->session, types, o, &type, status);
        if (result != AMASS_OK)
            return result;
        size_t needed = amass_nn_type_count(&type);
        if (needed > session->spare_count[o]) {
            float *grown = realloc(session->spare[o], needed * sizeof *grown);
            if (!grown)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            session->spare[o] = grown;
            session->spare_count[o] = needed;
        }
        outputs[o] = session->spare[o];
    }
    if (n_outputs > 8)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %zu outputs (at most 8)", encoder->path, n_outputs);
    return amass_nn_session_run_typed(session->session, types, inputs, outputs, status);
}
