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

/* When the kernel tiles the output exactly (kernel == stride, no padding,
 * dilation or group), each input pixel writes its own kernel-sized block:
 * one matrix product (pixels x in) * (in x out*kernel) then a reorder that
 * scatters the blocks into place. oneDNN 2.6's deconvolution runs this
 * case (PP-OCR's det head) tens of times slower than the product. */
static int tiles_exactly(const nn_node *node, const nn_deconv *deconv)
{
    const nn_window *window = &deconv->window;
    int tiles = window->spatial == 2 && deconv->group == 1;
    for (int d = 0; d < window->spatial; d++)
        tiles &= window->kernel[d] == window->stride[d] && window->dilation[d] == 1 && window->pad_begin[d] == 0 &&
                 window->pad_end[d] == 0 && deconv->output_padding[d] == 0;
    for (int p = 0; p < node->n_post; p++)
        tiles &= node->post[p].kind != NN_POST_SUM;
    return tiles;
}

static int build_as_matmul(nn_plan *plan, int node_index, const nn_deconv *deconv, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const float *bias = has_bias ? plan->env.data[node->inputs[2]] : NULL;
    int64_t batch = in->dims[0], in_channels = in->dims[1], height = in->dims[2], width = in->dims[3];
    int64_t kernel_h = deconv->window.kernel[0], kernel_w = deconv->window.kernel[1];
    int64_t columns = deconv->out_channels * kernel_h * kernel_w, rows = batch * height * width;
    dnnl_memory_desc_t nhwc, a_md, b_user, b_any, bias_md, c_md, scattered, plain_6d, out_md;
    dnnl_dims_t in_dims = {batch, in_channels, height, width};
    dnnl_memory_desc_init_by_tag(&nhwc, 4, in_dims, dnnl_f32, dnnl_acdb);
    int64_t a_dims[2] = {rows, in_channels}, b_dims[2] = {in_channels, columns}, c_dims[2] = {rows, columns};
    int64_t bias_dims[2] = {1, columns};
    dims_md(&a_md, 2, a_dims, 0);
    dims_md(&b_user, 2, b_dims, 0);
    dims_md(&b_any, 2, b_dims, 1);
    dims_md(&bias_md, 2, bias_dims, 0);
    dims_md(&c_md, 2, c_dims, 0);
    /* The product's rows are (n, h, w), its columns (oc, i, j); the output
     * wants (n, oc, h, i, w, j). */
    dnnl_dims_t six = {batch, deconv->out_channels, height, kernel_h, width, kernel_w};
    dnnl_dims_t strides = {height * width * columns, kernel_h * kernel_w, width * columns, kernel_w, columns, 1};
    dnnl_memory_desc_init_by_strides(&scattered, 6, six, dnnl_f32, strides);
    dnnl_memory_desc_init_by_tag(&plain_6d, 6, six, dnnl_f32, dnnl_abcdef);
    nn_plain_md(&out_md, out);
    dnnl_matmul_desc_t desc;
    dnnl_status_t made = dnnl_matmul_desc_init(&desc, &a_md, &b_any, has_bias ? &bias_md : NULL, &c_md);
    dnnl_primitive_attr_t attr;
    int sum_slot;
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this transposed convolution as a product", made);
    int result = nn_post_ops_attr(plan, node, &attr, &sum_slot, status);
    if (result != AMASS_OK)
        return result;
    dnnl_primitive_desc_t pd, scatter_pd;
    dnnl_engine_t engine = nn_session_engine(plan->session);
    made = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this transposed convolution as a product", made);
    float *repeated = has_bias ? malloc((size_t)columns * sizeof *repeated) : NULL;
    for (int64_t c = 0; repeated && c < columns; c++)
        repeated[c] = bias[c / (kernel_h * kernel_w)];
    dnnl_memory_t weights_memory = NULL, bias_memory = NULL;
    int src = nn_plan_input_slot(plan, node, 0, status), product = -1, tiles = -1;
    if (src >= 0)
        src = nn_plan_as(plan, src, &nhwc, status);
    if (src >= 0)
        src = nn_view_slot(plan, src, &a_md, 0, status);
    if (src < 0)
        result = status->code;
    else if (has_bias && !repeated)
        result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (result == AMASS_OK)
        result = nn_plan_weights(plan, node_index, 1, &b_user, plan->env.data[node->inputs[1]],
                                 dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &weights_memory, status);
    if (result == AMASS_OK && has_bias)
        result = nn_plan_weights(plan, node_index, 2, &bias_md, repeated,
                                 dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1), &bias_memory, status);
    free(repeated);
    if (result == AMASS_OK && ((product = nn_plan_new_slot(plan, &c_md, status)) < 0 ||
                               (tiles = nn_plan_new_slot(plan, &plain_6d, status)) < 0))
        result = status->code;
    if (result != AMASS_OK) {
        dnnl_primitive_desc_destroy(pd);
        return result;
    }
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg_memory(step, DNNL_ARG_WEIGHTS, weights_memory);
    if (bias_memory)
        nn_step_arg_memory(step, DNNL_ARG_BIAS, bias_memory);
    nn_step_arg(step, DNNL_ARG_DST, product);
    int scatter_view = nn_view_slot(plan, product, &scattered, 0, status);
    if (scatter_view < 0)
        return status->code;
    made = dnnl_reorder_primitive_desc_create(&scatter_pd, &scattered, engine, &plain_6d, engine, NULL);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "scatter the kernel blocks", made);
    step = nn_plan_add_step(plan, scatter_pd, status);
    if (!step)
        return status->code;
    nn_step_arg(step, DNNL_ARG_FROM, scatter_view);
    nn_step_arg(step, DNNL_ARG_TO, tiles);
    nn_plan_set_md(plan, node->outputs[0], &out_md);
    plan->slots[node->outputs[0]].root = tiles;
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    return AMASS_OK;
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
    if (tiles_exactly(node, &deconv))
        return build_as_matmul(plan, node_index, &deconv, status);
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
    nn_window_dnnl(window, strides, dilates, pad_left, pad_right);
    /* output_padding grows the far end: oneDNN sees it as less padding. */
    for (int d = 0; d < window->spatial; d++)
        pad_right[d] -= deconv.output_padding[d];
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
    return nn_add_convolution_step(plan, node_index, pd, &weights_user, &bias_md, sum_slot, status);
}
