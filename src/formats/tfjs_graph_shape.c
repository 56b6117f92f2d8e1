/* TF.js graph models: ops that move data without computing on it:
 * Transpose (no node: the tensor is re-labelled), Reshape, ConcatV2, Pack,
 * Pad, Split, Squeeze, ExpandDims and Shape. Axis attributes are
 * translated into the layout the operand is held in where that is free. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

static const tfjs_tensor *known_ints_input(tfjs_converter *converter, const tfjs_node *node, size_t input,
                                           const char *what, amass_status *status)
{
    if (input >= node->n_inputs || !tfjs_known_ints(node->inputs[input])) {
        tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the %s must be an integer constant", what);
        return NULL;
    }
    return node->inputs[input];
}

static int define_held(tfjs_converter *converter, const char *name, const char *engine, const int64_t *perm,
                       int rank, amass_status *status)
{
    return tfjs_define(converter, name, engine, perm, rank, status) ? AMASS_OK : status->code;
}

static int translate_transpose(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    const tfjs_tensor *perm_tensor = known_ints_input(converter, node, 1, "permutation", status);
    if (!perm_tensor)
        return status->code;
    int rank = (int)perm_tensor->count;
    const int64_t *p = tfjs_known_ints(perm_tensor);
    tfjs_tensor *x = node->inputs[0];
    unsigned char seen[AMASS_NN_MAX_RANK] = {0};
    if (rank > AMASS_NN_MAX_RANK || (x->rank >= 0 && x->rank != rank))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "a permutation of %d axes for rank %d", rank,
                         x->rank);
    for (int i = 0; i < rank; i++)
        if (p[i] < 0 || p[i] >= rank || seen[p[i]]++)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "not a permutation");
    /* engine dim j holds x's TF dim held[j] = output TF dim p^-1[held[j]] */
    int64_t inverse[AMASS_NN_MAX_RANK], out[AMASS_NN_MAX_RANK];
    tfjs_perm_inverse(p, rank, inverse);
    for (int j = 0; j < rank; j++)
        out[j] = inverse[x->permuted ? x->perm[j] : j];
    const char *engine = tfjs_engine(converter, x, status);
    if (!engine)
        return status->code;
    int result = define_held(converter, node->name, engine, out, rank, status);
    if (result == AMASS_OK && x->pad_source) {
        /* the same engine value: its padding is unchanged */
        tfjs_tensor *defined = &converter->tensors[converter->n_tensors - 1];
        defined->pad_source = x->pad_source;
        memcpy(defined->pads, x->pads, sizeof defined->pads);
    }
    return result;
}

static int translate_reshape(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs a tensor and a shape");
    const tfjs_tensor *shape = node->inputs[1];
    const int64_t *dims = tfjs_known_ints(shape);
    for (size_t i = 0; dims && i < shape->count; i++)
        if (dims[i] == 0 || dims[i] < -1)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "shape entry %lld is not supported",
                             (long long)dims[i]);
    const char *inputs[2] = {tfjs_plain(converter, node->inputs[0], status), NULL};
    if (!inputs[0] || !(inputs[1] = tfjs_engine(converter, node->inputs[1], status)))
        return status->code;
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_RESHAPE, node->name, inputs, 2, node->result, NULL, 0,
                               status);
    int rank = dims && shape->rank == 1 ? (int)shape->count : -1;
    return result == AMASS_OK ? define_held(converter, node->name, node->result, NULL, rank, status) : result;
}

/* Concatenation of tensors[0..n) along TF axis. */
static int concat(tfjs_converter *converter, const tfjs_node *node, tfjs_tensor **tensors, size_t n, int64_t axis,
                  amass_status *status)
{
    const tfjs_tensor *held = NULL;
    for (size_t i = 0; i < n && !held; i++)
        if (tensors[i]->permuted)
            held = tensors[i];
    const char *inputs[16];
    int rank = held ? held->rank : -1;
    for (size_t i = 0; i < n && held; i++)
        if (tensors[i]->rank != rank)
            held = NULL;
    int64_t engine_axis = axis;
    if (held && !tfjs_engine_axis(held, axis, rank, &engine_axis))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "axis %lld is out of range", (long long)axis);
    for (size_t i = 0; i < n; i++) {
        inputs[i] = held ? tfjs_as(converter, tensors[i], held->perm, rank, status)
                         : tfjs_plain(converter, tensors[i], status);
        if (!inputs[i])
            return status->code;
    }
    amass_nn_attr attr = tfjs_attr_int("axis", engine_axis);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CONCAT, node->name, inputs, n, node->result, &attr, 1,
                               status);
    if (result != AMASS_OK)
        return result;
    int known_rank = held ? rank : tensors[0]->rank;
    return define_held(converter, node->name, node->result, held ? held->perm : NULL, known_rank, status);
}

static int translate_concat(tfjs_converter *converter, const tfjs_node *node, int axis_first, amass_status *status)
{
    if (node->n_inputs < 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs tensors and an axis");
    size_t axis_input = axis_first ? 0 : node->n_inputs - 1;
    const tfjs_tensor *axis = known_ints_input(converter, node, axis_input, "axis", status);
    if (!axis)
        return status->code;
    if (axis->count != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "the axis is not a scalar");
    tfjs_tensor *tensors[16];
    size_t n = 0;
    for (size_t i = 0; i < node->n_inputs; i++)
        if (i != axis_input)
            tensors[n++] = node->inputs[i];
    return concat(converter, node, tensors, n, tfjs_known_ints(axis)[0], status);
}

static int translate_pack(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    int64_t axis = 0;
    if (tfjs_attr_get_int(node, "axis", &axis) < 0 || node->n_inputs < 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs inputs and an integer axis");
    const char *inputs[16];
    for (size_t i = 0; i < node->n_inputs; i++) {
        const char *plain = tfjs_plain(converter, node->inputs[i], status);
        const char *expanded = tfjs_fresh_name(&converter->builder, "packed");
        amass_nn_attr attr = tfjs_attr_ints("axes", &axis, 1);
        if (!plain || tfjs_add_node(&converter->builder, AMASS_NN_OP_UNSQUEEZE, node->name, &plain, 1, expanded,
                                    &attr, 1, status) != AMASS_OK)
            return status->code;
        inputs[i] = expanded;
    }
    amass_nn_attr attr = tfjs_attr_int("axis", axis);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CONCAT, node->name, inputs, node->n_inputs,
                               node->result, &attr, 1, status);
    int rank = node->inputs[0]->rank >= 0 ? node->inputs[0]->rank + 1 : -1;
    return result == AMASS_OK ? define_held(converter, node->name, node->result, NULL, rank, status) : result;
}

static int translate_pad(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    const tfjs_tensor *paddings = known_ints_input(converter, node, 1, "paddings", status);
    if (!paddings)
        return status->code;
    tfjs_tensor *x = node->inputs[0];
    int rank = (int)(paddings->count / 2);
    if (paddings->rank != 2 || paddings->dims[1] != 2 || rank > AMASS_NN_MAX_RANK || (x->rank >= 0 && x->rank != rank))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "paddings must be [rank, 2]");
    const char *mode = "constant";
    if (!strcmp(node->op, "MirrorPad")) {
        char text[16];
        if (tfjs_attr_get_string(node, "mode", text, sizeof text) != 1 || strcmp(text, "REFLECT") != 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "only MirrorPad mode REFLECT runs");
        mode = "reflect";
    }
    float value = 0;
    if (!strcmp(node->op, "PadV2")) {
        const tfjs_tensor *constant = node->n_inputs > 2 ? node->inputs[2] : NULL;
        if (!constant || !constant->known || constant->dtype != AMASS_NN_FLOAT32 || constant->count != 1)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the pad value must be a float constant");
        value = *(const float *)constant->data;
    }
    const int64_t *pairs = tfjs_known_ints(paddings);
    int64_t pads[2 * AMASS_NN_MAX_RANK];
    for (int j = 0; j < rank; j++) {
        int64_t axis = x->permuted ? x->perm[j] : j;
        pads[j] = pairs[2 * axis];
        pads[rank + j] = pairs[2 * axis + 1];
        if (pads[j] < 0 || pads[rank + j] < 0 || pads[j] > 1 << 20 || pads[rank + j] > 1 << 20)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "padding out of range");
    }
    const char *input = tfjs_engine(converter, x, status);
    if (!input)
        return status->code;
    amass_nn_attr attrs[3] = {tfjs_attr_ints("pads", pads, (size_t)(2 * rank)), tfjs_attr_float("value", value),
                              tfjs_attr_string("mode", mode)};
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_PAD, node->name, &input, 1, node->result, attrs, 3,
                               status);
    if (result == AMASS_OK)
        result = define_held(converter, node->name, node->result, x->permuted ? x->perm : NULL, rank, status);
    if (result == AMASS_OK && rank == 4 && value == 0 && !strcmp(mode, "constant")) {
        tfjs_tensor *defined = &converter->tensors[converter->n_tensors - 1];
        defined->pad_source = input;
        memcpy(defined->pads, pads, sizeof defined->pads);
    }
    return result;
}

static int translate_split(tfjs_converter *converter, const tfjs_node *node, int sized, amass_status *status)
{
    /* Split(axis, value) with num_split; SplitV(value, sizes, axis) */
    if (node->n_inputs != (sized ? 3u : 2u))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "wrong number of inputs");
    const tfjs_tensor *axis_tensor = known_ints_input(converter, node, sized ? 2 : 0, "axis", status);
    if (!axis_tensor)
        return status->code;
    tfjs_tensor *x = node->inputs[sized ? 0 : 1];
    int64_t parts = 0;
    if (tfjs_attr_get_int(node, "num_split", &parts) != 1 || parts < 1 || parts > 64)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute 'num_split' missing or out of range");
    int64_t sizes[64];
    if (sized) {
        const tfjs_tensor *sizes_tensor = known_ints_input(converter, node, 1, "sizes", status);
        if (!sizes_tensor)
            return status->code;
        if ((int64_t)sizes_tensor->count != parts)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "%zu sizes for %lld parts", sizes_tensor->count,
                             (long long)parts);
        for (int64_t k = 0; k < parts; k++)
            if ((sizes[k] = tfjs_known_ints(sizes_tensor)[k]) < 0)
                return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "a size of -1 is not supported");
    }
    int64_t axis = tfjs_known_ints(axis_tensor)[0];
    if (x->permuted && !tfjs_engine_axis(x, axis, x->rank, &axis))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "axis out of range");
    const char *input = tfjs_engine(converter, x, status);
    const char *outputs[64], *names[64];
    if (!input)
        return status->code;
    for (int64_t k = 0; k < parts; k++)
        if (!(names[k] = tfjs_output_name(converter, node, (int)k)) ||
            !(outputs[k] = tfjs_result_name(converter, names[k])))
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    amass_nn_attr attrs[2] = {tfjs_attr_int("axis", axis), tfjs_attr_ints("split", sizes, (size_t)parts)};
    int result = tfjs_add_node_outputs(&converter->builder, AMASS_NN_OP_SPLIT, node->name, &input, 1, outputs,
                                       (size_t)parts, attrs, sized ? 2 : 1, status);
    for (int64_t k = 0; k < parts && result == AMASS_OK; k++)
        result = define_held(converter, names[k], outputs[k], x->permuted ? x->perm : NULL, x->rank, status);
    return result;
}

static int translate_squeeze(tfjs_converter *converter, const tfjs_node *node, int expand, amass_status *status)
{
    int64_t axes[AMASS_NN_MAX_RANK];
    int n_axes;
    if (expand) {
        const tfjs_tensor *axis = known_ints_input(converter, node, 1, "axis", status);
        if (!axis)
            return status->code;
        if (axis->count != 1)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "the axis is not a scalar");
        axes[0] = tfjs_known_ints(axis)[0];
        n_axes = 1;
    } else {
        n_axes = tfjs_attr_get_ints(node, "squeeze_dims", axes, AMASS_NN_MAX_RANK);
        if (n_axes == 0)
            n_axes = tfjs_attr_get_ints(node, "axis", axes, AMASS_NN_MAX_RANK);
        if (n_axes < 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute 'squeeze_dims' is malformed");
    }
    const char *input = node->n_inputs >= 1 ? tfjs_plain(converter, node->inputs[0], status) : NULL;
    if (!input)
        return node->n_inputs ? (int)status->code : tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs an input");
    amass_nn_attr attr = tfjs_attr_ints("axes", axes, (size_t)n_axes);
    int result = tfjs_add_node(&converter->builder, expand ? AMASS_NN_OP_UNSQUEEZE : AMASS_NN_OP_SQUEEZE, node->name,
                               &input, 1, node->result, &attr, n_axes ? 1 : 0, status);
    int rank = node->inputs[0]->rank;
    if (rank >= 0)
        rank = expand ? rank + 1 : n_axes ? rank - n_axes : -1;
    return result == AMASS_OK ? define_held(converter, node->name, node->result, NULL, rank, status) : result;
}

static int translate_shape(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 1)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs one input");
    tfjs_tensor *x = node->inputs[0];
    if (x->known && !x->engine) {
        int64_t dims[AMASS_NN_MAX_RANK], length = x->rank;
        memcpy(dims, x->dims, sizeof dims);
        return tfjs_define_known(converter, node->name, AMASS_NN_INT64, &length, 1, dims, status) ? AMASS_OK
                                                                                                  : status->code;
    }
    const char *input = tfjs_engine(converter, x, status);
    if (!input)
        return status->code;
    const char *shape = x->permuted ? tfjs_fresh_name(&converter->builder, "shape") : node->result;
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SHAPE, node->name, &input, 1, shape, NULL, 0, status);
    if (result == AMASS_OK && x->permuted) {
        /* the engine's dims back in TF's order */
        int64_t inverse[AMASS_NN_MAX_RANK], length = x->rank;
        tfjs_perm_inverse(x->perm, x->rank, inverse);
        const char *order = tfjs_fresh_name(&converter->builder, "order");
        result = tfjs_add_int64s(&converter->builder, order, inverse, &length, 1, status);
        const char *inputs[2] = {shape, order};
        amass_nn_attr attr = tfjs_attr_int("axis", 0);
        if (result == AMASS_OK)
            result = tfjs_add_node(&converter->builder, AMASS_NN_OP_GATHER, node->name, inputs, 2, node->result, &attr,
                                   1, status);
    }
    return result == AMASS_OK ? define_held(converter, node->name, node->result, NULL, 1, status) : result;
}

int tfjs_translate_shape(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status)
{
    static const char *const ops[] = {"Transpose", "Reshape", "ConcatV2", "Concat", "Pack", "Pad", "PadV2",
                                      "MirrorPad", "Split", "SplitV", "Squeeze", "ExpandDims", "Shape"};
    size_t kind = sizeof ops / sizeof ops[0];
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (!strcmp(node->op, ops[k]))
            kind = k;
    if (kind == sizeof ops / sizeof ops[0])
        return 0;
    if (!converter)
        return 1;
    switch (kind) {
    case 0: *result = translate_transpose(converter, node, status); break;
    case 1: *result = translate_reshape(converter, node, status); break;
    case 2:
    case 3: *result = translate_concat(converter, node, kind == 3, status); break;
    case 4: *result = translate_pack(converter, node, status); break;
    case 5:
    case 6:
    case 7: *result = translate_pad(converter, node, status); break;
    case 8:
    case 9: *result = translate_split(converter, node, kind == 9, status); break;
    case 10:
    case 11: *result = translate_squeeze(converter, node, kind == 11, status); break;
    default: *result = translate_shape(converter, node, status); break;
    }
    return 1;
}
