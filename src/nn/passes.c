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
        int bn_index = nn_sole_consumer(graph, conv->outputs[0]);
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

/* alpha * x + beta for x op c or c op x with c a constant float scalar
 * that does not widen x's rank; 0 if the node is not that. */
static int scalar_linear(const amass_nn_graph *graph, const nn_node *node, float *alpha, float *beta)
{
    double c;
    if (node->n_inputs != 2 || node->inputs[0] < 0 || node->inputs[1] < 0)
        return 0;
    for (int constant_at = 0; constant_at < 2; constant_at++) {
        int constant = node->inputs[constant_at], other = node->inputs[1 - constant_at];
        if (graph->values[constant].type.dtype != AMASS_NN_FLOAT32 ||
            graph->values[constant].type.rank > graph->values[other].type.rank ||
            !nn_scalar_constant(graph, constant, &c))
            continue;
        switch (node->op) {
        case AMASS_NN_OP_ADD:
            *alpha = 1;
            *beta = (float)c;
            return 1;
        case AMASS_NN_OP_SUB:
            *alpha = constant_at ? 1.0f : -1.0f; /* x - c, or c - x */
            *beta = constant_at ? (float)-c : (float)c;
            return 1;
        case AMASS_NN_OP_MUL:
            *alpha = (float)c;
            *beta = 0;
            return 1;
        case AMASS_NN_OP_DIV:
            if (!constant_at || c == 0) /* c / x is no linear function */
                return 0;
            *alpha = (float)(1 / c);
            *beta = 0;
            return 1;
        default:
            return 0;
        }
    }
    return 0;
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
    case AMASS_NN_OP_GELU: {
        const nn_attr *approximate = nn_attr_find(node, "approximate");
        if (approximate && approximate->s && strcmp(approximate->s, "none") != 0 && strcmp(approximate->s, "tanh") != 0)
            return 0;
        op.algorithm = approximate && approximate->s && strcmp(approximate->s, "tanh") == 0 ? dnnl_eltwise_gelu_tanh
                                                                                          : dnnl_eltwise_gelu_erf;
        break;
    }
    case AMASS_NN_OP_ADD:
    case AMASS_NN_OP_SUB:
    case AMASS_NN_OP_MUL:
    case AMASS_NN_OP_DIV:
        /* Arithmetic with a constant float scalar (attention's 1 / sqrt(d)) is
         * the linear activation alpha * x + beta. */
        if (!scalar_linear(graph, node, &op.alpha, &op.beta))
            return 0;
        op.algorithm = dnnl_eltwise_linear;
        break;
    case AMASS_NN_OP_LEAKY_RELU:
        op.algorithm = dnnl_eltwise_relu;
        op.alpha = nn_attr_float(node, "alpha", 0.01f);
        break;
    case AMASS_NN_OP_ELU:
        op.algorithm = dnnl_eltwise_elu;
        op.alpha = nn_attr_float(node, "alpha", 1.0f);
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
    *multiply = nn_sole_consumer(graph, graph->nodes[*sigmoid].outputs[0]);
    if (*multiply < 0)
        return 0;
    const nn_node *mul = &graph->nodes[*multiply];
    int gate = graph->nodes[*sigmoid].outputs[0];
    int gates = mul->op == AMASS_NN_OP_MUL && mul->n_inputs == 2 &&
                ((mul->inputs[0] == value && mul->inputs[1] == gate) ||
                 (mul->inputs[1] == value && mul->inputs[0] == gate));
    return gates ? algorithm : 0;
}

/* Appends eltwise post-ops unless there is no room or one repeats an
 * algorithm already in the chain: oneDNN 2.6's kernels apply the first
 * post-op's alpha and beta to every later one of the same algorithm (a
 * matmul with linear(-1, 2) then linear(3, 0) computes linear(-1, 2)
 * twice). Consecutive linear steps are merged into one instead. */
static int append_posts(nn_node *node, const nn_post_op *posts, int n_posts)
{
    nn_post_op merged[NN_MAX_POST];
    int n_merged = node->n_post;
    memcpy(merged, node->post, sizeof merged);
    for (int p = 0; p < n_posts; p++) {
        const nn_post_op *post = &posts[p];
        nn_post_op *last = n_merged ? &merged[n_merged - 1] : NULL;
        if (last && last->kind == NN_POST_ELTWISE && last->algorithm == dnnl_eltwise_linear &&
            post->algorithm == dnnl_eltwise_linear) {
            /* b2 + a2 (a1 x + b1) */
            last->beta = post->alpha * last->beta + post->beta;
            last->alpha *= post->alpha;
            continue;
        }
        for (int q = 0; q < n_merged; q++)
            if (merged[q].kind == NN_POST_ELTWISE && merged[q].algorithm == post->algorithm)
                return 0;
        if (n_merged == NN_MAX_POST)
            return 0;
        merged[n_merged++] = *post;
    }
    memcpy(node->post, merged, sizeof merged);
    node->n_post = n_merged;
    return 1;
}

static void fuse_chain(amass_nn_graph *graph, int n)
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
        int consumer = nn_sole_consumer(graph, out);
        if (consumer < 0)
            return;
        const nn_node *next = &graph->nodes[consumer];
        nn_post_op posts[2];
        int n_posts;
        if (activation_post(graph, next, posts, &n_posts)) {
            if (!append_posts(node, posts, n_posts))
                return;
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
                nn_same_dims(&graph->values[other].type, &graph->values[out].type) &&
                nn_same_dims(&graph->values[next->outputs[0]].type, &graph->values[out].type)) {
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
        return;
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
        if (node->op == AMASS_NN_OP_CONV || node->op == AMASS_NN_OP_GEMM || node->op == AMASS_NN_OP_MATMUL ||
            node->op == AMASS_NN_OP_CONV_TRANSPOSE)
            fuse_chain(graph, n);
    }
    return AMASS_OK;
}
