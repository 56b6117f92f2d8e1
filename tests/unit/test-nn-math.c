/* Unit tests of the Transformer-encoder ops: the LayerNorm and GELU (Erf
 * and tanh) fusions in the operand orders exporters write, a look-alike left
 * alone, Where over two runtime branches, and load-time errors naming the
 * node. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-reference.h"
#include "nn/nn.h"
#include "tap.h"

enum { ROWS = 5, WIDTH = 8, BATCH = 3 };

static float gamma_values[WIDTH], beta_values[WIDTH];

static void fill(float *values, size_t count, unsigned seed, float low, float high)
{
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = low + (high - low) * (float)((seed >> 8) & 0xffff) / 65535.0f;
    }
}

/* Runs graph at batch on x; the first output into y. */
static int run_graph(amass_nn_graph *graph, int64_t batch, const float *x, float *y)
{
    amass_status status = {0};
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    const float *inputs[1] = {x};
    int result = session ? amass_nn_session_run(session, batch, inputs, &y, &status) : (int)status.code;
    if (result != AMASS_OK)
        printf("#   %s\n", status.message);
    amass_nn_session_close(session);
    return result;
}

static amass_nn_graph *input_graph(int rank, const int64_t *dims)
{
    amass_status status = {0};
    amass_nn_graph *graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_tensor_type type = float_type(rank, dims);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    return graph;
}

static void add_scalar(amass_nn_graph *graph, const char *name, float value)
{
    amass_status status;
    amass_nn_tensor_type scalar = {.dtype = AMASS_NN_FLOAT32, .rank = 0};
    amass_nn_graph_add_constant(graph, name, &scalar, &value, NULL, NULL, &status);
}

/* x - mean, squared as Mul(d, d), gamma and beta on the left: one of the
 * orders exporters write. With affine 0, the chain ends at the Div. */
static amass_nn_graph *decomposed_layer_norm(int affine, int64_t reduce_axis, amass_status *status)
{
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    amass_nn_attr axes[] = {NN_ATTR_INTS("axes", reduce_axis)};
    int result = add_float_constant(graph, "gamma", 1, (int64_t[]){WIDTH}, gamma_values);
    result |= add_float_constant(graph, "beta", 1, (int64_t[]){WIDTH}, beta_values);
    add_scalar(graph, "epsilon", 1e-5f);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_REDUCE_MEAN, "mean", "m", axes, status, "x");
    result |= NODE(graph, AMASS_NN_OP_SUB, "centre", "d", status, "x", "m");
    result |= NODE(graph, AMASS_NN_OP_MUL, "square", "s", status, "d", "d");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_REDUCE_MEAN, "variance", "v", axes, status, "s");
    result |= NODE(graph, AMASS_NN_OP_ADD, "add_eps", "ve", status, "epsilon", "v");
    result |= NODE(graph, AMASS_NN_OP_SQRT, "root", "r", status, "ve");
    result |= NODE(graph, AMASS_NN_OP_DIV, "normalise", affine ? "n" : "y", status, "d", "r");
    if (affine) {
        result |= NODE(graph, AMASS_NN_OP_MUL, "scale", "g", status, "gamma", "n");
        result |= NODE(graph, AMASS_NN_OP_ADD, "shift", "y", status, "beta", "g");
    }
    result |= amass_nn_graph_mark_output(graph, "y", status);
    result |= amass_nn_graph_prepare(graph, status);
    if (result != AMASS_OK)
        printf("#   %s\n", status->message);
    return graph;
}

static void layer_norm_reference(const float *x, float *y, int affine)
{
    for (int row = 0; row < BATCH * ROWS; row++) {
        const float *in = x + row * WIDTH;
        double mean = 0, variance = 0;
        for (int c = 0; c < WIDTH; c++)
            mean += in[c] / (double)WIDTH;
        for (int c = 0; c < WIDTH; c++)
            variance += (in[c] - mean) * (in[c] - mean) / WIDTH;
        for (int c = 0; c < WIDTH; c++) {
            double normal = (in[c] - mean) / sqrt(variance + 1e-5);
            y[row * WIDTH + c] = (float)(affine ? normal * gamma_values[c] + beta_values[c] : normal);
        }
    }
}

static void test_layer_norm_fusion(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], y[BATCH * ROWS * WIDTH], want[BATCH * ROWS * WIDTH];
    fill(x, sizeof x / sizeof *x, 7, -3, 5);
    fill(gamma_values, WIDTH, 11, 0.5f, 1.5f);
    fill(beta_values, WIDTH, 13, -0.5f, 0.5f);
    for (int affine = 1; affine >= 0; affine--) {
        amass_nn_graph *graph = decomposed_layer_norm(affine, -1, &status);
        ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_LAYER_NORMALIZATION) == 1 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_REDUCE_MEAN) == 0 && amass_nn_graph_node_count(graph) == 1,
           affine ? "decomposed LayerNorm (Mul(d,d), gamma and beta on the left) becomes one node"
                  : "decomposed LayerNorm without gamma and beta becomes one node");
        layer_norm_reference(x, want, affine);
        ok(run_graph(graph, BATCH, x, y) == AMASS_OK &&
               relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
           "and agrees with the formula at batch 3");
        amass_nn_graph_free(graph);
    }
    /* The same chain over the rows axis is not a layer norm of the last axis. */
    amass_nn_graph *graph = decomposed_layer_norm(1, 1, &status);
    ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_LAYER_NORMALIZATION) == 0 &&
           amass_nn_graph_count_op(graph, AMASS_NN_OP_REDUCE_MEAN) == 2,
       "a mean over another axis is left as it is");
    amass_nn_graph_free(graph);
}

static float gelu(float v)
{
    return (float)(0.5 * v * (1 + erf(v / sqrt(2.0))));
}

/* MatMul + bias, then (x * 0.5) * (1 + Erf(x * (1 / sqrt 2))): the other
 * order and the multiplicative form of the scaling. */
static void test_gelu_fusion(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], weights[WIDTH * 4], bias[4], y[BATCH * ROWS * 4], want[BATCH * ROWS * 4];
    fill(x, sizeof x / sizeof *x, 17, -2, 2);
    fill(weights, sizeof weights / sizeof *weights, 19, -1, 1);
    fill(bias, 4, 23, -1, 1);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    int result = add_float_constant(graph, "W", 2, (int64_t[]){WIDTH, 4}, weights);
    result |= add_float_constant(graph, "B", 1, (int64_t[]){4}, bias);
    add_scalar(graph, "half", 0.5f);
    add_scalar(graph, "one", 1.0f);
    add_scalar(graph, "inverse_root2", (float)sqrt(0.5));
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "up", "mm", &status, "x", "W");
    result |= NODE(graph, AMASS_NN_OP_ADD, "up_bias", "h", &status, "B", "mm");
    result |= NODE(graph, AMASS_NN_OP_MUL, "scaled", "t", &status, "inverse_root2", "h");
    result |= NODE(graph, AMASS_NN_OP_ERF, "erf", "e", &status, "t");
    result |= NODE(graph, AMASS_NN_OP_ADD, "plus_one", "a", &status, "one", "e");
    result |= NODE(graph, AMASS_NN_OP_MUL, "halved", "hh", &status, "h", "half");
    result |= NODE(graph, AMASS_NN_OP_MUL, "gelu", "y", &status, "a", "hh");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    if (result != AMASS_OK)
        printf("#   %s\n", status.message);
    ok(result == AMASS_OK && amass_nn_graph_node_count(graph) == 1 &&
           amass_nn_graph_count_op(graph, AMASS_NN_OP_MATMUL) == 1,
       "GELU written (x * 0.5) * (1 + Erf(x * 0.7071)) becomes a MatMul post-op");
    for (int row = 0; row < BATCH * ROWS; row++)
        for (int j = 0; j < 4; j++) {
            double acc = bias[j];
            for (int c = 0; c < WIDTH; c++)
                acc += (double)x[row * WIDTH + c] * weights[c * 4 + j];
            want[row * 4 + j] = gelu((float)acc);
        }
    ok(run_graph(graph, BATCH, x, y) == AMASS_OK && relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
       "and agrees with 0.5 x (1 + erf(x / sqrt 2))");
    amass_nn_graph_free(graph);
}

/* The tanh GELU as Hugging Face writes it: 0.5 * x first, x^3 a Pow. */
static void test_tanh_gelu_fusion(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], y[BATCH * ROWS * WIDTH], want[BATCH * ROWS * WIDTH];
    fill(x, sizeof x / sizeof *x, 31, -4, 4);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    add_scalar(graph, "half", 0.5f);
    add_scalar(graph, "one", 1.0f);
    add_scalar(graph, "three", 3.0f);
    add_scalar(graph, "cubic", 0.044715f);
    add_scalar(graph, "root2pi", (float)sqrt(2 / 3.14159265358979));
    int result = NODE(graph, AMASS_NN_OP_MUL, "halved", "hx", &status, "half", "x");
    result |= NODE(graph, AMASS_NN_OP_POW, "cube", "c", &status, "x", "three");
    result |= NODE(graph, AMASS_NN_OP_MUL, "cubic_term", "ct", &status, "c", "cubic");
    result |= NODE(graph, AMASS_NN_OP_ADD, "sum", "s", &status, "ct", "x");
    result |= NODE(graph, AMASS_NN_OP_MUL, "argument", "u", &status, "s", "root2pi");
    result |= NODE(graph, AMASS_NN_OP_TANH, "tanh", "t", &status, "u");
    result |= NODE(graph, AMASS_NN_OP_ADD, "plus_one", "a", &status, "t", "one");
    result |= NODE(graph, AMASS_NN_OP_MUL, "gelu", "y", &status, "hx", "a");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    ok(result == AMASS_OK && amass_nn_graph_node_count(graph) == 1 &&
           amass_nn_graph_count_op(graph, AMASS_NN_OP_GELU) == 1,
       "tanh GELU (0.5 x first, Pow(x, 3)) becomes one Gelu node");
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) {
        double v = x[i];
        want[i] = (float)(0.5 * v * (1 + tanh(sqrt(2 / 3.14159265358979) * (v + 0.044715 * v * v * v))));
    }
    ok(run_graph(graph, BATCH, x, y) == AMASS_OK && relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
       "and agrees with the tanh formula");
    amass_nn_graph_free(graph);
}

/* (2 - x W) / 4, + 0.5, * 3 after a MatMul: four linear steps, the
 * constant on either side (c - x is not x - c), merged into one post-op
 * (oneDNN 2.6 would apply the first one's parameters to all four). */
static void test_scalar_post_ops(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], weights[WIDTH * 4], y[BATCH * ROWS * 4], want[BATCH * ROWS * 4];
    fill(x, sizeof x / sizeof *x, 37, -2, 2);
    fill(weights, sizeof weights / sizeof *weights, 41, -1, 1);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    int result = add_float_constant(graph, "W", 2, (int64_t[]){WIDTH, 4}, weights);
    add_scalar(graph, "two", 2.0f);
    add_scalar(graph, "four", 4.0f);
    add_scalar(graph, "half", 0.5f);
    add_scalar(graph, "three", 3.0f);
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "project", "m", &status, "x", "W");
    result |= NODE(graph, AMASS_NN_OP_SUB, "from_two", "a", &status, "two", "m");
    result |= NODE(graph, AMASS_NN_OP_DIV, "quarter", "b", &status, "a", "four");
    result |= NODE(graph, AMASS_NN_OP_ADD, "shift", "c", &status, "half", "b");
    result |= NODE(graph, AMASS_NN_OP_MUL, "triple", "y", &status, "c", "three");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    ok(result == AMASS_OK && amass_nn_graph_node_count(graph) == 1,
       "Sub, Div, Add and Mul by constant scalars become a MatMul post-op");
    for (int row = 0; row < BATCH * ROWS; row++)
        for (int j = 0; j < 4; j++) {
            double acc = 0;
            for (int c = 0; c < WIDTH; c++)
                acc += (double)x[row * WIDTH + c] * weights[c * 4 + j];
            want[row * 4 + j] = (float)(((2 - acc) / 4 + 0.5) * 3);
        }
    ok(run_graph(graph, BATCH, x, y) == AMASS_OK && relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
       "and keep the operand order");
    amass_nn_graph_free(graph);
}

/* Two LeakyRelus (one oneDNN algorithm, two slopes) after a MatMul: the
 * second stays a node of its own, and negative values end up times 0.05. */
static void test_repeated_activation(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], weights[WIDTH * 4], y[BATCH * ROWS * 4], want[BATCH * ROWS * 4];
    fill(x, sizeof x / sizeof *x, 43, -2, 2);
    fill(weights, sizeof weights / sizeof *weights, 47, -1, 1);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    amass_nn_attr gentle[] = {NN_ATTR_FLOAT("alpha", 0.1f)}, steep[] = {NN_ATTR_FLOAT("alpha", 0.5f)};
    int result = add_float_constant(graph, "W", 2, (int64_t[]){WIDTH, 4}, weights);
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "project", "m", &status, "x", "W");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_LEAKY_RELU, "gentle", "a", gentle, &status, "m");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_LEAKY_RELU, "steep", "y", steep, &status, "a");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    ok(result == AMASS_OK && amass_nn_graph_node_count(graph) == 2,
       "a second post-op of the same algorithm is not fused");
    for (int row = 0; row < BATCH * ROWS; row++)
        for (int j = 0; j < 4; j++) {
            double acc = 0;
            for (int c = 0; c < WIDTH; c++)
                acc += (double)x[row * WIDTH + c] * weights[c * 4 + j];
            want[row * 4 + j] = (float)(acc < 0 ? acc * 0.05 : acc);
        }
    ok(run_graph(graph, BATCH, x, y) == AMASS_OK && relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
       "and both slopes apply");
    amass_nn_graph_free(graph);
}

/* Rank-4 MatMul of two runtime tensors whose batch dimensions broadcast:
 * x [B,2,5,8] times the head-mean of x transposed, [B,1,8,5]. */
static void test_broadcast_runtime_matmul(void)
{
    amass_status status = {0};
    enum { HEADS = 2 };
    float x[BATCH * HEADS * ROWS * WIDTH], y[BATCH * HEADS * ROWS * ROWS], want[BATCH * HEADS * ROWS * ROWS];
    fill(x, sizeof x / sizeof *x, 53, -1, 1);
    amass_nn_graph *graph = input_graph(4, (int64_t[]){AMASS_NN_DYNAMIC, HEADS, ROWS, WIDTH});
    amass_nn_attr axes[] = {NN_ATTR_INTS("axes", 1)}, perm[] = {NN_ATTR_INTS("perm", 0, 1, 3, 2)};
    int result = NODE_ATTRS(graph, AMASS_NN_OP_REDUCE_MEAN, "head_mean", "m", axes, &status, "x");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_TRANSPOSE, "transpose", "t", perm, &status, "m");
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "scores", "y", &status, "x", "t");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    for (int b = 0; b < BATCH; b++)
        for (int h = 0; h < HEADS; h++)
            for (int i = 0; i < ROWS; i++)
                for (int j = 0; j < ROWS; j++) {
                    double acc = 0;
                    for (int k = 0; k < WIDTH; k++) {
                        double mean = 0;
                        for (int g = 0; g < HEADS; g++)
                            mean += x[((b * HEADS + g) * ROWS + j) * WIDTH + k] / (double)HEADS;
                        acc += x[((b * HEADS + h) * ROWS + i) * WIDTH + k] * mean;
                    }
                    want[((b * HEADS + h) * ROWS + i) * ROWS + j] = (float)acc;
                }
    ok(result == AMASS_OK && run_graph(graph, BATCH, x, y) == AMASS_OK &&
           relative_error(y, want, sizeof y / sizeof *y) < 1e-5,
       "rank-4 runtime MatMul broadcasts the second operand's head dimension");
    amass_nn_graph_free(graph);
}

/* Where(c, x, y) with c known and both branches computed at run time. */
static void test_where_runtime_branches(void)
{
    amass_status status = {0};
    float x[BATCH * ROWS * WIDTH], y[BATCH * ROWS * WIDTH], want[BATCH * ROWS * WIDTH];
    unsigned char condition[WIDTH] = {1, 0, 0, 1, 1, 0, 1, 0};
    fill(x, sizeof x / sizeof *x, 29, -3, 3);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){AMASS_NN_DYNAMIC, ROWS, WIDTH});
    amass_nn_tensor_type bool_type = {.dtype = AMASS_NN_BOOL, .rank = 1, .dims = {WIDTH}};
    int result = amass_nn_graph_add_constant(graph, "c", &bool_type, condition, NULL, NULL, &status);
    result |= NODE(graph, AMASS_NN_OP_EXP, "exp", "ex", &status, "x");
    result |= NODE(graph, AMASS_NN_OP_NEG, "neg", "ng", &status, "x");
    result |= NODE(graph, AMASS_NN_OP_WHERE, "select", "y", &status, "c", "ex", "ng");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    result |= amass_nn_graph_prepare(graph, &status);
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        want[i] = condition[i % WIDTH] ? expf(x[i]) : -x[i];
    ok(result == AMASS_OK && run_graph(graph, BATCH, x, y) == AMASS_OK &&
           relative_error(y, want, sizeof y / sizeof *y) < 1e-6,
       "Where with a known condition picks between two runtime branches");
    amass_nn_graph_free(graph);
}

/* Builds x [2,5,8] -> op(name) -> y and returns prepare's message. */
static const char *prepare_message(amass_nn_op op, const char *name, const char *second, const char *third,
                                   const amass_nn_attr *attrs, size_t n_attrs)
{
    static amass_status status;
    static const float zeros[64];
    memset(&status, 0, sizeof status);
    amass_nn_graph *graph = input_graph(3, (int64_t[]){2, ROWS, WIDTH});
    add_float_constant(graph, "scale_2d", 2, (int64_t[]){1, WIDTH}, zeros);
    add_float_constant(graph, "exponent3", 1, (int64_t[]){3}, zeros);
    add_float_constant(graph, "values4", 1, (int64_t[]){4}, zeros);
    add_int64_constant(graph, "shape", 3, (int64_t[]){2, 3, WIDTH});
    amass_nn_tensor_type bool_type = {.dtype = AMASS_NN_BOOL, .rank = 1, .dims = {3}};
    static const unsigned char truth[3] = {1, 0, 1};
    amass_nn_graph_add_constant(graph, "c3", &bool_type, truth, NULL, NULL, &status);
    const char *inputs[3] = {third ? "c3" : "x", third ? "x" : second, third};
    int n_inputs = third ? 3 : second ? 2 : 1;
    amass_nn_node_spec spec = {.op = op, .name = name, .inputs = inputs, .n_inputs = (size_t)n_inputs,
                               .outputs = (const char *[]){"y"}, .n_outputs = 1, .attrs = attrs,
                               .n_attrs = n_attrs};
    if (amass_nn_graph_add_node(graph, &spec, &status) == AMASS_OK &&
        amass_nn_graph_mark_output(graph, "y", &status) == AMASS_OK &&
        amass_nn_graph_prepare(graph, &status) == AMASS_OK) {
        amass_nn_session *session = amass_nn_session_open(graph, &status);
        if (session)
            snprintf(status.message, sizeof status.message, "(loaded)");
        amass_nn_session_close(session);
    }
    amass_nn_graph_free(graph);
    return status.message;
}

static void test_errors(void)
{
    is_str(prepare_message(AMASS_NN_OP_LAYER_NORMALIZATION, "LayerNorm_1", "scale_2d", NULL, NULL, 0),
           "model.onnx: node 'LayerNorm_1' (LayerNormalization): the scale has shape [1,8]; normalizing from axis 2 "
           "needs [8]",
           "LayerNormalization with a scale of the wrong rank names the node and both shapes");
    is_str(prepare_message(AMASS_NN_OP_POW, "Pow_2", "exponent3", NULL, NULL, 0),
           "model.onnx: node 'Pow_2' (Pow): base [2,5,8] and exponent [3] do not broadcast",
           "Pow with an exponent that does not broadcast");
    is_str(prepare_message(AMASS_NN_OP_EXPAND, "Expand_3", "shape", NULL, NULL, 0),
           "model.onnx: node 'Expand_3' (Expand): cannot expand [2,5,8] to [2,3,8]",
           "Expand to an incompatible shape");
    is_str(prepare_message(AMASS_NN_OP_WHERE, "Where_4", NULL, "values4", NULL, 0),
           "model.onnx: node 'Where_4' (Where): condition [3], x [2,5,8] and y [4] do not broadcast",
           "Where with operands that do not broadcast");
    is_str(prepare_message(AMASS_NN_OP_ERF, "Erf_5", NULL, NULL, NULL, 0),
           "model.onnx: node 'Erf_5' (Erf): Erf on tensors computed at run time is not supported yet",
           "Erf outside a GELU on runtime data is refused at load");
    is_str(prepare_message(AMASS_NN_OP_POW, "Pow_6", "x", NULL, NULL, 0),
           "model.onnx: node 'Pow_6' (Pow): only a runtime base with a constant float scalar exponent runs",
           "Pow with a runtime exponent is refused when the session is planned");
    amass_nn_attr approximate = {.name = "approximate", .kind = AMASS_NN_ATTR_STRING, .s = "cubic"};
    is_str(prepare_message(AMASS_NN_OP_GELU, "Gelu_7", NULL, NULL, &approximate, 1),
           "model.onnx: node 'Gelu_7' (Gelu): unsupported attribute 'approximate=cubic'",
           "Gelu with an unknown approximation");
    amass_nn_attr bad_axis = NN_ATTR_INT("axis", 3);
    is_str(prepare_message(AMASS_NN_OP_LAYER_NORMALIZATION, "LayerNorm_8", "scale_2d", NULL, &bad_axis, 1),
           "model.onnx: node 'LayerNorm_8' (LayerNormalization): axis 3 is out of range for rank 3",
           "LayerNormalization with an axis out of range");
}

int main(void)
{
    amass_nn_set_threads(2);
    test_layer_norm_fusion();
    test_gelu_fusion();
    test_tanh_gelu_fusion();
    test_scalar_post_ops();
    test_repeated_activation();
    test_broadcast_runtime_matmul();
    test_where_runtime_branches();
    test_errors();
    return done_testing();
}
