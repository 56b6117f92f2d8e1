/* Primitive setup for the layout-agnostic ops: activations, broadcasting
 * arithmetic, pooling, standalone BatchNormalization, Softmax, ReduceMean.
 * They take their input in whatever layout it arrives (blocked after a
 * convolution), so no reorder sits between them and the next Conv. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

int nn_add_simple_step(nn_plan *plan, const nn_node *node, const void *desc, dnnl_primitive_attr_t attr,
                       int src_kind, int src, const char *what, nn_step **added, amass_status *status)
{
    dnnl_primitive_desc_t pd;
    dnnl_status_t made = dnnl_primitive_desc_create(&pd, desc, attr, nn_session_engine(plan->session), NULL);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, what, made);
    nn_plan_set_md(plan, node->outputs[0], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    nn_step_arg(step, src_kind, src);
    nn_step_arg(step, DNNL_ARG_DST, node->outputs[0]);
    if (added)
        *added = step;
    return AMASS_OK;
}

int nn_clip_bounds(const amass_nn_graph *graph, const nn_node *node, float *low, float *high)
{
    *low = nn_attr_float(node, "min", -3.402823466e38f);
    *high = nn_attr_float(node, "max", 3.402823466e38f);
    for (int i = 1; i < node->n_inputs && i < 3; i++) {
        if (node->inputs[i] < 0)
            continue;
        const float *bound = nn_constant_data(graph, node->inputs[i]);
        if (!bound || graph->values[node->inputs[i]].type.dtype != AMASS_NN_FLOAT32 ||
            amass_nn_type_count(&graph->values[node->inputs[i]].type) != 1)
            return 0;
        *(i == 1 ? low : high) = bound[0];
    }
    return 1;
}

int nn_build_eltwise(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src < 0)
        return status->code;
    dnnl_alg_kind_t algorithm = dnnl_eltwise_relu;
    float alpha = 0, beta = 0;
    dnnl_primitive_attr_t attr = NULL;
    switch (node->op) {
    case AMASS_NN_OP_CLIP:
        algorithm = dnnl_eltwise_clip;
        if (!nn_clip_bounds(plan->graph, node, &alpha, &beta))
            return nn_fail_node(status, plan->graph, node, "the bounds must be constant scalars");
        break;
    case AMASS_NN_OP_SIGMOID:
        algorithm = dnnl_eltwise_logistic;
        break;
    case AMASS_NN_OP_TANH:
        algorithm = dnnl_eltwise_tanh;
        break;
    case AMASS_NN_OP_HARD_SWISH:
        algorithm = dnnl_eltwise_hardswish;
        break;
    case AMASS_NN_OP_HARD_SIGMOID: {
        /* max(0, min(1, alpha*x + beta)): a linear step, then a clip post-op. */
        dnnl_post_ops_t ops;
        algorithm = dnnl_eltwise_linear;
        alpha = nn_attr_float(node, "alpha", 0.2f);
        beta = nn_attr_float(node, "beta", 0.5f);
        if (dnnl_primitive_attr_create(&attr) != dnnl_success || dnnl_post_ops_create(&ops) != dnnl_success)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_clip, 0.0f, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
        break;
    }
    default:
        break;
    }
    dnnl_eltwise_desc_t desc;
    dnnl_status_t made = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, algorithm,
                                                        &plan->slots[src].md, alpha, beta);
    int result = made == dnnl_success ? nn_add_simple_step(plan, node, &desc, attr, DNNL_ARG_SRC, src,
                                                           "create this activation", NULL, status)
                                      : nn_dnnl_fail(status, plan, node, "describe this activation", made);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return result;
}

/* A view of slot with rank dimensions (leading 1s), plain layout. */
static int widen(nn_plan *plan, int slot, int rank, amass_status *status)
{
    const dnnl_memory_desc_t *md = &plan->slots[slot].md;
    if (md->ndims == rank)
        return slot;
    int plain = nn_plan_plain(plan, slot, status);
    if (plain < 0)
        return plain;
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    int shift = rank - plan->slots[plain].md.ndims;
    for (int d = 0; d < rank; d++)
        type.dims[d] = d < shift ? 1 : plan->slots[plain].md.dims[d - shift];
    dnnl_memory_desc_t wide;
    nn_plain_md(&wide, &type);
    int view = nn_plan_new_slot(plan, &wide, status);
    if (view >= 0) {
        plan->slots[view].root = plan->slots[plain].root;
        plan->slots[view].external = plan->slots[plain].external;
        plan->slots[view].plain = view;
    }
    return view;
}

int nn_build_binary(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    int first = nn_plan_input_slot(plan, node, 0, status);
    int second = first < 0 ? first : nn_plan_input_slot(plan, node, 1, status);
    if (second < 0)
        return status->code;
    if (out->dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 arithmetic runs");
    first = widen(plan, first, out->rank, status);
    second = first < 0 ? first : widen(plan, second, out->rank, status);
    if (second < 0)
        return status->code;
    int commutes = node->op == AMASS_NN_OP_ADD || node->op == AMASS_NN_OP_MUL || node->op == AMASS_NN_OP_MAX ||
                   node->op == AMASS_NN_OP_MIN;
    int first_full = 1, second_full = 1;
    for (int d = 0; d < out->rank; d++) {
        first_full &= plan->slots[first].md.dims[d] == out->dims[d];
        second_full &= plan->slots[second].md.dims[d] == out->dims[d];
    }
    if (!first_full && second_full && commutes) {
        int swap = first;
        first = second;
        second = swap;
        first_full = 1;
        second_full = 0;
    } else if (!first_full) {
        /* oneDNN broadcasts the second operand only; c - x and c / x with
         * a scalar c are the activations linear(-1, c) and c * x^-1. */
        const float *scalar = plan->slots[first].external;
        if (!second_full || !scalar || amass_nn_type_count(&plan->env.types[node->inputs[0]]) != 1)
            return nn_fail_node(status, plan->graph, node, "broadcasting the first operand is not supported yet");
        int sub = node->op == AMASS_NN_OP_SUB;
        dnnl_eltwise_desc_t desc;
        dnnl_status_t made = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference,
                                                            sub ? dnnl_eltwise_linear : dnnl_eltwise_pow,
                                                            &plan->slots[second].md, sub ? -1.0f : scalar[0],
                                                            sub ? scalar[0] : -1.0f);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, node, "describe this arithmetic", made);
        return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, second, "create this arithmetic", NULL,
                                  status);
    }
    /* x + c, x - c, x * c, x / c with a constant scalar c: oneDNN's binary
     * has no fast kernel for a blocked x against a one-element operand (it
     * falls back to its reference code, ~100x slower), while the
     * activation linear(alpha, beta) runs on any layout. */
    const float *constant = plan->slots[second].external;
    if (first_full && constant && plan->slots[second].md.ndims > 0 && dnnl_memory_desc_get_size(&plan->slots[second].md) == sizeof(float) &&
        plan->slots[second].md.data_type == dnnl_f32 &&
        (node->op == AMASS_NN_OP_ADD || node->op == AMASS_NN_OP_SUB || node->op == AMASS_NN_OP_MUL ||
         (node->op == AMASS_NN_OP_DIV && constant[0] != 0))) {
        float c = constant[0];
        float alpha = node->op == AMASS_NN_OP_MUL ? c : node->op == AMASS_NN_OP_DIV ? 1.0f / c : 1.0f;
        float beta = node->op == AMASS_NN_OP_ADD ? c : node->op == AMASS_NN_OP_SUB ? -c : 0.0f;
        dnnl_eltwise_desc_t desc;
        dnnl_status_t made = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, dnnl_eltwise_linear,
                                                            &plan->slots[first].md, alpha, beta);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, node, "describe this arithmetic", made);
        return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, first, "create this arithmetic", NULL,
                                  status);
    }
    if (plan->slots[first].external && !plan->slots[second].external && second_full)
        first = nn_plan_as(plan, first, &plan->slots[second].md, status);
    else if (second_full && !plan->slots[second].external &&
             !dnnl_memory_desc_equal(&plan->slots[first].md, &plan->slots[second].md) &&
             plan->slots[first].md.data_type == plan->slots[second].md.data_type)
        /* Two full operands in different layouts (a blocked conv output
         * plus a plain resize output) have only oneDNN's reference
         * kernel: one reorder to the first's layout is far cheaper. */
        second = nn_plan_as(plan, second, &plan->slots[first].md, status);
    else if (!second_full && !plan->slots[second].external &&
             plan->slots[first].md.format_kind == dnnl_blocked && plan->slots[second].md.format_kind == dnnl_blocked &&
             plan->slots[first].md.format_desc.blocking.inner_nblks == 0 &&
             plan->slots[second].md.format_desc.blocking.inner_nblks > 0)
        /* A blocked per-channel operand (a squeeze-and-excite scale)
         * against a plain-layout tensor has only the reference kernel;
         * in plain form it broadcasts in oneDNN's fast one. */
        second = nn_plan_plain(plan, second, status);
    if (first < 0 || second < 0)
        return status->code;
    dnnl_alg_kind_t algorithm = node->op == AMASS_NN_OP_ADD   ? dnnl_binary_add
                                : node->op == AMASS_NN_OP_SUB ? dnnl_binary_sub
                                : node->op == AMASS_NN_OP_MUL ? dnnl_binary_mul
                                : node->op == AMASS_NN_OP_MAX ? dnnl_binary_max
                                : node->op == AMASS_NN_OP_MIN ? dnnl_binary_min
                                                              : dnnl_binary_div;
    dnnl_binary_desc_t desc;
    dnnl_status_t made = dnnl_binary_desc_init(&desc, algorithm, &plan->slots[first].md, &plan->slots[second].md,
                                               &plan->slots[first].md);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this arithmetic", made);
    dnnl_primitive_desc_t probe;
    if (plan->slots[first].md.data_type != plan->slots[second].md.data_type &&
        dnnl_primitive_desc_create(&probe, &desc, NULL, nn_session_engine(plan->session), NULL) != dnnl_success) {
        /* A bf16 operand meeting an f32 one where oneDNN has no mixed
         * kernel: both widened, so the arithmetic runs in f32. */
        first = nn_plan_f32(plan, first, status);
        second = first < 0 ? first : nn_plan_f32(plan, second, status);
        if (second < 0)
            return status->code;
        made = dnnl_binary_desc_init(&desc, algorithm, &plan->slots[first].md, &plan->slots[second].md,
                                     &plan->slots[first].md);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, node, "describe this arithmetic", made);
    } else if (plan->slots[first].md.data_type != plan->slots[second].md.data_type) {
        dnnl_primitive_desc_destroy(probe);
    }
    int result =
        nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC_0, first, "create this arithmetic", NULL, status);
    if (result == AMASS_OK)
        nn_step_arg(&plan->steps[plan->n_steps - 1], DNNL_ARG_SRC_1, second);
    return result;
}

int nn_build_pool(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    nn_window window;
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src < 0)
        return status->code;
    int result = nn_window_geometry(plan->graph, node, &plan->env, &window, status);
    if (result != AMASS_OK)
        return result;
    dnnl_dims_t strides, kernel, dilation, pad_left, pad_right, dims;
    for (int d = 0; d < window.spatial; d++) {
        strides[d] = window.stride[d];
        kernel[d] = window.kernel[d];
        dilation[d] = window.dilation[d] - 1;
        pad_left[d] = window.pad_begin[d];
        /* ceil_mode: widen the right padding so oneDNN's floor gives the same count. */
        int64_t extent = window.dilation[d] * (window.kernel[d] - 1) + 1;
        int64_t needed = (window.out[d] - 1) * window.stride[d] + extent - in->dims[2 + d] - window.pad_begin[d];
        pad_right[d] = needed > window.pad_end[d] ? needed : window.pad_end[d];
    }
    for (int d = 0; d < out->rank; d++)
        dims[d] = out->dims[d];
    /* oneDNN pools plain NCHW with a simple loop ~10x slower than its
     * blocked kernel: an image of many channels is reordered once first. */
    const dnnl_memory_desc_t *src_md = &plan->slots[src].md;
    if (src_md->ndims == 4 && src_md->dims[1] >= 16 && src_md->data_type == dnnl_f32 &&
        src_md->format_kind == dnnl_blocked && src_md->format_desc.blocking.inner_nblks == 0) {
        dnnl_memory_desc_t blocked;
        if (dnnl_memory_desc_init_by_tag(&blocked, 4, src_md->dims, dnnl_f32, dnnl_aBcd16b) == dnnl_success &&
            (src = nn_plan_as(plan, src, &blocked, status)) < 0)
            return status->code;
    }
    dnnl_memory_desc_t dst_any;
    dnnl_memory_desc_init_by_tag(&dst_any, out->rank, dims, plan->slots[src].md.data_type, dnnl_format_tag_any);
    dnnl_alg_kind_t algorithm = node->op == AMASS_NN_OP_MAX_POOL ? dnnl_pooling_max
                                : node->op == AMASS_NN_OP_AVERAGE_POOL && nn_attr_int(node, "count_include_pad", 0)
                                    ? dnnl_pooling_avg_include_padding
                                    : dnnl_pooling_avg_exclude_padding;
    dnnl_pooling_v2_desc_t desc;
    dnnl_status_t made = dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, algorithm,
                                                           &plan->slots[src].md, &dst_any, strides, kernel, dilation,
                                                           pad_left, pad_right);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this pooling", made);
    return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, src, "create this pooling", NULL, status);
}

int nn_build_batch_norm(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    int slots[5];
    for (int i = 0; i < 5; i++) {
        if (i > 0 && (node->n_inputs <= i || node->inputs[i] < 0 || !plan->env.data[node->inputs[i]]))
            return nn_fail_node(status, plan->graph, node, "scale, bias, mean and variance must be constants");
        slots[i] = nn_plan_input_slot(plan, node, i, status);
        if (slots[i] < 0)
            return status->code;
    }
    dnnl_batch_normalization_desc_t desc;
    dnnl_status_t made = dnnl_batch_normalization_forward_desc_init(
        &desc, dnnl_forward_inference, &plan->slots[slots[0]].md, nn_attr_float(node, "epsilon", 1e-5f),
        dnnl_use_global_stats | dnnl_use_scale | dnnl_use_shift);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this normalization", made);
    int result = nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, slots[0], "create this normalization",
                                    NULL, status);
    if (result == AMASS_OK) {
        nn_step *step = &plan->steps[plan->n_steps - 1];
        nn_step_arg(step, DNNL_ARG_SCALE, slots[1]);
        nn_step_arg(step, DNNL_ARG_SHIFT, slots[2]);
        nn_step_arg(step, DNNL_ARG_MEAN, slots[3]);
        nn_step_arg(step, DNNL_ARG_VARIANCE, slots[4]);
    }
    return result;
}

int nn_build_softmax(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    /* Softmax reads along one axis; a plain layout keeps that axis
     * contiguous whatever blocking the producer chose. */
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    int rank = plan->env.types[node->inputs[0]].rank;
    int64_t axis = nn_attr_int(node, "axis", -1);
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank)
        return nn_fail_node(status, plan->graph, node, "axis out of range");
    dnnl_softmax_desc_t desc;
    dnnl_status_t made = dnnl_softmax_forward_desc_init(&desc, dnnl_forward_inference, &plan->slots[src].md,
                                                        (int)axis);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this softmax", made);
    return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, src, "create this softmax", NULL, status);
}

static dnnl_alg_kind_t reduction_algorithm(amass_nn_op op)
{
    switch (op) {
    case AMASS_NN_OP_REDUCE_SUM:
        return dnnl_reduction_sum;
    case AMASS_NN_OP_REDUCE_MAX:
        return dnnl_reduction_max;
    case AMASS_NN_OP_REDUCE_MIN:
        return dnnl_reduction_min;
    case AMASS_NN_OP_REDUCE_PROD:
        return dnnl_reduction_mul;
    case AMASS_NN_OP_REDUCE_L2:
        return dnnl_reduction_norm_lp_sum; /* p = 2: sqrt of the sum of squares */
    default:
        return dnnl_reduction_mean;
    }
}

int nn_build_reduce(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src < 0)
        return status->code;
    /* The kept-dimensions shape: output dims where they survive, 1 elsewhere. */
    amass_nn_tensor_type kept = *in;
    int64_t axes[AMASS_NN_MAX_RANK];
    int n_axes = nn_attr_ints(node, "axes", axes, AMASS_NN_MAX_RANK);
    if (n_axes < 0 && node->n_inputs > 1 && node->inputs[1] >= 0 && plan->env.data[node->inputs[1]]) {
        n_axes = (int)amass_nn_type_count(&plan->env.types[node->inputs[1]]);
        for (int i = 0; i < n_axes && i < AMASS_NN_MAX_RANK; i++)
            axes[i] = ((const int64_t *)plan->env.data[node->inputs[1]])[i];
    }
    for (int d = 0; d < in->rank; d++) {
        int marked = n_axes <= 0;
        for (int i = 0; i < n_axes; i++)
            marked |= axes[i] == d || axes[i] + in->rank == d;
        if (marked)
            kept.dims[d] = 1;
    }
    /* A mean over the spatial axes of an image, dimensions kept, is a
     * global average pool: oneDNN pools any layout with its fast kernels,
     * while its reduction falls back to reference code on blocked ones
     * (squeeze-and-excite blocks make one per block). */
    if (node->op == AMASS_NN_OP_REDUCE_MEAN && in->rank == 4 && out->rank == 4 && kept.dims[0] == in->dims[0] &&
        kept.dims[1] == in->dims[1] && kept.dims[2] == 1 && kept.dims[3] == 1 && in->dims[2] > 0 && in->dims[3] > 0) {
        dnnl_dims_t strides = {1, 1}, kernel = {in->dims[2], in->dims[3]}, dilation = {0, 0}, padding = {0, 0};
        dnnl_memory_desc_t pooled;
        dnnl_dims_t dims = {out->dims[0], out->dims[1], 1, 1};
        dnnl_memory_desc_init_by_tag(&pooled, 4, dims, plan->slots[src].md.data_type, dnnl_format_tag_any);
        dnnl_pooling_v2_desc_t desc;
        dnnl_status_t made = dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference,
                                                               dnnl_pooling_avg_exclude_padding, &plan->slots[src].md,
                                                               &pooled, strides, kernel, dilation, padding, padding);
        if (made == dnnl_success)
            return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, src, "create this mean", NULL, status);
    }
    dnnl_memory_desc_t dst_md, out_md;
    nn_plain_md(&dst_md, &kept);
    nn_plain_md(&out_md, out);
    int dst = nn_plan_new_slot(plan, &dst_md, status);
    if (dst < 0)
        return status->code;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t made = dnnl_unimplemented;
    /* The input's own layout first; plain if oneDNN has no kernel for it. */
    for (int attempt = 0; attempt < 2 && made != dnnl_success; attempt++) {
        if (attempt == 1 && (src = nn_plan_plain(plan, src, status)) < 0)
            return status->code;
        dnnl_reduction_desc_t desc;
        made = dnnl_reduction_desc_init(&desc, reduction_algorithm(node->op), &plan->slots[src].md, &dst_md,
                                        node->op == AMASS_NN_OP_REDUCE_L2 ? 2.0f : 0, 0);
        if (made == dnnl_success)
            made = dnnl_primitive_desc_create(&pd, &desc, NULL, nn_session_engine(plan->session), NULL);
    }
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this reduction", made);
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg(step, DNNL_ARG_DST, dst);
    nn_plan_set_md(plan, node->outputs[0], &out_md);
    plan->slots[node->outputs[0]].root = dst;
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    return AMASS_OK;
}
