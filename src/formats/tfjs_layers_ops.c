/* TF.js layers import: one Keras layer call onto nn nodes, with Keras' weight layouts and TensorFlow's padding rules. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_layers.h"

typedef struct {
    amass_nn_attr items[8];
    size_t count;
} attr_list;

static amass_nn_attr *attr_add(attr_list *list, const char *name, amass_nn_attr_kind kind)
{
    amass_nn_attr *attr = &list->items[list->count++];
    memset(attr, 0, sizeof *attr);
    attr->name = name;
    attr->kind = kind;
    return attr;
}

static void attr_int(attr_list *list, const char *name, int64_t value)
{
    attr_add(list, name, AMASS_NN_ATTR_INT)->i = value;
}

static void attr_float(attr_list *list, const char *name, float value)
{
    attr_add(list, name, AMASS_NN_ATTR_FLOAT)->f = value;
}

static void attr_ints(attr_list *list, const char *name, const int64_t *values, size_t count)
{
    amass_nn_attr *attr = attr_add(list, name, AMASS_NN_ATTR_INTS);
    attr->ints = values;
    attr->count = count;
}

static void attr_string(attr_list *list, const char *name, const char *value)
{
    attr_add(list, name, AMASS_NN_ATTR_STRING)->s = value;
}

static int need_rank(tfjs_layers_importer *im, const tfjs_layer_tensor *in, int rank, amass_status *status)
{
    if (in->rank != rank)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "takes a rank-%d input, not rank %d", rank,
                                in->rank);
    return AMASS_OK;
}

static int channels_last(tfjs_layers_importer *im, const json_t *config, amass_status *status)
{
    const char *format;
    int result = tfjs_layers_config_string(im, config, "data_format", "channels_last", &format, status);
    if (result == AMASS_OK && strcmp(format, "channels_last") != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "data_format '%s' is not supported", format);
    return result;
}

/* TensorFlow's "same" puts the odd pixel of padding at the end (bottom,
 * right), unlike a symmetric pad; "valid" takes only whole windows. */
static int window(tfjs_layers_importer *im, const char *padding, const int64_t in_hw[2], const int64_t kernel[2],
                  const int64_t strides[2], const int64_t dilation[2], int64_t pads[4], int64_t out_hw[2],
                  amass_status *status)
{
    int same = strcmp(padding, "same") == 0;
    if (!same && strcmp(padding, "valid") != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "padding '%s' is not supported", padding);
    for (int d = 0; d < 2; d++) {
        if (kernel[d] < 1 || strides[d] < 1 || dilation[d] < 1 || kernel[d] > 65536 || strides[d] > 65536 ||
            dilation[d] > 65536)
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "kernel, strides and dilation must be positive");
        int64_t extent = (kernel[d] - 1) * dilation[d] + 1;
        if (same) {
            out_hw[d] = (in_hw[d] + strides[d] - 1) / strides[d];
            int64_t total = (out_hw[d] - 1) * strides[d] + extent - in_hw[d];
            total = total > 0 ? total : 0;
            pads[d] = total / 2;
            pads[d + 2] = total - total / 2;
        } else {
            if (in_hw[d] < extent)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "the %lld-pixel window is larger than the %lld-pixel input",
                                        (long long)extent, (long long)in_hw[d]);
            out_hw[d] = (in_hw[d] - extent) / strides[d] + 1;
            pads[d] = pads[d + 2] = 0;
        }
    }
    return AMASS_OK;
}

static int binary(tfjs_layers_importer *im, amass_nn_op op, const char *a, const char *b, const char **output,
                  amass_status *status)
{
    const char *inputs[2] = {a, b};
    return tfjs_layers_node(im, op, inputs, 2, NULL, 0, output, status);
}

static int scalar_constant(tfjs_layers_importer *im, float value, const char **name, amass_status *status)
{
    int64_t one = 1;
    return tfjs_layers_constant(im, 1, &one, &value, name, status);
}

/* Keras' activation functions by name, on the tensor's value in place. */
static int activate(tfjs_layers_importer *im, const char *activation, tfjs_layer_tensor *tensor, amass_status *status)
{
    const char *value = tensor->value;
    attr_list attrs = {.count = 0};
    if (strcmp(activation, "linear") == 0)
        return AMASS_OK;
    if (strcmp(activation, "relu") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_RELU, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "relu6") == 0) {
        attr_float(&attrs, "min", 0);
        attr_float(&attrs, "max", 6);
        return tfjs_layers_node(im, AMASS_NN_OP_CLIP, &value, 1, attrs.items, attrs.count, &tensor->value, status);
    }
    if (strcmp(activation, "sigmoid") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_SIGMOID, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "tanh") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_TANH, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "softplus") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_SOFTPLUS, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "softmax") == 0) {
        attr_int(&attrs, "axis", tfjs_layers_internal_axis(tensor->rank, -1));
        return tfjs_layers_node(im, AMASS_NN_OP_SOFTMAX, &value, 1, attrs.items, attrs.count, &tensor->value, status);
    }
    if (strcmp(activation, "hard_sigmoid") == 0) {
        /* TF.js: clip(0.2 x + 0.5, 0, 1) */
        attr_float(&attrs, "alpha", 0.2f);
        attr_float(&attrs, "beta", 0.5f);
        return tfjs_layers_node(im, AMASS_NN_OP_HARD_SIGMOID, &value, 1, attrs.items, attrs.count, &tensor->value,
                                status);
    }
    if (strcmp(activation, "swish") == 0) {
        const char *gate;
        int result = tfjs_layers_node(im, AMASS_NN_OP_SIGMOID, &value, 1, NULL, 0, &gate, status);
        return result != AMASS_OK ? result : binary(im, AMASS_NN_OP_MUL, value, gate, &tensor->value, status);
    }
    if (strcmp(activation, "elu") == 0 || strcmp(activation, "selu") == 0) {
        int selu = activation[0] == 's';
        /* SELU's constants as Keras and TF.js define them */
        attr_float(&attrs, "alpha", selu ? 1.6732632423543772f : 1.0f);
        const char *elu, *scale;
        int result = tfjs_layers_node(im, AMASS_NN_OP_ELU, &value, 1, attrs.items, attrs.count, &elu, status);
        if (result != AMASS_OK || !selu) {
            tensor->value = elu;
            return result;
        }
        result = scalar_constant(im, 1.0507009873554805f, &scale, status);
        return result != AMASS_OK ? result : binary(im, AMASS_NN_OP_MUL, elu, scale, &tensor->value, status);
    }
    return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "activation '%s' is not supported", activation);
}

static int activate_from_config(tfjs_layers_importer *im, const json_t *config, tfjs_layer_tensor *tensor,
                                amass_status *status)
{
    const char *activation;
    int result = tfjs_layers_config_string(im, config, "activation", "linear", &activation, status);
    return result != AMASS_OK ? result : activate(im, activation, tensor, status);
}

/* A Conv node on value with ONNX-layout weights [out, in/group, kh, kw]. */
static int emit_conv(tfjs_layers_importer *im, const char *value, const float *weights, const int64_t weight_dims[4],
                     const float *bias, const int64_t strides[2], const int64_t dilation[2], const int64_t pads[4],
                     int64_t group, const char **output, amass_status *status)
{
    const char *inputs[3] = {value, NULL, NULL};
    int result = tfjs_layers_constant(im, 4, weight_dims, weights, &inputs[1], status);
    if (result == AMASS_OK && bias)
        result = tfjs_layers_constant(im, 1, weight_dims, bias, &inputs[2], status);
    if (result != AMASS_OK)
        return result;
    attr_list attrs = {.count = 0};
    attr_ints(&attrs, "kernel_shape", weight_dims + 2, 2);
    attr_ints(&attrs, "strides", strides, 2);
    attr_ints(&attrs, "dilations", dilation, 2);
    attr_ints(&attrs, "pads", pads, 4);
    attr_int(&attrs, "group", group);
    return tfjs_layers_node(im, AMASS_NN_OP_CONV, inputs, bias ? 3 : 2, attrs.items, attrs.count, output, status);
}

typedef struct {
    int64_t kernel[2], strides[2], dilation[2], pads[4], out_hw[2];
    int use_bias;
} conv_config;

static int read_conv_config(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                            conv_config *conv, amass_status *status)
{
    const char *padding;
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "kernel_size", 0, conv->kernel, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "strides", 1, conv->strides, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "dilation_rate", 1, conv->dilation, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_string(im, config, "padding", "valid", &padding, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "use_bias", 1, &conv->use_bias, status);
    if (result == AMASS_OK)
        result = window(im, padding, in->dims + 1, conv->kernel, conv->strides, conv->dilation, conv->pads,
                        conv->out_hw, status);
    return result;
}

static int bias_of(tfjs_layers_importer *im, int use_bias, int64_t count, const float **bias, amass_status *status)
{
    *bias = NULL;
    return use_bias ? tfjs_layers_weight(im, "bias", 1, &count, bias, status) : AMASS_OK;
}

static void set_nhwc(tfjs_layer_tensor *out, int64_t batch, const int64_t hw[2], int64_t channels)
{
    out->rank = 4;
    out->dims[0] = batch;
    out->dims[1] = hw[0];
    out->dims[2] = hw[1];
    out->dims[3] = channels;
}

static int convert_conv(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                        tfjs_layer_tensor *out, amass_status *status)
{
    conv_config conv;
    int64_t filters, groups;
    int result = read_conv_config(im, config, in, &conv, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_int(im, config, "filters", 0, &filters, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_int(im, config, "groups", 1, &groups, status);
    if (result != AMASS_OK)
        return result;
    int64_t channels = in->dims[3];
    if (filters < 1 || groups < 1 || channels % groups || filters % groups)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%lld filters in %lld groups do not divide %lld channels",
                                (long long)filters, (long long)groups, (long long)channels);
    int64_t kh = conv.kernel[0], kw = conv.kernel[1], per_group = channels / groups;
    int64_t keras_dims[4] = {kh, kw, per_group, filters}, onnx_dims[4] = {filters, per_group, kh, kw};
    const float *kernel, *bias;
    result = tfjs_layers_weight(im, "kernel", 4, keras_dims, &kernel, status);
    if (result == AMASS_OK)
        result = bias_of(im, conv.use_bias, filters, &bias, status);
    if (result != AMASS_OK)
        return result;
    float *weights = malloc((size_t)(filters * per_group * kh * kw) * sizeof *weights);
    if (!weights)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    /* Keras keeps [kh, kw, in, out]; oneDNN wants [out, in, kh, kw]. */
    for (int64_t f = 0; f < filters; f++)
        for (int64_t c = 0; c < per_group; c++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t x = 0; x < kw; x++)
                    weights[((f * per_group + c) * kh + y) * kw + x] = kernel[((y * kw + x) * per_group + c) * filters + f];
    result = emit_conv(im, in->value, weights, onnx_dims, bias, conv.strides, conv.dilation, conv.pads, groups,
                       &out->value, status);
    free(weights);
    set_nhwc(out, in->dims[0], conv.out_hw, filters);
    return result != AMASS_OK ? result : activate_from_config(im, config, out, status);
}

/* The depthwise step of DepthwiseConv2D and SeparableConv2D: channel c
 * with multiplier m becomes output channel c * M + m, as in TensorFlow. */
static int emit_depthwise(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                          const conv_config *conv, int64_t multiplier, const float *bias, tfjs_layer_tensor *out,
                          amass_status *status)
{
    int64_t kh = conv->kernel[0], kw = conv->kernel[1], channels = in->dims[3];
    int64_t keras_dims[4] = {kh, kw, channels, multiplier}, onnx_dims[4] = {channels * multiplier, 1, kh, kw};
    const float *kernel;
    int result = tfjs_layers_weight(im, "depthwise_kernel", 4, keras_dims, &kernel, status);
    if (result != AMASS_OK)
        return result;
    float *weights = malloc((size_t)(channels * multiplier * kh * kw) * sizeof *weights);
    if (!weights)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (int64_t c = 0; c < channels; c++)
        for (int64_t m = 0; m < multiplier; m++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t x = 0; x < kw; x++)
                    weights[((c * multiplier + m) * kh + y) * kw + x] =
                        kernel[((y * kw + x) * channels + c) * multiplier + m];
    result = emit_conv(im, in->value, weights, onnx_dims, bias, conv->strides, conv->dilation, conv->pads, channels,
                       &out->value, status);
    free(weights);
    set_nhwc(out, in->dims[0], conv->out_hw, channels * multiplier);
    return result;
}

static int convert_depthwise(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                             tfjs_layer_tensor *out, amass_status *status)
{
    conv_config conv;
    int64_t multiplier;
    const float *bias = NULL;
    int result = read_conv_config(im, config, in, &conv, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_int(im, config, "depth_multiplier", 1, &multiplier, status);
    if (result == AMASS_OK && (multiplier < 1 || multiplier > 65536))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "depth_multiplier %lld", (long long)multiplier);
    if (result == AMASS_OK)
        result = bias_of(im, conv.use_bias, in->dims[3] * multiplier, &bias, status);
    if (result == AMASS_OK)
        result = emit_depthwise(im, config, in, &conv, multiplier, bias, out, status);
    return result != AMASS_OK ? result : activate_from_config(im, config, out, status);
}

static int convert_separable(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                             tfjs_layer_tensor *out, amass_status *status)
{
    conv_config conv;
    int64_t multiplier, filters;
    const float *pointwise, *bias = NULL;
    tfjs_layer_tensor depthwise;
    int result = read_conv_config(im, config, in, &conv, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_int(im, config, "depth_multiplier", 1, &multiplier, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_int(im, config, "filters", 0, &filters, status);
    if (result != AMASS_OK)
        return result;
    if (multiplier < 1 || multiplier > 65536 || filters < 1)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "depth_multiplier %lld, filters %lld",
                                (long long)multiplier, (long long)filters);
    int64_t middle = in->dims[3] * multiplier;
    int64_t keras_dims[4] = {1, 1, middle, filters}, onnx_dims[4] = {filters, middle, 1, 1};
    static const int64_t ones[2] = {1, 1}, zeros[4] = {0, 0, 0, 0};
    result = tfjs_layers_weight(im, "pointwise_kernel", 4, keras_dims, &pointwise, status);
    if (result == AMASS_OK)
        result = bias_of(im, conv.use_bias, filters, &bias, status);
    if (result == AMASS_OK)
        result = emit_depthwise(im, config, in, &conv, multiplier, NULL, &depthwise, status);
    if (result != AMASS_OK)
        return result;
    float *weights = malloc((size_t)(filters * middle) * sizeof *weights);
    if (!weights)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (int64_t f = 0; f < filters; f++)
        for (int64_t c = 0; c < middle; c++)
            weights[f * middle + c] = pointwise[c * filters + f];
    result = emit_conv(im, depthwise.value, weights, onnx_dims, bias, ones, ones, zeros, 1, &out->value, status);
    free(weights);
    set_nhwc(out, in->dims[0], conv.out_hw, filters);
    return result != AMASS_OK ? result : activate_from_config(im, config, out, status);
}

static int convert_batch_norm(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                              tfjs_layer_tensor *out, amass_status *status)
{
    const json_t *axis_field = json_object_get(config, "axis");
    int64_t axis = -1;
    if (json_is_array(axis_field) && json_array_size(axis_field) == 1)
        axis_field = json_array_get(axis_field, 0);
    if (json_is_integer(axis_field))
        axis = json_integer_value(axis_field);
    else if (axis_field && !json_is_null(axis_field))
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "axis must be one integer");
    if (in->rank != 2 && in->rank != 4)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "takes a rank-2 or rank-4 input, not rank %d",
                                in->rank);
    if (axis != -1 && axis != in->rank - 1)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "normalises axis %lld; only the channels (last) are supported",
                                (long long)axis);
    double epsilon;
    int center, scale;
    int result = tfjs_layers_config_number(im, config, "epsilon", 1e-3, &epsilon, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "center", 1, &center, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "scale", 1, &scale, status);
    if (result != AMASS_OK)
        return result;
    int64_t channels = in->dims[in->rank - 1];
    const float *gamma = NULL, *beta = NULL, *mean, *variance;
    float *filler = calloc((size_t)channels, sizeof *filler);
    if (!filler)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    const char *inputs[5] = {in->value, NULL, NULL, NULL, NULL};
    /* center / scale off: Keras leaves beta at 0 and gamma at 1. */
    result = scale ? tfjs_layers_weight(im, "gamma", 1, &channels, &gamma, status) : AMASS_OK;
    if (result == AMASS_OK && center)
        result = tfjs_layers_weight(im, "beta", 1, &channels, &beta, status);
    if (result == AMASS_OK)
        result = tfjs_layers_weight(im, "moving_mean", 1, &channels, &mean, status);
    if (result == AMASS_OK)
        result = tfjs_layers_weight(im, "moving_variance", 1, &channels, &variance, status);
    if (result == AMASS_OK)
        result = tfjs_layers_constant(im, 1, &channels, beta ? beta : filler, &inputs[2], status);
    for (int64_t c = 0; c < channels; c++)
        filler[c] = 1;
    if (result == AMASS_OK)
        result = tfjs_layers_constant(im, 1, &channels, gamma ? gamma : filler, &inputs[1], status);
    free(filler);
    if (result == AMASS_OK)
        result = tfjs_layers_constant(im, 1, &channels, mean, &inputs[3], status);
    if (result == AMASS_OK)
        result = tfjs_layers_constant(im, 1, &channels, variance, &inputs[4], status);
    if (result != AMASS_OK)
        return result;
    attr_list attrs = {.count = 0};
    attr_float(&attrs, "epsilon", (float)epsilon);
    *out = *in;
    return tfjs_layers_node(im, AMASS_NN_OP_BATCH_NORMALIZATION, inputs, 5, attrs.items, attrs.count, &out->value,
                            status);
}

static int convert_dense(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                         tfjs_layer_tensor *out, amass_status *status)
{
    int64_t units;
    int use_bias;
    int result = tfjs_layers_config_int(im, config, "units", 0, &units, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "use_bias", 1, &use_bias, status);
    if (result != AMASS_OK)
        return result;
    if (units < 1)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "units %lld", (long long)units);
    if (in->rank < 2)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "takes an input of rank 2 or more");
    int64_t dims[2] = {in->dims[in->rank - 1], units};
    const float *kernel, *bias = NULL;
    const char *inputs[3] = {NULL, NULL, NULL}, *product;
    result = tfjs_layers_weight(im, "kernel", 2, dims, &kernel, status);
    if (result == AMASS_OK)
        result = bias_of(im, use_bias, units, &bias, status);
    if (result == AMASS_OK)
        result = tfjs_layers_constant(im, 2, dims, kernel, &inputs[1], status);
    if (result == AMASS_OK && bias)
        result = tfjs_layers_constant(im, 1, &units, bias, &inputs[2], status);
    if (result != AMASS_OK)
        return result;
    *out = *in;
    out->dims[out->rank - 1] = units;
    if (in->rank == 2) {
        inputs[0] = in->value;
        result = tfjs_layers_node(im, AMASS_NN_OP_GEMM, inputs, bias ? 3 : 2, NULL, 0, &out->value, status);
    } else {
        /* Dense on a feature map maps each pixel's channels, in Keras' layout. */
        result = tfjs_layers_to_keras(im, in, &inputs[0], status);
        if (result == AMASS_OK)
            result = tfjs_layers_node(im, AMASS_NN_OP_MATMUL, inputs, 2, NULL, 0, &product, status);
        if (result == AMASS_OK && bias)
            result = binary(im, AMASS_NN_OP_ADD, product, inputs[2], &product, status);
        if (result == AMASS_OK)
            result = tfjs_layers_from_keras(im, product, out->rank, &out->value, status);
    }
    return result != AMASS_OK ? result : activate_from_config(im, config, out, status);
}

static int convert_activation(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                              tfjs_layer_tensor *out, amass_status *status)
{
    *out = *in;
    return activate_from_config(im, config, out, status);
}

/* Keras' ReLU: max_value caps, negative_slope leaks below threshold. */
static int convert_relu(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                        tfjs_layer_tensor *out, amass_status *status)
{
    double max_value, slope, threshold;
    int result = tfjs_layers_config_number(im, config, "max_value", INFINITY, &max_value, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_number(im, config, "negative_slope", 0, &slope, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_number(im, config, "threshold", 0, &threshold, status);
    if (result != AMASS_OK)
        return result;
    if (threshold != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "threshold %g is not supported (only 0)", threshold);
    if (max_value <= 0 || slope < 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "max_value must be positive and negative_slope not negative");
    *out = *in;
    const char *value = in->value;
    attr_list attrs = {.count = 0};
    if (slope == 0) {
        if (isinf(max_value))
            return tfjs_layers_node(im, AMASS_NN_OP_RELU, &value, 1, NULL, 0, &out->value, status);
        attr_float(&attrs, "min", 0);
        attr_float(&attrs, "max", (float)max_value);
        return tfjs_layers_node(im, AMASS_NN_OP_CLIP, &value, 1, attrs.items, attrs.count, &out->value, status);
    }
    attr_float(&attrs, "alpha", (float)slope);
    result = tfjs_layers_node(im, AMASS_NN_OP_LEAKY_RELU, &value, 1, attrs.items, attrs.count, &out->value, status);
    if (result != AMASS_OK || isinf(max_value))
        return result;
    attrs.count = 0;
    attr_float(&attrs, "max", (float)max_value);
    value = out->value;
    return tfjs_layers_node(im, AMASS_NN_OP_CLIP, &value, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_leaky_relu(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                              tfjs_layer_tensor *out, amass_status *status)
{
    double alpha;
    int result = tfjs_layers_config_number(im, config, "alpha", 0.3, &alpha, status);
    if (result != AMASS_OK)
        return result;
    attr_list attrs = {.count = 0};
    attr_float(&attrs, "alpha", (float)alpha);
    *out = *in;
    return tfjs_layers_node(im, AMASS_NN_OP_LEAKY_RELU, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_softmax(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                           tfjs_layer_tensor *out, amass_status *status)
{
    int64_t axis;
    int result = tfjs_layers_config_int(im, config, "axis", -1, &axis, status);
    if (result != AMASS_OK)
        return result;
    int internal = tfjs_layers_internal_axis(in->rank, (int)axis);
    if (internal < 1)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "axis %lld out of range", (long long)axis);
    attr_list attrs = {.count = 0};
    attr_int(&attrs, "axis", internal);
    *out = *in;
    return tfjs_layers_node(im, AMASS_NN_OP_SOFTMAX, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

/* PReLU: relu(x) - alpha * relu(-x), alpha one value per element of a
 * sample except along shared_axes. */
static int convert_prelu(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                         tfjs_layer_tensor *out, amass_status *status)
{
    int64_t dims[AMASS_NN_MAX_RANK];
    int rank = in->rank - 1;
    for (int d = 0; d < rank; d++)
        dims[d] = in->dims[d + 1];
    const json_t *shared = json_object_get(config, "shared_axes");
    if (json_is_integer(shared) || json_is_array(shared)) {
        size_t n = json_is_array(shared) ? json_array_size(shared) : 1;
        for (size_t k = 0; k < n; k++) {
            const json_t *item = json_is_array(shared) ? json_array_get(shared, k) : shared;
            int64_t axis = json_is_integer(item) ? json_integer_value(item) : 0;
            if (axis < 1 || axis > rank)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "shared_axes names axis %lld", (long long)axis);
            dims[axis - 1] = 1;
        }
    } else if (shared && !json_is_null(shared)) {
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "shared_axes is not a list of axes");
    }
    const float *alpha;
    int result = tfjs_layers_weight(im, "alpha", rank, dims, &alpha, status);
    if (result != AMASS_OK)
        return result;
    size_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= (size_t)dims[d];
    float *negated = malloc(count * sizeof *negated);
    if (!negated)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int64_t internal_dims[AMASS_NN_MAX_RANK];
    memcpy(internal_dims, dims, sizeof dims);
    if (rank == 3) {
        /* [H, W, C] to [C, H, W], to broadcast over the channels-first map */
        int64_t h = dims[0], w = dims[1], c = dims[2];
        internal_dims[0] = c;
        internal_dims[1] = h;
        internal_dims[2] = w;
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                for (int64_t k = 0; k < c; k++)
                    negated[(k * h + y) * w + x] = -alpha[(y * w + x) * c + k];
    } else {
        for (size_t i = 0; i < count; i++)
            negated[i] = -alpha[i];
    }
    const char *slope, *positive, *flipped, *negative, *scaled;
    result = tfjs_layers_constant(im, rank, internal_dims, negated, &slope, status);
    free(negated);
    if (result == AMASS_OK)
        result = tfjs_layers_node(im, AMASS_NN_OP_RELU, &in->value, 1, NULL, 0, &positive, status);
    if (result == AMASS_OK)
        result = tfjs_layers_node(im, AMASS_NN_OP_NEG, &in->value, 1, NULL, 0, &flipped, status);
    if (result == AMASS_OK)
        result = tfjs_layers_node(im, AMASS_NN_OP_RELU, &flipped, 1, NULL, 0, &negative, status);
    if (result == AMASS_OK)
        result = binary(im, AMASS_NN_OP_MUL, negative, slope, &scaled, status);
    *out = *in;
    return result != AMASS_OK ? result : binary(im, AMASS_NN_OP_ADD, positive, scaled, &out->value, status);
}

static int convert_pool(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                        tfjs_layer_tensor *out, amass_status *status)
{
    int64_t size[2], strides[2], pads[4], out_hw[2];
    static const int64_t ones[2] = {1, 1};
    const char *padding;
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "pool_size", 2, size, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "strides", 0, strides, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_string(im, config, "padding", "valid", &padding, status);
    if (result != AMASS_OK)
        return result;
    /* strides null: Keras steps by the pool size */
    if (strides[0] == 0 && strides[1] == 0)
        memcpy(strides, size, sizeof strides);
    result = window(im, padding, in->dims + 1, size, strides, ones, pads, out_hw, status);
    if (result != AMASS_OK)
        return result;
    attr_list attrs = {.count = 0};
    attr_ints(&attrs, "kernel_shape", size, 2);
    attr_ints(&attrs, "strides", strides, 2);
    attr_ints(&attrs, "pads", pads, 4);
    int max = strcmp(im->class_name, "MaxPooling2D") == 0;
    /* TensorFlow averages over the pixels inside the image only. */
    if (!max)
        attr_int(&attrs, "count_include_pad", 0);
    set_nhwc(out, in->dims[0], out_hw, in->dims[3]);
    return tfjs_layers_node(im, max ? AMASS_NN_OP_MAX_POOL : AMASS_NN_OP_AVERAGE_POOL, &in->value, 1, attrs.items,
                            attrs.count, &out->value, status);
}

static int convert_global_pool(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                               tfjs_layer_tensor *out, amass_status *status)
{
    int keep;
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "keepdims", 0, &keep, status);
    if (result != AMASS_OK)
        return result;
    static const int64_t axes[2] = {2, 3}, ones[2] = {1, 1};
    attr_list attrs = {.count = 0};
    attr_ints(&attrs, "axes", axes, 2);
    attr_int(&attrs, "keepdims", keep);
    if (keep) {
        set_nhwc(out, in->dims[0], ones, in->dims[3]);
    } else {
        out->rank = 2;
        out->dims[0] = in->dims[0];
        out->dims[1] = in->dims[3];
    }
    amass_nn_op op = strcmp(im->class_name, "GlobalMaxPooling2D") == 0 ? AMASS_NN_OP_REDUCE_MAX
                                                                       : AMASS_NN_OP_REDUCE_MEAN;
    return tfjs_layers_node(im, op, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

/* ZeroPadding2D's and Cropping2D's amounts: n, [h, w] or [[top, bottom], [left, right]]. */
static int read_margins(tfjs_layers_importer *im, const json_t *config, const char *key, int64_t margins[4],
                        amass_status *status)
{
    const json_t *field = json_object_get(config, key);
    margins[0] = margins[1] = margins[2] = margins[3] = 0;
    if (!field || json_is_null(field)) {
        margins[0] = margins[1] = margins[2] = margins[3] = strcmp(key, "padding") == 0 ? 1 : 0;
        return AMASS_OK;
    }
    if (json_is_integer(field)) {
        margins[0] = margins[1] = margins[2] = margins[3] = json_integer_value(field);
    } else if (json_is_array(field) && json_array_size(field) == 2) {
        for (int axis = 0; axis < 2; axis++) {
            const json_t *item = json_array_get(field, (size_t)axis);
            if (json_is_integer(item)) {
                margins[2 * axis] = margins[2 * axis + 1] = json_integer_value(item);
            } else if (json_is_array(item) && json_array_size(item) == 2 && json_is_integer(json_array_get(item, 0)) &&
                       json_is_integer(json_array_get(item, 1))) {
                margins[2 * axis] = json_integer_value(json_array_get(item, 0));
                margins[2 * axis + 1] = json_integer_value(json_array_get(item, 1));
            } else {
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is malformed", key);
            }
        }
    } else {
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is malformed", key);
    }
    for (int k = 0; k < 4; k++)
        if (margins[k] < 0 || margins[k] > 65536)
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" has amount %lld", key,
                                    (long long)margins[k]);
    return AMASS_OK;
}

static int convert_zero_padding(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                                tfjs_layer_tensor *out, amass_status *status)
{
    int64_t margins[4];
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = read_margins(im, config, "padding", margins, status);
    if (result != AMASS_OK)
        return result;
    int64_t pads[8] = {0, 0, margins[0], margins[2], 0, 0, margins[1], margins[3]};
    attr_list attrs = {.count = 0};
    attr_string(&attrs, "mode", "constant");
    attr_ints(&attrs, "pads", pads, 8);
    *out = *in;
    out->dims[1] += margins[0] + margins[1];
    out->dims[2] += margins[2] + margins[3];
    return tfjs_layers_node(im, AMASS_NN_OP_PAD, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_cropping(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                            tfjs_layer_tensor *out, amass_status *status)
{
    int64_t margins[4];
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = read_margins(im, config, "cropping", margins, status);
    if (result != AMASS_OK)
        return result;
    if (margins[0] + margins[1] >= in->dims[1] || margins[2] + margins[3] >= in->dims[2])
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "crops all of the %lldx%lld input",
                                (long long)in->dims[1], (long long)in->dims[2]);
    int64_t starts[2] = {margins[0], margins[2]};
    int64_t ends[2] = {in->dims[1] - margins[1], in->dims[2] - margins[3]};
    static const int64_t axes[2] = {2, 3};
    attr_list attrs = {.count = 0};
    attr_ints(&attrs, "starts", starts, 2);
    attr_ints(&attrs, "ends", ends, 2);
    attr_ints(&attrs, "axes", axes, 2);
    *out = *in;
    out->dims[1] = ends[0] - starts[0];
    out->dims[2] = ends[1] - starts[1];
    return tfjs_layers_node(im, AMASS_NN_OP_SLICE, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_upsampling(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                              tfjs_layer_tensor *out, amass_status *status)
{
    int64_t size[2];
    const char *interpolation;
    int result = need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = channels_last(im, config, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_pair(im, config, "size", 2, size, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_string(im, config, "interpolation", "nearest", &interpolation, status);
    if (result != AMASS_OK)
        return result;
    int linear = strcmp(interpolation, "bilinear") == 0;
    if (!linear && strcmp(interpolation, "nearest") != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "interpolation '%s' is not supported",
                                interpolation);
    if (size[0] < 1 || size[1] < 1 || size[0] > 4096 || size[1] > 4096)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "size %lldx%lld", (long long)size[0],
                                (long long)size[1]);
    float scales[4] = {1, 1, (float)size[0], (float)size[1]};
    int64_t four = 4;
    const char *inputs[3] = {in->value, "", NULL};
    result = tfjs_layers_constant(im, 1, &four, scales, &inputs[2], status);
    if (result != AMASS_OK)
        return result;
    /* TF.js resizes with alignCorners and halfPixelCenters off: source
     * pixel = destination / scale, rounded down for nearest. */
    attr_list attrs = {.count = 0};
    attr_string(&attrs, "mode", linear ? "linear" : "nearest");
    attr_string(&attrs, "coordinate_transformation_mode", "asymmetric");
    attr_string(&attrs, "nearest_mode", "floor");
    *out = *in;
    out->dims[1] *= size[0];
    out->dims[2] *= size[1];
    return tfjs_layers_node(im, AMASS_NN_OP_RESIZE, inputs, 3, attrs.items, attrs.count, &out->value, status);
}

static int convert_flatten(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                           tfjs_layer_tensor *out, amass_status *status)
{
    const char *keras;
    /* Keras flattens in its own (channels-last) order; Dense weights after
     * it expect that order. */
    int result = tfjs_layers_to_keras(im, in, &keras, status);
    if (result != AMASS_OK)
        return result;
    attr_list attrs = {.count = 0};
    attr_int(&attrs, "axis", 1);
    out->rank = 2;
    out->dims[0] = in->dims[0];
    out->dims[1] = 1;
    for (int d = 1; d < in->rank; d++)
        out->dims[1] *= in->dims[d];
    return tfjs_layers_node(im, AMASS_NN_OP_FLATTEN, &keras, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_reshape(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                           tfjs_layer_tensor *out, amass_status *status)
{
    const json_t *target = json_object_get(config, "target_shape");
    size_t n = json_array_size(target);
    if (!json_is_array(target) || n < 1 || n + 1 > AMASS_NN_MAX_RANK)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "target_shape is not a list of 1 to %d sizes",
                                AMASS_NN_MAX_RANK - 1);
    int64_t shape[AMASS_NN_MAX_RANK], total = 1, known = 1;
    int free_at = -1;
    for (int d = 1; d < in->rank; d++)
        total *= in->dims[d];
    shape[0] = 0; /* the batch, as it comes */
    for (size_t k = 0; k < n; k++) {
        const json_t *item = json_array_get(target, k);
        int64_t size = json_is_integer(item) ? json_integer_value(item) : 0;
        if (size == -1 && free_at < 0) {
            free_at = (int)k + 1;
        } else if (size < 1) {
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "target_shape has size %lld", (long long)size);
        } else {
            known *= size;
        }
        shape[k + 1] = size;
    }
    if (free_at >= 0 && total % known == 0)
        shape[free_at] = total / known;
    else if (free_at >= 0 || known != total)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%lld values per sample do not take the target shape",
                                (long long)total);
    const char *inputs[2], *reshaped;
    int result = tfjs_layers_to_keras(im, in, &inputs[0], status);
    if (result == AMASS_OK)
        result = tfjs_layers_int_constant(im, n + 1, shape, &inputs[1], status);
    if (result == AMASS_OK)
        result = tfjs_layers_node(im, AMASS_NN_OP_RESHAPE, inputs, 2, NULL, 0, &reshaped, status);
    out->rank = (int)n + 1;
    out->dims[0] = in->dims[0];
    for (size_t k = 0; k < n; k++)
        out->dims[k + 1] = shape[k + 1];
    return result != AMASS_OK ? result : tfjs_layers_from_keras(im, reshaped, out->rank, &out->value, status);
}

/* Add, Multiply, Subtract, Maximum, Minimum and Average: elementwise over
 * inputs of one rank (broadcasting where Keras allows it). */
static int convert_merge(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *inputs, size_t n,
                         tfjs_layer_tensor *out, amass_status *status)
{
    const char *name = im->class_name;
    amass_nn_op op = strcmp(name, "Multiply") == 0   ? AMASS_NN_OP_MUL
                     : strcmp(name, "Subtract") == 0 ? AMASS_NN_OP_SUB
                     : strcmp(name, "Maximum") == 0  ? AMASS_NN_OP_MAX
                     : strcmp(name, "Minimum") == 0  ? AMASS_NN_OP_MIN
                                                     : AMASS_NN_OP_ADD;
    if (n < 2 || (op == AMASS_NN_OP_SUB && n != 2))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "has %zu inputs", n);
    *out = inputs[0];
    for (size_t k = 1; k < n; k++) {
        if (inputs[k].rank != out->rank)
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "input %zu has rank %d, input 0 rank %d", k,
                                    inputs[k].rank, out->rank);
        for (int d = 1; d < out->rank; d++) {
            int64_t a = out->dims[d], b = inputs[k].dims[d];
            if (a != b && a != 1 && b != 1)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "input %zu has size %lld on axis %d, not %lld",
                                        k, (long long)b, d, (long long)a);
            out->dims[d] = a > b ? a : b;
        }
        int result = binary(im, op, out->value, inputs[k].value, &out->value, status);
        if (result != AMASS_OK)
            return result;
    }
    if (strcmp(name, "Average") != 0)
        return AMASS_OK;
    const char *share;
    int result = scalar_constant(im, 1.0f / (float)n, &share, status);
    return result != AMASS_OK ? result : binary(im, AMASS_NN_OP_MUL, out->value, share, &out->value, status);
}

static int convert_concatenate(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *inputs,
                               size_t n, tfjs_layer_tensor *out, amass_status *status)
{
    int64_t axis;
    int result = tfjs_layers_config_int(im, config, "axis", -1, &axis, status);
    if (result != AMASS_OK)
        return result;
    if (n < 1 || n > 4096)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "has %zu inputs", n);
    int rank = inputs[0].rank;
    int keras_axis = (int)(axis < 0 ? axis + rank : axis);
    if (keras_axis < 1 || keras_axis >= rank)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "axis %lld out of range", (long long)axis);
    const char **values = malloc(n * sizeof *values);
    if (!values)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    *out = inputs[0];
    out->dims[keras_axis] = 0;
    for (size_t k = 0; k < n && result == AMASS_OK; k++) {
        values[k] = inputs[k].value;
        if (inputs[k].rank != rank)
            result = tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "input %zu has rank %d, not %d", k,
                                      inputs[k].rank, rank);
        for (int d = 1; d < rank && result == AMASS_OK; d++)
            if (d != keras_axis && inputs[k].dims[d] != inputs[0].dims[d])
                result = tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "input %zu has size %lld on axis %d, not %lld",
                                          k, (long long)inputs[k].dims[d], d, (long long)inputs[0].dims[d]);
        out->dims[keras_axis] += inputs[k].dims[keras_axis];
    }
    attr_list attrs = {.count = 0};
    attr_int(&attrs, "axis", tfjs_layers_internal_axis(rank, keras_axis));
    if (result == AMASS_OK)
        result = tfjs_layers_node(im, AMASS_NN_OP_CONCAT, values, n, attrs.items, attrs.count, &out->value, status);
    free(values);
    return result;
}

typedef int (*single_converter)(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                                tfjs_layer_tensor *out, amass_status *status);
typedef int (*multi_converter)(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *inputs,
                               size_t n, tfjs_layer_tensor *out, amass_status *status);

static const struct {
    const char *class_name;
    single_converter single; /* one input */
    multi_converter multi;   /* a list of inputs */
    int identity;            /* inference passes the input through */
} converters[] = {
    {"Conv2D", convert_conv, NULL, 0},
    {"DepthwiseConv2D", convert_depthwise, NULL, 0},
    {"SeparableConv2D", convert_separable, NULL, 0},
    {"BatchNormalization", convert_batch_norm, NULL, 0},
    {"Dense", convert_dense, NULL, 0},
    {"Activation", convert_activation, NULL, 0},
    {"ReLU", convert_relu, NULL, 0},
    {"LeakyReLU", convert_leaky_relu, NULL, 0},
    {"Softmax", convert_softmax, NULL, 0},
    {"PReLU", convert_prelu, NULL, 0},
    {"MaxPooling2D", convert_pool, NULL, 0},
    {"AveragePooling2D", convert_pool, NULL, 0},
    {"GlobalAveragePooling2D", convert_global_pool, NULL, 0},
    {"GlobalMaxPooling2D", convert_global_pool, NULL, 0},
    {"ZeroPadding2D", convert_zero_padding, NULL, 0},
    {"Cropping2D", convert_cropping, NULL, 0},
    {"UpSampling2D", convert_upsampling, NULL, 0},
    {"Flatten", convert_flatten, NULL, 0},
    {"Reshape", convert_reshape, NULL, 0},
    {"Add", NULL, convert_merge, 0},
    {"Subtract", NULL, convert_merge, 0},
    {"Multiply", NULL, convert_merge, 0},
    {"Average", NULL, convert_merge, 0},
    {"Maximum", NULL, convert_merge, 0},
    {"Minimum", NULL, convert_merge, 0},
    {"Concatenate", NULL, convert_concatenate, 0},
    {"Dropout", NULL, NULL, 1},
    {"SpatialDropout1D", NULL, NULL, 1},
    {"SpatialDropout2D", NULL, NULL, 1},
    {"GaussianNoise", NULL, NULL, 1},
    {"GaussianDropout", NULL, NULL, 1},
    {"AlphaDropout", NULL, NULL, 1},
    {"ActivityRegularization", NULL, NULL, 1},
};

int tfjs_layers_class_known(const char *class_name)
{
    for (size_t k = 0; k < sizeof converters / sizeof converters[0]; k++)
        if (strcmp(converters[k].class_name, class_name) == 0)
            return 1;
    return 0;
}

int tfjs_layers_convert(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *inputs,
                        size_t n_inputs, tfjs_layer_tensor *output, amass_status *status)
{
    for (size_t k = 0; k < sizeof converters / sizeof converters[0]; k++) {
        if (strcmp(converters[k].class_name, im->class_name) != 0)
            continue;
        if (converters[k].multi)
            return converters[k].multi(im, config, inputs, n_inputs, output, status);
        if (n_inputs != 1)
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "has %zu inputs, not 1", n_inputs);
        if (converters[k].identity) {
            *output = inputs[0];
            return AMASS_OK;
        }
        return converters[k].single(im, config, &inputs[0], output, status);
    }
    return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "unsupported layer class");
}
