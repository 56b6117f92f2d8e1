/* TF.js graph models: convolutions, pooling, matrix products and batch
 * normalisation, with Grappler's fused forms (_FusedConv2D,
 * FusedDepthwiseConv2dNative, _FusedMatMul). Kernels are laid out for the
 * engine at import; a bias (fused, or an Add of a per-channel constant
 * right after) goes into the convolution so bias and activation fuse. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

/* Window attributes in the engine's NCHW terms. */
typedef struct {
    int nchw; /* data_format NCHW */
    int64_t strides[2], dilations[2], pads[4];
    int same; /* padding SAME: auto_pad SAME_UPPER, TF's extra pixel at the end */
} window_attrs;

static int parse_data_format(tfjs_converter *converter, const tfjs_node *node, int *nchw, amass_status *status)
{
    char format[16] = "NHWC";
    if (tfjs_attr_get_string(node, "data_format", format, sizeof format) < 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute 'data_format' is not a string");
    if (strcmp(format, "NHWC") != 0 && strcmp(format, "NCHW") != 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "data_format '%s' is not supported", format);
    *nchw = format[1] == 'C';
    return AMASS_OK;
}

/* A 4-entry list in data-format order (or absent: all 1) as its two
 * spatial values; the batch and channel entries must be 1. */
static int spatial_pair(tfjs_converter *converter, const tfjs_node *node, const char *name, int nchw, int64_t *out,
                        amass_status *status)
{
    int64_t values[4] = {1, 1, 1, 1};
    int count = tfjs_attr_get_ints(node, name, values, 4);
    if (count != 0 && count != 4)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute '%s' needs 4 values", name);
    int h = nchw ? 2 : 1, c = nchw ? 1 : 3;
    if (values[0] != 1 || values[c] != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "%s across the batch or channels", name);
    out[0] = values[h];
    out[1] = values[h + 1];
    if (out[0] < 1 || out[1] < 1 || out[0] > 1 << 16 || out[1] > 1 << 16)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute '%s' out of range", name);
    return AMASS_OK;
}

static int parse_window(tfjs_converter *converter, const tfjs_node *node, window_attrs *window, amass_status *status)
{
    memset(window, 0, sizeof *window);
    int result = parse_data_format(converter, node, &window->nchw, status);
    if (result == AMASS_OK)
        result = spatial_pair(converter, node, "strides", window->nchw, window->strides, status);
    if (result == AMASS_OK)
        result = spatial_pair(converter, node, "dilations", window->nchw, window->dilations, status);
    if (result != AMASS_OK)
        return result;
    char padding[16];
    if (tfjs_attr_get_string(node, "padding", padding, sizeof padding) != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute 'padding' missing or not a string");
    if (!strcmp(padding, "SAME")) {
        window->same = 1;
    } else if (!strcmp(padding, "EXPLICIT")) {
        int64_t explicit_pads[8];
        if (tfjs_attr_get_ints(node, "explicit_paddings", explicit_pads, 8) != 8)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "explicit_paddings needs 8 values");
        int h = window->nchw ? 2 : 1, c = window->nchw ? 1 : 3;
        if (explicit_pads[0] || explicit_pads[1] || explicit_pads[2 * c] || explicit_pads[2 * c + 1])
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "padding of the batch or channels");
        for (int d = 0; d < 2; d++) {
            window->pads[d] = explicit_pads[2 * (h + d)];
            window->pads[2 + d] = explicit_pads[2 * (h + d) + 1];
            if (window->pads[d] < 0 || window->pads[2 + d] < 0 || window->pads[d] > 1 << 16 ||
                window->pads[2 + d] > 1 << 16)
                return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "explicit_paddings out of range");
        }
    } else if (strcmp(padding, "VALID") != 0) {
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "padding '%s' is not supported", padding);
    }
    return AMASS_OK;
}

static size_t window_attributes(const window_attrs *window, amass_nn_attr *attrs)
{
    size_t n = 0;
    attrs[n++] = tfjs_attr_ints("strides", window->strides, 2);
    attrs[n++] = tfjs_attr_ints("dilations", window->dilations, 2);
    if (window->same)
        attrs[n++] = tfjs_attr_string("auto_pad", "SAME_UPPER");
    else
        attrs[n++] = tfjs_attr_ints("pads", window->pads, 4);
    return n;
}

/* The input as the engine's NCHW for a data_format. */
static const char *image_input(tfjs_converter *converter, const tfjs_node *node, int nchw, amass_status *status)
{
    static const int64_t identity[4] = {0, 1, 2, 3};
    tfjs_tensor *input = node->inputs[0];
    if (input->rank >= 0 && input->rank != 4) {
        tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "the input has rank %d, not 4", input->rank);
        return NULL;
    }
    return tfjs_as(converter, input, nchw ? identity : tfjs_nhwc_to_nchw, 4, status);
}

static int define_image_output(tfjs_converter *converter, const char *name, const char *engine, int nchw,
                               amass_status *status)
{
    return tfjs_define(converter, name, engine, nchw ? NULL : tfjs_nhwc_to_nchw, 4, status) ? AMASS_OK : status->code;
}

static const tfjs_tensor *known_floats(tfjs_converter *converter, const tfjs_node *node, size_t input, size_t count,
                                       const char *what, amass_status *status)
{
    const tfjs_tensor *tensor = input < node->n_inputs ? node->inputs[input] : NULL;
    if (!tensor || !tensor->known || tensor->dtype != AMASS_NN_FLOAT32 || (count && tensor->count != count)) {
        tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the %s must be a float constant%s", what,
                  count ? " of one value per channel" : "");
        return NULL;
    }
    return tensor;
}

/* Folds inference batch normalisation into kernel (OIHW) and bias. */
static int fold_batch_norm(tfjs_converter *converter, const tfjs_node *node, size_t first, float epsilon,
                           float *kernel, size_t per_channel, float *bias, int64_t channels, amass_status *status)
{
    const tfjs_tensor *parts[4];
    static const char *const names[4] = {"scale", "offset", "mean", "variance"};
    for (int k = 0; k < 4; k++)
        if (!(parts[k] = known_floats(converter, node, first + (size_t)k, (size_t)channels, names[k], status)))
            return status->code;
    const float *scale = parts[0]->data, *offset = parts[1]->data, *mean = parts[2]->data,
                *variance = parts[3]->data;
    for (int64_t c = 0; c < channels; c++) {
        float factor = scale[c] / sqrtf(variance[c] + epsilon);
        for (size_t i = 0; i < per_channel; i++)
            kernel[(size_t)c * per_channel + i] *= factor;
        bias[c] = (bias[c] - mean[c]) * factor + offset[c];
    }
    return AMASS_OK;
}

static int translate_conv(tfjs_converter *converter, const tfjs_node *node, int depthwise, int fused,
                          amass_status *status)
{
    window_attrs window;
    int result = tfjs_require_float(converter, node, status);
    if (result == AMASS_OK)
        result = parse_window(converter, node, &window, status);
    if (result != AMASS_OK)
        return result;
    if (node->n_inputs < 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs an input and a kernel");
    const tfjs_tensor *kernel = known_floats(converter, node, 1, 0, "kernel", status);
    if (!kernel)
        return status->code;
    if (kernel->rank != 4)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "the kernel has rank %d, not 4", kernel->rank);
    int64_t in_channels = kernel->dims[2], multiplier = kernel->dims[3];
    int64_t channels = depthwise ? in_channels * multiplier : multiplier;
    amass_tfjs_weight as_weight;
    memset(&as_weight, 0, sizeof as_weight);
    as_weight.name = kernel->name;
    as_weight.dtype = AMASS_NN_FLOAT32;
    as_weight.rank = 4;
    memcpy(as_weight.dims, kernel->dims, sizeof as_weight.dims);
    as_weight.n_elements = kernel->count;
    as_weight.data = kernel->data;

    /* fused ops: BiasAdd or FusedBatchNorm, then at most one activation */
    char fused_ops[4][32];
    int n_fused = fused ? tfjs_attr_get_strings(node, "fused_ops", fused_ops, 4) : 0;
    if (n_fused < 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute 'fused_ops' is malformed");
    float *bias = amass_calloc_array((size_t)channels + 1, sizeof *bias);
    float *weights = amass_alloc_array(kernel->count + 1, sizeof *weights);
    if (!bias || !weights) {
        free(bias);
        free(weights);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    }
    /* the kernel in OIHW through the builder's layout helper, read back */
    const char *kernel_name = tfjs_fresh_name(&converter->builder, "kernel");
    int has_bias = 0, op = 0;
    const char *activation = NULL;
    float epsilon = 0, alpha = 0.2f;
    tfjs_attr_get_float(node, "epsilon", &epsilon);
    tfjs_attr_get_float(node, "leakyrelu_alpha", &alpha);
    size_t per_channel = kernel->count / (size_t)(channels ? channels : 1);
    {
        const float *from = kernel->data;
        int64_t h = kernel->dims[0], w = kernel->dims[1];
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                for (int64_t i = 0; i < in_channels; i++)
                    for (int64_t o = 0; o < multiplier; o++) {
                        float value = from[((y * w + x) * in_channels + i) * multiplier + o];
                        int64_t out = depthwise ? i * multiplier + o : o, in = depthwise ? 0 : i;
                        weights[((out * (depthwise ? 1 : in_channels) + in) * h + y) * w + x] = value;
                    }
    }
    for (op = 0; op < n_fused && result == AMASS_OK; op++) {
        const char *name = fused_ops[op];
        if (op == 0 && !strcmp(name, "BiasAdd")) {
            const tfjs_tensor *b = known_floats(converter, node, 2, (size_t)channels, "bias", status);
            if (!b)
                result = status->code;
            else
                memcpy(bias, b->data, (size_t)channels * sizeof *bias);
            has_bias = 1;
        } else if (op == 0 && (!strcmp(name, "FusedBatchNorm") || !strcmp(name, "FusedBatchNormV3"))) {
            result = fold_batch_norm(converter, node, 2, epsilon, weights, per_channel, bias, channels, status);
            has_bias = 1;
        } else if (op == n_fused - 1 && !activation && strcmp(name, "BiasAdd") != 0) {
            activation = name;
        } else {
            result = tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "fused op '%s' is not supported",
                               name);
        }
    }
    /* a plain convolution whose only readers scale and shift it per channel */
    const char *out_tf_name = node->name;
    if (result == AMASS_OK && !activation && !window.nchw)
        out_tf_name = tfjs_absorb_channel_chain(converter, node, channels, weights, per_channel, bias, &has_bias);
    const char *bias_name = has_bias ? tfjs_fresh_name(&converter->builder, "bias") : NULL;
    int64_t kernel_dims[4] = {channels, depthwise ? 1 : in_channels, kernel->dims[0], kernel->dims[1]};
    int64_t bias_dims[1] = {channels};
    if (result == AMASS_OK)
        result = tfjs_add_floats(&converter->builder, kernel_name, weights, kernel_dims, 4, status);
    if (result == AMASS_OK && has_bias)
        result = tfjs_add_floats(&converter->builder, bias_name, bias, bias_dims, 1, status);
    free(bias);
    free(weights);
    if (result != AMASS_OK)
        return result;
    const char *input = image_input(converter, node, window.nchw, status);
    if (!input)
        return status->code;
    const tfjs_tensor *padded = node->inputs[0];
    if (padded->pad_source && !window.same && input == padded->engine && !padded->pads[0] && !padded->pads[1] &&
        !padded->pads[4] && !padded->pads[5]) {
        /* read the Pad's input and pad in the convolution (the Pad is
         * left to the dead-node pass when nothing else reads it) */
        input = padded->pad_source;
        for (int d = 0; d < 2; d++) {
            window.pads[d] += padded->pads[2 + d];
            window.pads[2 + d] += padded->pads[6 + d];
        }
    }
    const char *out_engine = tfjs_result_name(converter, out_tf_name);
    const char *conv_out = activation ? tfjs_fresh_name(&converter->builder, "conv") : out_engine;
    amass_nn_attr attrs[5];
    size_t n_attrs = window_attributes(&window, attrs);
    attrs[n_attrs++] = tfjs_attr_int("group", depthwise ? in_channels : 1);
    const char *inputs[3] = {input, kernel_name, bias_name};
    result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CONV, node->name, inputs, has_bias ? 3 : 2, conv_out, attrs,
                           n_attrs, status);
    if (result == AMASS_OK && activation) {
        tfjs_tensor *prelu = activation && !strcmp(activation, "Prelu") && node->n_inputs > 3 ? node->inputs[3] : NULL;
        static const int64_t identity[4] = {0, 1, 2, 3};
        int emitted = tfjs_emit_activation(converter, node, activation, alpha, prelu,
                                           window.nchw ? identity : tfjs_nhwc_to_nchw, 4, conv_out, out_engine,
                                           status);
        if (emitted < 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "fused activation '%s' is not supported",
                             activation);
        result = emitted;
    }
    if (result != AMASS_OK)
        return result;
    return define_image_output(converter, out_tf_name, out_engine, window.nchw, status);
}

static int translate_pool(tfjs_converter *converter, const tfjs_node *node, amass_nn_op op, amass_status *status)
{
    window_attrs window;
    int result = tfjs_require_float(converter, node, status);
    if (result == AMASS_OK)
        result = parse_window(converter, node, &window, status);
    int64_t kernel[2];
    if (result == AMASS_OK)
        result = spatial_pair(converter, node, "ksize", window.nchw, kernel, status);
    if (result != AMASS_OK)
        return result;
    if (node->n_inputs != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs one input");
    const char *input = image_input(converter, node, window.nchw, status);
    if (!input)
        return status->code;
    amass_nn_attr attrs[5];
    size_t n_attrs = window_attributes(&window, attrs);
    /* TF pools have no dilation attribute; replace it with the kernel */
    attrs[1] = tfjs_attr_ints("kernel_shape", kernel, 2);
    result = tfjs_add_node(&converter->builder, op, node->name, &input, 1, node->result, attrs, n_attrs, status);
    if (result != AMASS_OK)
        return result;
    return define_image_output(converter, node->name, node->result, window.nchw, status);
}

static int translate_batch_norm(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    int nchw, training = 0;
    float epsilon = 1e-3f;
    int result = tfjs_require_float(converter, node, status);
    if (result == AMASS_OK)
        result = parse_data_format(converter, node, &nchw, status);
    if (result != AMASS_OK)
        return result;
    tfjs_attr_get_float(node, "epsilon", &epsilon);
    if (tfjs_attr_get_bool(node, "is_training", &training) > 0 && training)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "training mode is not supported");
    if (node->n_inputs != 5)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs 5 inputs");
    const char *inputs[5];
    if (!(inputs[0] = image_input(converter, node, nchw, status)))
        return status->code;
    for (int k = 1; k < 5; k++) {
        if (!known_floats(converter, node, (size_t)k, 0, "statistics", status) ||
            !(inputs[k] = tfjs_engine(converter, node->inputs[k], status)))
            return status->code;
    }
    amass_nn_attr attr = tfjs_attr_float("epsilon", epsilon);
    result = tfjs_add_node(&converter->builder, AMASS_NN_OP_BATCH_NORMALIZATION, node->name, inputs, 5, node->result,
                           &attr, 1, status);
    return result == AMASS_OK ? define_image_output(converter, node->name, node->result, nchw, status) : result;
}

/* MatMul / BatchMatMul / _FusedMatMul on TF-layout operands. */
static int translate_matmul(tfjs_converter *converter, const tfjs_node *node, int fused, amass_status *status)
{
    int result = tfjs_require_float(converter, node, status);
    if (result != AMASS_OK)
        return result;
    if (node->n_inputs < 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs two inputs");
    int transposed[2] = {0, 0};
    tfjs_attr_get_bool(node, "transpose_a", &transposed[0]);
    tfjs_attr_get_bool(node, "transpose_b", &transposed[1]);
    tfjs_attr_get_bool(node, "adj_x", &transposed[0]);
    tfjs_attr_get_bool(node, "adj_y", &transposed[1]);
    const char *operands[2];
    for (int k = 0; k < 2; k++) {
        tfjs_tensor *tensor = node->inputs[k];
        int rank = tensor->rank;
        if (transposed[k] && rank < 2)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED,
                             "a transposed operand of unknown rank");
        int64_t perm[AMASS_NN_MAX_RANK];
        for (int d = 0; d < rank; d++)
            perm[d] = d;
        if (transposed[k]) {
            perm[rank - 2] = rank - 1;
            perm[rank - 1] = rank - 2;
            operands[k] = tfjs_as(converter, tensor, perm, rank, status);
        } else {
            operands[k] = tfjs_plain(converter, tensor, status);
        }
        if (!operands[k])
            return status->code;
    }
    char fused_ops[4][32];
    int n_fused = fused ? tfjs_attr_get_strings(node, "fused_ops", fused_ops, 4) : 0;
    if (n_fused < 0 || (n_fused > 0 && strcmp(fused_ops[0], "BiasAdd") != 0) || n_fused > 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "fused_ops other than BiasAdd[, activation]");
    const char *product = n_fused ? tfjs_fresh_name(&converter->builder, "matmul") : node->result;
    result = tfjs_add_node(&converter->builder, AMASS_NN_OP_MATMUL, node->name, operands, 2, product, NULL, 0, status);
    if (result != AMASS_OK || !n_fused)
        return result == AMASS_OK ? (tfjs_define(converter, node->name, node->result, NULL, -1, status)
                                         ? (int)AMASS_OK
                                         : (int)status->code)
                                  : result;
    if (node->n_inputs < 3)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "BiasAdd without a bias input");
    const char *bias = tfjs_plain(converter, node->inputs[2], status);
    const char *biased = n_fused > 1 ? tfjs_fresh_name(&converter->builder, "biased") : node->result;
    const char *sum_inputs[2] = {product, bias};
    if (!bias)
        return status->code;
    result = tfjs_add_node(&converter->builder, AMASS_NN_OP_ADD, node->name, sum_inputs, 2, biased, NULL, 0, status);
    if (result == AMASS_OK && n_fused > 1) {
        float alpha = 0.2f;
        tfjs_attr_get_float(node, "leakyrelu_alpha", &alpha);
        tfjs_tensor *prelu = !strcmp(fused_ops[1], "Prelu") && node->n_inputs > 3 ? node->inputs[3] : NULL;
        result = tfjs_emit_activation(converter, node, fused_ops[1], alpha, prelu, NULL, -1, biased, node->result,
                                      status);
        if (result < 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "fused activation '%s' is not supported",
                             fused_ops[1]);
    }
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->result, NULL, -1, status) ? AMASS_OK : status->code;
}

int tfjs_translate_conv(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status)
{
    const char *op = node->op;
    int kind;
    if (!strcmp(op, "Conv2D"))
        kind = 0;
    else if (!strcmp(op, "_FusedConv2D"))
        kind = 1;
    else if (!strcmp(op, "DepthwiseConv2dNative") || !strcmp(op, "DepthwiseConv2D"))
        kind = 2;
    else if (!strcmp(op, "FusedDepthwiseConv2dNative"))
        kind = 3;
    else if (!strcmp(op, "MaxPool"))
        kind = 4;
    else if (!strcmp(op, "AvgPool"))
        kind = 5;
    else if (!strcmp(op, "FusedBatchNorm") || !strcmp(op, "FusedBatchNormV2") || !strcmp(op, "FusedBatchNormV3"))
        kind = 6;
    else if (!strcmp(op, "MatMul") || !strcmp(op, "BatchMatMul") || !strcmp(op, "BatchMatMulV2"))
        kind = 7;
    else if (!strcmp(op, "_FusedMatMul"))
        kind = 8;
    else
        return 0;
    if (!converter)
        return 1;
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3: *result = translate_conv(converter, node, kind >= 2, kind == 1 || kind == 3, status); break;
    case 4: *result = translate_pool(converter, node, AMASS_NN_OP_MAX_POOL, status); break;
    case 5: *result = translate_pool(converter, node, AMASS_NN_OP_AVERAGE_POOL, status); break;
    case 6: *result = translate_batch_norm(converter, node, status); break;
    default: *result = translate_matmul(converter, node, kind == 8, status); break;
    }
    return 1;
}
