/* Geometry and shape inference of Slice, Split, Pad, Resize, Upsample and
 * ConvTranspose, following the ONNX operator spec and, where the spec
 * leaves room, ONNX Runtime's reading of it (Resize's float arithmetic). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

#define MAX_LIST 64

/* Known integers of optional input i, or of attribute name when the
 * input is absent; -1 when neither, -2 when the input is not known. */
static int list_ints(const nn_node *node, const nn_env *env, int i, const char *name, int64_t *out, int max)
{
    if (node->n_inputs > i && node->inputs[i] >= 0) {
        int count = nn_known_ints(env, node->inputs[i], out, max);
        return count < 0 ? -2 : count;
    }
    return name ? nn_attr_ints(node, name, out, max) : -1;
}

static int list_floats(const nn_node *node, const nn_env *env, int i, float *out, int max)
{
    if (node->n_inputs <= i || node->inputs[i] < 0)
        return -1;
    int value = node->inputs[i];
    const amass_nn_tensor_type *type = &env->types[value];
    size_t count = amass_nn_type_count(type);
    if (!env->data[value] || type->dtype != AMASS_NN_FLOAT32 || type->rank > 1 || count > (size_t)max)
        return -2;
    memcpy(out, env->data[value], count * sizeof *out);
    return (int)count;
}

static const char *attr_string(const nn_node *node, const char *name, const char *fallback)
{
    const nn_attr *attr = nn_attr_find(node, name);
    return attr && attr->s ? attr->s : fallback;
}

static void clamp_index(int64_t *value, int64_t low, int64_t high)
{
    *value = *value < low ? low : *value > high ? high : *value;
}

int nn_slice_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_slice *slice,
                      amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    int64_t starts[MAX_LIST], ends[MAX_LIST], axes[MAX_LIST], steps[MAX_LIST];
    /* Opset 10 moved starts/ends/axes/steps from attributes to inputs. */
    int n_starts = list_ints(node, env, 1, "starts", starts, MAX_LIST);
    int n_ends = list_ints(node, env, 2, "ends", ends, MAX_LIST);
    int n_axes = list_ints(node, env, 3, "axes", axes, MAX_LIST);
    int n_steps = list_ints(node, env, 4, NULL, steps, MAX_LIST);
    unsigned char seen[AMASS_NN_MAX_RANK] = {0};
    if (n_starts < 0 || n_ends < 0 || n_axes == -2 || n_steps == -2)
        return nn_fail_node(status, graph, node, "starts, ends, axes or steps missing or not known at load time");
    if (n_starts != n_ends || (n_axes >= 0 && n_axes != n_starts) || (n_steps >= 0 && n_steps != n_starts))
        return nn_fail_node(status, graph, node, "starts, ends, axes and steps differ in length");
    if (n_starts > in->rank)
        return nn_fail_node(status, graph, node, "%d axes sliced in a rank-%d input", n_starts, in->rank);
    slice->rank = in->rank;
    for (int d = 0; d < in->rank; d++) {
        slice->start[d] = 0;
        slice->step[d] = 1;
        slice->out[d] = in->dims[d];
    }
    for (int k = 0; k < n_starts; k++) {
        int64_t axis = n_axes >= 0 ? axes[k] : k, step = n_steps >= 0 ? steps[k] : 1;
        if (axis < 0)
            axis += in->rank;
        if (axis < 0 || axis >= in->rank || seen[axis]++)
            return nn_fail_node(status, graph, node, "axis %lld is out of range or repeated",
                                (long long)(n_axes >= 0 ? axes[k] : k));
        if (step == 0)
            return nn_fail_node(status, graph, node, "step 0 on axis %lld", (long long)axis);
        int64_t dim = in->dims[axis], start = starts[k], end = ends[k];
        /* A step longer than the axis takes one element; bounding it keeps
         * the arithmetic below from overflowing on hostile values. */
        if (step > dim + 1 || step < -(dim + 1))
            step = step > 0 ? dim + 1 : -(dim + 1);
        /* Negative positions count from the end; then ONNX clamps (a
         * negative step may end at -1, before the first element). */
        if (start < 0)
            start = start < -dim ? -1 : start + dim;
        if (end < 0)
            end = end < -dim ? -1 : end + dim;
        if (step > 0) {
            clamp_index(&start, 0, dim);
            clamp_index(&end, 0, dim);
            slice->out[axis] = end > start ? (end - start + step - 1) / step : 0;
        } else {
            clamp_index(&start, 0, dim - 1);
            clamp_index(&end, -1, dim - 1);
            slice->out[axis] = start > end ? (start - end + (-step) - 1) / (-step) : 0;
        }
        slice->start[axis] = start;
        slice->step[axis] = step;
    }
    return AMASS_OK;
}

int nn_split_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_split *split,
                      amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    int64_t axis = nn_attr_int(node, "axis", 0);
    int64_t sizes[MAX_LIST];
    memset(split, 0, sizeof *split);
    if (axis < 0)
        axis += in->rank;
    if (axis < 0 || axis >= in->rank)
        return nn_fail_node(status, graph, node, "axis %lld is out of range", (long long)nn_attr_int(node, "axis", 0));
    if (node->n_outputs > MAX_LIST)
        return nn_fail_node(status, graph, node, "more than %d outputs", MAX_LIST);
    /* Opset 13 moved split from an attribute to input 1. */
    int n_sizes = list_ints(node, env, 1, "split", sizes, MAX_LIST);
    int64_t dim = in->dims[axis], total = 0;
    if (n_sizes == -2)
        return nn_fail_node(status, graph, node, "the split sizes are not known at load time");
    if (n_sizes < 0) {
        /* Equal parts; opset 18 lets the last be smaller. */
        int64_t part = (dim + node->n_outputs - 1) / node->n_outputs;
        n_sizes = node->n_outputs;
        for (int k = 0; k < n_sizes; k++) {
            int64_t left = dim - part * k;
            sizes[k] = left < 0 ? 0 : left < part ? left : part;
        }
    }
    if (n_sizes != node->n_outputs)
        return nn_fail_node(status, graph, node, "%d split sizes for %d outputs", n_sizes, node->n_outputs);
    for (int k = 0; k < n_sizes; k++) {
        if (sizes[k] < 0 || sizes[k] > dim)
            return nn_fail_node(status, graph, node, "split size %lld is out of range", (long long)sizes[k]);
        total += sizes[k];
    }
    if (total != dim)
        return nn_fail_node(status, graph, node, "split sizes sum to %lld, not the axis length %lld",
                            (long long)total, (long long)dim);
    split->sizes = malloc((size_t)n_sizes * sizeof *split->sizes);
    if (!split->sizes)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    memcpy(split->sizes, sizes, (size_t)n_sizes * sizeof *sizes);
    split->axis = (int)axis;
    split->n_outputs = n_sizes;
    return AMASS_OK;
}

int nn_pad_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_pad *pad,
                    amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    int64_t pads[2 * MAX_LIST], axes[MAX_LIST];
    memset(pad, 0, sizeof *pad);
    pad->rank = in->rank;
    const char *mode = attr_string(node, "mode", "constant");
    if (strcmp(mode, "constant") == 0)
        pad->mode = NN_PAD_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        pad->mode = NN_PAD_REFLECT;
    else if (strcmp(mode, "edge") == 0)
        pad->mode = NN_PAD_EDGE;
    else
        return nn_fail_node(status, graph, node, "unsupported attribute 'mode=%s'", mode);
    /* Opset 11 moved pads and the value from attributes to inputs 1, 2;
     * opset 18 added axes (input 3). */
    int n_pads = list_ints(node, env, 1, "pads", pads, 2 * MAX_LIST);
    int n_axes = list_ints(node, env, 3, NULL, axes, MAX_LIST);
    if (n_pads < 0 || n_axes == -2)
        return nn_fail_node(status, graph, node, "pads missing or not known at load time");
    if (n_axes < 0) {
        n_axes = in->rank;
        for (int d = 0; d < in->rank; d++)
            axes[d] = d;
    }
    if (n_pads != 2 * n_axes)
        return nn_fail_node(status, graph, node, "%d pads for %d axes", n_pads, n_axes);
    for (int k = 0; k < n_axes; k++) {
        int64_t axis = axes[k] < 0 ? axes[k] + in->rank : axes[k];
        if (axis < 0 || axis >= in->rank)
            return nn_fail_node(status, graph, node, "axis %lld is out of range", (long long)axes[k]);
        pad->begin[axis] = pads[k];
        pad->end[axis] = pads[n_axes + k];
        if (in->dims[axis] + pads[k] + pads[n_axes + k] < 0 || pads[k] > ((int64_t)1 << 32) ||
            pads[n_axes + k] > ((int64_t)1 << 32))
            return nn_fail_node(status, graph, node, "pads %lld, %lld out of range on axis %lld", (long long)pads[k],
                                (long long)pads[n_axes + k], (long long)axis);
        if (pad->mode != NN_PAD_CONSTANT && in->dims[axis] == 0 && (pads[k] > 0 || pads[n_axes + k] > 0))
            return nn_fail_node(status, graph, node, "cannot pad an empty axis in mode %s", mode);
    }
    pad->value = nn_attr_float(node, "value", 0);
    float value;
    int n_values = list_floats(node, env, 2, &value, 1);
    if (n_values == -2)
        return nn_fail_node(status, graph, node, "the pad value is not a float32 scalar known at load time");
    if (n_values == 1)
        pad->value = value;
    return AMASS_OK;
}

static int parse_resize_modes(const amass_nn_graph *graph, const nn_node *node, nn_resize *resize,
                              amass_status *status)
{
    const char *mode = attr_string(node, "mode", "nearest");
    if (strcmp(mode, "nearest") == 0)
        resize->linear = 0;
    else if (strcmp(mode, "linear") == 0 || strcmp(mode, "bilinear") == 0)
        resize->linear = 1;
    else
        return nn_fail_node(status, graph, node, "unsupported attribute 'mode=%s'", mode);
    /* Upsample and opset-10 Resize (two inputs) have no modes to choose:
     * ONNX Runtime reads them as asymmetric with its "simple" rounding. */
    if (node->op == AMASS_NN_OP_UPSAMPLE || node->n_inputs == 2) {
        resize->transform = NN_RESIZE_ASYMMETRIC;
        resize->nearest = NN_NEAREST_SIMPLE;
        return AMASS_OK;
    }
    static const char *const transforms[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                             "tf_half_pixel_for_nn"};
    static const char *const nearest_modes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    const char *transform = attr_string(node, "coordinate_transformation_mode", "half_pixel");
    const char *nearest = attr_string(node, "nearest_mode", "round_prefer_floor");
    int found = -1;
    for (int k = 0; k < 5; k++)
        if (strcmp(transform, transforms[k]) == 0)
            found = k;
    if (found < 0)
        return nn_fail_node(status, graph, node, "unsupported attribute 'coordinate_transformation_mode=%s'",
                            transform);
    resize->transform = (nn_resize_transform)found;
    found = -1;
    for (int k = 0; k < 4; k++)
        if (strcmp(nearest, nearest_modes[k]) == 0)
            found = k;
    if (found < 0)
        return nn_fail_node(status, graph, node, "unsupported attribute 'nearest_mode=%s'", nearest);
    resize->nearest = (nn_nearest_mode)found;
    if (nn_attr_int(node, "antialias", 0) || nn_attr_find(node, "axes") ||
        strcmp(attr_string(node, "keep_aspect_ratio_policy", "stretch"), "stretch") != 0)
        return nn_fail_node(status, graph, node, "antialias, axes and keep_aspect_ratio_policy are not supported");
    return AMASS_OK;
}

int nn_resize_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_resize *resize,
                       amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    float scales[AMASS_NN_MAX_RANK];
    int64_t sizes[AMASS_NN_MAX_RANK];
    memset(resize, 0, sizeof *resize);
    resize->rank = in->rank;
    int result = parse_resize_modes(graph, node, resize, status);
    if (result != AMASS_OK)
        return result;
    /* Scales: input 1 in Upsample-9 and Resize-10; input 2 (after roi)
     * from Resize-11, with sizes as input 3. */
    int scales_input = node->op == AMASS_NN_OP_UPSAMPLE || node->n_inputs == 2 ? 1 : 2;
    int n_scales = list_floats(node, env, scales_input, scales, AMASS_NN_MAX_RANK);
    int n_sizes = scales_input == 2 ? list_ints(node, env, 3, NULL, sizes, AMASS_NN_MAX_RANK) : -1;
    if (n_scales == -2 || n_sizes == -2)
        return nn_fail_node(status, graph, node, "scales or sizes not known at load time (or not 1-D)");
    if (n_scales > 0 && n_sizes > 0)
        return nn_fail_node(status, graph, node, "both scales and sizes are given");
    if (n_sizes > 0) {
        if (n_sizes != in->rank)
            return nn_fail_node(status, graph, node, "%d sizes for a rank-%d input", n_sizes, in->rank);
        for (int d = 0; d < in->rank; d++) {
            if (sizes[d] < 1 || sizes[d] > ((int64_t)1 << 32))
                return nn_fail_node(status, graph, node, "size %lld on axis %d is out of range", (long long)sizes[d],
                                    d);
            resize->out[d] = sizes[d];
            resize->scale[d] = (float)sizes[d] / (float)in->dims[d];
        }
    } else {
        if (n_scales != in->rank)
            return nn_fail_node(status, graph, node, "%d scales for a rank-%d input", n_scales < 0 ? 0 : n_scales,
                                in->rank);
        for (int d = 0; d < in->rank; d++) {
            /* NaN fails the test too. */
            if (!(scales[d] > 0 && scales[d] < 65536))
                return nn_fail_node(status, graph, node, "scale %g on axis %d must be positive", (double)scales[d], d);
            resize->scale[d] = scales[d];
            /* ONNX Runtime multiplies in float and truncates. */
            resize->out[d] = (int64_t)(scales[d] * (float)in->dims[d]);
        }
    }
    for (int d = 0; d < in->rank; d++) {
        resize->in[d] = in->dims[d];
        if (in->dims[d] < 1 || resize->out[d] < 1)
            return nn_fail_node(status, graph, node, "axis %d resizes %lld to %lld", d, (long long)in->dims[d],
                                (long long)resize->out[d]);
        if (resize->linear && d < in->rank - 2 && (resize->scale[d] != 1 || resize->out[d] != in->dims[d]))
            return nn_fail_node(status, graph, node, "linear resizing of axis %d (only the last two axes)", d);
    }
    return AMASS_OK;
}

float nn_resize_source(const nn_resize *resize, int d, int64_t x)
{
    float scale = resize->scale[d], position = (float)x;
    int64_t length_in = resize->in[d], length_out = resize->out[d];
    switch (resize->transform) {
    case NN_RESIZE_HALF_PIXEL:
        return (position + 0.5f) / scale - 0.5f;
    case NN_RESIZE_PYTORCH_HALF_PIXEL:
        return length_out > 1 ? (position + 0.5f) / scale - 0.5f : 0.0f;
    case NN_RESIZE_ALIGN_CORNERS:
        return length_out == 1 ? 0.0f : position * (float)(length_in - 1) / (float)(length_out - 1);
    case NN_RESIZE_ASYMMETRIC:
        return position / scale;
    case NN_RESIZE_TF_HALF_PIXEL_FOR_NN:
        return (position + 0.5f) / scale;
    }
    return position;
}

int nn_deconv_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_deconv *deconv,
                       amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    nn_window *window = &deconv->window;
    int spatial = in->rank - 2;
    int64_t pads[6], kernel[3], output_shape[3];
    memset(deconv, 0, sizeof *deconv);
    if (in->rank < 3 || in->rank > 5)
        return nn_fail_node(status, graph, node, "input has rank %d; 1-D to 3-D images run", in->rank);
    if (node->n_inputs < 2 || node->inputs[1] < 0)
        return nn_fail_node(status, graph, node, "weights missing");
    const amass_nn_tensor_type *weights = &env->types[node->inputs[1]];
    deconv->group = nn_attr_int(node, "group", 1);
    /* ONNX lays the weights out as (in channels, out channels / group, kernel...). */
    if (weights->rank != in->rank || deconv->group < 1 || weights->dims[0] != in->dims[1] ||
        in->dims[1] % deconv->group)
        return nn_fail_node(status, graph, node,
                            "weights do not match the input (%lld channels, group %lld, weights of %lld)",
                            (long long)in->dims[1], (long long)deconv->group, (long long)weights->dims[0]);
    deconv->out_channels = weights->dims[1] * deconv->group;
    if (node->n_inputs > 2 && node->inputs[2] >= 0 &&
        amass_nn_type_count(&env->types[node->inputs[2]]) != (size_t)deconv->out_channels)
        return nn_fail_node(status, graph, node, "the bias does not have one value per output channel");
    window->spatial = spatial;
    for (int d = 0; d < spatial; d++) {
        window->kernel[d] = weights->dims[2 + d];
        window->stride[d] = window->dilation[d] = 1;
    }
    int n_kernel = nn_attr_ints(node, "kernel_shape", kernel, 3);
    for (int d = 0; d < n_kernel; d++)
        if (n_kernel != spatial || kernel[d] != window->kernel[d])
            return nn_fail_node(status, graph, node, "kernel_shape does not match the weights");
    int n_pads = nn_attr_ints(node, "pads", pads, 6);
    int n_shape = nn_attr_ints(node, "output_shape", output_shape, 3);
    if (nn_attr_ints(node, "strides", window->stride, 3) > spatial ||
        nn_attr_ints(node, "dilations", window->dilation, 3) > spatial ||
        nn_attr_ints(node, "output_padding", deconv->output_padding, 3) > spatial ||
        (n_pads >= 0 && n_pads != 2 * spatial))
        return nn_fail_node(status, graph, node, "strides, dilations, output_padding or pads of the wrong length");
    const char *padding = attr_string(node, "auto_pad", "NOTSET");
    int same = strcmp(padding, "SAME_UPPER") == 0 || strcmp(padding, "SAME_LOWER") == 0;
    if (!same && strcmp(padding, "NOTSET") != 0 && strcmp(padding, "VALID") != 0)
        return nn_fail_node(status, graph, node, "unsupported attribute 'auto_pad=%s'", padding);
    if (n_shape >= 0 && n_shape != spatial)
        return nn_fail_node(status, graph, node, "output_shape of the wrong length");
    for (int d = 0; d < spatial; d++) {
        int64_t stride = window->stride[d], extra = deconv->output_padding[d];
        int64_t extent = window->dilation[d] * (window->kernel[d] - 1) + 1, size = in->dims[2 + d];
        /* Bounds first: the sizes below multiply these. */
        if (window->kernel[d] < 1 || stride < 1 || window->dilation[d] < 1 || extra < 0 || stride > (1 << 20) ||
            window->dilation[d] > (1 << 20) || window->kernel[d] > (1 << 20) ||
            (extra >= stride && extra >= window->dilation[d]))
            return nn_fail_node(status, graph, node, "kernel, stride, dilation or output_padding out of range");
        if (n_pads > 0 && strcmp(padding, "VALID") != 0) {
            window->pad_begin[d] = pads[d];
            window->pad_end[d] = pads[spatial + d];
        }
        if (window->pad_begin[d] > ((int64_t)1 << 32) || window->pad_end[d] > ((int64_t)1 << 32) ||
            (n_shape > 0 && (output_shape[d] < 1 || output_shape[d] > ((int64_t)1 << 40))))
            return nn_fail_node(status, graph, node, "pads or output_shape out of range");
        int64_t full = stride * (size - 1) + extra + extent;
        if (n_shape > 0 || same) {
            /* The spec's split of the padding that gives the wanted size. */
            int64_t wanted = n_shape > 0 ? output_shape[d] : size * stride, total = full - wanted;
            int upper = strcmp(padding, "SAME_UPPER") == 0;
            if (total < 0)
                return nn_fail_node(status, graph, node, "output_shape %lld is larger than the full output %lld",
                                    (long long)wanted, (long long)full);
            window->pad_begin[d] = upper ? total / 2 : total - total / 2;
            window->pad_end[d] = total - window->pad_begin[d];
        }
        if (window->pad_begin[d] < 0 || window->pad_end[d] < 0)
            return nn_fail_node(status, graph, node, "negative padding");
        window->out[d] = full - window->pad_begin[d] - window->pad_end[d];
        if (window->out[d] < 1)
            return nn_fail_node(status, graph, node, "the padding leaves no output on axis %d", 2 + d);
    }
    return AMASS_OK;
}

int nn_depth_to_space_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env,
                               nn_depth_to_space *geometry, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    const char *mode = attr_string(node, "mode", "DCR");
    geometry->block = nn_attr_int(node, "blocksize", 0);
    geometry->crd = strcmp(mode, "CRD") == 0;
    if (!geometry->crd && strcmp(mode, "DCR") != 0)
        return nn_fail_node(status, graph, node, "unsupported attribute 'mode=%s'", mode);
    if (in->rank != 4)
        return nn_fail_node(status, graph, node, "input has rank %d, not 4", in->rank);
    if (geometry->block < 1 || geometry->block > 4096 || in->dims[1] % (geometry->block * geometry->block))
        return nn_fail_node(status, graph, node, "blocksize %lld does not divide the %lld channels into squares",
                            (long long)geometry->block, (long long)in->dims[1]);
    return AMASS_OK;
}

int nn_infer_layout(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    int result = AMASS_OK;
    switch (node->op) {
    case AMASS_NN_OP_SLICE: {
        nn_slice slice;
        result = nn_slice_geometry(graph, node, env, &slice, status);
        if (result == AMASS_OK) {
            *out = *in;
            memcpy(out->dims, slice.out, sizeof slice.out);
        }
        return result;
    }
    case AMASS_NN_OP_SPLIT: {
        nn_split split;
        result = nn_split_geometry(graph, node, env, &split, status);
        for (int k = 0; k < node->n_outputs && result == AMASS_OK; k++) {
            amass_nn_tensor_type *part = &env->types[node->outputs[k]];
            *part = *in;
            part->dims[split.axis] = split.sizes[k];
        }
        free(split.sizes);
        return result;
    }
    case AMASS_NN_OP_PAD: {
        nn_pad pad;
        result = nn_pad_geometry(graph, node, env, &pad, status);
        if (result == AMASS_OK) {
            *out = *in;
            for (int d = 0; d < in->rank; d++)
                out->dims[d] = in->dims[d] + pad.begin[d] + pad.end[d];
        }
        return result;
    }
    case AMASS_NN_OP_RESIZE:
    case AMASS_NN_OP_UPSAMPLE: {
        nn_resize resize;
        result = nn_resize_geometry(graph, node, env, &resize, status);
        if (result == AMASS_OK) {
            *out = *in;
            memcpy(out->dims, resize.out, sizeof resize.out);
        }
        return result;
    }
    case AMASS_NN_OP_CONV_TRANSPOSE: {
        nn_deconv deconv;
        result = nn_deconv_geometry(graph, node, env, &deconv, status);
        if (result == AMASS_OK) {
            *out = *in;
            out->dims[1] = deconv.out_channels;
            for (int d = 0; d < deconv.window.spatial; d++)
                out->dims[2 + d] = deconv.window.out[d];
        }
        return result;
    }
    case AMASS_NN_OP_DEPTH_TO_SPACE: {
        nn_depth_to_space geometry;
        result = nn_depth_to_space_geometry(graph, node, env, &geometry, status);
        if (result == AMASS_OK) {
            *out = *in;
            out->dims[1] = in->dims[1] / (geometry.block * geometry.block);
            out->dims[2] = in->dims[2] * geometry.block;
            out->dims[3] = in->dims[3] * geometry.block;
        }
        return result;
    }
    default:
        return nn_fail_node(status, graph, node, "not a layout operator");
    }
}
