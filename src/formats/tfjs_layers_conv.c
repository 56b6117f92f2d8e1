/* TF.js layers import: the layers with weights or windows (Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization, Dense, pooling), with Keras' weight layouts and TensorFlow's padding rules. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tfjs_layers.h"

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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_ints(&attrs, "kernel_shape", weight_dims + 2, 2);
    tfjs_layers_attr_ints(&attrs, "strides", strides, 2);
    tfjs_layers_attr_ints(&attrs, "dilations", dilation, 2);
    tfjs_layers_attr_ints(&attrs, "pads", pads, 4);
    tfjs_layers_attr_int(&attrs, "group", group);
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
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
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

int tfjs_layers_convert_conv(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
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
    return result != AMASS_OK ? result : tfjs_layers_activate_config(im, config, out, status);
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

int tfjs_layers_convert_depthwise(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
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
    return result != AMASS_OK ? result : tfjs_layers_activate_config(im, config, out, status);
}

int tfjs_layers_convert_separable(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
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
    return result != AMASS_OK ? result : tfjs_layers_activate_config(im, config, out, status);
}

int tfjs_layers_convert_batch_norm(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_float(&attrs, "epsilon", (float)epsilon);
    *out = *in;
    return tfjs_layers_node(im, AMASS_NN_OP_BATCH_NORMALIZATION, inputs, 5, attrs.items, attrs.count, &out->value,
                            status);
}

int tfjs_layers_convert_dense(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
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
            result = tfjs_layers_node(im, AMASS_NN_OP_ADD, (const char *const[]){product, inputs[2]}, 2, NULL, 0,
                                      &product, status);
        if (result == AMASS_OK)
            result = tfjs_layers_from_keras(im, product, out->rank, &out->value, status);
    }
    return result != AMASS_OK ? result : tfjs_layers_activate_config(im, config, out, status);
}

int tfjs_layers_convert_pool(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                        tfjs_layer_tensor *out, amass_status *status)
{
    int64_t size[2], strides[2], pads[4], out_hw[2];
    static const int64_t ones[2] = {1, 1};
    const char *padding;
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_ints(&attrs, "kernel_shape", size, 2);
    tfjs_layers_attr_ints(&attrs, "strides", strides, 2);
    tfjs_layers_attr_ints(&attrs, "pads", pads, 4);
    int max = strcmp(im->class_name, "MaxPooling2D") == 0;
    /* TensorFlow averages over the pixels inside the image only. */
    if (!max)
        tfjs_layers_attr_int(&attrs, "count_include_pad", 0);
    set_nhwc(out, in->dims[0], out_hw, in->dims[3]);
    return tfjs_layers_node(im, max ? AMASS_NN_OP_MAX_POOL : AMASS_NN_OP_AVERAGE_POOL, &in->value, 1, attrs.items,
                            attrs.count, &out->value, status);
}

int tfjs_layers_convert_global_pool(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                               tfjs_layer_tensor *out, amass_status *status)
{
    int keep;
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
    if (result == AMASS_OK)
        result = tfjs_layers_config_bool(im, config, "keepdims", 0, &keep, status);
    if (result != AMASS_OK)
        return result;
    static const int64_t axes[2] = {2, 3}, ones[2] = {1, 1};
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_ints(&attrs, "axes", axes, 2);
    tfjs_layers_attr_int(&attrs, "keepdims", keep);
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
