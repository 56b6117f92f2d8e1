/* MatMul and Gemm on oneDNN's matmul: constant weights reordered once into
 * the layout the primitive picks, bias and activations fused, and the
 * attention's head transposes read and written in place through strided
 * views instead of copied (see strided_operand, transposed_dst). */
#include "config.h"

#include "nn_ops.h"

/* A runtime operand already in a strided view of these dims (a Transpose
 * left lazy for this product, ops_layout.c): oneDNN's matmul reads it
 * where it lies, so the heads of Q, K and V are never copied out. */
static int strided_operand(const nn_plan *plan, const nn_node *node, int i, int rank, const int64_t *dims,
                           dnnl_data_type_t compute, dnnl_memory_desc_t *md)
{
    int value = node->inputs[i];
    if (compute != dnnl_f32 || value < 0 || plan->env.data[value] || !plan->slots[value].has_md)
        return 0;
    const dnnl_memory_desc_t *view = &plan->slots[value].md;
    if (view->ndims != rank || view->format_kind != dnnl_blocked || view->format_desc.blocking.inner_nblks != 0 ||
        view->data_type != dnnl_f32 || view->offset0 != 0)
        return 0;
    for (int d = 0; d < rank; d++)
        if (view->dims[d] != dims[d])
            return 0;
    dnnl_memory_desc_t plain;
    nn_plain_dims_md(&plain, rank, dims);
    if (dnnl_memory_desc_equal(&plain, view))
        return 0;
    *md = *view;
    return 1;
}

/* A product read only by a Transpose (the attention's context, heads
 * back among the tokens) is written straight in the transposed order:
 * dst is the transposed tensor's plain buffer seen with permuted strides,
 * and the Transpose becomes a view of it. */
static int transposed_dst(const nn_plan *plan, const nn_node *node, int rank, const int64_t *dims,
                          dnnl_memory_desc_t *md)
{
    const amass_nn_graph *graph = plan->graph;
    int reader = node->n_post == 0 ? nn_sole_consumer(graph, node->outputs[0]) : -1;
    if (reader < 0 || graph->nodes[reader].op != AMASS_NN_OP_TRANSPOSE || rank != plan->env.types[node->outputs[0]].rank)
        return 0;
    /* axis d of the transposed tensor is axis permutation[d] of the product */
    int permutation[AMASS_NN_MAX_RANK];
    if (!nn_transpose_perm(&graph->nodes[reader], rank, permutation))
        return 0;
    dnnl_memory_desc_t transposed;
    nn_plain_md(&transposed, &plan->env.types[graph->nodes[reader].outputs[0]]);
    if (transposed.ndims != rank || dnnl_memory_desc_permute_axes(md, &transposed, permutation) != dnnl_success)
        return 0;
    for (int d = 0; d < rank; d++)
        if (md->dims[d] != dims[d])
            return 0;
    return 1;
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
    dnnl_data_type_t compute = nn_session_compute_type(plan->session);
    dnnl_memory_desc_t a_md, b_md, b_user, bias_md, dst_md, a_compute, b_compute;
    dnnl_primitive_desc_t pd = NULL;
    int a_strided = 0, b_strided = 0, dst_transposed = 0, sum_slot = -1, result = AMASS_OK;
    /* The strided forms first; plain operands when oneDNN has no fast kernel for them. */
    for (int attempt = 0; attempt < 2 && !pd; attempt++) {
        nn_plain_dims_md(&a_md, rank, a_dims);
        nn_plain_dims_md(&dst_md, rank, out_dims);
        nn_plain_dims_md(&bias_md, rank, bias_dims);
        nn_plain_dims_md(&b_user, rank, b_dims);
        if (trans_b) {
            dnnl_dims_t dims = {k, n}, strides = {1, k};
            dnnl_memory_desc_init_by_strides(&b_user, 2, dims, dnnl_f32, strides);
        }
        a_strided = attempt == 0 && strided_operand(plan, node, 0, rank, a_dims, compute, &a_md);
        b_strided = attempt == 0 && !weights && strided_operand(plan, node, 1, rank, b_dims, compute, &b_user);
        dst_transposed = attempt == 0 && transposed_dst(plan, node, rank, out_dims, &dst_md);
        if (attempt == 0 && !a_strided && !b_strided && !dst_transposed)
            continue;
        /* bf16: both operands rounded to bf16, the product and dst in f32. */
        a_compute = a_md;
        b_compute = b_user;
        a_compute.data_type = compute;
        b_compute.data_type = compute;
        if (weights)
            nn_any_md(&b_md, rank, b_dims, compute);
        else
            b_md = b_user;
        dnnl_matmul_desc_t desc;
        dnnl_status_t made = dnnl_matmul_desc_init(&desc, &a_compute, weights ? &b_md : &b_compute,
                                                   has_bias ? &bias_md : NULL, &dst_md);
        if (made != dnnl_success) {
            if (attempt == 0)
                continue;
            return nn_dnnl_fail(status, plan, node, "describe this matrix product", made);
        }
        dnnl_primitive_attr_t attr;
        result = nn_post_ops_attr(plan, node, &attr, &sum_slot, status);
        if (result != AMASS_OK)
            return result;
        made = dnnl_primitive_desc_create(&pd, &desc, attr, nn_session_engine(plan->session), NULL);
        dnnl_primitive_attr_destroy(attr);
        if (made == dnnl_success && attempt == 0 && nn_pd_is_reference(pd)) {
            dnnl_primitive_desc_destroy(pd);
            pd = NULL;
        } else if (made != dnnl_success) {
            pd = NULL;
            if (attempt == 1)
                return nn_dnnl_fail(status, plan, node, "create this matrix product", made);
        }
    }
    dnnl_memory_t weights_memory = NULL, bias_memory = NULL;
    int src = nn_plan_input_slot(plan, node, 0, status), other = -1, dst = -1;
    if (src >= 0 && !a_strided)
        src = nn_plan_plain(plan, src, status);
    if (src >= 0 && !a_strided)
        src = nn_view_slot(plan, src, &a_md, 1, status);
    if (src >= 0 && !a_strided)
        src = nn_plan_as(plan, src, &a_compute, status);
    if (src >= 0 && !weights) {
        other = nn_plan_input_slot(plan, node, 1, status);
        if (!b_strided) {
            other = other < 0 ? other : nn_plan_plain(plan, other, status);
            other = other < 0 ? other : nn_view_slot(plan, other, &b_md, 1, status);
            other = other < 0 ? other : nn_plan_as(plan, other, &b_compute, status);
        }
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
    nn_plan_set_md(plan, node->outputs[0], dst_transposed ? &dst_md : &out_md);
    plan->slots[node->outputs[0]].root = dst;
    plan->slots[node->outputs[0]].plain = dst_transposed ? -1 : node->outputs[0];
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
    result = nn_add_compute_step(plan, pd, sum_slot, &step, status);
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
