/* ConvTranspose on oneDNN's deconvolution, with fused post-ops like Conv
 * and the weights reordered once from ONNX's (in, out / group, kernel)
 * layout, read through strides, into the layout the primitive picks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

static void dims_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims, int any)
{
    dnnl_dims_t copy;
    for (int d = 0; d < rank; d++)
        copy[d] = dims[d];
    if (any) {
        dnnl_memory_desc_init_by_tag(md, rank, copy, dnnl_f32, dnnl_format_tag_any);
        return;
    }
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    memcpy(type.dims, dims, (size_t)rank * sizeof *dims);
    nn_plain_md(md, &type);
}

/* oneDNN's logical weights are (group, out / group, in / group, kernel...)
 * (no group axis when group is 1); ONNX stores in-channels first. */
static void weights_user_md(dnnl_memory_desc_t *md, const amass_nn_tensor_type *weights, int64_t group,
                            int64_t *dims, int *rank)
{
    dnnl_dims_t logical, strides;
    int64_t kernel = 1, in_per_group = weights->dims[0] / group, out_per_group = weights->dims[1];
    int spatial = weights->rank - 2, n = 0;
    for (int d = 0; d < spatial; d++)
        kernel *= weights->dims[2 + d];
    if (group > 1) {
        logical[n] = group;
        strides[n++] = in_per_group * out_per_group * kernel;
    }
    logical[n] = out_per_group;
    strides[n++] = kernel;
    logical[n] = in_per_group;
    strides[n++] = out_per_group * kernel;
    for (int d = 0; d < spatial; d++) {
        int64_t inner = 1;
        for (int e = d + 1; e < spatial; e++)
            inner *= weights->dims[2 + e];
        logical[n] = weights->dims[2 + d];
        strides[n++] = inner;
    }
    dnnl_memory_desc_init_by_strides(md, n, logical, dnnl_f32, strides);
    for (int d = 0; d < n; d++)
        dims[d] = logical[d];
    *rank = n;
}

int nn_build_deconv(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *weight_type = &plan->env.types[node->inputs[1]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const void *weights = plan->env.data[node->inputs[1]];
    const void *bias = has_bias ? plan->env.data[node->inputs[2]] : NULL;
    nn_deconv deconv;
    int result = nn_deconv_geometry(plan->graph, node, &plan->env, &deconv, status);
    if (result != AMASS_OK)
        return result;
    if (!weights || (has_bias && !bias))
        return nn_fail_node(status, plan->graph, node, "weights and bias must be constants");
    int64_t weight_dims[AMASS_NN_MAX_RANK];
    int weight_rank;
    dnnl_memory_desc_t src_any, weights_any, weights_user, bias_md, dst_any;
    weights_user_md(&weights_user, weight_type, deconv.group, weight_dims, &weight_rank);
    dims_md(&src_any, in->rank, in->dims, 1);
    dims_md(&weights_any, weight_rank, weight_dims, 1);
    dims_md(&bias_md, 1, &deconv.out_channels, 0);
    dims_md(&dst_any, out->rank, out->dims, 1);
    const nn_window *window = &deconv.window;
    dnnl_dims_t strides, dilates, pad_left, pad_right;
    for (int d = 0; d < window->spatial; d++) {
        strides[d] = window->stride[d];
        dilates[d] = window->dilation[d] - 1; /* oneDNN counts the gaps */
        pad_left[d] = window->pad_begin[d];
        /* output_padding grows the far end: oneDNN sees it as less padding. */
        pad_right[d] = window->pad_end[d] - deconv.output_padding[d];
    }
    dnnl_primitive_attr_t attr;
    int sum_slot;
    result = nn_post_ops_attr(plan, node, &attr, &sum_slot, status);
    if (result != AMASS_OK)
        return result;
    dnnl_deconvolution_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t made = dnnl_dilated_deconvolution_forward_desc_init(
        &desc, dnnl_forward_inference, dnnl_deconvolution_direct, &src_any, &weights_any, has_bias ? &bias_md : NULL,
        &dst_any, strides, dilates, pad_left, pad_right);
    if (made == dnnl_success)
        made = dnnl_primitive_desc_create(&pd, &desc, attr, nn_session_engine(plan->session), NULL);
    dnnl_primitive_attr_destroy(attr);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this transposed convolution", made);
    dnnl_memory_t weights_memory, bias_memory = NULL;
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_as(plan, src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), status);
    result = src < 0 ? (int)status->code
                     : nn_plan_weights(plan, node_index, 1, &weights_user, weights,
                                       dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &weights_memory,
                                       status);
    if (result == AMASS_OK && has_bias)
        result = nn_plan_weights(plan, node_index, 2, &bias_md, bias,
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
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    step->sum_slot = sum_slot;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg_memory(step, DNNL_ARG_WEIGHTS, weights_memory);
    if (bias_memory)
        nn_step_arg_memory(step, DNNL_ARG_BIAS, bias_memory);
    nn_step_arg(step, DNNL_ARG_DST, node->outputs[0]);
    return AMASS_OK;
}
