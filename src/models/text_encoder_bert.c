/* The BERT-family encoder network built on the nn graph IR from
 * safetensors weights: the same nodes an ONNX export of Hugging Face's
 * BertModel holds (embedding Gathers and sums, LayerNorm, per layer the
 * attention with the additive mask (1 - mask) * float32 min, and the
 * feed-forward block), so both paths share every pass and kernel. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_encoder_internal.h"

typedef struct {
    amass_nn_graph *graph;
    const amass_safetensors *weights;
    const text_encoder_config *config;
    const char *prefix;
    char **names; /* node outputs made here, kept until the build ends */
    size_t n_names;
    amass_status *status;
    int failed; /* the first failure's message stands; later steps do nothing */
} builder;

static const char *failed(builder *b)
{
    b->failed = 1;
    return NULL;
}

static const char *new_name(builder *b, const char *stem)
{
    if (b->failed)
        return NULL;
    char **grown = amass_realloc_array(b->names, b->n_names + 1, sizeof *grown);
    if (!grown)
        return NULL;
    b->names = grown;
    size_t length = strlen(stem) + 24;
    char *name = malloc(length);
    if (!name)
        return NULL;
    snprintf(name, length, "%s_%zu", stem, b->n_names);
    b->names[b->n_names++] = name;
    return name;
}

static const char *add_node(builder *b, amass_nn_op op, const char *stem, const char *const *inputs, size_t n_inputs,
                            const amass_nn_attr *attrs, size_t n_attrs)
{
    if (b->failed)
        return NULL;
    const char *output = new_name(b, stem);
    if (!output) {
        amass_fail(b->status, AMASS_ERR_NOMEM, "out of memory");
        return failed(b);
    }
    amass_nn_node_spec spec = {.op = op, .name = output, .inputs = inputs, .n_inputs = n_inputs, .outputs = &output,
                               .n_outputs = 1, .attrs = attrs, .n_attrs = n_attrs};
    return amass_nn_graph_add_node(b->graph, &spec, b->status) == AMASS_OK ? output : failed(b);
}

static const char *binary(builder *b, amass_nn_op op, const char *stem, const char *x, const char *y)
{
    if (!x || !y)
        return NULL;
    const char *inputs[2] = {x, y};
    return add_node(b, op, stem, inputs, 2, NULL, 0);
}

static const char *int_constant(builder *b, const char *stem, const int64_t *values, int count)
{
    const char *name = new_name(b, stem);
    amass_nn_tensor_type type = {.dtype = AMASS_NN_INT64, .rank = count < 0 ? 0 : 1, .dims = {count < 0 ? 1 : count}};
    if (!name || amass_nn_graph_add_constant(b->graph, name, &type, values, NULL, NULL, b->status) != AMASS_OK)
        return failed(b);
    return name;
}

static const char *float_constant(builder *b, const char *stem, float value)
{
    const char *name = new_name(b, stem);
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = 0};
    if (!name || amass_nn_graph_add_constant(b->graph, name, &type, &value, NULL, NULL, b->status) != AMASS_OK)
        return failed(b);
    return name;
}

/* Weight <prefix><name> of the expected shape (rows x columns; rows 0
 * for a vector) as a graph constant; transposed when asked (Linear
 * weights are [out, in], MatMul wants [in, out]). */
static const char *weight(builder *b, const char *name, size_t rows, size_t columns, int transpose)
{
    char key[256];
    if (b->failed)
        return NULL;
    snprintf(key, sizeof key, "%s%s", b->prefix, name);
    const amass_safetensors_tensor *tensor = amass_safetensors_find(b->weights, key);
    const char *path = amass_safetensors_path(b->weights);
    if (!tensor) {
        amass_fail(b->status, AMASS_ERR_INPUT, "%s: no tensor '%s'", path, key);
        return failed(b);
    }
    int shape_ok = rows ? tensor->rank == 2 && tensor->shape[0] == (int64_t)rows && tensor->shape[1] == (int64_t)columns
                        : tensor->rank == 1 && tensor->shape[0] == (int64_t)columns;
    if (!shape_ok) {
        amass_fail(b->status, AMASS_ERR_INPUT, "%s: tensor '%s' is not %zux%zu as config.json says", path, key,
                   rows ? rows : 1, columns);
        return failed(b);
    }
    float *values;
    if (amass_safetensors_to_float(b->weights, tensor, &values, b->status) != AMASS_OK)
        return failed(b);
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rows ? 2 : 1,
                                 .dims = {(int64_t)(rows ? rows : columns), (int64_t)columns}};
    if (transpose) {
        float *turned = amass_alloc_array(rows * columns + 1, sizeof *turned);
        if (!turned) {
            free(values);
            amass_fail(b->status, AMASS_ERR_NOMEM, "out of memory");
            return failed(b);
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < columns; c++)
                turned[c * rows + r] = values[r * columns + c];
        free(values);
        values = turned;
        type.dims[0] = (int64_t)columns;
        type.dims[1] = (int64_t)rows;
    }
    if (amass_nn_graph_add_constant(b->graph, key, &type, values, free, values, b->status) != AMASS_OK)
        return failed(b);
    return tensor->name;
}

/* x [.., in] times a Linear's weight and bias. */
static const char *linear(builder *b, const char *x, const char *name, size_t in, size_t out)
{
    char key[200];
    snprintf(key, sizeof key, "%s.weight", name);
    const char *w = x ? weight(b, key, out, in, 1) : NULL;
    snprintf(key, sizeof key, "%s.bias", name);
    const char *bias = w ? weight(b, key, 0, out, 0) : NULL;
    return bias ? binary(b, AMASS_NN_OP_ADD, "bias", binary(b, AMASS_NN_OP_MATMUL, "matmul", x, w), bias) : NULL;
}

static const char *layer_norm(builder *b, const char *x, const char *name)
{
    char key[200];
    snprintf(key, sizeof key, "%s.weight", name);
    const char *gamma = x ? weight(b, key, 0, b->config->hidden, 0) : NULL;
    snprintf(key, sizeof key, "%s.bias", name);
    const char *beta = gamma ? weight(b, key, 0, b->config->hidden, 0) : NULL;
    if (!beta)
        return NULL;
    const char *inputs[3] = {x, gamma, beta};
    amass_nn_attr attrs[2] = {{.name = "axis", .kind = AMASS_NN_ATTR_INT, .i = -1},
                              {.name = "epsilon", .kind = AMASS_NN_ATTR_FLOAT, .f = (float)b->config->layer_norm_eps}};
    return add_node(b, AMASS_NN_OP_LAYER_NORMALIZATION, "layer_norm", inputs, 3, attrs, 2);
}

static const char *reshape(builder *b, const char *x, const int64_t *shape, int rank)
{
    return x ? binary(b, AMASS_NN_OP_RESHAPE, "reshape", x, int_constant(b, "shape", shape, rank)) : NULL;
}

static const char *transpose(builder *b, const char *x, const int64_t *perm)
{
    if (!x)
        return NULL;
    amass_nn_attr attr = {.name = "perm", .kind = AMASS_NN_ATTR_INTS, .ints = perm, .count = 4};
    return add_node(b, AMASS_NN_OP_TRANSPOSE, "transpose", &x, 1, &attr, 1);
}

static const char *activation(builder *b, const char *x)
{
    const char *name = b->config->activation;
    if (!x)
        return NULL;
    if (!strcmp(name, "relu"))
        return add_node(b, AMASS_NN_OP_RELU, "relu", &x, 1, NULL, 0);
    int tanh_form = !strcmp(name, "gelu_new") || !strcmp(name, "gelu_pytorch_tanh") || !strcmp(name, "gelu_fast");
    if (!tanh_form && strcmp(name, "gelu") != 0) {
        amass_fail(b->status, AMASS_ERR_UNSUPPORTED,
                   "%s: activation '%s' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu are)",
                   amass_safetensors_path(b->weights), name);
        return failed(b);
    }
    amass_nn_attr attr = {.name = "approximate", .kind = AMASS_NN_ATTR_STRING, .s = tanh_form ? "tanh" : "none"};
    return add_node(b, AMASS_NN_OP_GELU, "gelu", &x, 1, &attr, 1);
}

/* The names of one layer's weights in the two spellings. */
typedef struct {
    const char *query, *key, *value, *output, *norm1, *up, *down, *norm2;
} layer_names;

static const layer_names bert_names = {"attention.self.query", "attention.self.key", "attention.self.value",
                                       "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
                                       "output.dense", "output.LayerNorm"};
static const layer_names distilbert_names = {"attention.q_lin", "attention.k_lin", "attention.v_lin",
                                             "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2",
                                             "output_layer_norm"};

static const char *encoder_layer(builder *b, const char *x, const char *mask_bias, size_t index)
{
    const text_encoder_config *config = b->config;
    const layer_names *names = config->family == TEXT_ENCODER_DISTILBERT ? &distilbert_names : &bert_names;
    char stem[160], key[200];
    snprintf(stem, sizeof stem, "%s.%zu.", config->family == TEXT_ENCODER_DISTILBERT ? "transformer.layer"
                                                                                       : "encoder.layer", index);
    size_t hidden = config->hidden, heads = config->heads, size = hidden / heads;
    int64_t split_shape[4] = {0, 0, (int64_t)heads, (int64_t)size}, merge_shape[3] = {0, 0, (int64_t)hidden};
    static const int64_t heads_first[4] = {0, 2, 1, 3}, keys_last[4] = {0, 2, 3, 1};
    snprintf(key, sizeof key, "%s%s", stem, names->query);
    const char *q = transpose(b, reshape(b, linear(b, x, key, hidden, hidden), split_shape, 4), heads_first);
    snprintf(key, sizeof key, "%s%s", stem, names->key);
    const char *k = transpose(b, reshape(b, linear(b, x, key, hidden, hidden), split_shape, 4), keys_last);
    snprintf(key, sizeof key, "%s%s", stem, names->value);
    const char *v = transpose(b, reshape(b, linear(b, x, key, hidden, hidden), split_shape, 4), heads_first);
    const char *scores = binary(b, AMASS_NN_OP_DIV, "scale", binary(b, AMASS_NN_OP_MATMUL, "scores", q, k),
                                float_constant(b, "sqrt_size", sqrtf((float)size)));
    scores = binary(b, AMASS_NN_OP_ADD, "masked", scores, mask_bias);
    amass_nn_attr axis = {.name = "axis", .kind = AMASS_NN_ATTR_INT, .i = -1};
    const char *weights = scores ? add_node(b, AMASS_NN_OP_SOFTMAX, "softmax", &scores, 1, &axis, 1) : NULL;
    const char *context = transpose(b, binary(b, AMASS_NN_OP_MATMUL, "context", weights, v), heads_first);
    context = reshape(b, context, merge_shape, 3);
    snprintf(key, sizeof key, "%s%s", stem, names->output);
    const char *attended = binary(b, AMASS_NN_OP_ADD, "residual", linear(b, context, key, hidden, hidden), x);
    snprintf(key, sizeof key, "%s%s", stem, names->norm1);
    x = layer_norm(b, attended, key);
    snprintf(key, sizeof key, "%s%s", stem, names->up);
    const char *up = activation(b, linear(b, x, key, hidden, config->intermediate));
    snprintf(key, sizeof key, "%s%s", stem, names->down);
    const char *down = binary(b, AMASS_NN_OP_ADD, "residual", linear(b, up, key, config->intermediate, hidden), x);
    snprintf(key, sizeof key, "%s%s", stem, names->norm2);
    return layer_norm(b, down, key);
}

/* Word, position (and token type) embeddings, summed and normalised. */
static const char *embeddings(builder *b)
{
    const text_encoder_config *config = b->config;
    size_t hidden = config->hidden;
    const char *ids = "input_ids";
    const char *words = weight(b, "embeddings.word_embeddings.weight", config->vocab_size, hidden, 0);
    const char *x = words ? binary(b, AMASS_NN_OP_GATHER, "words", words, ids) : NULL;
    /* Positions: rows offset .. offset + length of the table, by a Slice
     * whose end the plan computes from the input's shape. */
    int64_t offset = config->family == TEXT_ENCODER_ROBERTA ? config->pad_token_id + 1 : 0, zero = 0, one = 1;
    const char *table = x ? weight(b, "embeddings.position_embeddings.weight", config->max_positions, hidden, 0) : NULL;
    const char *shape = table ? add_node(b, AMASS_NN_OP_SHAPE, "shape", &ids, 1, NULL, 0) : NULL;
    const char *length = binary(b, AMASS_NN_OP_GATHER, "length", shape, int_constant(b, "one", &one, -1));
    const char *axes0 = int_constant(b, "axes", &zero, 1);
    const char *length_1d = binary(b, AMASS_NN_OP_UNSQUEEZE, "length", length, axes0);
    const char *end = binary(b, AMASS_NN_OP_ADD, "end", length_1d, int_constant(b, "offset", &offset, 1));
    const char *slice_inputs[4] = {table, int_constant(b, "start", &offset, 1), end, axes0};
    const char *positions = end && slice_inputs[1] ? add_node(b, AMASS_NN_OP_SLICE, "positions", slice_inputs, 4, NULL, 0)
                                                   : NULL;
    x = binary(b, AMASS_NN_OP_ADD, "embedded", x, positions);
    if (config->family != TEXT_ENCODER_DISTILBERT && config->type_vocab_size > 1) {
        const char *types = weight(b, "embeddings.token_type_embeddings.weight", config->type_vocab_size, hidden, 0);
        x = binary(b, AMASS_NN_OP_ADD, "embedded", x,
                   types ? binary(b, AMASS_NN_OP_GATHER, "types", types, "token_type_ids") : NULL);
    } else if (config->family != TEXT_ENCODER_DISTILBERT && config->type_vocab_size == 1) {
        /* one token type: its row is a constant every token gets */
        const char *types = x ? weight(b, "embeddings.token_type_embeddings.weight", 1, hidden, 0) : NULL;
        x = binary(b, AMASS_NN_OP_ADD, "embedded", x, types);
    }
    return layer_norm(b, x, "embeddings.LayerNorm");
}

static const char *detect_prefix(const amass_safetensors *weights)
{
    static const char *const prefixes[] = {"", "bert.", "roberta.", "distilbert.", "model.", "encoder."};
    char key[128];
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        snprintf(key, sizeof key, "%sembeddings.word_embeddings.weight", prefixes[i]);
        if (amass_safetensors_find(weights, key))
            return prefixes[i];
    }
    return NULL;
}

int text_encoder_build_graph(const amass_safetensors *weights, const text_encoder_config *config,
                             amass_nn_graph **out, amass_status *status)
{
    *out = NULL;
    builder b = {.weights = weights, .config = config, .status = status};
    b.prefix = detect_prefix(weights);
    if (!b.prefix)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: no tensor 'embeddings.word_embeddings.weight' (with or without a bert./roberta./"
                          "distilbert. prefix): not a BERT-family model",
                          amass_safetensors_path(weights));
    b.graph = amass_nn_graph_new(amass_safetensors_path(weights), status);
    if (!b.graph)
        return status->code;
    amass_nn_tensor_type ids_type = {.dtype = AMASS_NN_INT32, .rank = 2, .dims = {AMASS_NN_DYNAMIC, AMASS_NN_DYNAMIC}};
    int result = amass_nn_graph_add_input(b.graph, "input_ids", &ids_type, status);
    if (result == AMASS_OK)
        result = amass_nn_graph_add_input(b.graph, "attention_mask", &ids_type, status);
    if (result == AMASS_OK && config->family == TEXT_ENCODER_BERT && config->type_vocab_size > 1)
        result = amass_nn_graph_add_input(b.graph, "token_type_ids", &ids_type, status);
    const char *x = result == AMASS_OK ? embeddings(&b) : NULL;
    /* BertModel.get_extended_attention_mask: (1 - mask) * float32 min on
     * the keys, [batch, 1, 1, length] */
    int64_t mask_axes[2] = {1, 2};
    const char *mask = "attention_mask";
    const char *expanded = x ? binary(&b, AMASS_NN_OP_UNSQUEEZE, "mask", mask, int_constant(&b, "axes", mask_axes, 2))
                             : NULL;
    const char *inverted = binary(&b, AMASS_NN_OP_SUB, "inverted", expanded ? float_constant(&b, "one", 1.0f) : NULL,
                                  expanded);
    const char *bias = binary(&b, AMASS_NN_OP_MUL, "mask_bias", inverted,
                              inverted ? float_constant(&b, "lowest", -3.4028234663852886e38f) : NULL);
    for (size_t layer = 0; layer < config->layers && x; layer++)
        x = bias ? encoder_layer(&b, x, bias, layer) : NULL;
    if (x) {
        const char *inputs[1] = {x}, *output = "last_hidden_state";
        amass_nn_node_spec spec = {.op = AMASS_NN_OP_IDENTITY, .name = output, .inputs = inputs, .n_inputs = 1,
                                   .outputs = &output, .n_outputs = 1};
        result = amass_nn_graph_add_node(b.graph, &spec, status);
        if (result == AMASS_OK)
            result = amass_nn_graph_mark_output(b.graph, output, status);
        if (result == AMASS_OK)
            result = amass_nn_graph_prepare(b.graph, status);
    } else if (result == AMASS_OK) {
        result = b.failed && status->code != AMASS_OK
                     ? status->code
                     : amass_fail(status, AMASS_ERR_FATAL, "%s: the encoder network could not be built",
                                  amass_safetensors_path(weights));
    }
    for (size_t i = 0; i < b.n_names; i++)
        free(b.names[i]);
    free(b.names);
    if (result != AMASS_OK) {
        amass_nn_graph_free(b.graph);
        return result;
    }
    *out = b.graph;
    return AMASS_OK;
}
