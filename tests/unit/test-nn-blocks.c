/* Unit tests of the nn engine on the blocks real CNNs are made of (ResNet
 * basic block, MobileNetV2 inverted residual, a classifier head), checked
 * against the naive reference at batch 1 and 3, plus fusion and reuse. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-reference.h"
#include "nn/nn.h"
#include "tap.h"

#define TOLERANCE 1e-4

typedef struct {
    float *weights, *bias, *scale, *shift, *mean, *variance;
    int out_channels, in_per_group, kernel;
} conv_bn;

static void make_conv_bn(conv_bn *layer, int out_channels, int in_per_group, int kernel, int with_bias)
{
    size_t count = (size_t)out_channels * in_per_group * kernel * kernel;
    float spread = 1.0f / sqrtf((float)(in_per_group * kernel * kernel));
    layer->out_channels = out_channels;
    layer->in_per_group = in_per_group;
    layer->kernel = kernel;
    layer->weights = random_tensor(count, -spread, spread);
    layer->bias = with_bias ? random_tensor((size_t)out_channels, -0.1f, 0.1f) : NULL;
    layer->scale = random_tensor((size_t)out_channels, 0.5f, 1.5f);
    layer->shift = random_tensor((size_t)out_channels, -0.2f, 0.2f);
    layer->mean = random_tensor((size_t)out_channels, -0.2f, 0.2f);
    layer->variance = random_tensor((size_t)out_channels, 0.5f, 1.5f);
}

static void free_conv_bn(conv_bn *layer)
{
    free(layer->weights);
    free(layer->bias);
    free(layer->scale);
    free(layer->shift);
    free(layer->mean);
    free(layer->variance);
}

/* Adds Conv (+ BatchNormalization unless bn_output is NULL) named prefix. */
static int add_conv_bn(amass_nn_graph *graph, const conv_bn *layer, const char *prefix, const char *input,
                       const char *conv_output, const char *bn_output, int stride, int group, amass_status *status)
{
    char names[6][64];
    const char *suffix[6] = {"w", "b", "scale", "shift", "mean", "var"};
    for (int i = 0; i < 6; i++)
        snprintf(names[i], sizeof names[i], "%s.%s", prefix, suffix[i]);
    int64_t weight_dims[4] = {layer->out_channels, layer->in_per_group, layer->kernel, layer->kernel};
    int64_t channels = layer->out_channels;
    int pad = layer->kernel / 2;
    amass_nn_attr attrs[] = {NN_ATTR_INTS("pads", pad, pad, pad, pad), NN_ATTR_INTS("strides", stride, stride),
                             NN_ATTR_INT("group", group), NN_ATTR_INTS("kernel_shape", layer->kernel, layer->kernel)};
    int result = add_float_constant(graph, names[0], 4, weight_dims, layer->weights);
    if (layer->bias)
        result |= add_float_constant(graph, names[1], 1, &channels, layer->bias);
    const char *inputs[3] = {input, names[0], names[1]};
    amass_nn_node_spec spec = {.op = AMASS_NN_OP_CONV, .name = prefix, .inputs = inputs,
                               .n_inputs = layer->bias ? 3 : 2, .outputs = &conv_output, .n_outputs = 1,
                               .attrs = attrs, .n_attrs = 4};
    result |= amass_nn_graph_add_node(graph, &spec, status);
    if (!bn_output)
        return result;
    result |= add_float_constant(graph, names[2], 1, &channels, layer->scale);
    result |= add_float_constant(graph, names[3], 1, &channels, layer->shift);
    result |= add_float_constant(graph, names[4], 1, &channels, layer->mean);
    result |= add_float_constant(graph, names[5], 1, &channels, layer->variance);
    amass_nn_attr epsilon[] = {NN_ATTR_FLOAT("epsilon", 1e-5f)};
    result |= NODE_ATTRS(graph, AMASS_NN_OP_BATCH_NORMALIZATION, "bn", bn_output, epsilon, status, conv_output,
                         names[2], names[3], names[4], names[5]);
    return result;
}

static void reference_conv_bn(const conv_bn *layer, const float *x, int batch, int channels, int height, int width,
                              int stride, int group, int with_bn, float *out, int *out_h, int *out_w)
{
    int pad = layer->kernel / 2;
    conv_params p = {stride, pad, pad, pad, pad, 1, group};
    reference_conv(x, batch, channels, height, width, layer->weights, layer->out_channels, layer->kernel,
                   layer->kernel, layer->bias, p, out, out_h, out_w);
    if (with_bn)
        reference_batch_norm(out, batch, layer->out_channels, *out_h * *out_w, layer->scale, layer->shift,
                             layer->mean, layer->variance, 1e-5f);
}

static int run_graph(amass_nn_session *session, int batch, const float *x, float *y, amass_status *status)
{
    const float *inputs[1] = {x};
    float *outputs[1] = {y};
    return amass_nn_session_run(session, batch, inputs, outputs, status);
}

static amass_nn_graph *new_graph_with_input(const char *name, int channels, int height, int width)
{
    amass_status status;
    amass_nn_graph *graph = amass_nn_graph_new(name, &status);
    amass_nn_tensor_type type = float_type(4, (int64_t[]){AMASS_NN_DYNAMIC, channels, height, width});
    amass_nn_graph_add_input(graph, "x", &type, &status);
    return graph;
}

static void check_batches(amass_nn_graph *graph, const char *what, size_t per_item_in, size_t per_item_out,
                          void (*reference)(const float *x, int batch, float *y), int winograd)
{
    amass_status status = {0};
    char name[160];
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    ok(session != NULL, "session opens");
    if (session)
        amass_nn_session_set_winograd(session, winograd);
    for (int batch = 1; batch <= 3; batch += 2) {
        float *x = random_tensor(per_item_in * batch, -1, 1);
        float *want = calloc(per_item_out * batch, sizeof *want);
        float *got = calloc(per_item_out * batch, sizeof *got);
        reference(x, batch, want);
        int result = session ? run_graph(session, batch, x, got, &status) : AMASS_ERR_FATAL;
        snprintf(name, sizeof name, "%s runs at batch %d", what, batch);
        if (!ok(result == AMASS_OK, name))
            printf("#   %s\n", status.message);
        double error = relative_error(got, want, per_item_out * batch);
        snprintf(name, sizeof name, "%s matches the reference at batch %d (error %.2g)", what, batch, error);
        ok(error <= TOLERANCE, name);
        free(x);
        free(want);
        free(got);
    }
    amass_nn_session_close(session);
}

/* ---- ResNet basic block: conv-bn-relu, conv-bn, + x, relu ---- */
enum { RES_C = 16, RES_H = 9, RES_W = 7 };
static conv_bn res_a, res_b;

static void resnet_reference(const float *x, int batch, float *y)
{
    size_t count = (size_t)batch * RES_C * RES_H * RES_W;
    float *middle = malloc(count * sizeof *middle);
    int h, w;
    reference_conv_bn(&res_a, x, batch, RES_C, RES_H, RES_W, 1, 1, 1, middle, &h, &w);
    reference_clip(middle, count, 0, INFINITY);
    reference_conv_bn(&res_b, middle, batch, RES_C, RES_H, RES_W, 1, 1, 1, y, &h, &w);
    reference_add(y, x, count);
    reference_clip(y, count, 0, INFINITY);
    free(middle);
}

static void test_resnet_block(void)
{
    amass_status status = {0};
    make_conv_bn(&res_a, RES_C, RES_C, 3, 0);
    make_conv_bn(&res_b, RES_C, RES_C, 3, 1);
    amass_nn_graph *graph = new_graph_with_input("resnet-block", RES_C, RES_H, RES_W);
    int result = add_conv_bn(graph, &res_a, "conv1", "x", "c1", "b1", 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_RELU, "relu1", "r1", &status, "b1");
    result |= add_conv_bn(graph, &res_b, "conv2", "r1", "c2", "b2", 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_ADD, "add", "s", &status, "b2", "x");
    result |= NODE(graph, AMASS_NN_OP_RELU, "relu2", "y", &status, "s");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK, "ResNet block builds");
    if (!ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "ResNet block prepares"))
        printf("#   %s\n", status.message);
    is_int(amass_nn_graph_node_count(graph), 2, "BatchNorm, ReLU and the residual Add fuse into the two convs");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_BATCH_NORMALIZATION), 0, "no BatchNorm is left");
    amass_nn_tensor_type type;
    amass_nn_graph_output_type(graph, 0, &type);
    ok(type.rank == 4 && type.dims[0] == AMASS_NN_DYNAMIC && type.dims[1] == RES_C, "the output keeps a dynamic batch");
    check_batches(graph, "ResNet block", (size_t)RES_C * RES_H * RES_W, (size_t)RES_C * RES_H * RES_W,
                  resnet_reference, 0);
    check_batches(graph, "ResNet block with Winograd", (size_t)RES_C * RES_H * RES_W, (size_t)RES_C * RES_H * RES_W,
                  resnet_reference, 1);
    amass_nn_graph_free(graph);
    free_conv_bn(&res_a);
    free_conv_bn(&res_b);
}

/* ---- MobileNetV2 inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project, + x ---- */
enum { MB_C = 8, MB_E = 24, MB_H = 10, MB_W = 11 };
static conv_bn mb_expand, mb_depthwise, mb_project;

static void mobilenet_reference(const float *x, int batch, float *y)
{
    size_t wide = (size_t)batch * MB_E * MB_H * MB_W;
    float *a = malloc(wide * sizeof *a), *b = malloc(wide * sizeof *b);
    int h, w;
    reference_conv_bn(&mb_expand, x, batch, MB_C, MB_H, MB_W, 1, 1, 1, a, &h, &w);
    reference_clip(a, wide, 0, 6);
    reference_conv_bn(&mb_depthwise, a, batch, MB_E, MB_H, MB_W, 1, MB_E, 1, b, &h, &w);
    reference_clip(b, wide, 0, 6);
    reference_conv_bn(&mb_project, b, batch, MB_E, MB_H, MB_W, 1, 1, 1, y, &h, &w);
    reference_add(y, x, (size_t)batch * MB_C * MB_H * MB_W);
    free(a);
    free(b);
}

static void test_mobilenet_block(void)
{
    amass_status status = {0};
    make_conv_bn(&mb_expand, MB_E, MB_C, 1, 0);
    make_conv_bn(&mb_depthwise, MB_E, 1, 3, 0);
    make_conv_bn(&mb_project, MB_C, MB_E, 1, 0);
    for (int i = 0; i < MB_E * 9; i++)
        mb_depthwise.weights[i] *= 3; /* reach the Relu6 ceiling sometimes */
    amass_nn_graph *graph = new_graph_with_input("mobilenet-block", MB_C, MB_H, MB_W);
    float zero = 0, six = 6;
    int result = add_float_constant(graph, "zero", 0, NULL, &zero) | add_float_constant(graph, "six", 0, NULL, &six);
    result |= add_conv_bn(graph, &mb_expand, "expand", "x", "c1", "b1", 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_CLIP, "relu6a", "r1", &status, "b1", "zero", "six");
    result |= add_conv_bn(graph, &mb_depthwise, "depthwise", "r1", "c2", "b2", 1, MB_E, &status);
    result |= NODE(graph, AMASS_NN_OP_CLIP, "relu6b", "r2", &status, "b2", "zero", "six");
    result |= add_conv_bn(graph, &mb_project, "project", "r2", "c3", "b3", 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_ADD, "add", "y", &status, "x", "b3");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK, "MobileNetV2 block builds");
    if (!ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "MobileNetV2 block prepares"))
        printf("#   %s\n", status.message);
    is_int(amass_nn_graph_node_count(graph), 3, "Relu6 and the residual Add fuse into the three convs");
    check_batches(graph, "MobileNetV2 block", (size_t)MB_C * MB_H * MB_W, (size_t)MB_C * MB_H * MB_W,
                  mobilenet_reference, 0);
    amass_nn_graph_free(graph);
    free_conv_bn(&mb_expand);
    free_conv_bn(&mb_depthwise);
    free_conv_bn(&mb_project);
}

/* ---- classifier head: maxpool, global average pool, flatten, Gemm (transB), softmax ---- */
enum { HEAD_C = 32, HEAD_H = 8, HEAD_W = 8, CLASSES = 10 };
static float *head_weights, *head_bias;

static void head_reference(const float *x, int batch, float *y)
{
    int h, w;
    float *pooled = malloc((size_t)batch * HEAD_C * 16 * sizeof *pooled);
    float *features = malloc((size_t)batch * HEAD_C * sizeof *features);
    reference_pool(x, batch, HEAD_C, HEAD_H, HEAD_W, 3, 2, 1, 1, pooled, &h, &w);
    for (int i = 0; i < batch * HEAD_C; i++) {
        double sum = 0;
        for (int j = 0; j < h * w; j++)
            sum += pooled[(size_t)i * h * w + j];
        features[i] = (float)(sum / (h * w));
    }
    reference_gemm_bt(features, head_weights, head_bias, batch, CLASSES, HEAD_C, y);
    reference_softmax_rows(y, batch, CLASSES);
    free(pooled);
    free(features);
}

static void test_classifier_head(void)
{
    amass_status status = {0};
    head_weights = random_tensor((size_t)CLASSES * HEAD_C, -1, 1);
    head_bias = random_tensor(CLASSES, -1, 1);
    amass_nn_graph *graph = new_graph_with_input("head", HEAD_C, HEAD_H, HEAD_W);
    amass_nn_attr pool[] = {NN_ATTR_INTS("kernel_shape", 3, 3), NN_ATTR_INTS("strides", 2, 2),
                            NN_ATTR_INTS("pads", 1, 1, 1, 1)};
    amass_nn_attr gemm[] = {NN_ATTR_INT("transB", 1)};
    amass_nn_attr flatten[] = {NN_ATTR_INT("axis", 1)};
    int result = add_float_constant(graph, "fc.w", 2, (int64_t[]){CLASSES, HEAD_C}, head_weights);
    result |= add_float_constant(graph, "fc.b", 1, (int64_t[]){CLASSES}, head_bias);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_MAX_POOL, "maxpool", "p", pool, &status, "x");
    result |= NODE(graph, AMASS_NN_OP_GLOBAL_AVERAGE_POOL, "gap", "g", &status, "p");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_FLATTEN, "flatten", "f", flatten, &status, "g");
    result |= NODE_ATTRS(graph, AMASS_NN_OP_GEMM, "fc", "logits", gemm, &status, "f", "fc.w", "fc.b");
    result |= NODE(graph, AMASS_NN_OP_SOFTMAX, "softmax", "y", &status, "logits");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK, "classifier head builds");
    if (!ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "classifier head prepares"))
        printf("#   %s\n", status.message);
    check_batches(graph, "classifier head", (size_t)HEAD_C * HEAD_H * HEAD_W, CLASSES, head_reference, 0);
    amass_nn_graph_free(graph);
    free(head_weights);
    free(head_bias);
}

/* ---- MobileNetV3 squeeze-excitation: conv, mean over space, two 1x1 convs, gate ---- */
enum { SE_C = 16, SE_R = 4, SE_H = 6, SE_W = 6 };
static conv_bn se_conv, se_reduce, se_expand;

static void squeeze_excite_reference(const float *x, int batch, float *y)
{
    int h, w;
    size_t plane = SE_H * SE_W;
    float *means = calloc((size_t)batch * SE_C, sizeof *means), *hidden = calloc((size_t)batch * SE_R, 4);
    float *gate = malloc((size_t)batch * SE_C * sizeof *gate);
    reference_conv_bn(&se_conv, x, batch, SE_C, SE_H, SE_W, 1, 1, 0, y, &h, &w);
    for (int i = 0; i < batch * SE_C; i++) {
        double sum = 0;
        for (size_t j = 0; j < plane; j++)
            sum += y[i * plane + j];
        means[i] = (float)(sum / plane);
    }
    reference_conv_bn(&se_reduce, means, batch, SE_C, 1, 1, 1, 1, 0, hidden, &h, &w);
    reference_clip(hidden, (size_t)batch * SE_R, 0, INFINITY);
    reference_conv_bn(&se_expand, hidden, batch, SE_R, 1, 1, 1, 1, 0, gate, &h, &w);
    for (int i = 0; i < batch * SE_C; i++) {
        gate[i] = gate[i] / 6 + 0.5f;
        reference_clip(&gate[i], 1, 0, 1);
        for (size_t j = 0; j < plane; j++)
            y[i * plane + j] *= gate[i];
    }
    free(means);
    free(hidden);
    free(gate);
}

static void test_squeeze_excite(void)
{
    amass_status status = {0};
    make_conv_bn(&se_conv, SE_C, SE_C, 3, 1);
    make_conv_bn(&se_reduce, SE_R, SE_C, 1, 1);
    make_conv_bn(&se_expand, SE_C, SE_R, 1, 1);
    amass_nn_graph *graph = new_graph_with_input("squeeze-excite", SE_C, SE_H, SE_W);
    amass_nn_attr mean[] = {NN_ATTR_INTS("axes", 2, 3), NN_ATTR_INT("keepdims", 1)};
    amass_nn_attr hard[] = {NN_ATTR_FLOAT("alpha", 1.0f / 6), NN_ATTR_FLOAT("beta", 0.5f)};
    int result = add_conv_bn(graph, &se_conv, "conv", "x", "c", NULL, 1, 1, &status);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_REDUCE_MEAN, "mean", "m", mean, &status, "c");
    result |= add_conv_bn(graph, &se_reduce, "reduce", "m", "s1", NULL, 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_RELU, "relu", "r", &status, "s1");
    result |= add_conv_bn(graph, &se_expand, "expand", "r", "s2", NULL, 1, 1, &status);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_HARD_SIGMOID, "gate", "g", hard, &status, "s2");
    result |= NODE(graph, AMASS_NN_OP_MUL, "scale", "y", &status, "c", "g");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK, "squeeze-excitation block builds");
    if (!ok(amass_nn_graph_prepare(graph, &status) == AMASS_OK, "squeeze-excitation block prepares"))
        printf("#   %s\n", status.message);
    is_int(amass_nn_graph_node_count(graph), 5, "ReLU and HardSigmoid fuse into the 1x1 convs");
    check_batches(graph, "squeeze-excitation block", (size_t)SE_C * SE_H * SE_W, (size_t)SE_C * SE_H * SE_W,
                  squeeze_excite_reference, 0);
    amass_nn_graph_free(graph);
    free_conv_bn(&se_conv);
    free_conv_bn(&se_reduce);
    free_conv_bn(&se_expand);
}

/* ---- BatchNorm folding gives the numbers of the unfused graph ---- */
static void test_batch_norm_folding(void)
{
    amass_status status = {0};
    conv_bn layer;
    make_conv_bn(&layer, 12, 6, 3, 1);
    amass_nn_graph *folded = new_graph_with_input("folded", 6, 7, 7);
    amass_nn_graph *unfused = new_graph_with_input("unfused", 6, 7, 7);
    int result = add_conv_bn(folded, &layer, "conv", "x", "c", "y", 2, 1, &status);
    result |= add_conv_bn(unfused, &layer, "conv", "x", "c0", NULL, 2, 1, &status);
    /* An Identity between Conv and BatchNorm keeps them apart. */
    result |= NODE(unfused, AMASS_NN_OP_IDENTITY, "identity", "c", &status, "c0");
    result |= add_conv_bn(unfused, &layer, "conv.again", "x", "unused", NULL, 2, 1, &status);
    const char *bn_inputs[5] = {"c", "conv.scale", "conv.shift", "conv.mean", "conv.var"};
    int64_t channels = 12;
    result |= add_float_constant(unfused, "conv.scale", 1, &channels, layer.scale);
    result |= add_float_constant(unfused, "conv.shift", 1, &channels, layer.shift);
    result |= add_float_constant(unfused, "conv.mean", 1, &channels, layer.mean);
    result |= add_float_constant(unfused, "conv.var", 1, &channels, layer.variance);
    result |= add_node(unfused, AMASS_NN_OP_BATCH_NORMALIZATION, "bn", bn_inputs, 5, "y", NULL, 0, &status);
    result |= amass_nn_graph_mark_output(folded, "y", &status) | amass_nn_graph_mark_output(unfused, "y", &status);
    ok(result == AMASS_OK, "both graphs build");
    ok(amass_nn_graph_prepare(folded, &status) == AMASS_OK, "folded graph prepares");
    if (!ok(amass_nn_graph_prepare(unfused, &status) == AMASS_OK, "unfused graph prepares"))
        printf("#   %s\n", status.message);
    is_int(amass_nn_graph_count_op(folded, AMASS_NN_OP_BATCH_NORMALIZATION), 0, "BatchNorm folds into the conv");
    is_int(amass_nn_graph_count_op(unfused, AMASS_NN_OP_BATCH_NORMALIZATION), 1, "BatchNorm after Identity stays");
    is_int(amass_nn_graph_count_op(unfused, AMASS_NN_OP_CONV), 1, "the unused conv is removed as dead");
    size_t in_count = 2 * 6 * 7 * 7, out_count = 2 * 12 * 4 * 4;
    float *x = random_tensor(in_count, -1, 1);
    float *a = calloc(out_count, sizeof *a), *b = calloc(out_count, sizeof *b), *want = calloc(out_count, sizeof *b);
    amass_nn_session *one = amass_nn_session_open(folded, &status), *two = amass_nn_session_open(unfused, &status);
    ok(one && two && run_graph(one, 2, x, a, &status) == AMASS_OK && run_graph(two, 2, x, b, &status) == AMASS_OK,
       "both run");
    int h, w;
    reference_conv_bn(&layer, x, 2, 6, 7, 7, 2, 1, 1, want, &h, &w);
    ok(h == 4 && w == 4, "stride 2 gives 4x4");
    ok(relative_error(a, b, out_count) <= TOLERANCE, "folded and standalone BatchNorm agree");
    ok(relative_error(b, want, out_count) <= TOLERANCE, "standalone BatchNorm matches the reference");
    amass_nn_session_close(one);
    amass_nn_session_close(two);
    amass_nn_graph_free(folded);
    amass_nn_graph_free(unfused);
    free(x);
    free(a);
    free(b);
    free(want);
    free_conv_bn(&layer);
}

/* ---- a second run reuses primitives and reordered weights ---- */
static void test_reuse(void)
{
    amass_status status = {0};
    conv_bn layer;
    make_conv_bn(&layer, 8, 8, 3, 1);
    amass_nn_graph *graph = new_graph_with_input("reuse", 8, 6, 6);
    int result = add_conv_bn(graph, &layer, "conv", "x", "c", NULL, 1, 1, &status);
    result |= NODE(graph, AMASS_NN_OP_SIGMOID, "gate", "g", &status, "c");
    result |= NODE(graph, AMASS_NN_OP_MUL, "silu", "y", &status, "c", "g");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "SiLU graph prepares");
    is_int(amass_nn_graph_node_count(graph), 1, "x * sigmoid(x) fuses into the conv as SiLU");
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    float *x = random_tensor(4 * 8 * 36, -2, 2), *y = calloc(4 * 8 * 36, sizeof *y), *want = calloc(4 * 8 * 36, 4);
    amass_nn_session_stats first, second, third;
    ok(run_graph(session, 4, x, y, &status) == AMASS_OK, "first run");
    amass_nn_session_get_stats(session, &first);
    ok(run_graph(session, 4, x, y, &status) == AMASS_OK, "second run");
    amass_nn_session_get_stats(session, &second);
    ok(first.primitives_created > 0, "the first run creates primitives");
    is_int(second.primitives_created, first.primitives_created, "the second run creates none");
    is_int(second.weight_reorders, first.weight_reorders, "nor reorders weights again");
    ok(run_graph(session, 1, x, y, &status) == AMASS_OK, "a run at another batch size");
    amass_nn_session_get_stats(session, &third);
    is_int(third.plans, 2, "it gets its own plan");
    int h, w;
    reference_conv_bn(&layer, x, 1, 8, 6, 6, 1, 1, 0, want, &h, &w);
    for (int i = 0; i < 8 * 36; i++)
        want[i] *= reference_sigmoid(want[i]);
    ok(relative_error(y, want, 8 * 36) <= TOLERANCE, "SiLU matches the reference");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);

    /* x * HardSigmoid(x) with alpha 1/6, beta 1/2 is HardSwish */
    graph = new_graph_with_input("hardswish", 8, 6, 6);
    amass_nn_attr hard[] = {NN_ATTR_FLOAT("alpha", 1.0f / 6), NN_ATTR_FLOAT("beta", 0.5f)};
    result = add_conv_bn(graph, &layer, "conv", "x", "c", NULL, 1, 1, &status);
    result |= NODE_ATTRS(graph, AMASS_NN_OP_HARD_SIGMOID, "gate", "g", hard, &status, "c");
    result |= NODE(graph, AMASS_NN_OP_MUL, "hardswish", "y", &status, "g", "c");
    result |= amass_nn_graph_mark_output(graph, "y", &status);
    ok(result == AMASS_OK && amass_nn_graph_prepare(graph, &status) == AMASS_OK, "decomposed HardSwish prepares");
    is_int(amass_nn_graph_node_count(graph), 1, "x * HardSigmoid(x) fuses into the conv as HardSwish");
    session = amass_nn_session_open(graph, &status);
    ok(session && run_graph(session, 1, x, y, &status) == AMASS_OK, "it runs");
    reference_conv_bn(&layer, x, 1, 8, 6, 6, 1, 1, 0, want, &h, &w);
    for (int i = 0; i < 8 * 36; i++) {
        float gate = want[i] / 6 + 0.5f;
        want[i] *= gate < 0 ? 0 : gate > 1 ? 1 : gate;
    }
    ok(relative_error(y, want, 8 * 36) <= TOLERANCE, "HardSwish matches the reference");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(x);
    free(y);
    free(want);
    free_conv_bn(&layer);
}

int main(void)
{
    test_resnet_block();
    test_mobilenet_block();
    test_classifier_head();
    test_squeeze_excite();
    test_batch_norm_folding();
    test_reuse();
    return done_testing();
}
