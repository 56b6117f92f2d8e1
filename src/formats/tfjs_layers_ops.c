/* TF.js layers import: activations, reshaping, margins and merges of Keras layers, and the table from class name to converter. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_layers.h"

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
    tfjs_layers_attrs attrs = {.count = 0};
    if (strcmp(activation, "linear") == 0)
        return AMASS_OK;
    if (strcmp(activation, "relu") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_RELU, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "relu6") == 0) {
        tfjs_layers_attr_float(&attrs, "min", 0);
        tfjs_layers_attr_float(&attrs, "max", 6);
        return tfjs_layers_node(im, AMASS_NN_OP_CLIP, &value, 1, attrs.items, attrs.count, &tensor->value, status);
    }
    if (strcmp(activation, "sigmoid") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_SIGMOID, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "tanh") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_TANH, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "softplus") == 0)
        return tfjs_layers_node(im, AMASS_NN_OP_SOFTPLUS, &value, 1, NULL, 0, &tensor->value, status);
    if (strcmp(activation, "softmax") == 0) {
        tfjs_layers_attr_int(&attrs, "axis", tfjs_layers_internal_axis(tensor->rank, -1));
        return tfjs_layers_node(im, AMASS_NN_OP_SOFTMAX, &value, 1, attrs.items, attrs.count, &tensor->value, status);
    }
    if (strcmp(activation, "hard_sigmoid") == 0) {
        /* TF.js: clip(0.2 x + 0.5, 0, 1) */
        tfjs_layers_attr_float(&attrs, "alpha", 0.2f);
        tfjs_layers_attr_float(&attrs, "beta", 0.5f);
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
        tfjs_layers_attr_float(&attrs, "alpha", selu ? 1.6732632423543772f : 1.0f);
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

int tfjs_layers_activate_config(tfjs_layers_importer *im, const json_t *config, tfjs_layer_tensor *tensor,
                                amass_status *status)
{
    const char *activation;
    int result = tfjs_layers_config_string(im, config, "activation", "linear", &activation, status);
    return result != AMASS_OK ? result : activate(im, activation, tensor, status);
}

/* A Conv node on value with ONNX-layout weights [out, in/group, kh, kw]. */
static int convert_activation(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                              tfjs_layer_tensor *out, amass_status *status)
{
    *out = *in;
    return tfjs_layers_activate_config(im, config, out, status);
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
    tfjs_layers_attrs attrs = {.count = 0};
    if (slope == 0) {
        if (isinf(max_value))
            return tfjs_layers_node(im, AMASS_NN_OP_RELU, &value, 1, NULL, 0, &out->value, status);
        tfjs_layers_attr_float(&attrs, "min", 0);
        tfjs_layers_attr_float(&attrs, "max", (float)max_value);
        return tfjs_layers_node(im, AMASS_NN_OP_CLIP, &value, 1, attrs.items, attrs.count, &out->value, status);
    }
    tfjs_layers_attr_float(&attrs, "alpha", (float)slope);
    result = tfjs_layers_node(im, AMASS_NN_OP_LEAKY_RELU, &value, 1, attrs.items, attrs.count, &out->value, status);
    if (result != AMASS_OK || isinf(max_value))
        return result;
    attrs.count = 0;
    tfjs_layers_attr_float(&attrs, "max", (float)max_value);
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_float(&attrs, "alpha", (float)alpha);
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_int(&attrs, "axis", internal);
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
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
    if (result == AMASS_OK)
        result = read_margins(im, config, "padding", margins, status);
    if (result != AMASS_OK)
        return result;
    int64_t pads[8] = {0, 0, margins[0], margins[2], 0, 0, margins[1], margins[3]};
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_string(&attrs, "mode", "constant");
    tfjs_layers_attr_ints(&attrs, "pads", pads, 8);
    *out = *in;
    out->dims[1] += margins[0] + margins[1];
    out->dims[2] += margins[2] + margins[3];
    return tfjs_layers_node(im, AMASS_NN_OP_PAD, &in->value, 1, attrs.items, attrs.count, &out->value, status);
}

static int convert_cropping(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in,
                            tfjs_layer_tensor *out, amass_status *status)
{
    int64_t margins[4];
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_ints(&attrs, "starts", starts, 2);
    tfjs_layers_attr_ints(&attrs, "ends", ends, 2);
    tfjs_layers_attr_ints(&attrs, "axes", axes, 2);
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
    int result = tfjs_layers_need_rank(im, in, 4, status);
    if (result == AMASS_OK)
        result = tfjs_layers_channels_last(im, config, status);
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_string(&attrs, "mode", linear ? "linear" : "nearest");
    tfjs_layers_attr_string(&attrs, "coordinate_transformation_mode", "asymmetric");
    tfjs_layers_attr_string(&attrs, "nearest_mode", "floor");
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_int(&attrs, "axis", 1);
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
        } else if (size < 1 || size > TFJS_LAYERS_MAX_COUNT / known) {
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
    tfjs_layers_attrs attrs = {.count = 0};
    tfjs_layers_attr_int(&attrs, "axis", tfjs_layers_internal_axis(rank, keras_axis));
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
    {"Conv2D", tfjs_layers_convert_conv, NULL, 0},
    {"DepthwiseConv2D", tfjs_layers_convert_depthwise, NULL, 0},
    {"SeparableConv2D", tfjs_layers_convert_separable, NULL, 0},
    {"BatchNormalization", tfjs_layers_convert_batch_norm, NULL, 0},
    {"Dense", tfjs_layers_convert_dense, NULL, 0},
    {"Activation", convert_activation, NULL, 0},
    {"ReLU", convert_relu, NULL, 0},
    {"LeakyReLU", convert_leaky_relu, NULL, 0},
    {"Softmax", convert_softmax, NULL, 0},
    {"PReLU", convert_prelu, NULL, 0},
    {"MaxPooling2D", tfjs_layers_convert_pool, NULL, 0},
    {"AveragePooling2D", tfjs_layers_convert_pool, NULL, 0},
    {"GlobalAveragePooling2D", tfjs_layers_convert_global_pool, NULL, 0},
    {"GlobalMaxPooling2D", tfjs_layers_convert_global_pool, NULL, 0},
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
