/* Unit tests of the nn engine's remaining operators, the folding of shape
 * arithmetic (static and batch-dependent), and load-time errors that name
 * the op and the node. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-reference.h"
#include "nn/nn.h"
#include "tap.h"

#define TOLERANCE 1e-4

static int run(amass_nn_session *session, int batch, const float *const *inputs, float *const *outputs)
{
    amass_status status = {0};
    int result = amass_nn_session_run(session, batch, inputs, outputs, &status);
    if (result != AMASS_OK)
        printf("#   %s\n", status.message);
    return result;
}

/* ---- activations, broadcasting arithmetic, transpose, concat, reduce, shape chain ---- */
enum { MC = 4, MH = 6, MW = 5, MN = 3 };
static float matmul_weights[MC * MN], matmul_bias[MN], divisor[4 * MN], factor[MH];

static float hard_swish(float v)
{
    float gate = v + 3;
    gate = gate < 0 ? 0 : gate > 6 ? 6 : gate;
    return v * gate / 6;
}

static void misc_reference(const float *x, int batch, float *y, float *pooled)
{
    int columns = 4 * MN;
    for (int n = 0; n < batch; n++) {
        double sums[4 * MN] = {0};
        for (int h = 0; h < MH; h++)
            for (int w = 0; w < MW; w++) {
                float m[MN], parts[4 * MN];
                for (int j = 0; j < MN; j++) {
                    double acc = matmul_bias[j];
                    for (int c = 0; c < MC; c++)
                        acc += (double)x[((size_t)(n * MC + c) * MH + h) * MW + w] * matmul_weights[c * MN + j];
                    m[j] = (float)acc;
                }
                for (int j = 0; j < MN; j++) {
                    float hard = 0.3f * m[j] + 0.4f;
                    parts[j] = reference_sigmoid(m[j]);
                    parts[MN + j] = hard_swish(m[j]);
                    parts[2 * MN + j] = hard < 0 ? 0 : hard > 1 ? 1 : hard;
                    parts[3 * MN + j] = tanhf(m[j]);
                }
                for (int j = 0; j < columns; j++)
                    sums[j] += (parts[j] / divisor[j] - 0.25f) * factor[h];
            }
        for (int j = 0; j < columns; j++)
            y[n * columns + j] = (float)(sums[j] / (MH * MW));
        reference_softmax_rows(y + n * columns, 1, columns);
    }
    int oh, ow;
    /* AveragePool 2x2, stride 2, pads 1 on every side, padding excluded */
    for (int p = 0; p < batch * MC; p++) {
        oh = (MH + 2 - 2) / 2 + 1;
        ow = (MW + 2 - 2) / 2 + 1;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double acc = 0;
                int count = 0;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int iy = i * 2 - 1 + dy, ix = j * 2 - 1 + dx;
                        if (iy >= 0 && iy < MH && ix >= 0 && ix < MW) {
                            acc += x[((size_t)p * MH + iy) * MW + ix];
                            count++;
                        }
                    }
                pooled[((size_t)p * oh + i) * ow + j] = (float)(acc / count);
            }
    }
}

static amass_nn_graph *build_misc(int dynamic, amass_status *status)
{
    amass_nn_graph *graph = amass_nn_graph_new("misc", status);
    amass_nn_tensor_type type = float_type(4, (int64_t[]){dynamic ? AMASS_NN_DYNAMIC : 2, MC, MH, MW});
    float quarter = 0.25f;
    int64_t zero = 0, minus_one = -1;
    amass_nn_attr perm[] = {NN_ATTR_INTS("perm", 0, 2, 3, 1)};
    amass_nn_attr hard[] = {NN_ATTR_FLOAT("alpha", 0.3f), NN_ATTR_FLOAT("beta", 0.4f)};
    amass_nn_attr concat_last[] = {NN_ATTR_INT("axis", -1)};
    amass_nn_attr concat_first[] = {NN_ATTR_INT("axis", 0)};
    amass_nn_attr reduce[] = {NN_ATTR_INTS("axes", 1, 2), NN_ATTR_INT("keepdims", 0)};
    amass_nn_attr axes0[] = {NN_ATTR_INTS("axes", 0)};
    amass_nn_attr softmax[] = {NN_ATTR_INT("axis", 1)};
    amass_nn_attr pool[] = {NN_ATTR_INTS("kernel_shape", 2, 2), NN_ATTR_INTS("strides", 2, 2),
                            NN_ATTR_INTS("pads", 1, 1, 1, 1)};
    int result = amass_nn_graph_add_input(graph, "x", &type, status);
    result |= add_float_constant(graph, "W", 2, (int64_t[]){MC, MN}, matmul_weights);
    result |= add_float_constant(graph, "B", 1, (int64_t[]){MN}, matmul_bias);
    result |= add_float_constant(graph, "divisor", 1, (int64_t[]){4 * MN}, divisor);
    result |= add_float_constant(graph, "quarter", 0, NULL, &quarter);
    result |= add_float_constant(graph, "factor", 3, (int64_t[]){MH, 1, 1}, factor);
    amass_nn_tensor_type scalar = {.dtype = AMASS_NN_INT64, .rank = 0};
    result |= amass_nn_graph_add_constant(graph, "zero", &scalar, &zero, NULL, NULL, status);
    result |= add_int64_constant(graph, "minus_one", 1, &minus_one);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_TRANSPOSE, "to_nhwc", "t", perm, status, "x");
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "project", "mm", status, "t", "W");
    result |= NODE(graph, AMASS_NN_OP_ADD, "bias", "m", status, "mm", "B");
    result |= NODE(graph, AMASS_NN_OP_SIGMOID, "sigmoid", "a1", status, "m");
    result |= NODE(graph, AMASS_NN_OP_HARD_SWISH, "hardswish", "a2", status, "m");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_HARD_SIGMOID, "hardsigmoid", "a3", hard, status, "m");
    result |= NODE(graph, AMASS_NN_OP_TANH, "tanh", "a4", status, "m");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_CONCAT, "concat", "c", concat_last, status, "a1", "a2", "a3", "a4");
    result |= NODE(graph, AMASS_NN_OP_DIV, "div", "d", status, "c", "divisor");
    result |= NODE(graph, AMASS_NN_OP_SUB, "sub", "e", status, "d", "quarter");
    result |= NODE(graph, AMASS_NN_OP_MUL, "mul", "f", status, "factor", "e");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_REDUCE_MEAN, "mean", "r", reduce, status, "f");
    /* the exporter's way of writing Reshape(r, [batch, -1]) */
    result |= NODE(graph, AMASS_NN_OP_SHAPE, "shape", "sh", status, "x");
    result |= NODE(graph, AMASS_NN_OP_GATHER, "gather", "g", status, "sh", "zero");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_UNSQUEEZE, "unsqueeze", "u", axes0, status, "g");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_CONCAT, "target", "target", concat_first, status, "u", "minus_one");
    result |= NODE(graph, AMASS_NN_OP_RESHAPE, "reshape", "flat", status, "r", "target");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_SOFTMAX, "softmax", "y", softmax, status, "flat");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_AVERAGE_POOL, "avgpool", "pooled", pool, status, "x");
    result |= amass_nn_graph_mark_output(graph, "y", status);
    result |= amass_nn_graph_mark_output(graph, "pooled", status);
    if (result != AMASS_OK) {
        amass_nn_graph_free(graph);
        return NULL;
    }
    return graph;
}

static void test_misc_ops(void)
{
    amass_status status = {0};
    for (int i = 0; i < MC * MN; i++)
        matmul_weights[i] = reference_random();
    for (int i = 0; i < MN; i++)
        matmul_bias[i] = reference_random();
    for (int i = 0; i < 4 * MN; i++)
        divisor[i] = 1.5f + reference_random();
    for (int i = 0; i < MH; i++)
        factor[i] = reference_random() * 2;
    amass_nn_graph *graph = build_misc(1, &status);
    ok(graph != NULL, "the op zoo builds");
    if (!ok(graph && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "the op zoo prepares"))
        printf("#   %s\n", status.message);
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_ADD), 0, "the MatMul bias fuses");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_SHAPE), 1, "a batch-dependent Shape stays for the plan");
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    int pooled_h = MH / 2 + 1, pooled_w = MW / 2 + 1;
    for (int batch = 1; batch <= 3; batch += 2) {
        size_t in_count = (size_t)batch * MC * MH * MW, pooled_count = (size_t)batch * MC * pooled_h * pooled_w;
        float *x = random_tensor(in_count, -2, 2);
        float *y = calloc((size_t)batch * 4 * MN, sizeof *y), *want = calloc((size_t)batch * 4 * MN, sizeof *y);
        float *pooled = calloc(pooled_count, sizeof *pooled), *want_pooled = calloc(pooled_count, sizeof *pooled);
        amass_nn_tensor_type out_type;
        ok(session && amass_nn_session_output_type(session, batch, 0, &out_type, &status) == AMASS_OK &&
               out_type.rank == 2 && out_type.dims[0] == batch && out_type.dims[1] == 4 * MN,
           "the reshape target follows the batch");
        misc_reference(x, batch, want, want_pooled);
        ok(session && run(session, batch, (const float *[]){x}, (float *[]){y, pooled}) == AMASS_OK, "the op zoo runs");
        double error = relative_error(y, want, (size_t)batch * 4 * MN);
        if (!ok(error <= TOLERANCE, "activations, arithmetic, concat, reduce and softmax match the reference"))
            printf("#   batch %d error %g\n", batch, error);
        ok(relative_error(pooled, want_pooled, pooled_count) <= TOLERANCE, "average pooling excludes the padding");
        free(x);
        free(y);
        free(want);
        free(pooled);
        free(want_pooled);
    }
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);

    graph = build_misc(0, &status);
    ok(graph && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "the op zoo with a fixed batch prepares");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_SHAPE) + amass_nn_graph_count_op(graph, AMASS_NN_OP_GATHER) +
               amass_nn_graph_count_op(graph, AMASS_NN_OP_UNSQUEEZE) +
               amass_nn_graph_count_op(graph, AMASS_NN_OP_CONCAT),
           1, "with a fixed batch the shape chain folds away (one runtime Concat left)");
    amass_nn_graph_free(graph);
}

/* ---- convolution geometry: strides, dilations, asymmetric pads, groups ---- */
static void test_conv_geometry(void)
{
    amass_status status = {0};
    enum { C = 4, O = 6, H = 11, W = 9 };
    float *weights = random_tensor((size_t)O * (C / 2) * 3 * 3, -0.5f, 0.5f);
    amass_nn_graph *graph = amass_nn_graph_new("geometry", &status);
    amass_nn_tensor_type type = float_type(4, (int64_t[]){AMASS_NN_DYNAMIC, C, H, W});
    amass_nn_attr attrs[] = {NN_ATTR_INTS("strides", 2, 1), NN_ATTR_INTS("dilations", 2, 1),
                             NN_ATTR_INTS("pads", 2, 0, 1, 1), NN_ATTR_INT("group", 2)};
    int result = amass_nn_graph_add_input(graph, "x", &type, &status);
    result |= add_float_constant(graph, "w", 4, (int64_t[]){O, C / 2, 3, 3}, weights);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_CONV, "conv", "y", attrs, &status, "x", "w");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "grouped dilated conv prepares");
    conv_params p = {.stride = 2, .pad_top = 2, .pad_left = 0, .pad_bottom = 1, .pad_right = 1, .dilation = 2,
                     .group = 2};
    /* the reference takes one stride and dilation: use a square case for both axes */
    amass_nn_graph_free(graph);
    graph = amass_nn_graph_new("geometry", &status);
    amass_nn_attr square[] = {NN_ATTR_INTS("strides", 2, 2), NN_ATTR_INTS("dilations", 2, 2),
                              NN_ATTR_INTS("pads", 2, 0, 1, 1), NN_ATTR_INT("group", 2)};
    result = amass_nn_graph_add_input(graph, "x", &type, &status);
    result |= add_float_constant(graph, "w", 4, (int64_t[]){O, C / 2, 3, 3}, weights);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_CONV, "conv", "y", square, &status, "x", "w");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "square strided conv prepares");
    float *x = random_tensor(2 * C * H * W, -1, 1);
    float want[2 * O * H * W], got[2 * O * H * W];
    int oh, ow;
    reference_conv(x, 2, C, H, W, weights, O, 3, 3, NULL, p, want, &oh, &ow);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    amass_nn_tensor_type out;
    ok(session && amass_nn_session_output_type(session, 2, 0, &out, &status) == AMASS_OK && out.dims[2] == oh &&
           out.dims[3] == ow,
       "output size follows the ONNX formula");
    ok(session && run(session, 2, (const float *[]){x}, (float *[]){got}) == AMASS_OK, "it runs");
    ok(relative_error(got, want, (size_t)2 * O * oh * ow) <= TOLERANCE, "it matches the reference");
    /* each of the O * oh * ow outputs of one image sums C/group * 3 * 3 products */
    double flops = amass_nn_graph_flops(graph, &status);
    ok(flops == 2.0 * O * oh * ow * (C / 2) * 9, "the conv costs 2 x its multiply-adds per image");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(weights);
    free(x);
}

/* ---- MatMul of two runtime tensors ---- */
static void test_runtime_matmul(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = amass_nn_graph_new("attention-like", &status);
    amass_nn_tensor_type a = float_type(3, (int64_t[]){AMASS_NN_DYNAMIC, 3, 4});
    amass_nn_tensor_type b = float_type(3, (int64_t[]){AMASS_NN_DYNAMIC, 4, 5});
    int result = amass_nn_graph_add_input(graph, "a", &a, &status) | amass_nn_graph_add_input(graph, "b", &b, &status);
    result |= NODE(graph, AMASS_NN_OP_MATMUL, "scores", "s", &status, "a", "b");
    result |= NODE(graph, AMASS_NN_OP_RELU, "relu", "y", &status, "s");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "batched MatMul prepares");
    float *x1 = random_tensor(2 * 12, -1, 1), *x2 = random_tensor(2 * 20, -1, 1), got[2 * 15], want[2 * 15];
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++) {
                double acc = 0;
                for (int k = 0; k < 4; k++)
                    acc += (double)x1[n * 12 + i * 4 + k] * x2[n * 20 + k * 5 + j];
                want[n * 15 + i * 5 + j] = acc > 0 ? (float)acc : 0;
            }
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    ok(session && run(session, 2, (const float *[]){x1, x2}, (float *[]){got}) == AMASS_OK, "it runs");
    ok(relative_error(got, want, 30) <= TOLERANCE, "it matches the reference");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(x1);
    free(x2);
}

/* ---- a scalar constant on the left of Sub and Div ---- */
static void test_scalar_left(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = amass_nn_graph_new("scalar-left", &status);
    amass_nn_tensor_type type = float_type(2, (int64_t[]){AMASS_NN_DYNAMIC, 7});
    float two = 2;
    int result = amass_nn_graph_add_input(graph, "x", &type, &status);
    result |= add_float_constant(graph, "two", 0, NULL, &two);
    result |= NODE(graph, AMASS_NN_OP_SUB, "minus", "m", &status, "two", "x");
    result |= NODE(graph, AMASS_NN_OP_DIV, "over", "y", &status, "two", "m");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "2 / (2 - x) prepares");
    float x[14], y[14], want[14];
    for (int i = 0; i < 14; i++) {
        x[i] = (float)i / 3 - 1.1f;
        want[i] = 2 / (2 - x[i]);
    }
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    ok(session && run(session, 2, (const float *[]){x}, (float *[]){y}) == AMASS_OK, "it runs");
    if (!ok(relative_error(y, want, 14) <= TOLERANCE, "it matches the reference"))
        for (int i = 0; i < 14; i++)
            printf("#   x %g: got %g, want %g\n", x[i], y[i], want[i]);
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
}

/* ---- the memory plan reuses buffers along a chain ---- */
static void test_memory_reuse(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = amass_nn_graph_new("chain", &status);
    amass_nn_tensor_type type = float_type(4, (int64_t[]){AMASS_NN_DYNAMIC, 16, 8, 8});
    const char *names[9] = {"x", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "y"};
    int result = amass_nn_graph_add_input(graph, "x", &type, &status);
    for (int i = 0; i < 8; i++)
        result |= NODE(graph, i % 2 ? AMASS_NN_OP_TANH : AMASS_NN_OP_SIGMOID, names[i + 1], names[i + 1], &status,
                       names[i]);
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "a chain of 8 activations prepares");
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    float *x = random_tensor(2 * 1024, -1, 1), y[2 * 1024];
    ok(session && run(session, 2, (const float *[]){x}, (float *[]){y}) == AMASS_OK, "it runs");
    amass_nn_session_stats stats;
    amass_nn_session_get_stats(session, &stats);
    /* nine tensors of 8 KiB; living two at a time they need three buffers at most */
    if (!ok(stats.arena_bytes <= 3 * 2 * 1024 * sizeof(float), "intermediate buffers are reused"))
        printf("#   arena %zu bytes\n", stats.arena_bytes);
    float want = x[5];
    for (int i = 0; i < 8; i++)
        want = i % 2 ? tanhf(want) : reference_sigmoid(want);
    is_close(y[5], want, 1e-5, "and the result is right");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(x);
}

/* ---- errors a user sees at load time ---- */
static void test_errors(void)
{
    amass_status status = {0};
    amass_nn_tensor_type type = float_type(4, (int64_t[]){1, 3, 4, 4});
    amass_nn_graph *graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    amass_nn_node_spec fancy = {.op = AMASS_NN_OP_UNKNOWN, .op_type = "FancyOp", .name = "Fancy_7",
                                .inputs = (const char *[]){"x"}, .n_inputs = 1,
                                .outputs = (const char *[]){"y"}, .n_outputs = 1};
    ok(amass_nn_graph_add_node(graph, &fancy, &status) == AMASS_OK, "an unknown op can be added");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) != AMASS_OK, "but prepare refuses it");
    ok(strstr(status.message, "FancyOp") && strstr(status.message, "Fancy_7") && strstr(status.message, "model.onnx"),
       "naming the op, the node and the model");
    ok(NODE(graph, AMASS_NN_OP_RELU, "r", "z", &status, "nowhere") != AMASS_OK && strstr(status.message, "nowhere"),
       "an input defined nowhere is refused by name");
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    int64_t index = 3;
    add_int64_constant(graph, "i", 1, &index);
    NODE(graph, AMASS_NN_OP_GATHER, "Gather_3", "y", &status, "x", "i");
    amass_nn_graph_mark_output(graph, "y", &status);
    /* Gather runs on runtime data; an index past the axis fails when the
     * session is planned, naming the node. */
    amass_nn_session *gather_session = amass_nn_graph_prepare(graph, &status) == AMASS_OK
                                            ? amass_nn_session_open(graph, &status)
                                            : NULL;
    ok(!gather_session && strstr(status.message, "Gather_3") && strstr(status.message, "index 3 is out of range"),
       "Gather with an out-of-range index on runtime data is refused at load, naming the node");
    amass_nn_session_close(gather_session);
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    float weights[8 * 2 * 9] = {0};
    add_float_constant(graph, "w", 4, (int64_t[]){8, 2, 3, 3}, weights);
    NODE(graph, AMASS_NN_OP_CONV, "Conv_0", "y", &status, "x", "w");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) != AMASS_OK && strstr(status.message, "Conv_0"),
       "weights that do not match the input channels are refused");
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    float few[2] = {1, 1};
    add_float_constant(graph, "few", 1, (int64_t[]){2}, few);
    NODE(graph, AMASS_NN_OP_BATCH_NORMALIZATION, "BN_2", "y", &status, "x", "few", "few", "few", "few");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) != AMASS_OK && strstr(status.message, "BN_2"),
       "BatchNorm parameters shorter than the channels are refused (oneDNN would read past them)");
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    float ones[3] = {1, 1, 1};
    add_float_constant(graph, "ones", 4, (int64_t[]){1, 3, 1, 1}, ones);
    NODE(graph, AMASS_NN_OP_SUB, "Sub_9", "y", &status, "ones", "x");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "ones[1,3,1,1] - x prepares");
    ok(amass_nn_session_open(graph, &status) == NULL && strstr(status.message, "Sub_9"),
       "what oneDNN cannot run yet fails when the session opens, naming the node");
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    int64_t huge[2] = {(int64_t)1 << 40, (int64_t)1 << 40};
    add_int64_constant(graph, "huge", 2, huge);
    NODE(graph, AMASS_NN_OP_RESHAPE, "Reshape_1", "y", &status, "x", "huge");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) != AMASS_OK && strstr(status.message, "Reshape_1"),
       "an absurd reshape target is refused");
    amass_nn_graph_free(graph);

    graph = amass_nn_graph_new("model.onnx", &status);
    amass_nn_graph_add_input(graph, "x", &type, &status);
    NODE(graph, AMASS_NN_OP_RELU, "relu", "y", &status, "x");
    amass_nn_graph_mark_output(graph, "y", &status);
    ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "a fixed-batch graph prepares");
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    float x[48] = {0}, y[48];
    ok(amass_nn_session_run(session, 0, (const float *[]){x}, (float *[]){y}, &status) != AMASS_OK,
       "batch 0 is refused");
    ok(amass_nn_session_run(session, 2, (const float *[]){x}, (float *[]){y}, &status) != AMASS_OK &&
           strstr(status.message, "fixed batch"),
       "a batch other than the model's fixed one is refused");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
}

int main(void)
{
    test_misc_ops();
    test_conv_geometry();
    test_runtime_matmul();
    test_scalar_left();
    test_memory_reuse();
    test_errors();
    return done_testing();
}
