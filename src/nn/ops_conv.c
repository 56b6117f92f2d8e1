/* Primitive setup for the compute-heavy ops: Conv, Gemm and MatMul, with
 * fused bias, activations and residual sum as oneDNN post-ops, and weights
 * reordered once into the layout the primitive chooses. */
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

static void any_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t type)
{
    dnnl_dims_t copy;
    for (int d = 0; d < rank; d++)
        copy[d] = dims[d];
    dnnl_memory_desc_init_by_tag(md, rank, copy, type, dnnl_format_tag_any);
}

static void plain_dims_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    for (int d = 0; d < rank; d++)
        type.dims[d] = dims[d];
    nn_plain_md(md, &type);
}

/* Adds the step; a fused residual is copied into dst first (or shares it). */
static int add_compute_step(nn_plan *plan, dnnl_primitive_desc_t pd, int sum_slot, nn_step **step,
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
    result = add_compute_step(plan, pd, sum_slot, &step, status);
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
    any_md(&src_any, in->rank, in->dims, compute);
    any_md(&weights_any, weight_rank, weight_dims, compute);
    plain_dims_md(&weights_user, weight_rank, weight_dims);
    plain_dims_md(&bias_md, 1, &weight_type->dims[0]);
    any_md(&dst_any, out->rank, out->dims, compute);
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
            const char *kernel = NULL;
            if (made == dnnl_success && layout == 0 &&
                (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &kernel) != dnnl_success || !kernel ||
                 strncmp(kernel, "ref", 3) == 0)) {
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

int nn_build_matmul(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *a = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *b = &plan->env.types[node->inputs[1]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    const void *weights = plan->env.data[node->inputs[1]];
    int gemm = node->op == AMASS_NN_OP_GEMM;
    int trans_a = gemm && nn_attr_int(node, "transA", 0), trans_b = gemm && nn_attr_int(node, "transB", 0);
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const void *bias = has_bias ? plan->env.data[node->inputs[2]] : NULL;
    int64_t n = out->dims[out->rank - 1], k = a->dims[trans_a ? 0 : a->rank - 1];
    if (trans_a || (trans_b && !weights))
        return nn_fail_node(status, plan->graph, node, "transposed runtime operands are not supported yet");
    if (gemm && (nn_attr_float(node, "alpha", 1) != 1 || nn_attr_float(node, "beta", 1) != 1))
        return nn_fail_node(status, plan->graph, node, "alpha and beta other than 1 need constant operands");
    if (has_bias && (!bias || amass_nn_type_count(&plan->env.types[node->inputs[2]]) != (size_t)n))
        return nn_fail_node(status, plan->graph, node, "the bias must be a constant of %lld values", (long long)n);
    /* Constant 2-D weights: fold A's leading dimensions into rows, so one
     * matmul with reordered weights does the whole batch. */
    int rank = weights && b->rank == 2 ? 2 : out->rank;
    int64_t a_dims[AMASS_NN_MAX_RANK], b_dims[AMASS_NN_MAX_RANK], out_dims[AMASS_NN_MAX_RANK], bias_dims[AMASS_NN_MAX_RANK];
    if (rank == 2) {
        a_dims[0] = (int64_t)(amass_nn_type_count(a) / (size_t)k);
        a_dims[1] = k;
        b_dims[0] = k;
        b_dims[1] = n;
    } else {
        for (int d = 0; d < rank; d++) {
            int da = d - (rank - a->rank), db = d - (rank - b->rank);
            a_dims[d] = da >= 0 ? a->dims[da] : 1;
            b_dims[d] = db >= 0 ? b->dims[db] : 1;
        }
    }
    for (int d = 0; d < rank; d++) {
        out_dims[d] = d < rank - 2 ? out->dims[d + out->rank - rank] : d == rank - 2 ? a_dims[d] : n;
        bias_dims[d] = d == rank - 1 ? n : 1;
    }
    dnnl_memory_desc_t a_md, b_md, b_user, bias_md, dst_md;
    plain_dims_md(&a_md, rank, a_dims);
    plain_dims_md(&dst_md, rank, out_dims);
    plain_dims_md(&bias_md, rank, bias_dims);
    plain_dims_md(&b_user, rank, b_dims);
    if (trans_b) {
        dnnl_dims_t dims = {k, n}, strides = {1, k};
        dnnl_memory_desc_init_by_strides(&b_user, 2, dims, dnnl_f32, strides);
    }
    /* bf16: both operands rounded to bf16, the product and dst in f32. */
    dnnl_data_type_t compute = nn_session_compute_type(plan->session);
    dnnl_memory_desc_t a_compute = a_md, b_compute = b_user;
    a_compute.data_type = compute;
    b_compute.data_type = compute;
    if (weights)
        any_md(&b_md, rank, b_dims, compute);
    else
        b_md = b_user;
    dnnl_matmul_desc_t desc;
    dnnl_status_t made = dnnl_matmul_desc_init(&desc, &a_compute, weights ? &b_md : &b_compute,
                                               has_bias ? &bias_md : NULL, &dst_md);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this matrix product", made);
    dnnl_primitive_attr_t attr;
    int sum_slot;
    int result = nn_post_ops_attr(plan, node, &attr, &sum_slot, status);
    if (result != AMASS_OK)
        return result;
    dnnl_primitive_desc_t pd;
    made = dnnl_primitive_desc_create(&pd, &desc, attr, nn_session_engine(plan->session), NULL);
    dnnl_primitive_attr_destroy(attr);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this matrix product", made);
    dnnl_memory_t weights_memory = NULL, bias_memory = NULL;
    int src = nn_plan_input_slot(plan, node, 0, status), other = -1, dst = -1;
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src >= 0)
        src = nn_view_slot(plan, src, &a_md, 1, status);
    if (src >= 0)
        src = nn_plan_as(plan, src, &a_compute, status);
    if (src >= 0 && !weights) {
        other = nn_plan_input_slot(plan, node, 1, status);
        other = other < 0 ? other : nn_plan_plain(plan, other, status);
        other = other < 0 ? other : nn_view_slot(plan, other, &b_md, 1, status);
        other = other < 0 ? other : nn_plan_as(plan, other, &b_compute, status);
    }
    result = src < 0 || (!weights && other < 0) ? (int)status->code : AMASS_OK;
    if (result == AMASS_OK && weights)
        result = nn_plan_weights(plan, node_index, 1, &b_user, weights,
                                 dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &weights_memory, status);
    if (result == AMASS_OK && has_bias)
        result = nn_plan_weights(plan, node_index, 2, &bias_md, bias,
                                 dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), &bias_memory, status);
    if (result == AMASS_OK && (dst = nn_plan_new_slot(plan, &dst_md, status)) < 0)
        result = status->code;
    if (result != AMASS_OK) {
        dnnl_primitive_desc_destroy(pd);
        return result;
    }
    dnnl_memory_desc_t out_md;
    nn_plain_md(&out_md, out);
    nn_plan_set_md(plan, node->outputs[0], &out_md);
    plan->slots[node->outputs[0]].root = dst;
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    nn_step *step;
    if (sum_slot >= 0) {
        /* The residual is seen through dst's 2-D shape. */
        int residual = nn_plan_plain(plan, sum_slot, status);
        sum_slot = residual < 0 ? residual : nn_view_slot(plan, residual, &dst_md, 1, status);
        if (sum_slot < 0) {
            dnnl_primitive_desc_destroy(pd);
            return status->code;
        }
    }
    result = add_compute_step(plan, pd, sum_slot, &step, status);
    if (result != AMASS_OK)
        return result;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    if (weights)
        nn_step_arg_memory(step, DNNL_ARG_WEIGHTS, weights_memory);
    else
        nn_step_arg(step, DNNL_ARG_WEIGHTS, other);
    if (bias_memory)
        nn_step_arg_memory(step, DNNL_ARG_BIAS, bias_memory);
    nn_step_arg(step, DNNL_ARG_DST, dst);
    return AMASS_OK;
}
