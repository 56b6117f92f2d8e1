/* The TF.js graph converter's fusions at import: what Grappler left
 * unfused in a graph (a batch norm as Mul and Add after a convolution, a
 * bias Add, ReLU6 as Minimum and Maximum) is folded into the convolution's
 * weights, bias and one Clip, so the engine's post-op fusion sees one
 * convolution with one activation. */
#include "config.h"

#include <string.h>

#include "tfjs_graph_internal.h"

static int is_signature_output(const tfjs_converter *converter, const char *node_name)
{
    const json_t *signature = amass_tfjs_signature(converter->builder.model);
    const json_t *outputs = signature ? json_object_get(signature, "outputs") : NULL;
    const char *key;
    const json_t *entry;
    size_t length = strlen(node_name);
    json_object_foreach((json_t *)outputs, key, entry) {
        const char *name = json_string_value(json_object_get(entry, "name"));
        if (!name)
            name = key;
        if (!strncmp(name, node_name, length) && (!name[length] || !strcmp(name + length, ":0")))
            return 1;
    }
    return 0;
}

static const tfjs_tensor *find_known(const tfjs_converter *converter, const char *name)
{
    size_t length = strlen(name);
    if (length > 2 && !strcmp(name + length - 2, ":0"))
        length -= 2;
    for (size_t t = converter->n_tensors; t-- > 0;)
        if (strlen(converter->tensors[t].name) == length && !memcmp(converter->tensors[t].name, name, length))
            return converter->tensors[t].known ? &converter->tensors[t] : NULL;
    return NULL;
}

/* The per-channel float values of a constant that broadcasts onto the
 * last (channel) axis of an NHWC result: [C], [1, ..., 1, C], or a scalar. */
static const float *channel_values(const tfjs_tensor *tensor, int64_t channels, int *scalar)
{
    if (!tensor || tensor->dtype != AMASS_NN_FLOAT32 || tensor->rank > 4)
        return NULL;
    *scalar = tensor->count == 1;
    if (*scalar)
        return tensor->data;
    if (tensor->count != (size_t)channels || tensor->dims[tensor->rank - 1] != channels)
        return NULL;
    return tensor->data;
}

/* The node that alone reads node index's result (named name) and which of
 * its inputs that is; NULL when there are several readers or the result
 * is a graph output. */
static const json_t *sole_consumer(const tfjs_converter *converter, size_t index, const char *name, size_t *at,
                                   int *position)
{
    size_t count = json_array_size(converter->nodes);
    if (converter->consumers[index] != 1 || is_signature_output(converter, name))
        return NULL;
    for (size_t n = index + 1; n < count; n++) {
        const json_t *inputs = json_object_get(json_array_get(converter->nodes, n), "input");
        for (size_t i = 0; i < json_array_size(inputs); i++) {
            const char *input = json_string_value(json_array_get(inputs, i));
            size_t length = strlen(name);
            if (input && !strncmp(input, name, length) && (!input[length] || !strcmp(input + length, ":0"))) {
                *at = n;
                *position = (int)i;
                return json_array_get(converter->nodes, n);
            }
        }
    }
    return NULL;
}

const char *tfjs_absorb_channel_chain(tfjs_converter *converter, const tfjs_node *node, int64_t channels,
                                      float *kernel, size_t per_channel, float *bias, int *has_bias)
{
    const char *name = node->name;
    size_t index = node->index;
    for (;;) {
        size_t next_index;
        int position;
        const json_t *next = sole_consumer(converter, index, name, &next_index, &position);
        const json_t *inputs = json_object_get(next, "input");
        const char *op = json_string_value(json_object_get(next, "op"));
        const char *next_name = json_string_value(json_object_get(next, "name"));
        if (!next || !op || !next_name || json_array_size(inputs) != 2)
            return name;
        char format[16] = "NHWC";
        tfjs_node probe = {.json = next};
        tfjs_attr_get_string(&probe, "data_format", format, sizeof format);
        int scalar;
        const float *values = channel_values(
            find_known(converter, json_string_value(json_array_get(inputs, 1 - (size_t)position))), channels, &scalar);
        if (!values)
            return name;
        int adds = !strcmp(op, "Add") || !strcmp(op, "AddV2") ||
                   (!strcmp(op, "BiasAdd") && position == 0 && !strcmp(format, "NHWC"));
        int subtracts = !strcmp(op, "Sub") && position == 0;
        if (!strcmp(op, "Mul")) {
            /* (x + b) * s = x * s + b * s: scale the kernel's rows and the bias */
            for (int64_t c = 0; c < channels; c++) {
                float factor = values[scalar ? 0 : c];
                for (size_t i = 0; i < per_channel; i++)
                    kernel[(size_t)c * per_channel + i] *= factor;
                bias[c] *= factor;
            }
        } else if (adds || subtracts) {
            for (int64_t c = 0; c < channels; c++)
                bias[c] += subtracts ? -values[scalar ? 0 : c] : values[scalar ? 0 : c];
            *has_bias = 1;
        } else {
            return name;
        }
        converter->skip[next_index] = 1;
        name = next_name;
        index = next_index;
    }
}

static const float *scalar_float(const tfjs_tensor *tensor)
{
    return tensor && tensor->known && tensor->dtype == AMASS_NN_FLOAT32 && tensor->count == 1 ? tensor->data : NULL;
}

/* Minimum / Maximum with a float scalar constant (Keras' ReLU6 is Relu,
 * Minimum(6), Maximum(0)) as one Clip, taking the other bound from a sole
 * reader of the opposite kind: a single eltwise op that fuses into the
 * convolution before it. -1 when the node is not of that form. */
int tfjs_clip_bounds(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    int minimum = !strcmp(node->op, "Minimum");
    if ((!minimum && strcmp(node->op, "Maximum") != 0) || node->n_inputs != 2)
        return -1;
    tfjs_tensor *x = scalar_float(node->inputs[1]) ? node->inputs[0] : node->inputs[1];
    const float *bound = scalar_float(node->inputs[1]) ? scalar_float(node->inputs[1]) : scalar_float(node->inputs[0]);
    if (!bound || x->known || tfjs_require_float(converter, node, status) != AMASS_OK)
        return -1;
    float low = -3.402823466e38f, high = 3.402823466e38f;
    *(minimum ? &high : &low) = *bound;
    const char *name = node->name;
    size_t at;
    int position;
    const json_t *next = sole_consumer(converter, node->index, node->name, &at, &position);
    const char *next_op = next ? json_string_value(json_object_get(next, "op")) : NULL;
    if (next_op && !strcmp(next_op, minimum ? "Maximum" : "Minimum")) {
        const char *other = json_string_value(json_array_get(json_object_get(next, "input"), 1 - (size_t)position));
        const float *second = other ? scalar_float(find_known(converter, other)) : NULL;
        if (second && (minimum ? *second <= high : *second >= low)) {
            *(minimum ? &low : &high) = *second;
            name = json_string_value(json_object_get(next, "name"));
            converter->skip[at] = 1;
        }
    }
    const char *input = tfjs_engine(converter, x, status);
    if (!input)
        return status->code;
    amass_nn_attr attrs[2] = {tfjs_attr_float("min", low), tfjs_attr_float("max", high)};
    const char *engine = tfjs_result_name(converter, name);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CLIP, node->name, &input, 1, engine, attrs, 2, status);
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, name, engine, x->permuted ? x->perm : NULL, x->permuted ? x->rank : -1, status)
               ? AMASS_OK
               : status->code;
}
