/* Load-time folding into ConvTranspose of what exporters put after it: a
 * BatchNormalization (into the weights and bias) and a constant
 * per-channel or scalar Add (PaddlePaddle's exports carry the bias that
 * way), so activations after it fuse as post-ops and no separate
 * broadcast pass runs over the enlarged output. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

/* The single live node reading value (not a graph output), or -1. */
static int sole_reader(const amass_nn_graph *graph, int value)
{
    int found = -1;
    if (graph->values[value].is_output || nn_value_use_count(graph, value) != 1)
        return -1;
    for (int n = 0; n < graph->n_nodes; n++)
        for (int i = 0; i < graph->nodes[n].n_inputs && !graph->nodes[n].dead; i++)
            if (graph->nodes[n].inputs[i] == value)
                found = n;
    return found;
}

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
            int consumer = sole_reader(graph, graph->nodes[n].outputs[0]);
            int folded = consumer < 0 ? 0 : fold_one(graph, n, consumer, status);
            if (folded < 0)
                return status->code;
            if (!folded)
                break;
        }
    }
    return AMASS_OK;
}
