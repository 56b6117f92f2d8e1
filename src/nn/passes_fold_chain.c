/* Load-time folding of what exporters put after a convolution into it.
 * ConvTranspose takes a following BatchNormalization (into the weights and
 * bias) and a constant per-channel or scalar Add (PaddlePaddle's exports
 * carry the bias that way). Conv and ConvTranspose take scalar affine
 * steps (x * a + b: PP-LCNet's learnable affine blocks) and the spelled-out
 * hard swish x * Clip(x + 3, 0, 6) / 6 as oneDNN post-ops, so none of them
 * is a separate pass over memory. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

static const float *constant_floats(const amass_nn_graph *graph, int value, size_t count)
{
    if (value < 0 || graph->values[value].constant < 0 || graph->values[value].type.dtype != AMASS_NN_FLOAT32 ||
        amass_nn_type_count(&graph->values[value].type) != count)
        return NULL;
    return nn_constant_data(graph, value);
}

/* A constant that adds one value per channel of a rank-out_rank output
 * (shape [1, C, 1, 1], [C, 1, 1] ...) or one value to all: its values and
 * whether it is a single scalar. */
static const float *channel_addend(const amass_nn_graph *graph, int value, int out_rank, int64_t channels,
                                   int *scalar)
{
    if (value < 0 || graph->values[value].constant < 0)
        return NULL;
    const amass_nn_tensor_type *type = &graph->values[value].type;
    size_t count = amass_nn_type_count(type);
    *scalar = count == 1;
    if (type->rank > out_rank || (count != 1 && count != (size_t)channels))
        return NULL;
    for (int d = 0; d < type->rank && !*scalar; d++) {
        int axis = d + out_rank - type->rank;
        if (type->dims[d] != (axis == 1 ? channels : 1))
            return NULL;
    }
    return constant_floats(graph, value, count);
}

static void take_output(amass_nn_graph *graph, int node_index, int consumer)
{
    nn_node *node = &graph->nodes[node_index];
    node->outputs[0] = graph->nodes[consumer].outputs[0];
    graph->values[node->outputs[0]].producer = node_index;
    graph->nodes[consumer].dead = 1;
}

/* Folds consumer (BatchNormalization or Add) into the ConvTranspose at
 * node_index: 1 done, 0 not foldable, -1 out of memory. */
static int fold_one(amass_nn_graph *graph, int node_index, int consumer, amass_status *status)
{
    nn_node *node = &graph->nodes[node_index];
    const nn_node *next = &graph->nodes[consumer];
    const amass_nn_tensor_type *weight_type = &graph->values[node->inputs[1]].type;
    int64_t group = nn_attr_int(node, "group", 1);
    if (weight_type->rank < 3 || group < 1 || weight_type->dims[0] % group)
        return 0;
    int64_t channels = weight_type->dims[1] * group, in_per_group = weight_type->dims[0] / group;
    size_t kernel = amass_nn_type_count(weight_type) / (size_t)(weight_type->dims[0] * weight_type->dims[1]);
    size_t weight_count = amass_nn_type_count(weight_type);
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const float *weights = constant_floats(graph, node->inputs[1], weight_count);
    const float *bias = has_bias ? constant_floats(graph, node->inputs[2], (size_t)channels) : NULL;
    if (!weights || (has_bias && !bias) || channels < 1)
        return 0;
    const float *parameters[4] = {0}, *addend = NULL;
    int scalar = 0, out_rank = graph->values[node->outputs[0]].type.rank;
    if (next->op == AMASS_NN_OP_BATCH_NORMALIZATION) {
        if (next->n_inputs != 5 || next->inputs[0] != node->outputs[0])
            return 0;
        for (int i = 0; i < 4; i++)
            if (!(parameters[i] = constant_floats(graph, next->inputs[1 + i], (size_t)channels)))
                return 0;
    } else if (next->op == AMASS_NN_OP_ADD && next->n_inputs == 2) {
        int other = next->inputs[0] == node->outputs[0] ? next->inputs[1] : next->inputs[0];
        if (other == node->outputs[0] || !(addend = channel_addend(graph, other, out_rank, channels, &scalar)))
            return 0;
    } else {
        return 0;
    }
    float *new_bias = malloc((size_t)channels * sizeof *new_bias);
    float *new_weights = parameters[0] ? malloc(weight_count * sizeof *new_weights) : NULL;
    if (!new_bias || (parameters[0] && !new_weights)) {
        free(new_bias);
        free(new_weights);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory folding into ConvTranspose");
        return -1;
    }
    for (int64_t c = 0; c < channels; c++) {
        double old = bias ? bias[c] : 0.0;
        if (addend) {
            new_bias[c] = (float)(old + addend[scalar ? 0 : c]);
            continue;
        }
        /* y = scale * (x - mean) / sqrt(var + eps) + shift, in double so
         * the folded values round once. */
        double factor = parameters[0][c] / sqrt((double)parameters[3][c] + nn_attr_float(next, "epsilon", 1e-5f));
        new_bias[c] = (float)((old - parameters[2][c]) * factor + parameters[1][c]);
        /* ONNX weights: (in channels, out channels / group, kernel...). */
        int64_t g = c / weight_type->dims[1], within = c % weight_type->dims[1];
        for (int64_t i = g * in_per_group; i < (g + 1) * in_per_group; i++) {
            size_t at = ((size_t)i * (size_t)weight_type->dims[1] + (size_t)within) * kernel;
            for (size_t k = 0; k < kernel; k++)
                new_weights[at + k] = (float)(weights[at + k] * factor);
        }
    }
    if (new_weights) {
        amass_nn_tensor_type type = *weight_type;
        int value = nn_graph_constant_value(graph, "", &type, new_weights, status);
        if (value < 0) {
            free(new_bias);
            return -1;
        }
        graph->nodes[node_index].inputs[1] = value;
    }
    amass_nn_tensor_type bias_type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {channels}};
    int bias_value = nn_graph_constant_value(graph, "", &bias_type, new_bias, status);
    if (bias_value < 0)
        return -1;
    node = &graph->nodes[node_index];
    /* The graph gives every node room for three inputs more than it had. */
    if (node->n_inputs < 3)
        node->n_inputs = 3;
    node->inputs[2] = bias_value;
    take_output(graph, node_index, consumer);
    return 1;
}

int nn_fold_into_deconv(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        if (graph->nodes[n].dead || graph->nodes[n].op != AMASS_NN_OP_CONV_TRANSPOSE || graph->nodes[n].n_post)
            continue;
        for (;;) {
            int consumer = nn_sole_consumer(graph, graph->nodes[n].outputs[0]);
            int folded = consumer < 0 ? 0 : fold_one(graph, n, consumer, status);
            if (folded < 0)
                return status->code;
            if (!folded)
                break;
        }
    }
    return AMASS_OK;
}

/* The constant scalar operand of a two-input node whose other input is
 * value, or NULL. */
static const float *scalar_operand(const amass_nn_graph *graph, const nn_node *node, int value)
{
    if (node->n_inputs != 2 || (node->inputs[0] != value && node->inputs[1] != value))
        return NULL;
    int other = node->inputs[0] == value ? node->inputs[1] : node->inputs[0];
    /* A scalar of higher rank would give the result more dimensions. */
    if (other == value || amass_nn_type_count(&graph->values[other].type) != 1 ||
        graph->values[other].type.rank > graph->values[value].type.rank)
        return NULL;
    return constant_floats(graph, other, 1);
}

/* Whether node is the product of value and other, in either order. */
static int multiplies(const nn_node *node, int value, int other)
{
    return node->op == AMASS_NN_OP_MUL && node->n_inputs == 2 &&
           ((node->inputs[0] == value && node->inputs[1] == other) ||
            (node->inputs[1] == value && node->inputs[0] == other));
}

/* Whether node divides value by 6 (or multiplies it by a sixth). */
static int sixth_of(const amass_nn_graph *graph, const nn_node *node, int value)
{
    const float *six = scalar_operand(graph, node, value);
    return six && ((node->op == AMASS_NN_OP_DIV && node->inputs[0] == value && *six == 6.0f) ||
                   (node->op == AMASS_NN_OP_MUL && fabsf(*six - 1.0f / 6) < 1e-7f));
}

/* value -> Add(3) -> Clip(0, 6), then the product with value and the
 * division by 6 (or multiplication by a sixth) in either order, as
 * exporters write HardSwish: the last node's index, with the three before
 * it, or -1. */
static int spelled_hard_swish(const amass_nn_graph *graph, int value, int middle[3])
{
    if (graph->values[value].is_output || nn_value_use_count(graph, value) != 2)
        return -1;
    int add = -1;
    for (int n = 0; n < graph->n_nodes && add < 0; n++) {
        const nn_node *node = &graph->nodes[n];
        const float *three = node->dead || node->op != AMASS_NN_OP_ADD ? NULL : scalar_operand(graph, node, value);
        if (three && *three == 3.0f)
            add = n;
    }
    int clip = add < 0 ? -1 : nn_sole_consumer(graph, graph->nodes[add].outputs[0]);
    float low, high;
    if (clip < 0 || graph->nodes[clip].op != AMASS_NN_OP_CLIP ||
        graph->nodes[clip].inputs[0] != graph->nodes[add].outputs[0] ||
        !nn_clip_bounds(graph, &graph->nodes[clip], &low, &high) || low != 0.0f || high != 6.0f)
        return -1;
    int gate = graph->nodes[clip].outputs[0];
    int step = nn_sole_consumer(graph, gate);
    if (step < 0)
        return -1;
    int last = nn_sole_consumer(graph, graph->nodes[step].outputs[0]);
    if (last < 0)
        return -1;
    int step_output = graph->nodes[step].outputs[0];
    int product_first = multiplies(&graph->nodes[step], value, gate) &&
                        sixth_of(graph, &graph->nodes[last], step_output);
    int sixth_first = sixth_of(graph, &graph->nodes[step], gate) &&
                      multiplies(&graph->nodes[last], value, step_output);
    if (!product_first && !sixth_first)
        return -1;
    middle[0] = add;
    middle[1] = clip;
    middle[2] = step;
    return last;
}

/* x * alpha + beta straight after the convolution: folded into its
 * weights and bias (both constant), which keeps the post-op chain short.
 * A linear, hardswish, linear chain of post-ops gave wrong results in our
 * parity checks against ONNX Runtime (each pair of them was right), so
 * chains here hold at most one hardswish, with no linear before it. */
static int scale_into_weights(amass_nn_graph *graph, int node_index, float alpha, float beta, amass_status *status)
{
    nn_node *node = &graph->nodes[node_index];
    const amass_nn_tensor_type *weight_type = &graph->values[node->inputs[1]].type;
    size_t count = amass_nn_type_count(weight_type);
    int64_t channels = node->op == AMASS_NN_OP_CONV ? weight_type->dims[0]
                                                    : weight_type->dims[1] * nn_attr_int(node, "group", 1);
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    const float *weights = constant_floats(graph, node->inputs[1], count);
    const float *bias = has_bias ? constant_floats(graph, node->inputs[2], (size_t)channels) : NULL;
    if (node->n_post || !weights || (has_bias && !bias) || channels < 1 || weight_type->rank < 3)
        return 0;
    float *new_weights = malloc(count * sizeof *new_weights), *new_bias = malloc((size_t)channels * sizeof *new_bias);
    if (!new_weights || !new_bias) {
        free(new_weights);
        free(new_bias);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory folding a scale into weights");
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        new_weights[i] = weights[i] * alpha;
    for (int64_t c = 0; c < channels; c++)
        new_bias[c] = (bias ? bias[c] : 0.0f) * alpha + beta;
    amass_nn_tensor_type type = *weight_type, bias_type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {channels}};
    int weight_value = nn_graph_constant_value(graph, "", &type, new_weights, status);
    if (weight_value < 0) {
        free(new_bias);
        return -1;
    }
    int bias_value = nn_graph_constant_value(graph, "", &bias_type, new_bias, status);
    if (bias_value < 0)
        return -1;
    node = &graph->nodes[node_index];
    node->inputs[1] = weight_value;
    if (node->n_inputs < 3)
        node->n_inputs = 3;
    node->inputs[2] = bias_value;
    return 1;
}

static void append_linear(nn_node *node, float alpha, float beta)
{
    nn_post_op *last = node->n_post ? &node->post[node->n_post - 1] : NULL;
    if (last && last->kind == NN_POST_ELTWISE && last->algorithm == dnnl_eltwise_linear) {
        /* a2 * (a1 * x + b1) + b2 as one step */
        last->beta = alpha * last->beta + beta;
        last->alpha *= alpha;
        return;
    }
    node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = dnnl_eltwise_linear,
                                              .alpha = alpha, .beta = beta, .value = -1};
}

/* One step of the chain after node_index folded into it: 1, else 0; -1
 * out of memory. */
static int fold_scalar_step(amass_nn_graph *graph, int node_index, amass_status *status)
{
    nn_node *node = &graph->nodes[node_index];
    int out = node->outputs[0], middle[3];
    int has_linear = node->n_post && node->post[node->n_post - 1].algorithm == dnnl_eltwise_linear &&
                     node->post[node->n_post - 1].kind == NN_POST_ELTWISE;
    int swished = 0;
    for (int p = 0; p < node->n_post; p++)
        swished |= node->post[p].algorithm == dnnl_eltwise_hardswish || node->post[p].algorithm == dnnl_eltwise_linear;
    int last = node->n_post < NN_MAX_POST && !swished ? spelled_hard_swish(graph, out, middle) : -1;
    if (last >= 0) {
        node->post[node->n_post++] = (nn_post_op){.kind = NN_POST_ELTWISE, .algorithm = dnnl_eltwise_hardswish,
                                                  .alpha = 1, .value = -1};
        for (int k = 0; k < 3; k++)
            graph->nodes[middle[k]].dead = 1;
        take_output(graph, node_index, last);
        return 1;
    }
    int consumer = nn_sole_consumer(graph, out);
    if (consumer < 0 || (node->n_post >= NN_MAX_POST && !has_linear))
        return 0;
    const nn_node *next = &graph->nodes[consumer];
    const float *scalar = scalar_operand(graph, next, out);
    if (!scalar || !isfinite(*scalar))
        return 0;
    int first = next->inputs[0] == out;
    float alpha = 1, beta = 0;
    switch (next->op) {
    case AMASS_NN_OP_MUL:
        alpha = *scalar;
        break;
    case AMASS_NN_OP_ADD:
        beta = *scalar;
        break;
    case AMASS_NN_OP_SUB:
        alpha = first ? 1 : -1;
        beta = first ? -*scalar : *scalar;
        break;
    case AMASS_NN_OP_DIV:
        if (!first || *scalar == 0)
            return 0;
        alpha = 1 / *scalar;
        break;
    default:
        return 0;
    }
    int scaled = scale_into_weights(graph, node_index, alpha, beta, status);
    if (scaled < 0)
        return -1;
    if (!scaled)
        append_linear(&graph->nodes[node_index], alpha, beta);
    take_output(graph, node_index, consumer);
    return 1;
}

int nn_fold_scalar_chains(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead || (node->op != AMASS_NN_OP_CONV && node->op != AMASS_NN_OP_CONV_TRANSPOSE))
            continue;
        int folded;
        while ((folded = fold_scalar_step(graph, n, status)) > 0)
            ;
        if (folded < 0)
            return status->code;
    }
    return AMASS_OK;
}
