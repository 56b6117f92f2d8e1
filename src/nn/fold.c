/* Host evaluation of nodes whose inputs are all known (constant folding),
 * and the sliding-window geometry Conv and pooling share. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "nn_ops.h"
#include "nn_layout.h"

int nn_window_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_window *window,
                       amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    int spatial = in->rank - 2;
    int64_t pads[2 * 3];
    memset(window, 0, sizeof *window);
    window->spatial = spatial;
    for (int d = 0; d < spatial; d++) {
        window->stride[d] = 1;
        window->dilation[d] = 1;
    }
    if (node->op == AMASS_NN_OP_GLOBAL_AVERAGE_POOL) {
        for (int d = 0; d < spatial; d++) {
            window->kernel[d] = in->dims[2 + d];
            window->out[d] = 1;
        }
        return AMASS_OK;
    }
    if (node->op == AMASS_NN_OP_CONV) {
        const amass_nn_tensor_type *weights = &env->types[node->inputs[1]];
        int64_t group = nn_attr_int(node, "group", 1);
        if (weights->rank != in->rank || group < 1 || in->dims[1] != weights->dims[1] * group ||
            weights->dims[0] % group)
            return nn_fail_node(status, graph, node, "weights do not match the input (channels %lld, group %lld)",
                                (long long)in->dims[1], (long long)group);
        for (int d = 0; d < spatial; d++)
            window->kernel[d] = weights->dims[2 + d];
    } else if (nn_attr_ints(node, "kernel_shape", window->kernel, 3) != spatial) {
        return nn_fail_node(status, graph, node, "kernel_shape missing or of the wrong length");
    }
    if (nn_attr_ints(node, "strides", window->stride, 3) > spatial ||
        nn_attr_ints(node, "dilations", window->dilation, 3) > spatial)
        return nn_fail_node(status, graph, node, "strides or dilations of the wrong length");
    int n_pads = nn_attr_ints(node, "pads", pads, 6);
    if (n_pads >= 0 && n_pads != 2 * spatial)
        return nn_fail_node(status, graph, node, "pads of the wrong length");
    for (int d = 0; d < spatial && n_pads > 0; d++) {
        window->pad_begin[d] = pads[d];
        window->pad_end[d] = pads[spatial + d];
    }
    int ceil_mode = (int)nn_attr_int(node, "ceil_mode", 0);
    const nn_attr *auto_pad = nn_attr_find(node, "auto_pad");
    const char *padding = auto_pad && auto_pad->s ? auto_pad->s : "NOTSET";
    for (int d = 0; d < spatial; d++) {
        int64_t size = in->dims[2 + d], kernel = window->kernel[d], stride = window->stride[d];
        int64_t extent = window->dilation[d] * (kernel - 1) + 1;
        if (kernel < 1 || stride < 1 || window->dilation[d] < 1 || window->pad_begin[d] < 0 || window->pad_end[d] < 0)
            return nn_fail_node(status, graph, node, "kernel, stride, dilation or padding out of range");
        if (strcmp(padding, "SAME_UPPER") == 0 || strcmp(padding, "SAME_LOWER") == 0) {
            int64_t out = (size + stride - 1) / stride;
            int64_t total = (out - 1) * stride + extent - size;
            total = total > 0 ? total : 0;
            window->pad_begin[d] = padding[5] == 'U' ? total / 2 : total - total / 2;
            window->pad_end[d] = total - window->pad_begin[d];
        } else if (strcmp(padding, "VALID") == 0) {
            window->pad_begin[d] = window->pad_end[d] = 0;
        } else if (strcmp(padding, "NOTSET") != 0) {
            return nn_fail_node(status, graph, node, "unsupported attribute 'auto_pad=%s'", padding);
        }
        int64_t span = size + window->pad_begin[d] + window->pad_end[d] - extent;
        if (span < 0)
            return nn_fail_node(status, graph, node, "the window is larger than the padded input");
        window->out[d] = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
        /* ONNX drops a last ceil-mode window that would start in the right padding. */
        if (ceil_mode && (window->out[d] - 1) * stride >= size + window->pad_begin[d])
            window->out[d]--;
    }
    return AMASS_OK;
}

/* Walks the elements of out, giving the matching element offsets of a and b
 * under numpy broadcasting. */
static void broadcast_offsets(const amass_nn_tensor_type *out, const amass_nn_tensor_type *a,
                              const amass_nn_tensor_type *b, size_t *offset_a, size_t *offset_b)
{
    size_t count = amass_nn_type_count(out);
    int64_t index[AMASS_NN_MAX_RANK] = {0};
    for (size_t i = 0; i < count; i++) {
        size_t position_a = 0, position_b = 0;
        for (int d = 0; d < out->rank; d++) {
            int da = d - (out->rank - a->rank), db = d - (out->rank - b->rank);
            if (da >= 0)
                position_a = position_a * (size_t)a->dims[da] + (a->dims[da] == 1 ? 0 : (size_t)index[d]);
            if (db >= 0)
                position_b = position_b * (size_t)b->dims[db] + (b->dims[db] == 1 ? 0 : (size_t)index[d]);
        }
        offset_a[i] = position_a;
        offset_b[i] = position_b;
        for (int d = out->rank - 1; d >= 0; d--) {
            if (++index[d] < out->dims[d])
                break;
            index[d] = 0;
        }
    }
}

static void host_binary(amass_nn_op op, const amass_nn_tensor_type *out, const amass_nn_tensor_type *type_a,
                    const void *a, const amass_nn_tensor_type *type_b, const void *b, void *result, size_t *offsets)
{
    size_t count = amass_nn_type_count(out);
    size_t *offset_a = offsets, *offset_b = offsets + count;
    broadcast_offsets(out, type_a, type_b, offset_a, offset_b);
    for (size_t i = 0; i < count; i++) {
        if (out->dtype == AMASS_NN_INT64) {
            int64_t x = ((const int64_t *)a)[offset_a[i]], y = ((const int64_t *)b)[offset_b[i]], z;
            /* Wrapping arithmetic: hostile constants must not reach
             * signed overflow. */
            uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
            z = op == AMASS_NN_OP_ADD   ? (int64_t)(ux + uy)
                : op == AMASS_NN_OP_SUB ? (int64_t)(ux - uy)
                : op == AMASS_NN_OP_MUL ? (int64_t)(ux * uy)
                : y == -1               ? (int64_t)(0 - ux)
                : y != 0                ? x / y
                                        : 0;
            ((int64_t *)result)[i] = z;
        } else {
            float x = ((const float *)a)[offset_a[i]], y = ((const float *)b)[offset_b[i]];
            ((float *)result)[i] = op == AMASS_NN_OP_ADD   ? x + y
                                   : op == AMASS_NN_OP_SUB ? x - y
                                   : op == AMASS_NN_OP_MUL ? x * y
                                                           : x / y;
        }
    }
}

int nn_fold_buffer(const amass_nn_graph *graph, const nn_node *node, size_t count, size_t element,
                   unsigned char **data, amass_status *status)
{
    *data = NULL;
    if (count > ((size_t)1 << 28))
        return nn_fail_node(status, graph, node, "a folded constant of %zu elements is too large", count);
    *data = malloc(count * element + 1);
    if (!*data)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory folding constants");
    return AMASS_OK;
}

int nn_host_evaluate(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void **result,
                     amass_status *status)
{
    const amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    const void *source = env->data[node->inputs[0]];
    size_t count = amass_nn_type_count(out), element = amass_nn_dtype_size(out->dtype);
    if (nn_is_math_fold(node->op))
        return nn_fold_math(graph, node, env, result, status);
    unsigned char *data;
    int made = nn_fold_buffer(graph, node, count, element, &data, status);
    if (made != AMASS_OK)
        return made;
    switch (node->op) {
    case AMASS_NN_OP_SHAPE: {
        int64_t start = nn_attr_int(node, "start", 0);
        start = start < 0 ? start + in->rank : start;
        start = start < 0 ? 0 : start;
        for (size_t i = 0; i < count; i++)
            ((int64_t *)data)[i] = in->dims[(size_t)start + i];
        break;
    }
    case AMASS_NN_OP_GATHER: {
        const amass_nn_tensor_type *indices = &env->types[node->inputs[1]];
        int64_t axis = nn_attr_int(node, "axis", 0);
        axis = axis < 0 ? axis + in->rank : axis;
        size_t outer = 1, inner = element, n_indices = amass_nn_type_count(indices);
        for (int d = 0; d < axis; d++)
            outer *= (size_t)in->dims[d];
        for (int d = (int)axis + 1; d < in->rank; d++)
            inner *= (size_t)in->dims[d];
        for (size_t j = 0; j < n_indices; j++) {
            int64_t index = (int64_t)nn_load_number(indices->dtype, env->data[node->inputs[1]], j);
            index = index < 0 ? index + in->dims[axis] : index;
            if (index < 0 || index >= in->dims[axis]) {
                free(data);
                return nn_fail_node(status, graph, node, "index %lld out of range", (long long)index);
            }
            for (size_t o = 0; o < outer; o++)
                memcpy(data + (o * n_indices + j) * inner,
                       (const unsigned char *)source + (o * (size_t)in->dims[axis] + (size_t)index) * inner, inner);
        }
        break;
    }
    case AMASS_NN_OP_CONCAT: {
        int64_t axis = nn_attr_int(node, "axis", 0);
        axis = axis < 0 ? axis + in->rank : axis;
        size_t outer = 1, inner = element, offset = 0;
        for (int d = 0; d < axis; d++)
            outer *= (size_t)in->dims[d];
        for (int d = (int)axis + 1; d < in->rank; d++)
            inner *= (size_t)in->dims[d];
        for (int i = 0; i < node->n_inputs; i++) {
            size_t block = inner * (size_t)env->types[node->inputs[i]].dims[axis];
            for (size_t o = 0; o < outer; o++)
                memcpy(data + o * inner * (size_t)out->dims[axis] + offset,
                       (const unsigned char *)env->data[node->inputs[i]] + o * block, block);
            offset += block;
        }
        break;
    }
    case AMASS_NN_OP_CAST:
        for (size_t i = 0; i < count; i++)
            nn_store_number(out->dtype, data, i, nn_load_number(in->dtype, source, i));
        break;
    case AMASS_NN_OP_ADD:
    case AMASS_NN_OP_SUB:
    case AMASS_NN_OP_MUL:
    case AMASS_NN_OP_DIV: {
        const amass_nn_tensor_type *other = &env->types[node->inputs[1]];
        size_t *offsets = amass_alloc_array(2 * count + 1, sizeof *offsets);
        if (other->dtype != in->dtype || (in->dtype != AMASS_NN_FLOAT32 && in->dtype != AMASS_NN_INT64) || !offsets) {
            free(offsets);
            free(data);
            return nn_fail_node(status, graph, node, "cannot fold %s with %s", amass_nn_dtype_name(in->dtype),
                                amass_nn_dtype_name(other->dtype));
        }
        host_binary(node->op, out, in, source, other, env->data[node->inputs[1]], data, offsets);
        free(offsets);
        break;
    }
    case AMASS_NN_OP_SLICE: {
        int sliced = nn_slice_evaluate(graph, node, env, data, status);
        if (sliced != AMASS_OK) {
            free(data);
            return sliced;
        }
        break;
    }
    default: /* Reshape, Flatten, Squeeze, Unsqueeze, Identity keep the bytes */
        if (count)
            memcpy(data, source, count * element);
        break;
    }
    *result = data;
    return AMASS_OK;
}
