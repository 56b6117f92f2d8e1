/* Load-time errors of the layout and resampling ops (Slice, Split, Pad,
 * Resize, ConvTranspose): bad attributes or inputs are refused when the
 * graph is prepared, with a message naming the node and the cause; and a
 * few exact small cases (reflect padding, a reversed slice, Split into
 * three, the attention's head transposes) checked element by element. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "tap.h"

typedef struct {
    amass_nn_graph *graph;
    amass_status status;
} builder;

static void begin(builder *b, int rank, const int64_t *dims)
{
    memset(b, 0, sizeof *b);
    b->graph = amass_nn_graph_new("test", &b->status);
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    memcpy(type.dims, dims, (size_t)rank * sizeof *dims);
    amass_nn_graph_add_input(b->graph, "x", &type, &b->status);
}

static void ints(builder *b, const char *name, const int64_t *values, int count)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_INT64, .rank = 1, .dims = {count}};
    amass_nn_graph_add_constant(b->graph, name, &type, values, NULL, NULL, &b->status);
}

static void floats(builder *b, const char *name, const float *values, int rank, const int64_t *dims)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = rank};
    memcpy(type.dims, dims, (size_t)rank * sizeof *dims);
    amass_nn_graph_add_constant(b->graph, name, &type, values, NULL, NULL, &b->status);
}

static int node(builder *b, amass_nn_op op, const char *const *inputs, int n_inputs, const char *const *outputs,
                int n_outputs, const amass_nn_attr *attrs, int n_attrs)
{
    amass_nn_node_spec spec = {.op = op, .name = "n1", .inputs = inputs, .n_inputs = (size_t)n_inputs,
                               .outputs = outputs, .n_outputs = (size_t)n_outputs, .attrs = attrs,
                               .n_attrs = (size_t)n_attrs};
    int result = amass_nn_graph_add_node(b->graph, &spec, &b->status);
    for (int o = 0; o < n_outputs && result == AMASS_OK; o++)
        result = amass_nn_graph_mark_output(b->graph, outputs[o], &b->status);
    return result;
}

/* Prepare must fail with a message containing want. */
static void refuses(builder *b, const char *want, const char *name)
{
    int result = amass_nn_graph_prepare(b->graph, &b->status);
    if (!ok(result != AMASS_OK && strstr(b->status.message, want) && strstr(b->status.message, "n1"), name))
        printf("#   message: %s\n", b->status.message);
    amass_nn_graph_free(b->graph);
}

static const int64_t image[4] = {AMASS_NN_DYNAMIC, 2, 4, 5};

static void bad_slice(void)
{
    builder b;
    const char *in[] = {"x", "starts", "ends", "axes", "steps"}, *out[] = {"y"};
    int64_t starts[] = {0}, ends[] = {3}, axes[] = {2}, zero[] = {0}, two_axes[] = {2, 3};
    begin(&b, 4, image);
    ints(&b, "starts", starts, 1);
    ints(&b, "ends", ends, 1);
    ints(&b, "axes", axes, 1);
    ints(&b, "steps", zero, 1);
    node(&b, AMASS_NN_OP_SLICE, in, 5, out, 1, NULL, 0);
    refuses(&b, "step 0", "Slice with step 0 is refused");

    begin(&b, 4, image);
    ints(&b, "starts", starts, 1);
    ints(&b, "ends", ends, 1);
    ints(&b, "axes", two_axes, 2);
    node(&b, AMASS_NN_OP_SLICE, in, 4, out, 1, NULL, 0);
    refuses(&b, "differ in length", "Slice with more axes than starts is refused");

    int64_t far[] = {7};
    begin(&b, 4, image);
    ints(&b, "starts", starts, 1);
    ints(&b, "ends", ends, 1);
    ints(&b, "axes", far, 1);
    node(&b, AMASS_NN_OP_SLICE, in, 4, out, 1, NULL, 0);
    refuses(&b, "out of range", "Slice on an axis past the rank is refused");
}

static void bad_resize(void)
{
    builder b;
    const char *in[] = {"x", "", "scales"}, *sized[] = {"x", "", "", "sizes"}, *out[] = {"y"};
    const int64_t four[] = {4}, three[] = {3};
    const float negative[] = {1, 1, -2, 2}, zero[] = {1, 1, 0, 2}, short_scales[] = {1, 2, 2};
    begin(&b, 4, image);
    floats(&b, "scales", negative, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, NULL, 0);
    refuses(&b, "must be positive", "Resize with a negative scale is refused");

    begin(&b, 4, image);
    floats(&b, "scales", zero, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, NULL, 0);
    refuses(&b, "must be positive", "Resize with a zero scale is refused");

    const float huge[] = {1, 1, 1e30f, 2}, not_a_number[] = {1, 1, NAN, 2};
    begin(&b, 4, image);
    floats(&b, "scales", huge, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, NULL, 0);
    refuses(&b, "scale 1e+30 on axis 2", "Resize with an absurd scale is refused");

    begin(&b, 4, image);
    floats(&b, "scales", not_a_number, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, NULL, 0);
    refuses(&b, "must be positive", "Resize with a NaN scale is refused");

    begin(&b, 4, image);
    floats(&b, "scales", short_scales, 1, three);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, NULL, 0);
    refuses(&b, "3 scales for a rank-4 input", "Resize with scales not matching the rank is refused");

    const int64_t sizes[] = {8, 10};
    begin(&b, 4, image);
    ints(&b, "sizes", sizes, 2);
    node(&b, AMASS_NN_OP_RESIZE, sized, 4, out, 1, NULL, 0);
    refuses(&b, "2 sizes for a rank-4 input", "Resize with sizes not matching the rank is refused");

    const float two[] = {1, 1, 2, 2};
    amass_nn_attr cubic = {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = "cubic"};
    begin(&b, 4, image);
    floats(&b, "scales", two, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, &cubic, 1);
    refuses(&b, "mode=cubic", "Resize in cubic mode is refused, not run as another mode");

    amass_nn_attr crop = {.name = "coordinate_transformation_mode", .kind = AMASS_NN_ATTR_STRING,
                          .s = "tf_crop_and_resize"};
    begin(&b, 4, image);
    floats(&b, "scales", two, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, &crop, 1);
    refuses(&b, "tf_crop_and_resize", "Resize with tf_crop_and_resize is refused");

    const float channels[] = {1, 2, 2, 2};
    amass_nn_attr linear = {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = "linear"};
    begin(&b, 4, image);
    floats(&b, "scales", channels, 1, four);
    node(&b, AMASS_NN_OP_RESIZE, in, 3, out, 1, &linear, 1);
    refuses(&b, "only the last two axes", "linear Resize of the channels is refused");
}

static void bad_deconv(void)
{
    builder b;
    const char *in[] = {"x", "w"}, *biased[] = {"x", "w", "bias"}, *out[] = {"y"};
    static float weights[3 * 4 * 2 * 2], bias[5];
    const int64_t wrong[] = {3, 4, 2, 2}, right[] = {2, 4, 2, 2}, five[] = {5};
    begin(&b, 4, image);
    floats(&b, "w", weights, 4, wrong);
    node(&b, AMASS_NN_OP_CONV_TRANSPOSE, in, 2, out, 1, NULL, 0);
    refuses(&b, "weights do not match", "ConvTranspose with weights for 3 input channels (of 2) is refused");

    begin(&b, 4, image);
    floats(&b, "w", weights, 4, right);
    floats(&b, "bias", bias, 1, five);
    node(&b, AMASS_NN_OP_CONV_TRANSPOSE, biased, 3, out, 1, NULL, 0);
    refuses(&b, "one value per output channel", "ConvTranspose with 5 biases for 4 channels is refused");

    int64_t group_three = 3;
    amass_nn_attr group = {.name = "group", .kind = AMASS_NN_ATTR_INT, .i = group_three};
    begin(&b, 4, image);
    floats(&b, "w", weights, 4, right);
    node(&b, AMASS_NN_OP_CONV_TRANSPOSE, in, 2, out, 1, &group, 1);
    refuses(&b, "weights do not match", "ConvTranspose with a group not dividing the channels is refused");

    const int64_t padding[] = {2, 2};
    amass_nn_attr extra = {.name = "output_padding", .kind = AMASS_NN_ATTR_INTS, .ints = padding, .count = 2};
    begin(&b, 4, image);
    floats(&b, "w", weights, 4, right);
    node(&b, AMASS_NN_OP_CONV_TRANSPOSE, in, 2, out, 1, &extra, 1);
    refuses(&b, "output_padding out of range", "ConvTranspose with output_padding >= stride is refused");
}

static void bad_split_and_pad(void)
{
    builder b;
    const char *in[] = {"x", "split"}, *out3[] = {"a", "b", "c"};
    const int64_t sizes[] = {1, 2, 3};
    amass_nn_attr axis = {.name = "axis", .kind = AMASS_NN_ATTR_INT, .i = 3};
    begin(&b, 4, image);
    ints(&b, "split", sizes, 3);
    node(&b, AMASS_NN_OP_SPLIT, in, 2, out3, 3, &axis, 1);
    refuses(&b, "split sizes sum to 6, not the axis length 5", "Split sizes not summing to the axis are refused");

    const int64_t two_sizes[] = {2, 3};
    begin(&b, 4, image);
    ints(&b, "split", two_sizes, 2);
    node(&b, AMASS_NN_OP_SPLIT, in, 2, out3, 3, &axis, 1);
    refuses(&b, "2 split sizes for 3 outputs", "Split with fewer sizes than outputs is refused");

    const char *pad_in[] = {"x", "pads"}, *out[] = {"y"};
    const int64_t pads[] = {0, 0, 1, 1};
    begin(&b, 4, image);
    ints(&b, "pads", pads, 4);
    node(&b, AMASS_NN_OP_PAD, pad_in, 2, out, 1, NULL, 0);
    refuses(&b, "4 pads for 4 axes", "Pad with half the pads is refused");

    const int64_t full[] = {0, 0, 1, 1, 0, 0, 1, 1};
    amass_nn_attr wrap = {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = "wrap"};
    begin(&b, 4, image);
    ints(&b, "pads", full, 8);
    node(&b, AMASS_NN_OP_PAD, pad_in, 2, out, 1, &wrap, 1);
    refuses(&b, "mode=wrap", "Pad in wrap mode is refused");

    const int64_t crop[] = {0, 0, -3, 0, 0, 0, -2, 0};
    begin(&b, 4, image);
    ints(&b, "pads", crop, 8);
    node(&b, AMASS_NN_OP_PAD, pad_in, 2, out, 1, NULL, 0);
    refuses(&b, "out of range", "Pad cropping more than the axis is refused");
}

static void bad_depth_to_space(void)
{
    builder b;
    const char *in[] = {"x"}, *out[] = {"y"};
    amass_nn_attr attrs[2] = {{.name = "blocksize", .kind = AMASS_NN_ATTR_INT, .i = 2},
                              {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = "DCR"}};
    begin(&b, 4, image);
    node(&b, AMASS_NN_OP_DEPTH_TO_SPACE, in, 1, out, 1, attrs, 2);
    refuses(&b, "does not divide the 2 channels", "DepthToSpace with 2 channels in blocks of 4 is refused");
    attrs[0].i = 1;
    attrs[1].s = "RCD";
    begin(&b, 4, image);
    node(&b, AMASS_NN_OP_DEPTH_TO_SPACE, in, 1, out, 1, attrs, 2);
    refuses(&b, "mode=RCD", "DepthToSpace in an unknown mode is refused");
}

/* Reflect padding, a reversed strided slice and a Split into three, on a
 * 1 x 1 x 3 x 4 ramp, against values worked out by hand. */
static void exact_cases(void)
{
    builder b;
    const int64_t dims[4] = {1, 1, 3, 4};
    const char *pad_in[] = {"x", "pads"}, *slice_in[] = {"x", "starts", "ends", "axes", "steps"};
    const char *split_in[] = {"x", "split"}, *pad_out[] = {"p"}, *slice_out[] = {"s"}, *split_out[] = {"a", "b", "c"};
    const int64_t pads[] = {0, 0, 0, 2, 0, 0, 0, 1}, starts[] = {-1}, ends[] = {-100}, axes[] = {3}, steps[] = {-2};
    amass_nn_attr reflect = {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = "reflect"};
    amass_nn_attr axis = {.name = "axis", .kind = AMASS_NN_ATTR_INT, .i = 3};
    float x[12], padded[3 * 7], sliced[3 * 2], part_a[3 * 2], part_b[3], part_c[3];
    for (int i = 0; i < 12; i++)
        x[i] = (float)i;
    begin(&b, 4, dims);
    ints(&b, "pads", pads, 8);
    ints(&b, "starts", starts, 1);
    ints(&b, "ends", ends, 1);
    ints(&b, "axes", axes, 1);
    ints(&b, "steps", steps, 1);
    const int64_t sizes[] = {2, 1, 1};
    ints(&b, "split", sizes, 3);
    node(&b, AMASS_NN_OP_PAD, pad_in, 2, pad_out, 1, &reflect, 1);
    node(&b, AMASS_NN_OP_SLICE, slice_in, 5, slice_out, 1, NULL, 0);
    node(&b, AMASS_NN_OP_SPLIT, split_in, 2, split_out, 3, &axis, 1);
    if (!ok(amass_nn_graph_prepare(b.graph, &b.status) == AMASS_OK, "pad, slice and split prepare")) {
        printf("#   %s\n", b.status.message);
        amass_nn_graph_free(b.graph);
        return;
    }
    amass_nn_session *session = amass_nn_session_open(b.graph, &b.status);
    const float *inputs[] = {x};
    float *outputs[] = {padded, sliced, part_a, part_b, part_c};
    if (ok(session && amass_nn_session_run(session, 1, inputs, outputs, &b.status) == AMASS_OK, "they run")) {
        /* row 0 is 0 1 2 3: reflect by 2 before, 1 after -> 2 1 0 1 2 3 2 */
        const float row0[] = {2, 1, 0, 1, 2, 3, 2};
        ok(memcmp(padded, row0, sizeof row0) == 0, "reflect padding mirrors without repeating the edge");
        ok(padded[7] == 6 && padded[13] == 6 && padded[20] == 10, "reflect padding on every row");
        const float reversed[] = {3, 1, 7, 5, 11, 9};
        ok(memcmp(sliced, reversed, sizeof reversed) == 0, "a slice with step -2 from the end runs backwards");
        const float a[] = {0, 1, 4, 5, 8, 9}, bb[] = {2, 6, 10}, c[] = {3, 7, 11};
        ok(memcmp(part_a, a, sizeof a) == 0 && memcmp(part_b, bb, sizeof bb) == 0 && memcmp(part_c, c, sizeof c) == 0,
           "split into 2 + 1 + 1 columns, every output written");
    } else {
        printf("#   %s\n", b.status.message);
    }
    amass_nn_session_close(session);
    amass_nn_graph_free(b.graph);
}

/* Hostile values: prepare either refuses them or gives a graph that runs
 * within its buffers (the sanitizer build checks the second half). */
static const int64_t hostile[] = {INT64_MIN, -((int64_t)1 << 40), -9, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 9,
                                  (int64_t)1 << 40, INT64_MAX};

static int64_t pick(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return hostile[(*seed >> 16) % (sizeof hostile / sizeof *hostile)];
}

static void try_graph(builder *b, int *prepared, int *ran)
{
    if (amass_nn_graph_prepare(b->graph, &b->status) == AMASS_OK) {
        amass_nn_tensor_type type;
        (*prepared)++;
        amass_nn_session *session = amass_nn_session_open(b->graph, &b->status);
        if (session && amass_nn_session_output_type(session, 1, 0, &type, &b->status) == AMASS_OK) {
            size_t count = 1;
            for (int d = 0; d < type.rank; d++)
                count *= (size_t)type.dims[d];
            float x[2 * 4 * 5] = {0}, *y = count < 1000000 ? calloc(count + 1, sizeof *y) : NULL;
            const float *inputs[] = {x};
            float *outputs[] = {y};
            if (y && amass_nn_session_run(session, 1, inputs, outputs, &b->status) == AMASS_OK)
                (*ran)++;
            free(y);
        }
        amass_nn_session_close(session);
    } else if (!strstr(b->status.message, "n1")) {
        printf("#   refused without naming the node: %s\n", b->status.message);
        (*prepared) = -1000000;
    }
    amass_nn_graph_free(b->graph);
}

static void hostile_values(void)
{
    unsigned seed = 12345;
    int prepared = 0, ran = 0;
    const int64_t dims[4] = {1, 2, 4, 5};
    for (int round = 0; round < 300; round++) {
        builder b;
        const char *out[] = {"y"};
        begin(&b, 4, dims);
        int kind = round % 3;
        if (kind == 0) {
            const char *in[] = {"x", "starts", "ends", "axes", "steps"};
            int64_t starts[2] = {pick(&seed), pick(&seed)}, ends[2] = {pick(&seed), pick(&seed)};
            int64_t axes[2] = {pick(&seed) & 3, -1 - (pick(&seed) & 1)}, steps[2] = {pick(&seed), pick(&seed)};
            ints(&b, "starts", starts, 2);
            ints(&b, "ends", ends, 2);
            ints(&b, "axes", axes, 2);
            ints(&b, "steps", steps, 2);
            node(&b, AMASS_NN_OP_SLICE, in, 5, out, 1, NULL, 0);
        } else if (kind == 1) {
            const char *in[] = {"x", "pads"};
            int64_t pads[8];
            for (int k = 0; k < 8; k++)
                pads[k] = pick(&seed) % 7;
            static const char *const modes[] = {"constant", "reflect", "edge"};
            amass_nn_attr mode = {.name = "mode", .kind = AMASS_NN_ATTR_STRING, .s = modes[round % 3]};
            ints(&b, "pads", pads, 8);
            node(&b, AMASS_NN_OP_PAD, in, 2, out, 1, &mode, 1);
        } else {
            const char *in[] = {"x", "w"};
            static float weights[2 * 3 * 3 * 3];
            const int64_t weight_dims[] = {2, 3, 3, 3};
            int64_t strides[2] = {pick(&seed), pick(&seed)}, pads[4] = {pick(&seed), pick(&seed), 0, pick(&seed)};
            int64_t extra[2] = {pick(&seed), 0};
            amass_nn_attr attrs[3] = {{.name = "strides", .kind = AMASS_NN_ATTR_INTS, .ints = strides, .count = 2},
                                      {.name = "pads", .kind = AMASS_NN_ATTR_INTS, .ints = pads, .count = 4},
                                      {.name = "output_padding", .kind = AMASS_NN_ATTR_INTS, .ints = extra,
                                       .count = 2}};
            floats(&b, "w", weights, 4, weight_dims);
            node(&b, AMASS_NN_OP_CONV_TRANSPOSE, in, 2, out, 1, attrs, 3);
        }
        try_graph(&b, &prepared, &ran);
    }
    printf("# %d of 300 hostile graphs prepared, %d ran\n", prepared, ran);
    ok(prepared >= 0 && ran == prepared, "hostile Slice/Pad/ConvTranspose values are refused or run cleanly");
}

/* A node whose output stays inside the graph. */
static void inner(builder *b, amass_nn_op op, const char *const *inputs, int n_inputs, const char *output,
                  const int64_t *perm)
{
    amass_nn_attr attr = {.name = "perm", .kind = AMASS_NN_ATTR_INTS, .ints = perm, .count = 4};
    amass_nn_node_spec spec = {.op = op, .name = output, .inputs = inputs, .n_inputs = (size_t)n_inputs,
                               .outputs = &output, .n_outputs = 1, .attrs = &attr, .n_attrs = perm ? 1 : 0};
    amass_nn_graph_add_node(b->graph, &spec, &b->status);
}

/* The attention's head transposes, which the engine leaves as strided
 * views a MatMul reads (and a MatMul's product written straight in the
 * transposed order), against loops: x [B, S, H, D] gives
 * q = x^(0,2,1,3), k = x^(0,2,3,1), scores = q k, context = scores q, and
 * out = context^(0,2,1,3); also a Transpose chain into a MatMul, and a
 * transposed tensor that is a graph output as well (copied, not viewed). */
static void attention_transposes(void)
{
    enum { B = 2, S = 3, H = 2, D = 4 };
    const int64_t dims[4] = {B, S, H, D};
    static const int64_t heads_first[4] = {0, 2, 1, 3}, keys_last[4] = {0, 2, 3, 1}, swap_last[4] = {0, 1, 3, 2};
    builder b;
    begin(&b, 4, dims);
    const char *x[] = {"x"}, *qk[] = {"q", "k"}, *sv[] = {"scores", "v"}, *c[] = {"context"}, *chain[] = {"q2"};
    const char *qk2[] = {"q3", "k2"};
    inner(&b, AMASS_NN_OP_TRANSPOSE, x, 1, "q", heads_first);
    inner(&b, AMASS_NN_OP_TRANSPOSE, x, 1, "k", keys_last);
    inner(&b, AMASS_NN_OP_MATMUL, qk, 2, "scores", NULL);
    inner(&b, AMASS_NN_OP_TRANSPOSE, x, 1, "v", heads_first);
    inner(&b, AMASS_NN_OP_MATMUL, sv, 2, "context", NULL);
    inner(&b, AMASS_NN_OP_TRANSPOSE, c, 1, "out", heads_first);
    inner(&b, AMASS_NN_OP_TRANSPOSE, x, 1, "q2", heads_first);
    inner(&b, AMASS_NN_OP_TRANSPOSE, chain, 1, "k2", swap_last);
    inner(&b, AMASS_NN_OP_TRANSPOSE, x, 1, "q3", heads_first);
    inner(&b, AMASS_NN_OP_MATMUL, qk2, 2, "scores2", NULL);
    amass_nn_graph_mark_output(b.graph, "out", &b.status);
    amass_nn_graph_mark_output(b.graph, "v", &b.status);
    amass_nn_graph_mark_output(b.graph, "scores2", &b.status);
    if (!ok(amass_nn_graph_prepare(b.graph, &b.status) == AMASS_OK, "the attention transposes prepare")) {
        printf("#   %s\n", b.status.message);
        amass_nn_graph_free(b.graph);
        return;
    }
    float input[B * S * H * D], out[B * S * H * D], v[B * H * S * D], scores2[B * H * S * S];
    double scores[B][H][S][S], context[B][H][S][D];
    for (int i = 0; i < B * S * H * D; i++)
        input[i] = (float)((i * 37) % 23 - 11) / 8.0f;
#define X(n, s, h, d) ((double)input[(((n) * S + (s)) * H + (h)) * D + (d)])
    for (int n = 0; n < B; n++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < S; i++) {
                for (int j = 0; j < S; j++) {
                    scores[n][h][i][j] = 0;
                    for (int d = 0; d < D; d++)
                        scores[n][h][i][j] += X(n, i, h, d) * X(n, j, h, d);
                }
                for (int d = 0; d < D; d++) {
                    context[n][h][i][d] = 0;
                    for (int j = 0; j < S; j++)
                        context[n][h][i][d] += scores[n][h][i][j] * X(n, j, h, d);
                }
            }
    amass_nn_session *session = amass_nn_session_open(b.graph, &b.status);
    const float *inputs[] = {input};
    float *outputs[] = {out, v, scores2};
    if (ok(session && amass_nn_session_run(session, B, inputs, outputs, &b.status) == AMASS_OK,
           "the attention transposes run")) {
        double worst_out = 0, worst_v = 0, worst_scores = 0;
        for (int n = 0; n < B; n++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < S; i++) {
                    for (int d = 0; d < D; d++) {
                        worst_out = fmax(worst_out, fabs(out[((n * S + i) * H + h) * D + d] - context[n][h][i][d]));
                        worst_v = fmax(worst_v, fabs(v[((n * H + h) * S + i) * D + d] - X(n, i, h, d)));
                    }
                    for (int j = 0; j < S; j++)
                        worst_scores = fmax(worst_scores, fabs(scores2[((n * H + h) * S + i) * S + j] - scores[n][h][i][j]));
                }
        ok(worst_out < 1e-4, "q k read through strided views, the context written transposed: as the loops");
        ok(worst_v == 0, "a transposed graph output is the permuted input");
        ok(worst_scores < 1e-4, "a Transpose chain into a MatMul: as the loops");
    } else {
        printf("#   %s\n", b.status.message);
    }
#undef X
    amass_nn_session_close(session);
    amass_nn_graph_free(b.graph);
}

int main(void)
{
    bad_slice();
    bad_resize();
    bad_deconv();
    bad_split_and_pad();
    bad_depth_to_space();
    exact_cases();
    attention_transposes();
    hostile_values();
    return done_testing();
}
