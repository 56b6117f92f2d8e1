/* Slice, Split, Pad and nearest Resize as one per-axis index gather: each
 * output axis gets a table of input positions (or -1 for Pad's constant),
 * so negative steps, reflect/edge padding and any nearest rounding mode
 * are just different tables, computed once per plan. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

void nn_gather_free(nn_gather *gather)
{
    for (int d = 0; d < AMASS_NN_MAX_RANK; d++) {
        free(gather->index[d]);
        gather->index[d] = NULL;
    }
}

static int64_t reflect(int64_t position, int64_t length)
{
    if (length == 1)
        return 0;
    int64_t period = 2 * (length - 1);
    position %= period;
    if (position < 0)
        position += period;
    return position < length ? position : period - position;
}

/* ONNX Runtime's rounding of a resize source coordinate, exactly. */
static int64_t nearest_index(nn_nearest_mode mode, float x, int shrinking)
{
    switch (mode) {
    case NN_NEAREST_ROUND_PREFER_FLOOR:
        if (x == (float)(int64_t)x + 0.5f)
            return (int64_t)x;
        return (int64_t)roundf(x);
    case NN_NEAREST_ROUND_PREFER_CEIL:
        return (int64_t)roundf(x);
    case NN_NEAREST_FLOOR:
        return (int64_t)floorf(x);
    case NN_NEAREST_CEIL:
        return (int64_t)ceilf(x);
    case NN_NEAREST_SIMPLE:
        return shrinking ? (int64_t)ceilf(x) : (int64_t)x;
    }
    return 0;
}

static int alloc_tables(nn_gather *gather, const amass_nn_tensor_type *in, const amass_nn_tensor_type *out,
                        amass_status *status)
{
    memset(gather, 0, sizeof *gather);
    gather->rank = in->rank;
    gather->element = amass_nn_dtype_size(in->dtype);
    for (int d = 0; d < in->rank; d++) {
        gather->in[d] = in->dims[d];
        gather->out[d] = out->dims[d];
        gather->index[d] = malloc(((size_t)out->dims[d] + 1) * sizeof *gather->index[d]);
        if (!gather->index[d]) {
            nn_gather_free(gather);
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        }
    }
    return AMASS_OK;
}

int nn_gather_for_node(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, int output,
                       nn_gather *gather, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    const amass_nn_tensor_type *out = &env->types[node->outputs[output]];
    int result = alloc_tables(gather, in, out, status);
    if (result != AMASS_OK)
        return result;
    switch (node->op) {
    case AMASS_NN_OP_SLICE: {
        nn_slice slice;
        result = nn_slice_geometry(graph, node, env, &slice, status);
        for (int d = 0; d < in->rank && result == AMASS_OK; d++)
            for (int64_t i = 0; i < out->dims[d]; i++)
                gather->index[d][i] = slice.start[d] + i * slice.step[d];
        break;
    }
    case AMASS_NN_OP_SPLIT: {
        nn_split split;
        result = nn_split_geometry(graph, node, env, &split, status);
        int64_t offset = 0;
        for (int k = 0; k < output && result == AMASS_OK; k++)
            offset += split.sizes[k];
        for (int d = 0; d < in->rank && result == AMASS_OK; d++)
            for (int64_t i = 0; i < out->dims[d]; i++)
                gather->index[d][i] = d == split.axis ? offset + i : i;
        free(split.sizes);
        break;
    }
    case AMASS_NN_OP_PAD: {
        nn_pad pad;
        result = nn_pad_geometry(graph, node, env, &pad, status);
        gather->fill = pad.value;
        for (int d = 0; d < in->rank && result == AMASS_OK; d++)
            for (int64_t i = 0; i < out->dims[d]; i++) {
                int64_t position = i - pad.begin[d], length = in->dims[d];
                if (position >= 0 && position < length)
                    gather->index[d][i] = position;
                else if (pad.mode == NN_PAD_CONSTANT)
                    gather->index[d][i] = -1;
                else if (pad.mode == NN_PAD_EDGE)
                    gather->index[d][i] = position < 0 ? 0 : length - 1;
                else
                    gather->index[d][i] = reflect(position, length);
            }
        break;
    }
    case AMASS_NN_OP_RESIZE:
    case AMASS_NN_OP_UPSAMPLE: {
        nn_resize resize;
        result = nn_resize_geometry(graph, node, env, &resize, status);
        for (int d = 0; d < in->rank && result == AMASS_OK; d++)
            for (int64_t i = 0; i < out->dims[d]; i++) {
                /* ONNX Runtime copies an axis of scale 1 straight through,
                 * whatever the mapping (tf_half_pixel_for_nn would shift it). */
                if (resize.scale[d] == 1.0f && in->dims[d] == out->dims[d]) {
                    gather->index[d][i] = i;
                    continue;
                }
                int64_t source = nearest_index(resize.nearest, nn_resize_source(&resize, d, i), resize.scale[d] < 1);
                gather->index[d][i] = source < 0 ? 0 : source >= in->dims[d] ? in->dims[d] - 1 : source;
            }
        break;
    }
    default:
        result = nn_fail_node(status, graph, node, "not a gather");
        break;
    }
    if (result != AMASS_OK)
        nn_gather_free(gather);
    return result;
}

void nn_gather_run(const nn_gather *gather, const void *in, void *out)
{
    int rank = gather->rank;
    size_t element = gather->element;
    if (rank == 0) {
        memcpy(out, in, element);
        return;
    }
    int64_t in_stride[AMASS_NN_MAX_RANK], rows = 1, inner = gather->out[rank - 1];
    in_stride[rank - 1] = 1;
    for (int d = rank - 2; d >= 0; d--)
        in_stride[d] = in_stride[d + 1] * gather->in[d + 1];
    for (int d = 0; d < rank - 1; d++)
        rows *= gather->out[d];
    const int64_t *last = gather->index[rank - 1];
    /* A run of consecutive positions in the last axis is one memcpy. */
    int contiguous = 1;
    for (int64_t j = 0; j < inner; j++)
        contiguous &= last[j] == last[0] + j;
#pragma omp parallel for schedule(static) if (rows * inner > 32768)
    for (int64_t row = 0; row < rows; row++) {
        int64_t rest = row, base = 0;
        int fill = 0;
        for (int d = rank - 2; d >= 0; d--) {
            int64_t position = gather->index[d][rest % gather->out[d]];
            rest /= gather->out[d];
            if (position < 0)
                fill = 1;
            base += position * in_stride[d];
        }
        unsigned char *target = (unsigned char *)out + (size_t)row * (size_t)inner * element;
        const unsigned char *source = (const unsigned char *)in + (size_t)base * element;
        if (element == sizeof(float)) {
            float *to = (float *)(void *)target;
            const float *from = (const float *)(const void *)source;
            if (fill)
                for (int64_t j = 0; j < inner; j++)
                    to[j] = gather->fill;
            else if (contiguous && inner > 0)
                memcpy(to, from + last[0], (size_t)inner * sizeof *to);
            else
                for (int64_t j = 0; j < inner; j++)
                    to[j] = last[j] < 0 ? gather->fill : from[last[j]];
            continue;
        }
        /* Folded shape arithmetic (int64 and the like) never pads. */
        for (int64_t j = 0; j < inner; j++)
            if (fill || last[j] < 0)
                memset(target + (size_t)j * element, 0, element);
            else
                memcpy(target + (size_t)j * element, source + (size_t)last[j] * element, element);
    }
}

int nn_slice_evaluate(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void *result,
                      amass_status *status)
{
    nn_gather gather;
    int made = nn_gather_for_node(graph, node, env, 0, &gather, status);
    if (made != AMASS_OK)
        return made;
    if (amass_nn_type_count(&env->types[node->outputs[0]]) > 0)
        nn_gather_run(&gather, env->data[node->inputs[0]], result);
    nn_gather_free(&gather);
    return AMASS_OK;
}

static void gather_kernel(const void *params, void *const *data)
{
    nn_gather_run(params, data[0], data[1]);
}

static void gather_release(void *params)
{
    if (params)
        nn_gather_free(params);
    free(params);
}

int nn_add_gather_step(nn_plan *plan, const nn_node *node, int src, int output, amass_status *status)
{
    int out = node->outputs[output];
    nn_gather *gather = calloc(1, sizeof *gather);
    if (!gather)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int result = nn_gather_for_node(plan->graph, node, &plan->env, output, gather, status);
    if (result != AMASS_OK) {
        free(gather);
        return result;
    }
    return nn_plan_add_plain_host_step(plan, gather_kernel, gather, gather_release, src, out, status);
}

/* One step per output (Split has several), reading the plain input. */
int nn_build_gather(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    for (int k = 0; k < node->n_outputs; k++) {
        int result = nn_add_gather_step(plan, node, src, k, status);
        if (result != AMASS_OK)
            return result;
    }
    return AMASS_OK;
}
