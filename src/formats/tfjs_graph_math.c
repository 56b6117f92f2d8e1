/* TF.js graph models: elementwise math, activations, Softmax and the
 * reductions. An operand held in another layout (an NCHW image) is met in
 * that layout: constants are laid out for it at import, so a bias or scale
 * costs no transpose at run time. Arithmetic on constants (shape
 * computations) is done at import. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

static const char *fresh(tfjs_converter *converter, const char *hint)
{
    return tfjs_fresh_name(&converter->builder, hint);
}

int tfjs_emit_activation(tfjs_converter *converter, const tfjs_node *node, const char *activation, float alpha,
                         const tfjs_tensor *prelu_alpha, const int64_t *perm, int rank, const char *input,
                         const char *output, amass_status *status)
{
    tfjs_builder *builder = &converter->builder;
    amass_nn_attr attrs[2];
    if (!strcmp(activation, "Relu"))
        return tfjs_add_node(builder, AMASS_NN_OP_RELU, node->name, &input, 1, output, NULL, 0, status);
    if (!strcmp(activation, "Relu6")) {
        attrs[0] = tfjs_attr_float("min", 0);
        attrs[1] = tfjs_attr_float("max", 6);
        return tfjs_add_node(builder, AMASS_NN_OP_CLIP, node->name, &input, 1, output, attrs, 2, status);
    }
    if (!strcmp(activation, "Elu")) {
        attrs[0] = tfjs_attr_float("alpha", 1);
        return tfjs_add_node(builder, AMASS_NN_OP_ELU, node->name, &input, 1, output, attrs, 1, status);
    }
    if (!strcmp(activation, "LeakyRelu")) {
        attrs[0] = tfjs_attr_float("alpha", alpha);
        return tfjs_add_node(builder, AMASS_NN_OP_LEAKY_RELU, node->name, &input, 1, output, attrs, 1, status);
    }
    if (!strcmp(activation, "Sigmoid"))
        return tfjs_add_node(builder, AMASS_NN_OP_SIGMOID, node->name, &input, 1, output, NULL, 0, status);
    if (!strcmp(activation, "Tanh"))
        return tfjs_add_node(builder, AMASS_NN_OP_TANH, node->name, &input, 1, output, NULL, 0, status);
    if (strcmp(activation, "Prelu") != 0)
        return -1;
    /* prelu(x) = relu(x) + alpha * min(x, 0) */
    if (!prelu_alpha || !prelu_alpha->known || prelu_alpha->dtype != AMASS_NN_FLOAT32)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "Prelu's alpha must be a float constant");
    const char *slope;
    if (perm && prelu_alpha->count > 1)
        slope = tfjs_known_as(converter, prelu_alpha, perm, rank, status);
    else
        slope = tfjs_engine(converter, (tfjs_tensor *)prelu_alpha, status);
    static const float zero = 0;
    const char *zero_name = fresh(converter, "zero"), *positive = fresh(converter, "prelu_positive"),
               *negative = fresh(converter, "prelu_negative"), *scaled = fresh(converter, "prelu_scaled");
    if (!slope)
        return status->code;
    int result = tfjs_add_floats(builder, zero_name, &zero, NULL, 0, status);
    const char *pair[2] = {input, zero_name};
    if (result == AMASS_OK)
        result = tfjs_add_node(builder, AMASS_NN_OP_RELU, node->name, &input, 1, positive, NULL, 0, status);
    if (result == AMASS_OK)
        result = tfjs_add_node(builder, AMASS_NN_OP_MIN, node->name, pair, 2, negative, NULL, 0, status);
    pair[0] = negative;
    pair[1] = slope;
    if (result == AMASS_OK)
        result = tfjs_add_node(builder, AMASS_NN_OP_MUL, node->name, pair, 2, scaled, NULL, 0, status);
    pair[0] = positive;
    pair[1] = scaled;
    if (result == AMASS_OK)
        result = tfjs_add_node(builder, AMASS_NN_OP_ADD, node->name, pair, 2, output, NULL, 0, status);
    return result;
}

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

static double fold_one(const char *op, double x, double y, int integral)
{
    if (!strcmp(op, "Add") || !strcmp(op, "AddV2"))
        return x + y;
    if (!strcmp(op, "Sub"))
        return x - y;
    if (!strcmp(op, "Mul"))
        return x * y;
    if (!strcmp(op, "RealDiv") || (!strcmp(op, "Div") && !integral))
        return x / y;
    if (!strcmp(op, "FloorDiv") || (!strcmp(op, "Div") && integral))
        return y == 0 ? 0 : floor(x / y);
    if (!strcmp(op, "FloorMod"))
        return y == 0 ? 0 : x - floor(x / y) * y;
    if (!strcmp(op, "Maximum"))
        return x > y ? x : y;
    if (!strcmp(op, "Minimum"))
        return x < y ? x : y;
    if (!strcmp(op, "Equal"))
        return x == y;
    if (!strcmp(op, "NotEqual"))
        return x != y;
    if (!strcmp(op, "Less"))
        return x < y;
    if (!strcmp(op, "Greater"))
        return x > y;
    if (!strcmp(op, "LessEqual"))
        return x <= y;
    if (!strcmp(op, "GreaterEqual"))
        return x >= y;
    return NAN;
}

static double load(const tfjs_tensor *tensor, size_t i)
{
    switch (tensor->dtype) {
    case AMASS_NN_FLOAT32: return ((const float *)tensor->data)[i];
    case AMASS_NN_INT64: return (double)((const int64_t *)tensor->data)[i];
    case AMASS_NN_INT32: return ((const int32_t *)tensor->data)[i];
    case AMASS_NN_UINT8:
    case AMASS_NN_BOOL: return ((const unsigned char *)tensor->data)[i];
    }
    return 0;
}

static void store(amass_nn_dtype dtype, void *data, size_t i, double value)
{
    switch (dtype) {
    case AMASS_NN_FLOAT32: ((float *)data)[i] = (float)value; break;
    case AMASS_NN_INT64:
        ((int64_t *)data)[i] = value > 9.2e18 ? INT64_MAX : value < -9.2e18 ? INT64_MIN : (int64_t)value;
        break;
    case AMASS_NN_INT32: ((int32_t *)data)[i] = (int32_t)value; break;
    case AMASS_NN_UINT8:
    case AMASS_NN_BOOL: ((unsigned char *)data)[i] = (unsigned char)(value != 0); break;
    }
}

int tfjs_fold_binary(tfjs_converter *converter, const tfjs_node *node, const tfjs_tensor *a, const tfjs_tensor *b,
                     amass_status *status)
{
    if (isnan(fold_one(node->op, 1, 1, 0)) && strcmp(node->op, "Pow") != 0)
        return -1;
    int rank = a->rank > b->rank ? a->rank : b->rank;
    int64_t dims[AMASS_NN_MAX_RANK];
    size_t count = 1;
    for (int d = 0; d < rank; d++) {
        int64_t x = d - (rank - a->rank) >= 0 ? a->dims[d - (rank - a->rank)] : 1;
        int64_t y = d - (rank - b->rank) >= 0 ? b->dims[d - (rank - b->rank)] : 1;
        if (x != y && x != 1 && y != 1)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "shapes do not broadcast on axis %d", d);
        dims[d] = x == 1 ? y : x;
        count *= (size_t)dims[d];
    }
    if (count > ((size_t)1 << 24))
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "constant arithmetic too large to fold");
    int comparison = !strcmp(node->op, "Equal") || !strcmp(node->op, "NotEqual") || !strncmp(node->op, "Less", 4) ||
                     !strncmp(node->op, "Greater", 7);
    amass_nn_dtype dtype = comparison ? AMASS_NN_BOOL : a->dtype;
    int integral = dtype != AMASS_NN_FLOAT32;
    void *out = amass_alloc_array(count ? count : 1, amass_nn_dtype_size(dtype));
    if (!out)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    int64_t index[AMASS_NN_MAX_RANK] = {0};
    for (size_t i = 0; i < count; i++) {
        size_t at_a = 0, at_b = 0;
        for (int d = 0; d < rank; d++) {
            int da = d - (rank - a->rank), db = d - (rank - b->rank);
            if (da >= 0)
                at_a = at_a * (size_t)a->dims[da] + (a->dims[da] == 1 ? 0 : (size_t)index[d]);
            if (db >= 0)
                at_b = at_b * (size_t)b->dims[db] + (b->dims[db] == 1 ? 0 : (size_t)index[d]);
        }
        double x = load(a, at_a), y = load(b, at_b);
        double value = !strcmp(node->op, "Pow") ? pow(x, y) : fold_one(node->op, x, y, integral);
        store(dtype, out, i, value);
        for (int d = rank - 1; d >= 0; d--) {
            if (++index[d] < dims[d])
                break;
            index[d] = 0;
        }
    }
    tfjs_tensor *defined = tfjs_define_known(converter, node->name, dtype, dims, rank, out, status);
    free(out);
    return defined ? AMASS_OK : status->code;
}

static amass_nn_op binary_op(const char *op)
{
    if (!strcmp(op, "Add") || !strcmp(op, "AddV2") || !strcmp(op, "BiasAdd"))
        return AMASS_NN_OP_ADD;
    if (!strcmp(op, "Sub"))
        return AMASS_NN_OP_SUB;
    if (!strcmp(op, "Mul"))
        return AMASS_NN_OP_MUL;
    if (!strcmp(op, "RealDiv") || !strcmp(op, "Div"))
        return AMASS_NN_OP_DIV;
    if (!strcmp(op, "Maximum"))
        return AMASS_NN_OP_MAX;
    if (!strcmp(op, "Minimum"))
        return AMASS_NN_OP_MIN;
    if (!strcmp(op, "Pow"))
        return AMASS_NN_OP_POW;
    if (!strcmp(op, "SquaredDifference"))
        return AMASS_NN_OP_SUB;
    return AMASS_NN_OP_UNKNOWN;
}

/* Both operands in one layout: the permuted one's when it can be had
 * without a transpose at run time for the other, else TF's. */
static int binary_operands(tfjs_converter *converter, const tfjs_node *node, tfjs_tensor *a, tfjs_tensor *b,
                           const char **operands, int64_t *perm, int *rank, amass_status *status)
{
    tfjs_tensor *held = a->permuted ? a : b->permuted ? b : NULL;
    *rank = -1;
    if (held) {
        tfjs_tensor *other = held == a ? b : a;
        int fits = (other->permuted && other->rank == held->rank &&
                    !memcmp(other->perm, held->perm, (size_t)held->rank * sizeof *held->perm)) ||
                   (other->known && !other->engine && other->rank <= held->rank) ||
                   (other->known && other->count == 1) || (!other->known && other->rank == held->rank);
        if (fits) {
            *rank = held->rank;
            memcpy(perm, held->perm, (size_t)held->rank * sizeof *perm);
            for (int k = 0; k < 2; k++) {
                tfjs_tensor *operand = k ? b : a;
                if (operand->known && operand->count == 1 && !operand->permuted)
                    operands[k] = tfjs_engine(converter, operand, status);
                else if (operand->known && !operand->engine && operand->rank < held->rank)
                    operands[k] = tfjs_known_as(converter, operand, perm, held->rank, status);
                else
                    operands[k] = tfjs_as(converter, operand, perm, held->rank, status);
                if (!operands[k])
                    return status->code;
            }
            return AMASS_OK;
        }
    }
    (void)node;
    operands[0] = tfjs_plain(converter, a, status);
    operands[1] = operands[0] ? tfjs_plain(converter, b, status) : NULL;
    return operands[1] ? AMASS_OK : status->code;
}

static int define_like(tfjs_converter *converter, const tfjs_node *node, const char *engine, const int64_t *perm,
                       int rank, amass_status *status)
{
    return tfjs_define(converter, node->name, engine, rank > 0 ? perm : NULL, rank, status) ? AMASS_OK : status->code;
}

static const float *scalar_float(const tfjs_tensor *tensor)
{
    return tensor && tensor->known && tensor->dtype == AMASS_NN_FLOAT32 && tensor->count == 1 ? tensor->data : NULL;
}

/* Minimum / Maximum with a float scalar constant (Keras' ReLU6 is Relu,
 * Minimum(6), Maximum(0)) as one Clip, taking the other bound from a sole
 * reader of the opposite kind: a single eltwise op that fuses into the
 * convolution before it. -1 when the node is not of that form. */
static int clip_bounds(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
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

static int translate_binary(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs two inputs");
    tfjs_tensor *a = node->inputs[0], *b = node->inputs[1];
    if (a->known && b->known && !a->engine && !b->engine) {
        int folded = tfjs_fold_binary(converter, node, a, b, status);
        if (folded >= 0)
            return folded;
    }
    int clipped = clip_bounds(converter, node, status);
    if (clipped >= 0)
        return clipped;
    amass_nn_op op = binary_op(node->op);
    if (op == AMASS_NN_OP_UNKNOWN)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED,
                         "runs only on constants here (the engine has no %s on run-time tensors)", node->op);
    int result = tfjs_require_float(converter, node, status);
    if (result != AMASS_OK)
        return result;
    tfjs_tensor reshaped;
    char format[16] = "NHWC";
    tfjs_attr_get_string(node, "data_format", format, sizeof format);
    if (!strcmp(node->op, "BiasAdd") && !strcmp(format, "NCHW")) {
        /* NCHW BiasAdd adds along axis 1: the bias as [C, 1, 1] */
        if (!b->known || b->rank != 1)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "an NCHW bias must be a 1-D constant");
        reshaped = *b;
        reshaped.rank = 3;
        reshaped.dims[1] = reshaped.dims[2] = 1;
        reshaped.engine = NULL;
        reshaped.name = (char *)node->name;
        b = &reshaped;
    }
    const char *operands[2];
    int64_t perm[AMASS_NN_MAX_RANK];
    int rank;
    if (b == &reshaped) {
        operands[0] = tfjs_plain(converter, a, status);
        operands[1] = operands[0] ? tfjs_known_as(converter, b, (const int64_t[]){0, 1, 2}, 3, status) : NULL;
        rank = -1;
        result = operands[1] ? AMASS_OK : status->code;
    } else {
        result = binary_operands(converter, node, a, b, operands, perm, &rank, status);
    }
    if (result != AMASS_OK)
        return result;
    if (!strcmp(node->op, "SquaredDifference")) {
        const char *difference = fresh(converter, "difference");
        result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SUB, node->name, operands, 2, difference, NULL, 0,
                               status);
        operands[0] = operands[1] = difference;
        op = AMASS_NN_OP_MUL;
        if (result != AMASS_OK)
            return result;
    }
    result = tfjs_add_node(&converter->builder, op, node->name, operands, 2, node->result, NULL, 0, status);
    return result == AMASS_OK ? define_like(converter, node, node->result, perm, rank, status) : result;
}

static int translate_unary(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs < 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs an input");
    int result = tfjs_require_float(converter, node, status);
    if (result != AMASS_OK)
        return result;
    tfjs_tensor *x = node->inputs[0];
    const char *input = tfjs_engine(converter, x, status);
    if (!input)
        return status->code;
    const char *op = node->op;
    tfjs_builder *builder = &converter->builder;
    float alpha = 0.2f;
    tfjs_attr_get_float(node, "alpha", &alpha);
    result = -1;
    if (!strcmp(op, "Prelu")) {
        if (node->n_inputs != 2)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs an input and alpha");
        result = tfjs_emit_activation(converter, node, op, alpha, node->inputs[1], x->permuted ? x->perm : NULL,
                                      x->rank, input, node->result, status);
    } else if (node->n_inputs == 1) {
        result = tfjs_emit_activation(converter, node, op, alpha, NULL, NULL, -1, input, node->result, status);
    }
    if (result < 0) {
        static const struct {
            const char *name;
            amass_nn_op op;
        } simple[] = {{"Exp", AMASS_NN_OP_EXP},   {"Log", AMASS_NN_OP_LOG},
                      {"Sqrt", AMASS_NN_OP_SQRT}, {"Neg", AMASS_NN_OP_NEG},
                      {"Abs", AMASS_NN_OP_ABS},   {"Reciprocal", AMASS_NN_OP_RECIPROCAL},
                      {"Inv", AMASS_NN_OP_RECIPROCAL}, {"Softplus", AMASS_NN_OP_SOFTPLUS},
                      {"Erf", AMASS_NN_OP_ERF}};
        for (size_t k = 0; k < sizeof simple / sizeof simple[0] && result < 0; k++)
            if (!strcmp(op, simple[k].name))
                result = tfjs_add_node(builder, simple[k].op, node->name, &input, 1, node->result, NULL, 0, status);
    }
    if (result < 0 && !strcmp(op, "Rsqrt")) {
        const char *root = fresh(converter, "sqrt");
        result = tfjs_add_node(builder, AMASS_NN_OP_SQRT, node->name, &input, 1, root, NULL, 0, status);
        if (result == AMASS_OK)
            result = tfjs_add_node(builder, AMASS_NN_OP_RECIPROCAL, node->name, &root, 1, node->result, NULL, 0, status);
    }
    if (result < 0 && !strcmp(op, "Square")) {
        const char *pair[2] = {input, input};
        result = tfjs_add_node(builder, AMASS_NN_OP_MUL, node->name, pair, 2, node->result, NULL, 0, status);
    }
    if (result < 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the importer has no such operator");
    return result == AMASS_OK ? define_like(converter, node, node->result, x->perm, x->permuted ? x->rank : -1, status)
                              : result;
}

static int translate_softmax(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs one input");
    tfjs_tensor *x = node->inputs[0];
    const char *input = tfjs_engine(converter, x, status);
    if (!input)
        return status->code;
    int64_t axis = -1;
    if (x->permuted)
        tfjs_engine_axis(x, -1, x->rank, &axis);
    amass_nn_attr attr = tfjs_attr_int("axis", axis);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SOFTMAX, node->name, &input, 1, node->result, &attr, 1,
                               status);
    return result == AMASS_OK ? define_like(converter, node, node->result, x->perm, x->permuted ? x->rank : -1, status)
                              : result;
}

static int translate_reduce(tfjs_converter *converter, const tfjs_node *node, amass_nn_op op, amass_status *status)
{
    if (node->n_inputs != 2 || !tfjs_known_ints(node->inputs[1]) || node->inputs[1]->rank > 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the axes must be an integer constant");
    int keep = 0;
    tfjs_attr_get_bool(node, "keep_dims", &keep);
    tfjs_tensor *x = node->inputs[0], *axes_tensor = node->inputs[1];
    const int64_t *axes = tfjs_known_ints(axes_tensor);
    size_t n_axes = axes_tensor->count;
    if (n_axes == 0) {
        /* no axes: TensorFlow reduces nothing */
        return tfjs_define(converter, node->name, tfjs_engine(converter, x, status), x->permuted ? x->perm : NULL,
                           x->rank, status)
                   ? AMASS_OK
                   : status->code;
    }
    const char *input;
    int rank = x->permuted ? x->rank : -1;
    int64_t engine_axes[AMASS_NN_MAX_RANK];
    unsigned char reduced[AMASS_NN_MAX_RANK] = {0};
    if (n_axes > AMASS_NN_MAX_RANK)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "too many axes");
    for (size_t k = 0; k < n_axes; k++) {
        engine_axes[k] = axes[k];
        if (rank > 0) {
            if (!tfjs_engine_axis(x, axes[k], rank, &engine_axes[k]))
                return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "axis %lld is out of range",
                                 (long long)axes[k]);
            reduced[engine_axes[k]] = 1;
        }
    }
    if (!(input = tfjs_engine(converter, x, status)))
        return status->code;
    amass_nn_attr attrs[2] = {tfjs_attr_ints("axes", engine_axes, n_axes), tfjs_attr_int("keepdims", keep)};
    int result = tfjs_add_node(&converter->builder, op, node->name, &input, 1, node->result, attrs, 2, status);
    if (result != AMASS_OK)
        return result;
    if (rank <= 0 || keep)
        return define_like(converter, node, node->result, x->perm, rank, status);
    /* the surviving engine dims, renumbered among the surviving TF dims */
    int64_t perm[AMASS_NN_MAX_RANK];
    int out_rank = 0;
    for (int j = 0; j < rank; j++) {
        if (reduced[j])
            continue;
        int64_t position = 0;
        for (int i = 0; i < rank; i++)
            position += !reduced[i] && x->perm[i] < x->perm[j];
        perm[out_rank++] = position;
    }
    return define_like(converter, node, node->result, perm, out_rank, status);
}

static int translate_cast(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs one input");
    tfjs_tensor *x = node->inputs[0];
    const char *to = tfjs_attr_type(node, "DstT");
    amass_nn_dtype dtype;
    if (!to || !strcmp(to, "DT_FLOAT"))
        dtype = AMASS_NN_FLOAT32;
    else if (!strcmp(to, "DT_INT32") || !strcmp(to, "DT_INT64"))
        dtype = AMASS_NN_INT64;
    else if (!strcmp(to, "DT_BOOL"))
        dtype = AMASS_NN_BOOL;
    else
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "cast to %s", to);
    if (x->known && !x->engine) {
        void *out = amass_alloc_array(x->count ? x->count : 1, amass_nn_dtype_size(dtype));
        if (!out)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        for (size_t i = 0; i < x->count; i++) {
            double value = load(x, i);
            store(dtype, out, i, dtype == AMASS_NN_FLOAT32 || dtype == AMASS_NN_BOOL ? value : trunc(value));
        }
        tfjs_tensor *defined = tfjs_define_known(converter, node->name, dtype, x->dims, x->rank, out, status);
        free(out);
        return defined ? AMASS_OK : status->code;
    }
    const char *from = tfjs_attr_type(node, "SrcT");
    if (dtype == AMASS_NN_FLOAT32 && (!from || !strcmp(from, "DT_FLOAT")))
        return define_like(converter, node, tfjs_engine(converter, x, status), x->perm, x->permuted ? x->rank : -1,
                           status);
    /* integer casts of shapes the engine computes fold at prepare */
    const char *input = tfjs_plain(converter, x, status);
    if (!input)
        return status->code;
    amass_nn_attr attr = tfjs_attr_int("to", dtype == AMASS_NN_FLOAT32 ? 1 : dtype == AMASS_NN_BOOL ? 9 : 7);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CAST, node->name, &input, 1, node->result, &attr, 1,
                               status);
    return result == AMASS_OK ? define_like(converter, node, node->result, NULL, -1, status) : result;
}

int tfjs_translate_math(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status)
{
    static const char *const unary[] = {"Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh", "Prelu", "Exp",
                                        "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Inv", "Softplus", "Erf", "Rsqrt",
                                        "Square"};
    static const char *const binary[] = {"Add", "AddV2", "BiasAdd", "Sub", "Mul", "RealDiv", "Div", "Maximum",
                                         "Minimum", "Pow", "SquaredDifference", "FloorDiv", "FloorMod", "Equal",
                                         "NotEqual", "Less", "Greater", "LessEqual", "GreaterEqual"};
    static const struct {
        const char *name;
        amass_nn_op op;
    } reductions[] = {{"Mean", AMASS_NN_OP_REDUCE_MEAN}, {"Sum", AMASS_NN_OP_REDUCE_SUM},
                      {"Max", AMASS_NN_OP_REDUCE_MAX},   {"Min", AMASS_NN_OP_REDUCE_MIN},
                      {"Prod", AMASS_NN_OP_REDUCE_PROD}};
    const char *op = node->op;
    for (size_t k = 0; k < sizeof unary / sizeof unary[0]; k++)
        if (!strcmp(op, unary[k])) {
            if (converter)
                *result = translate_unary(converter, node, status);
            return 1;
        }
    for (size_t k = 0; k < sizeof binary / sizeof binary[0]; k++)
        if (!strcmp(op, binary[k])) {
            if (converter)
                *result = translate_binary(converter, node, status);
            return 1;
        }
    for (size_t k = 0; k < sizeof reductions / sizeof reductions[0]; k++)
        if (!strcmp(op, reductions[k].name)) {
            if (converter)
                *result = translate_reduce(converter, node, reductions[k].op, status);
            return 1;
        }
    if (!strcmp(op, "Softmax")) {
        if (converter)
            *result = translate_softmax(converter, node, status);
        return 1;
    }
    if (!strcmp(op, "Cast")) {
        if (converter)
            *result = translate_cast(converter, node, status);
        return 1;
    }
    return 0;
}
