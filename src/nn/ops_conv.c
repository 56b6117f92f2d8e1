/* Primitive setup for the compute-heavy ops: Conv, Gemm and MatMul, with
 * fused bias, activations and residual sum as oneDNN post-ops, and weights
 * reordered once into the layout the primitive chooses (MatMul: ops_matmul.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

int nn_post_ops_attr(nn_plan *plan, const nn_node *node, dnnl_primitive_attr_t *attr, int *sum_slot,
                     amass_status *status)
{
    dnnl_post_ops_t ops = NULL;
    dnnl_status_t result = dnnl_primitive_attr_create(attr);
    *sum_slot = -1;
    if (result == dnnl_success && node->n_post > 0) {
        result = dnnl_post_ops_create(&ops);
        for (int p = 0; p < node->n_post && result == dnnl_success; p++) {
            const nn_post_op *post = &node->post[p];
            if (post->kind == NN_POST_SUM) {
                result = dnnl_post_ops_append_sum(ops, 1.0f);
                *sum_slot = post->value;
                if (plan->env.data[post->value] || !plan->slots[post->value].has_md)
                    result = dnnl_invalid_arguments;
            } else {
                result = dnnl_post_ops_append_eltwise(ops, 1.0f, post->algorithm, post->alpha, post->beta);
            }
        }
        if (result == dnnl_success)
            result = dnnl_primitive_attr_set_post_ops(*attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    if (result != dnnl_success) {
        dnnl_primitive_attr_destroy(*attr);
        *attr = NULL;
        return nn_dnnl_fail(status, plan, node, "set up the fused post-ops", result);
    }
    return AMASS_OK;
}

void nn_any_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t type)
{
    dnnl_dims_t copy;
    for (int d = 0; d < rank; d++)
        copy[d] = dims[d];
    dnnl_memory_desc_init_by_tag(md, rank, copy, type, dnnl_format_tag_any);
}

void nn_plain_dims_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    for (int d = 0; d < rank; d++)
        type.dims[d] = dims[d];
    nn_plain_md(md, &type);
}

/* Adds the step; a fused residual is copied into dst first (or shares it). */
int nn_add_compute_step(nn_plan *plan, dnnl_primitive_desc_t pd, int sum_slot, nn_step **step,
                        amass_status *status)
{
    *step = nn_plan_add_step(plan, pd, status);
    if (!*step)
        return status->code;
    (*step)->sum_slot = sum_slot;
    return AMASS_OK;
}

void nn_window_dnnl(const nn_window *window, dnnl_dims_t strides, dnnl_dims_t dilates, dnnl_dims_t pad_left,
                    dnnl_dims_t pad_right)
{
    for (int d = 0; d < window->spatial; d++) {
        strides[d] = window->stride[d];
        dilates[d] = window->dilation[d] - 1; /* oneDNN counts the gaps */
        pad_left[d] = window->pad_begin[d];
        pad_right[d] = window->pad_end[d];
    }
}

int nn_add_convolution_step(nn_plan *plan, int node_index, dnnl_primitive_desc_t pd,
                            const dnnl_memory_desc_t *weights_user, const dnnl_memory_desc_t *bias_md, int sum_slot,
                            amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    dnnl_memory_t weights_memory, bias_memory = NULL;
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_as(plan, src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), status);
    int result = src < 0 ? (int)status->code
                         : nn_plan_weights(plan, node_index, 1, weights_user, plan->env.data[node->inputs[1]],
                                           dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                           &weights_memory, status);
    if (result == AMASS_OK && has_bias)
        result = nn_plan_weights(plan, node_index, 2, bias_md, plan->env.data[node->inputs[2]],
                                 dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), &bias_memory, status);
    if (result != AMASS_OK) {
        dnnl_primitive_desc_destroy(pd);
        return result;
    }
    nn_plan_set_md(plan, node->outputs[0], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
    /* The residual in dst's layout, so the sum can run in place. */
    if (sum_slot >= 0 && (sum_slot = nn_plan_as(plan, sum_slot, &plan->slots[node->outputs[0]].md, status)) < 0) {
        dnnl_primitive_desc_destroy(pd);
        return status->code;
    }
    nn_step *step;
    result = nn_add_compute_step(plan, pd, sum_slot, &step, status);
    if (result != AMASS_OK)
        return result;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg_memory(step, DNNL_ARG_WEIGHTS, weights_memory);
    if (bias_memory)
        nn_step_arg_memory(step, DNNL_ARG_BIAS, bias_memory);
    nn_step_arg(step, DNNL_ARG_DST, node->outputs[0]);
    return AMASS_OK;
}

int nn_build_conv(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *weight_type = &plan->env.types[node->inputs[1]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const void *weights = plan->env.data[node->inputs[1]];
    const void *bias = has_bias ? plan->env.data[node->inputs[2]] : NULL;
    nn_window window;
    int result = nn_window_geometry(plan->graph, node, &plan->env, &window, status);
    if (result != AMASS_OK)
        return result;
    if (!weights || (has_bias && !bias))
        return nn_fail_node(status, plan->graph, node, "weights and bias must be constants");
    int64_t group = nn_attr_int(node, "group", 1);
    int64_t weight_dims[6];
    int weight_rank = 0;
    if (group > 1)
        weight_dims[weight_rank++] = group;
    weight_dims[weight_rank++] = weight_type->dims[0] / group;
    for (int d = 1; d < weight_type->rank; d++)
        weight_dims[weight_rank++] = weight_type->dims[d];
    /* In bf16 the output stays bf16 too: the next convolution reads it
     * without a conversion, and the bias stays f32. A convolution with one
     * output position per channel (squeeze-excitation gates, heads) costs
     * next to nothing and scales whole feature maps, so it keeps f32. */
    dnnl_data_type_t compute = nn_session_compute_type(plan->session);
    int64_t positions = 1;
    for (int d = 2; d < out->rank; d++)
        positions *= out->dims[d];
    if (positions == 1)
        compute = dnnl_f32;
    dnnl_memory_desc_t src_any, weights_any, bias_md, dst_any, weights_user;
    nn_any_md(&src_any, in->rank, in->dims, compute);
    nn_any_md(&weights_any, weight_rank, weight_dims, compute);
    nn_plain_dims_md(&weights_user, weight_rank, weight_dims);
    nn_plain_dims_md(&bias_md, 1, &weight_type->dims[0]);
    nn_any_md(&dst_any, out->rank, out->dims, compute);
    dnnl_dims_t strides, dilates, pad_left, pad_right;
    nn_window_dnnl(&window, strides, dilates, pad_left, pad_right);
    dnnl_primitive_attr_t attr;
    int sum_slot;
    result = nn_post_ops_attr(plan, node, &attr, &sum_slot, status);
    if (result != AMASS_OK)
        return result;
    int winograd = nn_session_winograd(plan->session) && compute == dnnl_f32 && group == 1 && window.spatial == 2;
    for (int d = 0; d < window.spatial; d++)
        winograd &= window.kernel[d] == 3 && window.stride[d] == 1 && window.dilation[d] == 1;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t made = dnnl_unimplemented;
    /* Winograd where asked and oneDNN has a kernel for it; direct otherwise. */
    /* f32 images: channels blocked by 16 (nChw16c) from one convolution
     * to the next where oneDNN has kernels for it. Its default choice
     * (channels last, brgemm) is slower on the memory-bound layers of
     * mobile networks (MobileNetV2 at batch 16: 234 against 277 images/s)
     * and no faster elsewhere. An input of fewer than 16 channels (the
     * image) keeps the layout oneDNN picks, so it is not padded. In a
     * bf16 session the f32 gates keep oneDNN's choice too: they meet bf16
     * feature maps in channels-last layout, where only the reference
     * kernel multiplies a blocked gate. */
    int blocked = nn_session_compute_type(plan->session) == dnnl_f32 && in->rank == 4;
    dnnl_memory_desc_t src_md = src_any, dst_md = dst_any;
    for (int layout = blocked ? 0 : 1; layout < 2 && made != dnnl_success; layout++) {
        if (layout == 0) {
            dnnl_dims_t src_dims, dst_dims;
            for (int d = 0; d < 4; d++) {
                src_dims[d] = in->dims[d];
                dst_dims[d] = out->dims[d];
            }
            if (in->dims[1] % 16 == 0)
                dnnl_memory_desc_init_by_tag(&src_md, 4, src_dims, compute, dnnl_aBcd16b);
            dnnl_memory_desc_init_by_tag(&dst_md, 4, dst_dims, compute, dnnl_aBcd16b);
        } else {
            src_md = src_any;
            dst_md = dst_any;
        }
        for (int attempt = winograd ? 0 : 1; attempt < 2 && made != dnnl_success; attempt++) {
            dnnl_convolution_desc_t desc;
            made = dnnl_dilated_convolution_forward_desc_init(
                &desc, dnnl_forward_inference, attempt == 0 ? dnnl_convolution_winograd : dnnl_convolution_direct,
                &src_md, &weights_any, has_bias ? &bias_md : NULL, &dst_md, strides, dilates, pad_left, pad_right);
            if (made == dnnl_success)
                made = dnnl_primitive_desc_create(&pd, &desc, attr, nn_session_engine(plan->session), NULL);
            /* Blocked only with an optimised kernel (not for e.g. groups
             * of 8 channels, which only the reference code runs blocked). */
            if (made == dnnl_success && layout == 0 && nn_pd_is_reference(pd)) {
                dnnl_primitive_desc_destroy(pd);
                pd = NULL;
                made = dnnl_unimplemented;
            }
        }
    }
    dnnl_primitive_attr_destroy(attr);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this convolution", made);
    return nn_add_convolution_step(plan, node_index, pd, &weights_user, &bias_md, sum_slot, status);
}

