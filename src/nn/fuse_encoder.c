/* Load-time fusion of the decomposed forms Transformer exporters write:
 * LayerNormalization before opset 17 (ReduceMean, Sub, Pow 2, ReduceMean,
 * Add eps, Sqrt, Div, Mul gamma, Add beta) and GELU from Erf
 * (x * 0.5 * (1 + Erf(x / sqrt 2))) or from Tanh (the tanh approximation),
 * each becoming one node oneDNN runs in one pass (and GELU then a post-op
 * of the MatMul before it). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

/* Node index of a live binary op reading value, with its other operand. */
static int binary_with(const amass_nn_graph *graph, int node_index, amass_nn_op op, int value, int *other)
{
    if (node_index < 0)
        return 0;
    const nn_node *node = &graph->nodes[node_index];
    if (node->dead || node->op != op || node->n_inputs != 2 || node->n_post)
        return 0;
    if (node->inputs[0] == value)
        *other = node->inputs[1];
    else if (node->inputs[1] == value && (op == AMASS_NN_OP_ADD || op == AMASS_NN_OP_MUL))
        *other = node->inputs[0];
    else
        return 0;
    return 1;
}

static int scalar_near(const amass_nn_graph *graph, int value, double wanted, double tolerance)
{
    double number;
    return nn_scalar_constant(graph, value, &number) && fabs(number - wanted) <= tolerance;
}

/* A ReduceMean over the last axis only, keeping it. */
static int mean_of_last_axis(const amass_nn_graph *graph, int node_index)
{
    const nn_node *node = &graph->nodes[node_index];
    if (node->dead || node->op != AMASS_NN_OP_REDUCE_MEAN || !nn_attr_int(node, "keepdims", 1) || node->inputs[0] < 0)
        return 0;
    int rank = graph->values[node->inputs[0]].type.rank;
    int64_t axes[AMASS_NN_MAX_RANK];
    int n_axes = nn_attr_ints(node, "axes", axes, AMASS_NN_MAX_RANK);
    if (n_axes < 0 && node->n_inputs > 1 && node->inputs[1] >= 0) {
        const nn_value *value = &graph->values[node->inputs[1]];
        const int64_t *data = nn_constant_data(graph, node->inputs[1]);
        if (!data || value->type.dtype != AMASS_NN_INT64 || amass_nn_type_count(&value->type) != 1)
            return 0;
        axes[0] = data[0];
        n_axes = 1;
    }
    return n_axes == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

/* A float constant holding one value per normalised element. */
static const float *per_channel(const amass_nn_graph *graph, int value, int64_t channels)
{
    const nn_value *v = &graph->values[value];
    if (v->type.dtype != AMASS_NN_FLOAT32 || (int64_t)amass_nn_type_count(&v->type) != channels || v->type.rank < 1 ||
        v->type.dims[v->type.rank - 1] != channels)
        return NULL;
    return nn_constant_data(graph, value);
}

/* A rank-1 constant of channels values: data, or fill when data is NULL. */
static int channel_constant(amass_nn_graph *graph, const float *data, float fill, int64_t channels,
                            amass_status *status)
{
    float *values = amass_alloc_array((size_t)channels, sizeof *values);
    if (!values)
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (int64_t c = 0; c < channels; c++)
        values[c] = data ? data[c] : fill;
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {channels}};
    return nn_graph_constant_value(graph, "", &type, values, status);
}

/* Turns node into op reading inputs and writing output; its old
 * attributes go, replaced by a copy of attr (a float or string) if any. */
static int rewrite_node(amass_nn_graph *graph, int node_index, amass_nn_op op, const int *inputs, int n_inputs,
                        int output, const nn_attr *attr, amass_status *status)
{
    nn_node *node = &graph->nodes[node_index];
    const char *op_type = amass_nn_op_name(op);
    char *type_copy = amass_strndup(op_type, strlen(op_type));
    nn_attr *attrs = calloc(2, sizeof *attrs);
    char *name = attr ? amass_strndup(attr->name, strlen(attr->name)) : NULL;
    char *text = attr && attr->s ? amass_strndup(attr->s, strlen(attr->s)) : NULL;
    if (!type_copy || !attrs || (attr && !name) || (attr && attr->s && !text)) {
        free(type_copy);
        free(attrs);
        free(name);
        free(text);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory fusing");
    }
    for (int a = 0; a < node->n_attrs; a++) {
        free(node->attrs[a].name);
        free(node->attrs[a].ints);
        free(node->attrs[a].floats);
        free(node->attrs[a].s);
    }
    free(node->attrs);
    free(node->op_type);
    node->attrs = attrs;
    node->n_attrs = 0;
    if (attr) {
        attrs[0] = *attr;
        attrs[0].name = name;
        attrs[0].s = text;
        attrs[0].ints = NULL;
        attrs[0].floats = NULL;
        node->n_attrs = 1;
    }
    node->op_type = type_copy;
    node->op = op;
    for (int i = 0; i < n_inputs; i++)
        node->inputs[i] = inputs[i];
    node->n_inputs = n_inputs;
    node->outputs[0] = output;
    graph->values[output].producer = node_index;
    return AMASS_OK;
}

/* The chain from ReduceMean first; fills the pattern's nodes and values. */
typedef struct {
    int x, nodes[9], n_nodes, gamma, beta;
    double epsilon;
} layer_norm_match;

static int match_layer_norm(const amass_nn_graph *graph, int mean_index, layer_norm_match *match)
{
    int other, x = graph->nodes[mean_index].inputs[0];
    if (!mean_of_last_axis(graph, mean_index))
        return 0;
    int sub = nn_sole_consumer(graph, graph->nodes[mean_index].outputs[0]);
    if (!binary_with(graph, sub, AMASS_NN_OP_SUB, x, &other) || other != graph->nodes[mean_index].outputs[0])
        return 0;
    int centred = graph->nodes[sub].outputs[0];
    /* The centred value feeds the square and the division. */
    int square = -1, divide = -1;
    if (graph->values[centred].is_output)
        return 0;
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead || node->n_inputs != 2 || node->inputs[0] != centred)
            continue;
        if ((node->op == AMASS_NN_OP_POW && scalar_near(graph, node->inputs[1], 2.0, 0)) ||
            (node->op == AMASS_NN_OP_MUL && node->inputs[1] == centred))
            square = n;
        else if (node->op == AMASS_NN_OP_DIV)
            divide = n;
    }
    int uses = square >= 0 && graph->nodes[square].op == AMASS_NN_OP_MUL ? 3 : 2;
    if (square < 0 || divide < 0 || nn_value_use_count(graph, centred) != uses)
        return 0;
    int variance = nn_sole_consumer(graph, graph->nodes[square].outputs[0]);
    if (variance < 0 || !mean_of_last_axis(graph, variance))
        return 0;
    int add = nn_sole_consumer(graph, graph->nodes[variance].outputs[0]);
    if (!binary_with(graph, add, AMASS_NN_OP_ADD, graph->nodes[variance].outputs[0], &other) ||
        !nn_scalar_constant(graph, other, &match->epsilon))
        return 0;
    int root = nn_sole_consumer(graph, graph->nodes[add].outputs[0]);
    if (root < 0 || graph->nodes[root].op != AMASS_NN_OP_SQRT ||
        nn_sole_consumer(graph, graph->nodes[root].outputs[0]) != divide ||
        graph->nodes[divide].inputs[1] != graph->nodes[root].outputs[0])
        return 0;
    int64_t channels = graph->values[x].type.dims[graph->values[x].type.rank - 1];
    match->x = x;
    match->n_nodes = 0;
    int chain[] = {mean_index, sub, square, variance, add, root, divide};
    for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++)
        match->nodes[match->n_nodes++] = chain[i];
    match->gamma = match->beta = -1;
    int scale = nn_sole_consumer(graph, graph->nodes[divide].outputs[0]);
    if (binary_with(graph, scale, AMASS_NN_OP_MUL, graph->nodes[divide].outputs[0], &other) &&
        per_channel(graph, other, channels)) {
        match->gamma = other;
        match->nodes[match->n_nodes++] = scale;
        int shift = nn_sole_consumer(graph, graph->nodes[scale].outputs[0]);
        if (binary_with(graph, shift, AMASS_NN_OP_ADD, graph->nodes[scale].outputs[0], &other) &&
            per_channel(graph, other, channels)) {
            match->beta = other;
            match->nodes[match->n_nodes++] = shift;
        }
    }
    return channels > 0;
}

int nn_fuse_layer_norm(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        layer_norm_match match;
        if (graph->nodes[n].dead || graph->nodes[n].op != AMASS_NN_OP_REDUCE_MEAN ||
            !match_layer_norm(graph, n, &match))
            continue;
        int64_t channels = graph->values[match.x].type.dims[graph->values[match.x].type.rank - 1];
        int gamma = channel_constant(graph, match.gamma >= 0 ? per_channel(graph, match.gamma, channels) : NULL, 1.0f,
                                     channels, status);
        if (gamma < 0)
            return status->code;
        int beta = channel_constant(graph, match.beta >= 0 ? per_channel(graph, match.beta, channels) : NULL, 0.0f,
                                    channels, status);
        if (beta < 0)
            return status->code;
        int last = match.nodes[match.n_nodes - 1];
        int inputs[3] = {match.x, gamma, beta};
        nn_attr epsilon = {.name = "epsilon", .kind = AMASS_NN_ATTR_FLOAT, .f = (float)match.epsilon};
        int result = rewrite_node(graph, last, AMASS_NN_OP_LAYER_NORMALIZATION, inputs, 3,
                                  graph->nodes[last].outputs[0], &epsilon, status);
        if (result != AMASS_OK)
            return result;
        for (int i = 0; i < match.n_nodes - 1; i++)
            graph->nodes[match.nodes[i]].dead = 1;
    }
    return AMASS_OK;
}

/* The producer of value if it is a live Mul by a constant scalar near
 * wanted; the other operand in *other. */
static int scaled_by(const amass_nn_graph *graph, int value, double wanted, double tolerance, int *other)
{
    int producer = value >= 0 ? graph->values[value].producer : -1;
    if (producer < 0 || nn_sole_consumer(graph, value) < 0)
        return -1;
    const nn_node *node = &graph->nodes[producer];
    if (node->dead || node->op != AMASS_NN_OP_MUL || node->n_inputs != 2 || node->n_post)
        return -1;
    for (int i = 0; i < 2; i++)
        if (scalar_near(graph, node->inputs[1 - i], wanted, tolerance)) {
            *other = node->inputs[i];
            return producer;
        }
    return -1;
}

/* The nodes computing the argument of the Erf or Tanh of a GELU from its
 * x: x / sqrt(2) (or x * sqrt(1/2)) for Erf; for Tanh
 * sqrt(2/pi) * (x + 0.044715 * x^3), x^3 as Pow(x, 3) or x * (x * x).
 * Returns x, or -1; head[] gets the nodes. */
static int gelu_argument(const amass_nn_graph *graph, int activation, int *head, int *n_head)
{
    int argument = graph->nodes[activation].inputs[0], x = -1, other;
    int producer = argument >= 0 ? graph->values[argument].producer : -1;
    *n_head = 0;
    if (producer < 0 || nn_sole_consumer(graph, argument) != activation)
        return -1;
    const nn_node *node = &graph->nodes[producer];
    if (node->dead || node->n_inputs != 2 || node->n_post)
        return -1;
    if (graph->nodes[activation].op == AMASS_NN_OP_ERF) {
        if (node->op == AMASS_NN_OP_DIV && scalar_near(graph, node->inputs[1], sqrt(2.0), 1e-5))
            x = node->inputs[0];
        else if (scaled_by(graph, argument, sqrt(0.5), 1e-5, &other) >= 0)
            x = other;
        head[(*n_head)++] = producer;
        return x;
    }
    int sum_value, sum;
    if ((head[0] = scaled_by(graph, argument, sqrt(2.0 / 3.14159265358979), 1e-5, &sum_value)) < 0)
        return -1;
    sum = graph->values[sum_value].producer;
    if (sum < 0 || nn_sole_consumer(graph, sum_value) != head[0] || graph->nodes[sum].op != AMASS_NN_OP_ADD ||
        graph->nodes[sum].n_inputs != 2 || graph->nodes[sum].n_post)
        return -1;
    head[1] = sum;
    *n_head = 2;
    for (int i = 0; i < 2; i++) {
        int cube_value, cube;
        int scaled = scaled_by(graph, graph->nodes[sum].inputs[1 - i], 0.044715, 1e-6, &cube_value);
        x = graph->nodes[sum].inputs[i];
        if (scaled < 0 || (cube = graph->values[cube_value].producer) < 0 ||
            nn_sole_consumer(graph, cube_value) != scaled)
            continue;
        const nn_node *c = &graph->nodes[cube];
        if (c->dead || c->n_inputs != 2 || c->n_post)
            continue;
        if (c->op == AMASS_NN_OP_POW && c->inputs[0] == x && scalar_near(graph, c->inputs[1], 3.0, 0)) {
            head[(*n_head)++] = scaled;
            head[(*n_head)++] = cube;
            return x;
        }
        int square_value = c->op != AMASS_NN_OP_MUL ? -1
                           : c->inputs[0] == x      ? c->inputs[1]
                           : c->inputs[1] == x      ? c->inputs[0]
                                                    : -1;
        int square = square_value >= 0 ? graph->values[square_value].producer : -1;
        if (square >= 0 && nn_sole_consumer(graph, square_value) == cube && !graph->nodes[square].dead &&
            graph->nodes[square].op == AMASS_NN_OP_MUL && graph->nodes[square].n_inputs == 2 &&
            graph->nodes[square].inputs[0] == x && graph->nodes[square].inputs[1] == x) {
            head[(*n_head)++] = scaled;
            head[(*n_head)++] = cube;
            head[(*n_head)++] = square;
            return x;
        }
    }
    return -1;
}

/* GELU from its Erf or Tanh: 0.5 * x * (1 + f(argument)), the halving
 * before or after the product. */
int nn_fuse_gelu(amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        if (graph->nodes[n].dead || (graph->nodes[n].op != AMASS_NN_OP_ERF && graph->nodes[n].op != AMASS_NN_OP_TANH))
            continue;
        int head[6], n_head, other, half_node = -1, final;
        int x = gelu_argument(graph, n, head, &n_head);
        if (x < 0 || graph->values[x].type.dtype != AMASS_NN_FLOAT32)
            continue;
        int add = nn_sole_consumer(graph, graph->nodes[n].outputs[0]);
        if (!binary_with(graph, add, AMASS_NN_OP_ADD, graph->nodes[n].outputs[0], &other) ||
            !scalar_near(graph, other, 1.0, 0))
            continue;
        int product = nn_sole_consumer(graph, graph->nodes[add].outputs[0]);
        if (!binary_with(graph, product, AMASS_NN_OP_MUL, graph->nodes[add].outputs[0], &other))
            continue;
        if (other == x) {
            /* (x * (1 + f)) * 0.5 */
            final = nn_sole_consumer(graph, graph->nodes[product].outputs[0]);
            if (!binary_with(graph, final, AMASS_NN_OP_MUL, graph->nodes[product].outputs[0], &other) ||
                !scalar_near(graph, other, 0.5, 0))
                continue;
        } else {
            /* (x * 0.5) * (1 + f) */
            int half_value;
            half_node = other >= 0 ? graph->values[other].producer : -1;
            if (half_node < 0 || nn_sole_consumer(graph, other) != product ||
                !binary_with(graph, half_node, AMASS_NN_OP_MUL, x, &half_value) ||
                !scalar_near(graph, half_value, 0.5, 0))
                continue;
            final = product;
        }
        int inputs[1] = {x};
        nn_attr approximate = {.name = "approximate", .kind = AMASS_NN_ATTR_STRING,
                               .s = graph->nodes[n].op == AMASS_NN_OP_TANH ? "tanh" : "none"};
        int result = rewrite_node(graph, final, AMASS_NN_OP_GELU, inputs, 1, graph->nodes[final].outputs[0],
                                  &approximate, status);
        if (result != AMASS_OK)
            return result;
        int tail[] = {n, add, product, half_node};
        for (int i = 0; i < n_head; i++)
            graph->nodes[head[i]].dead = 1;
        for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
            if (tail[i] >= 0 && tail[i] != final)
                graph->nodes[tail[i]].dead = 1;
    }
    return AMASS_OK;
}
