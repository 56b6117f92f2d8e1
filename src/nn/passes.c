/* Load-time graph rewrites: dead-node removal, BatchNormalization folded
 * into the preceding Conv, Gemm's alpha/beta folded into its constants, and
 * bias + activation + residual Add fused into Conv/Gemm/MatMul post-ops. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

int nn_remove_dead(amass_nn_graph *graph, amass_status *status)
{
    unsigned char *needed = calloc((size_t)graph->n_values + 1, 1);
    if (!needed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (int o = 0; o < graph->n_outputs; o++)
        needed[graph->outputs[o]] = 1;
    for (int n = graph->n_nodes - 1; n >= 0; n--) {
        nn_node *node = &graph->nodes[n];
        int live = 0;
        for (int o = 0; o < node->n_outputs; o++)
            live |= needed[node->outputs[o]];
        if (!live || node->dead) {
            node->dead = 1;
            continue;
        }
        for (int i = 0; i < node->n_inputs; i++)
            if (node->inputs[i] >= 0)
                needed[node->inputs[i]] = 1;
        for (int p = 0; p < node->n_post; p++)
            if (node->post[p].kind == NN_POST_SUM)
                needed[node->post[p].value] = 1;
    }
    free(needed);
    return AMASS_OK;
}

/* The single live node reading value, or -1 when there are several, none,
 * or the value is a graph output. */
static int only_consumer(const amass_nn_graph *graph, int value)
{
    int found = -1;
    if (graph->values[value].is_output || nn_value_use_count(graph, value) != 1)
        return -1;
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead)
            continue;
        for (int i = 0; i < node->n_inputs; i++)
            if (node->inputs[i] == value)
                found = n;
    }
    return found;
}

static const float *float_constant(const amass_nn_graph *graph, int value, size_t count)
{
    if (value < 0 || graph->values[value].type.dtype != AMASS_NN_FLOAT32 ||
        amass_nn_type_count(&graph->values[value].type) != count)
        return NULL;
    return nn_constant_data(graph, value);
}

/* Moves node's output to the value consumer produced; consumer dies. */
static void absorb(amass_nn_graph *graph, int node_index, int consumer)
{
    nn_node *node = &graph->nodes[node_index];
    node->outputs[0] = graph->nodes[consumer].outputs[0];
    graph->values[node->outputs[0]].producer = node_index;
    graph->nodes[consumer].dead = 1;
}

int nn_fold_batch_norm(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        nn_node *conv = &graph->nodes[n];
        if (conv->dead || conv->op != AMASS_NN_OP_CONV || conv->n_post)
            continue;
        int bn_index = only_consumer(graph, conv->outputs[0]);
        if (bn_index < 0 || graph->nodes[bn_index].op != AMASS_NN_OP_BATCH_NORMALIZATION)
            continue;
        const nn_node *bn = &graph->nodes[bn_index];
        const amass_nn_tensor_type *weight_type = &graph->values[conv->inputs[1]].type;
        size_t channels = (size_t)weight_type->dims[0];
        if (channels == 0)
            continue;
        size_t per_channel = amass_nn_type_count(weight_type) / channels;
        const float *weights = float_constant(graph, conv->inputs[1], channels * per_channel);
        const float *bias = conv->n_inputs > 2 && conv->inputs[2] >= 0 ? float_constant(graph, conv->inputs[2], channels)
                                                                         : NULL;
        const float *parameters[4];
        int usable = weights && bn->n_inputs == 5 && (conv->n_inputs < 3 || conv->inputs[2] < 0 || bias);
        for (int i = 0; i < 4 && usable; i++)
            usable = (parameters[i] = float_constant(graph, bn->inputs[1 + i], channels)) != NULL;
        if (!usable)
            continue;
        float epsilon = nn_attr_float(bn, "epsilon", 1e-5f);
        float *new_weights = amass_alloc_array(channels * per_channel, sizeof *new_weights);
        float *new_bias = amass_alloc_array(channels, sizeof *new_bias);
        if (!new_weights || !new_bias) {
            free(new_weights);
            free(new_bias);
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory folding BatchNormalization");
        }
        /* y = scale * (conv(x) + b - mean) / sqrt(var + eps) + shift, in double
         * so the folded weights round once. */
        for (size_t c = 0; c < channels; c++) {
            double factor = parameters[0][c] / sqrt((double)parameters[3][c] + epsilon);
            for (size_t k = 0; k < per_channel; k++)
                new_weights[c * per_channel + k] = (float)(weights[c * per_channel + k] * factor);
            new_bias[c] = (float)(((bias ? bias[c] : 0.0) - parameters[2][c]) * factor + parameters[1][c]);
        }
        amass_nn_tensor_type bias_type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {(int64_t)channels}};
        amass_nn_tensor_type folded_type = *weight_type;
        int weight_value = nn_graph_constant_value(graph, "", &folded_type, new_weights, status);
        if (weight_value < 0) {
            free(new_bias);
            return status->code;
        }
        int bias_value = nn_graph_constant_value(graph, "", &bias_type, new_bias, status);
        if (bias_value < 0)
            return status->code;
        conv = &graph->nodes[n];
        conv->inputs[1] = weight_value;
        if (conv->n_inputs < 3)
            conv->n_inputs = 3;
        conv->inputs[2] = bias_value;
        absorb(graph, n, bn_index);
    }
    return AMASS_OK;
}

/* Gemm: alpha folded into constant B, beta into constant C, C made a
 * vector of N when it broadcasts as one, so oneDNN sees a plain bias. */
static int normalize_gemm(amass_nn_graph *graph, nn_node *node, amass_status *status)
{
    float alpha = nn_attr_float(node, "alpha", 1), beta = nn_attr_float(node, "beta", 1);
    const amass_nn_tensor_type *b_type = &graph->values[node->inputs[1]].type;
    int64_t n = b_type->dims[nn_attr_int(node, "transB", 0) ? 0 : 1];
    const float *b = float_constant(graph, node->inputs[1], amass_nn_type_count(b_type));
    int has_c = node->n_inputs > 2 && node->inputs[2] >= 0;
    const amass_nn_tensor_type *c_type = has_c ? &graph->values[node->inputs[2]].type : NULL;
    size_t c_count = has_c ? amass_nn_type_count(c_type) : 0;
    const float *c = has_c ? float_constant(graph, node->inputs[2], c_count) : NULL;
    int c_is_vector = c && (c_count == 1 || (c_count == (size_t)n && (c_type->rank == 1 || c_type->dims[0] == 1)));
    if ((alpha != 1 && !b) || (has_c && !c_is_vector))
        return AMASS_OK; /* the executor names what it cannot run */
    if (alpha != 1) {
        size_t count = amass_nn_type_count(b_type);
        float *scaled = amass_alloc_array(count, sizeof *scaled);
        if (!scaled)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < count; i++)
            scaled[i] = b[i] * alpha;
        int value = nn_graph_constant_value(graph, "", b_type, scaled, status);
        if (value < 0)
            return status->code;
        node->inputs[1] = value;
    }
    if (has_c && (beta != 1 || c_count != (size_t)n || c_type->rank != 1)) {
        float *vector = amass_alloc_array((size_t)n, sizeof *vector);
        if (!vector)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (int64_t j = 0; j < n; j++)
            vector[j] = c[c_count == 1 ? 0 : j] * beta;
        amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {n}};
        int value = nn_graph_constant_value(graph, "", &type, vector, status);
        if (value < 0)
            return status->code;
        node->inputs[2] = value;
    }
    for (int i = 0; i < node->n_attrs; i++)
        if (strcmp(node->attrs[i].name, "alpha") == 0 || strcmp(node->attrs[i].name, "beta") == 0)
            node->attrs[i].f = 1;
    return AMASS_OK;
}

static int same_shape(const amass_nn_tensor_type *a, const amass_nn_tensor_type *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return 0;
    return 1;
}

/* The eltwise post-op(s) for an activation node; 0 if it has none. */
static int activation_post(const amass_nn_graph *graph, const nn_node *node, nn_post_op *post, int *n_post)
{
    nn_post_op op = {.kind = NN_POST_ELTWISE, .value = -1};
    *n_post = 1;
    switch (node->op) {
    case AMASS_NN_OP_RELU:
        op.algorithm = dnnl_eltwise_relu;
        break;
    case AMASS_NN_OP_CLIP:
        op.algorithm = dnnl_eltwise_clip;
        if (!nn_clip_bounds(graph, node, &op.alpha, &op.beta))
            return 0;
        break;
    case AMASS_NN_OP_SIGMOID:
        op.algorithm = dnnl_eltwise_logistic;
        break;
    case AMASS_NN_OP_TANH:
        op.algorithm = dnnl_eltwise_tanh;
        break;
    case AMASS_NN_OP_HARD_SWISH:
        op.algorithm = dnnl_eltwise_hardswish;
        break;
    case AMASS_NN_OP_HARD_SIGMOID:
        op.algorithm = dnnl_eltwise_linear;
        op.alpha = nn_attr_float(node, "alpha", 0.2f);
        op.beta = nn_attr_float(node, "beta", 0.5f);
        post[1] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = dnnl_eltwise_clip, .alpha = 0, .beta = 1,
                               .value = -1};
        *n_post = 2;
        break;
    default:
        return 0;
    }
    post[0] = op;
    return 1;
}

/* x * Sigmoid(x) (SiLU/Swish) and x * HardSigmoid(x) with ONNX
 * HardSwish's constants (what exporters before opset 14 write for it),
 * with x the node's output: one post-op each. Returns the algorithm, 0. */
static dnnl_alg_kind_t gated_consumer(const amass_nn_graph *graph, int value, int *sigmoid, int *multiply)
{
    dnnl_alg_kind_t algorithm = dnnl_alg_kind_undef;
    if (graph->values[value].is_output || nn_value_use_count(graph, value) != 2)
        return 0;
    *sigmoid = *multiply = -1;
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead || node->n_inputs < 1 || node->inputs[0] != value)
            continue;
        if (node->op == AMASS_NN_OP_SIGMOID) {
            *sigmoid = n;
            algorithm = dnnl_eltwise_swish;
        } else if (node->op == AMASS_NN_OP_HARD_SIGMOID && fabsf(nn_attr_float(node, "alpha", 0.2f) - 1.0f / 6) < 1e-7f &&
                   nn_attr_float(node, "beta", 0.5f) == 0.5f) {
            *sigmoid = n;
            algorithm = dnnl_eltwise_hardswish;
        }
    }
    if (*sigmoid < 0)
        return 0;
    *multiply = only_consumer(graph, graph->nodes[*sigmoid].outputs[0]);
    if (*multiply < 0)
        return 0;
    const nn_node *mul = &graph->nodes[*multiply];
    int gate = graph->nodes[*sigmoid].outputs[0];
    int gates = mul->op == AMASS_NN_OP_MUL && mul->n_inputs == 2 &&
                ((mul->inputs[0] == value && mul->inputs[1] == gate) ||
                 (mul->inputs[1] == value && mul->inputs[0] == gate));
    return gates ? algorithm : 0;
}

/* Whether value is a float constant scalar within 1e-6 of wanted. */
static int scalar_is(const amass_nn_graph *graph, int value, float wanted)
{
    const float *scalar = value >= 0 ? float_constant(graph, value, 1) : NULL;
    return scalar && fabsf(scalar[0] - wanted) <= 1e-6f * fabsf(wanted);
}

/* The other input of a two-input node, -1 if value is not one of them. */
static int other_input(const nn_node *node, int value)
{
    if (node->n_inputs != 2)
        return -1;
    return node->inputs[0] == value ? node->inputs[1] : node->inputs[1] == value ? node->inputs[0] : -1;
}

/* x * Clip(x + 3, 0, 6) / 6 spelled out in four nodes (Paddle's and
 * older exporters' HardSwish): the last node of the chain, or -1. The
 * scaling by 1/6 may come before or after the product. */
static int decomposed_hard_swish(const amass_nn_graph *graph, int value, int chain[4])
{
    if (graph->values[value].is_output || nn_value_use_count(graph, value) != 2)
        return -1;
    chain[0] = -1;
    for (int n = 0; n < graph->n_nodes && chain[0] < 0; n++) {
        const nn_node *node = &graph->nodes[n];
        if (!node->dead && node->op == AMASS_NN_OP_ADD && scalar_is(graph, other_input(node, value), 3.0f))
            chain[0] = n;
    }
    float low, high;
    if (chain[0] < 0 || (chain[1] = only_consumer(graph, graph->nodes[chain[0]].outputs[0])) < 0 ||
        graph->nodes[chain[1]].op != AMASS_NN_OP_CLIP || !nn_clip_bounds(graph, &graph->nodes[chain[1]], &low, &high) ||
        low != 0.0f || high != 6.0f || (chain[2] = only_consumer(graph, graph->nodes[chain[1]].outputs[0])) < 0 ||
        (chain[3] = only_consumer(graph, graph->nodes[chain[2]].outputs[0])) < 0)
        return -1;
    const nn_node *first = &graph->nodes[chain[2]], *second = &graph->nodes[chain[3]];
    int clipped = graph->nodes[chain[1]].outputs[0];
    /* Product then scaling, or scaling then product. */
    int product_first = first->op == AMASS_NN_OP_MUL && other_input(first, clipped) == value;
    const nn_node *product = product_first ? first : second, *scaling = product_first ? second : first;
    int scaled = product_first ? first->outputs[0] : clipped;
    int scales = (scaling->op == AMASS_NN_OP_DIV && scaling->n_inputs == 2 && scaling->inputs[0] == scaled &&
                  scalar_is(graph, scaling->inputs[1], 6.0f)) ||
                 (scaling->op == AMASS_NN_OP_MUL && scalar_is(graph, other_input(scaling, scaled), 1.0f / 6));
    int multiplies = product->op == AMASS_NN_OP_MUL &&
                     other_input(product, product_first ? clipped : scaling->outputs[0]) == value;
    return scales && multiplies ? chain[3] : -1;
}

/* x * c, c * x, x + c, c + x, x - c or x / c with c a constant scalar
 * (the learnable affine blocks of PP-LCNet, folded scales): the linear
 * post-op alpha * x + beta it is; 0 if node is none of these. */
static int scalar_affine(const amass_nn_graph *graph, const nn_node *node, int value, float *alpha, float *beta)
{
    int other = other_input(node, value);
    const float *scalar = other >= 0 ? float_constant(graph, other, 1) : NULL;
    if (!scalar || graph->values[other].type.rank > graph->values[value].type.rank)
        return 0;
    int value_first = node->inputs[0] == value;
    switch (node->op) {
    case AMASS_NN_OP_MUL:
        *alpha = scalar[0], *beta = 0;
        return 1;
    case AMASS_NN_OP_ADD:
        *alpha = 1, *beta = scalar[0];
        return 1;
    case AMASS_NN_OP_SUB:
        *alpha = 1, *beta = -scalar[0];
        return value_first;
    case AMASS_NN_OP_DIV:
        *alpha = 1 / scalar[0], *beta = 0;
        return value_first && scalar[0] != 0;
    default:
        return 0;
    }
}

/* A Conv's weights and bias scaled so it computes alpha * conv + beta
 * itself; 1 done, 0 when its weights are not plain constants, or minus
 * the status code. */
static int fold_conv_affine(amass_nn_graph *graph, int n, float alpha, float beta, amass_status *status)
{
    nn_node *conv = &graph->nodes[n];
    const amass_nn_tensor_type *weight_type = &graph->values[conv->inputs[1]].type;
    size_t channels = weight_type->rank > 0 ? (size_t)weight_type->dims[0] : 0;
    if (channels == 0)
        return 0;
    size_t count = amass_nn_type_count(weight_type);
    const float *weights = float_constant(graph, conv->inputs[1], count);
    int has_bias = conv->n_inputs > 2 && conv->inputs[2] >= 0;
    const float *bias = has_bias ? float_constant(graph, conv->inputs[2], channels) : NULL;
    if (!weights || (has_bias && !bias))
        return 0;
    float *new_weights = amass_alloc_array(count, sizeof *new_weights);
    float *new_bias = amass_alloc_array(channels, sizeof *new_bias);
    if (!new_weights || !new_bias) {
        free(new_weights);
        free(new_bias);
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory folding a scale into a Conv");
    }
    for (size_t i = 0; i < count; i++)
        new_weights[i] = weights[i] * alpha;
    for (size_t c = 0; c < channels; c++)
        new_bias[c] = (bias ? bias[c] : 0.0f) * alpha + beta;
    amass_nn_tensor_type folded_type = *weight_type;
    amass_nn_tensor_type bias_type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {(int64_t)channels}};
    int weight_value = nn_graph_constant_value(graph, "", &folded_type, new_weights, status);
    if (weight_value < 0) {
        free(new_bias);
        return -status->code;
    }
    int bias_value = nn_graph_constant_value(graph, "", &bias_type, new_bias, status);
    if (bias_value < 0)
        return -status->code;
    conv = &graph->nodes[n];
    conv->inputs[1] = weight_value;
    if (conv->n_inputs < 3)
        conv->n_inputs = 3;
    conv->inputs[2] = bias_value;
    return 1;
}

static int fuse_chain(amass_nn_graph *graph, int n, amass_status *status)
{
    for (;;) {
        nn_node *node = &graph->nodes[n];
        int out = node->outputs[0], sigmoid, multiply;
        dnnl_alg_kind_t gated = node->n_post < NN_MAX_POST ? gated_consumer(graph, out, &sigmoid, &multiply) : 0;
        if (gated) {
            /* swish's alpha is the sigmoid's slope; hardswish ignores it */
            node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = gated, .alpha = 1,
                                                      .value = -1};
            graph->nodes[sigmoid].dead = 1;
            absorb(graph, n, multiply);
            continue;
        }
        int chain[4];
        if (node->n_post < NN_MAX_POST && decomposed_hard_swish(graph, out, chain) >= 0) {
            node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = dnnl_eltwise_hardswish,
                                                      .alpha = 1, .value = -1};
            for (int c = 0; c < 3; c++)
                graph->nodes[chain[c]].dead = 1;
            absorb(graph, n, chain[3]);
            continue;
        }
        int consumer = only_consumer(graph, out);
        if (consumer < 0)
            return AMASS_OK;
        const nn_node *next = &graph->nodes[consumer];
        nn_post_op posts[2];
        int n_posts;
        float alpha, beta;
        /* oneDNN 2.6 computes a second linear post-op of one chain wrong
         * (with the first one's constants), so a chain takes one. */
        int linears = 0;
        for (int p = 0; p < node->n_post; p++)
            linears += node->post[p].kind == NN_POST_ELTWISE && node->post[p].algorithm == dnnl_eltwise_linear;
        if (scalar_affine(graph, next, out, &alpha, &beta)) {
            nn_post_op *last = node->n_post > 0 ? &node->post[node->n_post - 1] : NULL;
            if (node->n_post == 0 && node->op == AMASS_NN_OP_CONV) {
                int folded = fold_conv_affine(graph, n, alpha, beta, status);
                if (folded < 0)
                    return -folded;
                if (!folded)
                    return AMASS_OK;
            } else if (last && last->kind == NN_POST_ELTWISE && last->algorithm == dnnl_eltwise_linear) {
                /* a2 (a1 x + b1) + b2 as one step */
                last->beta = alpha * last->beta + beta;
                last->alpha *= alpha;
            } else if (node->n_post < NN_MAX_POST && linears == 0) {
                node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = dnnl_eltwise_linear,
                                                          .alpha = alpha, .beta = beta, .value = -1};
            } else {
                return AMASS_OK;
            }
            absorb(graph, n, consumer);
            continue;
        }
        if (activation_post(graph, next, posts, &n_posts)) {
            if (node->n_post + n_posts > NN_MAX_POST || (linears > 0 && posts[0].algorithm == dnnl_eltwise_linear))
                return AMASS_OK;
            for (int p = 0; p < n_posts; p++)
                node->post[node->n_post++] = posts[p];
            absorb(graph, n, consumer);
            continue;
        }
        if (next->op == AMASS_NN_OP_ADD && next->n_inputs == 2 && node->n_post < NN_MAX_POST) {
            int other = next->inputs[0] == out ? next->inputs[1] : next->inputs[0];
            int has_sum = 0;
            for (int p = 0; p < node->n_post; p++)
                has_sum |= node->post[p].kind == NN_POST_SUM;
            /* A residual must exist before the node runs, be a runtime
             * tensor of the output's own shape, and be a different value. */
            int producer = graph->values[other].producer;
            if (!has_sum && other != out && graph->values[other].constant < 0 && producer < n &&
                same_shape(&graph->values[other].type, &graph->values[out].type) &&
                same_shape(&graph->values[next->outputs[0]].type, &graph->values[out].type)) {
                node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_SUM, .value = other};
                absorb(graph, n, consumer);
                continue;
            }
            /* MatMul + constant bias vector: the bias input Gemm has. */
            const amass_nn_tensor_type *out_type = &graph->values[out].type;
            int64_t columns = out_type->dims[out_type->rank - 1];
            if (node->op == AMASS_NN_OP_MATMUL && node->n_inputs == 2 && node->n_post == 0 &&
                float_constant(graph, other, (size_t)columns) && graph->values[other].type.rank == 1) {
                node->inputs[2] = other;
                node->n_inputs = 3;
                absorb(graph, n, consumer);
                continue;
            }
        }
        return AMASS_OK;
    }
}

int nn_fuse_post_ops(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        nn_node *node = &graph->nodes[n];
        if (node->dead)
            continue;
        if (node->op == AMASS_NN_OP_GEMM) {
            int result = normalize_gemm(graph, node, status);
            if (result != AMASS_OK)
                return result;
        }
        if (node->op == AMASS_NN_OP_CONV || node->op == AMASS_NN_OP_GEMM || node->op == AMASS_NN_OP_MATMUL) {
            int result = fuse_chain(graph, n, status);
            if (result != AMASS_OK)
                return result;
        }
    }
    return AMASS_OK;
}
