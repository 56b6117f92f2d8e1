/* The TF.js layers-model importer on small Keras topologies the test writes itself: each layer kind against NHWC values computed here, and the bad inputs a user can hand it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/tfjs.h"
#include "nn/nn.h"
#include "tap.h"

static char directory[256];

typedef struct {
    const char *name;
    int rank;
    int64_t dims[4];
    const float *data;
} weight;

static size_t weight_count(const weight *w)
{
    size_t count = 1;
    for (int d = 0; d < w->rank; d++)
        count *= (size_t)w->dims[d];
    return count;
}

/* Writes directory/model.json (a layers model around model_config) and
 * its one shard. */
static int write_model(const char *model_config, const weight *weights, size_t n_weights)
{
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", directory);
    FILE *json = fopen(path, "w");
    snprintf(path, sizeof path, "%s/w.bin", directory);
    FILE *shard = fopen(path, "wb");
    if (!json || !shard) {
        if (json)
            fclose(json);
        if (shard)
            fclose(shard);
        return 0;
    }
    fprintf(json, "{\"format\":\"layers-model\",\"modelTopology\":{\"model_config\":%s},\"weightsManifest\":[{\"paths\":[\"w.bin\"],\"weights\":[",
            model_config);
    for (size_t k = 0; k < n_weights; k++) {
        fprintf(json, "%s{\"name\":\"%s\",\"dtype\":\"float32\",\"shape\":[", k ? "," : "", weights[k].name);
        for (int d = 0; d < weights[k].rank; d++)
            fprintf(json, "%s%lld", d ? "," : "", (long long)weights[k].dims[d]);
        fprintf(json, "]}");
        fwrite(weights[k].data, sizeof(float), weight_count(&weights[k]), shard);
    }
    fprintf(json, "]}]}\n");
    fclose(json);
    fclose(shard);
    return 1;
}

static char *functional(const char *layers, const char *inputs, const char *outputs)
{
    static char text[16384];
    snprintf(text, sizeof text,
             "{\"class_name\":\"Model\",\"config\":{\"name\":\"m\",\"layers\":[%s],\"input_layers\":%s,\"output_layers\":%s}}",
             layers, inputs, outputs);
    return text;
}

/* Imports the written model (outputs NULL: the model's own), or fails
 * with the message in status. */
static amass_nn_graph *import(const char *const *outputs, size_t n_outputs, amass_status *status)
{
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", directory);
    amass_tfjs_model *model = NULL;
    amass_nn_graph *graph = NULL;
    amass_status_clear(status);
    if (amass_tfjs_open(path, &model, status) == AMASS_OK)
        amass_tfjs_import_outputs(model, NULL, 0, outputs, n_outputs, &graph, status);
    amass_tfjs_close(model);
    return graph;
}

/* Runs the graph on inputs; output k into results[k] (counts[k] floats). */
static int run(amass_nn_graph *graph, int64_t batch, const float *const *inputs, float **results, size_t *counts)
{
    amass_status status = {0};
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    int done = session != NULL;
    for (size_t k = 0; done && k < amass_nn_graph_output_count(graph); k++) {
        amass_nn_tensor_type type;
        done = amass_nn_session_output_type(session, batch, k, &type, &status) == AMASS_OK;
        counts[k] = done ? amass_nn_type_count(&type) : 0;
        results[k] = done ? calloc(counts[k] + 1, sizeof(float)) : NULL;
    }
    if (done)
        done = amass_nn_session_run(session, batch, inputs, results, &status) == AMASS_OK;
    if (!done)
        printf("# %s\n", status.message);
    amass_nn_session_close(session);
    return done;
}

static double max_error(const float *got, const float *want, size_t count)
{
    double worst = 0;
    for (size_t i = 0; i < count; i++) {
        double error = fabs((double)got[i] - want[i]) / (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
        worst = error > worst ? error : worst;
    }
    return worst;
}

static void check_values(const float *got, size_t got_count, const float *want, size_t want_count, const char *name)
{
    double error = got && got_count == want_count ? max_error(got, want, want_count) : INFINITY;
    if (!ok(error < 1e-5, name))
        printf("#   %zu values (want %zu), worst error %g\n", got_count, want_count, error);
}

static float *random_values(size_t count, unsigned seed)
{
    float *values = malloc(count * sizeof *values);
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
    }
    return values;
}

/* ---- NHWC references, written from Keras' definitions -------------------- */

typedef struct {
    int kh, kw, stride_h, stride_w, dilation_h, dilation_w, same;
    int out_h, out_w, pad_top, pad_left;
} window;

static void window_geometry(window *g, int h, int w)
{
    int extent_h = (g->kh - 1) * g->dilation_h + 1, extent_w = (g->kw - 1) * g->dilation_w + 1;
    if (g->same) {
        g->out_h = (h + g->stride_h - 1) / g->stride_h;
        g->out_w = (w + g->stride_w - 1) / g->stride_w;
        int total_h = (g->out_h - 1) * g->stride_h + extent_h - h, total_w = (g->out_w - 1) * g->stride_w + extent_w - w;
        g->pad_top = total_h > 0 ? total_h / 2 : 0;
        g->pad_left = total_w > 0 ? total_w / 2 : 0;
    } else {
        g->out_h = (h - extent_h) / g->stride_h + 1;
        g->out_w = (w - extent_w) / g->stride_w + 1;
        g->pad_top = g->pad_left = 0;
    }
}

/* kernel [kh, kw, c / groups, filters] */
static float *conv_reference(const float *x, int n, int h, int w, int c, const float *kernel, const float *bias,
                             int filters, int groups, window *g)
{
    window_geometry(g, h, w);
    int per_group = c / groups, out_per_group = filters / groups;
    float *y = calloc((size_t)(n * g->out_h * g->out_w * filters), sizeof *y);
    for (int b = 0; b < n; b++)
        for (int oy = 0; oy < g->out_h; oy++)
            for (int ox = 0; ox < g->out_w; ox++)
                for (int f = 0; f < filters; f++) {
                    double sum = bias ? bias[f] : 0;
                    int group = f / out_per_group;
                    for (int ky = 0; ky < g->kh; ky++)
                        for (int kx = 0; kx < g->kw; kx++) {
                            int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                            int ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            for (int ci = 0; ci < per_group; ci++)
                                sum += x[((b * h + iy) * w + ix) * c + group * per_group + ci] *
                                       kernel[((ky * g->kw + kx) * per_group + ci) * filters + f];
                        }
                    y[((b * g->out_h + oy) * g->out_w + ox) * filters + f] = (float)sum;
                }
    return y;
}

/* kernel [kh, kw, c, multiplier]; output channel c * multiplier + m */
static float *depthwise_reference(const float *x, int n, int h, int w, int c, const float *kernel, const float *bias,
                                  int multiplier, window *g)
{
    window_geometry(g, h, w);
    int filters = c * multiplier;
    float *y = calloc((size_t)(n * g->out_h * g->out_w * filters), sizeof *y);
    for (int b = 0; b < n; b++)
        for (int oy = 0; oy < g->out_h; oy++)
            for (int ox = 0; ox < g->out_w; ox++)
                for (int ci = 0; ci < c; ci++)
                    for (int m = 0; m < multiplier; m++) {
                        double sum = bias ? bias[ci * multiplier + m] : 0;
                        for (int ky = 0; ky < g->kh; ky++)
                            for (int kx = 0; kx < g->kw; kx++) {
                                int iy = oy * g->stride_h - g->pad_top + ky * g->dilation_h;
                                int ix = ox * g->stride_w - g->pad_left + kx * g->dilation_w;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    sum += x[((b * h + iy) * w + ix) * c + ci] *
                                           kernel[((ky * g->kw + kx) * c + ci) * multiplier + m];
                            }
                        y[((b * g->out_h + oy) * g->out_w + ox) * filters + ci * multiplier + m] = (float)sum;
                    }
    return y;
}

/* TensorFlow pools: max over the window, or the mean of the pixels inside the image */
static float *pool_reference(const float *x, int n, int h, int w, int c, int average, window *g)
{
    window_geometry(g, h, w);
    float *y = calloc((size_t)(n * g->out_h * g->out_w * c), sizeof *y);
    for (int b = 0; b < n; b++)
        for (int oy = 0; oy < g->out_h; oy++)
            for (int ox = 0; ox < g->out_w; ox++)
                for (int ci = 0; ci < c; ci++) {
                    double sum = 0, best = -INFINITY;
                    int count = 0;
                    for (int ky = 0; ky < g->kh; ky++)
                        for (int kx = 0; kx < g->kw; kx++) {
                            int iy = oy * g->stride_h - g->pad_top + ky, ix = ox * g->stride_w - g->pad_left + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                continue;
                            double v = x[((b * h + iy) * w + ix) * c + ci];
                            sum += v;
                            best = v > best ? v : best;
                            count++;
                        }
                    y[((b * g->out_h + oy) * g->out_w + ox) * c + ci] = (float)(average ? sum / count : best);
                }
    return y;
}

static const char *input_layer(char *out, size_t size, const char *name, const char *shape)
{
    snprintf(out, size,
             "{\"name\":\"%s\",\"class_name\":\"InputLayer\",\"config\":{\"batch_input_shape\":%s,\"dtype\":\"float32\",\"name\":\"%s\"},\"inbound_nodes\":[]}",
             name, shape, name);
    return out;
}

/* A layer reading the first call of each layer in from (comma-separated). */
static const char *layer(char *out, size_t size, const char *name, const char *class_name, const char *config,
                         const char *from)
{
    char inbound[512] = "";
    size_t used = 0;
    const char *start = from;
    while (*start) {
        const char *end = strchr(start, ',');
        size_t length = end ? (size_t)(end - start) : strlen(start);
        used += (size_t)snprintf(inbound + used, sizeof inbound - used, "%s[\"%.*s\",0,0,{}]", used ? "," : "",
                                 (int)length, start);
        start += length + (end ? 1 : 0);
    }
    snprintf(out, size, "{\"name\":\"%s\",\"class_name\":\"%s\",\"config\":{\"name\":\"%s\"%s%s},\"inbound_nodes\":[[%s]]}",
             name, class_name, name, *config ? "," : "", config, inbound);
    return out;
}

/* One input "in" of shape, one layer on it, output that layer. */
static char *single(const char *shape, const char *class_name, const char *config)
{
    static char layers[4096];
    char a[512], b[2048];
    snprintf(layers, sizeof layers, "%s,%s", input_layer(a, sizeof a, "in", shape),
             layer(b, sizeof b, "l", class_name, config, "in"));
    return functional(layers, "[[\"in\",0,0]]", "[[\"l\",0,0]]");
}

static void test_conv(void)
{
    /* 2 x 7 x 6 x 4, grouped Conv2D: kernel 3x2, strides 2x1, same, relu6 */
    int n = 2, h = 7, w = 6, c = 4, filters = 6, groups = 2;
    float *x = random_values((size_t)(n * h * w * c), 1);
    float *kernel = random_values(3 * 2 * 2 * 6, 2), *bias = random_values(6, 3);
    weight weights[] = {{"l/kernel", 4, {3, 2, 2, 6}, kernel}, {"l/bias", 1, {6}, bias}};
    write_model(single("[null,7,6,4]", "Conv2D",
                       "\"filters\":6,\"kernel_size\":[3,2],\"strides\":[2,1],\"padding\":\"same\",\"dilation_rate\":1,"
                       "\"groups\":2,\"activation\":\"relu6\",\"use_bias\":true,\"data_format\":\"channels_last\""),
                weights, 2);
    window g = {3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0};
    float *want = conv_reference(x, n, h, w, c, kernel, bias, filters, groups, &g);
    size_t count = (size_t)(n * g.out_h * g.out_w * filters);
    for (size_t i = 0; i < count; i++)
        want[i] = want[i] < 0 ? 0 : want[i] > 6 ? 6 : want[i];
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[1] = {NULL};
    size_t counts[1] = {0};
    const float *inputs[1] = {x};
    if (!ok(graph && run(graph, n, inputs, got, counts), "Conv2D (groups, strides, same, relu6) imports and runs"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], want, count, "Conv2D matches the NHWC reference");
    amass_nn_tensor_type type;
    ok(graph && amass_nn_graph_output_type(graph, 0, &type) == AMASS_OK && type.rank == 4 && type.dims[1] == 4 &&
           type.dims[2] == 6 && type.dims[3] == 6 && strcmp(amass_nn_graph_output_name(graph, 0), "l") == 0,
       "the output keeps Keras' name and NHWC shape [N,4,6,6]");
    free(got[0]);
    free(want);

    /* valid padding with dilation 2, no bias, linear */
    weight plain[] = {{"l/kernel", 4, {2, 2, 4, 3}, kernel}};
    write_model(single("[null,7,6,4]", "Conv2D",
                       "\"filters\":3,\"kernel_size\":2,\"strides\":1,\"padding\":\"valid\",\"dilation_rate\":[2,2],"
                       "\"activation\":\"linear\",\"use_bias\":false"),
                plain, 1);
    window v = {2, 2, 1, 1, 2, 2, 0, 0, 0, 0, 0};
    want = conv_reference(x, n, h, w, c, kernel, NULL, 3, 1, &v);
    amass_nn_graph_free(graph);
    graph = import(NULL, 0, &status);
    got[0] = NULL;
    ok(graph && run(graph, n, inputs, got, counts), "Conv2D (valid, dilation 2, no bias) imports and runs");
    check_values(got[0], counts[0], want, (size_t)(n * v.out_h * v.out_w * 3), "Conv2D (valid, dilated) matches");
    free(got[0]);
    free(want);
    amass_nn_graph_free(graph);
    free(kernel);
    free(bias);
    free(x);
}

static void test_depthwise_separable(void)
{
    int n = 1, h = 7, w = 6, c = 3;
    float *x = random_values((size_t)(n * h * w * c), 4);
    float *kernel = random_values(3 * 3 * 3 * 2, 5), *bias = random_values(6, 6);
    weight weights[] = {{"l/depthwise_kernel", 4, {3, 3, 3, 2}, kernel}, {"l/bias", 1, {6}, bias}};
    write_model(single("[null,7,6,3]", "DepthwiseConv2D",
                       "\"kernel_size\":[3,3],\"strides\":[1,1],\"padding\":\"same\",\"depth_multiplier\":2,"
                       "\"dilation_rate\":[2,2],\"activation\":\"linear\",\"use_bias\":true"),
                weights, 2);
    window g = {3, 3, 1, 1, 2, 2, 1, 0, 0, 0, 0};
    float *want = depthwise_reference(x, n, h, w, c, kernel, bias, 2, &g);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[1] = {NULL};
    size_t counts[1] = {0};
    const float *inputs[1] = {x};
    if (!ok(graph && run(graph, n, inputs, got, counts), "DepthwiseConv2D (multiplier 2, dilation 2) runs"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], want, (size_t)(n * g.out_h * g.out_w * 6),
                 "DepthwiseConv2D matches (channel c * multiplier + m)");
    free(got[0]);
    amass_nn_graph_free(graph);

    /* SeparableConv2D: the depthwise step (strides 2, valid), then 1x1 to 4 filters, tanh */
    float *pointwise = random_values(6 * 4, 7), *bias4 = random_values(4, 8);
    weight separable[] = {{"l/depthwise_kernel", 4, {3, 3, 3, 2}, kernel},
                          {"l/pointwise_kernel", 4, {1, 1, 6, 4}, pointwise},
                          {"l/bias", 1, {4}, bias4}};
    write_model(single("[null,7,6,3]", "SeparableConv2D",
                       "\"filters\":4,\"kernel_size\":3,\"strides\":2,\"padding\":\"valid\",\"depth_multiplier\":2,"
                       "\"activation\":\"tanh\",\"use_bias\":true"),
                separable, 3);
    free(want);
    window s = {3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0};
    float *middle = depthwise_reference(x, n, h, w, c, kernel, NULL, 2, &s);
    window one = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    want = conv_reference(middle, n, s.out_h, s.out_w, 6, pointwise, bias4, 4, 1, &one);
    size_t count = (size_t)(n * one.out_h * one.out_w * 4);
    for (size_t i = 0; i < count; i++)
        want[i] = tanhf(want[i]);
    graph = import(NULL, 0, &status);
    got[0] = NULL;
    if (!ok(graph && run(graph, n, inputs, got, counts), "SeparableConv2D runs"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], want, count, "SeparableConv2D matches depthwise then pointwise, tanh");
    free(got[0]);
    amass_nn_graph_free(graph);
    free(middle);
    free(want);
    free(pointwise);
    free(bias4);
    free(kernel);
    free(bias);
    free(x);
}

/* Max / average pooling (same, strides 2), both global pools and
 * ZeroPadding2D / Cropping2D as outputs of one model: several outputs in
 * the order output_layers lists them. */
static void test_pools_and_margins(void)
{
    int n = 2, h = 5, w = 6, c = 3;
    float *x = random_values((size_t)(n * h * w * c), 9);
    char layers[8192], a[512], p1[1024], p2[1024], p3[512], p4[512], p5[512], p6[512];
    snprintf(layers, sizeof layers, "%s,%s,%s,%s,%s,%s,%s", input_layer(a, sizeof a, "in", "[null,5,6,3]"),
             layer(p1, sizeof p1, "max", "MaxPooling2D", "\"pool_size\":[3,3],\"strides\":[2,2],\"padding\":\"same\"",
                   "in"),
             layer(p2, sizeof p2, "avg", "AveragePooling2D", "\"pool_size\":3,\"strides\":null,\"padding\":\"same\"",
                   "in"),
             layer(p3, sizeof p3, "gap", "GlobalAveragePooling2D", "", "in"),
             layer(p4, sizeof p4, "gmp", "GlobalMaxPooling2D", "", "in"),
             layer(p5, sizeof p5, "pad", "ZeroPadding2D", "\"padding\":[[1,0],[0,2]]", "in"),
             layer(p6, sizeof p6, "crop", "Cropping2D", "\"cropping\":[[1,2],1]", "in"));
    write_model(functional(layers, "[[\"in\",0,0]]",
                           "[[\"max\",0,0],[\"avg\",0,0],[\"gap\",0,0],[\"gmp\",0,0],[\"pad\",0,0],[\"crop\",0,0]]"),
                NULL, 0);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[6] = {NULL};
    size_t counts[6] = {0};
    const float *inputs[1] = {x};
    if (!ok(graph && amass_nn_graph_output_count(graph) == 6 && run(graph, n, inputs, got, counts),
            "six pooling / margin outputs run"))
        printf("# %s\n", status.message);
    window g = {3, 3, 2, 2, 1, 1, 1, 0, 0, 0, 0};
    float *want = pool_reference(x, n, h, w, c, 0, &g);
    check_values(got[0], counts[0], want, (size_t)(n * g.out_h * g.out_w * c), "MaxPooling2D (same) matches");
    free(want);
    window avg = {3, 3, 3, 3, 1, 1, 1, 0, 0, 0, 0};
    want = pool_reference(x, n, h, w, c, 1, &avg);
    check_values(got[1], counts[1], want, (size_t)(n * avg.out_h * avg.out_w * c),
                 "AveragePooling2D (same, strides = pool) averages inside the image only");
    free(want);
    float global_mean[6], global_max[6];
    for (int b = 0; b < n; b++)
        for (int ci = 0; ci < c; ci++) {
            double sum = 0, best = -INFINITY;
            for (int p = 0; p < h * w; p++) {
                double v = x[(b * h * w + p) * c + ci];
                sum += v;
                best = v > best ? v : best;
            }
            global_mean[b * c + ci] = (float)(sum / (h * w));
            global_max[b * c + ci] = (float)best;
        }
    check_values(got[2], counts[2], global_mean, 6, "GlobalAveragePooling2D gives [N, C]");
    check_values(got[3], counts[3], global_max, 6, "GlobalMaxPooling2D gives [N, C]");
    int ph = h + 1, pw = w + 2;
    want = calloc((size_t)(n * ph * pw * c), sizeof *want);
    for (int b = 0; b < n; b++)
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++)
                for (int ci = 0; ci < c; ci++)
                    want[((b * ph + y + 1) * pw + xx) * c + ci] = x[((b * h + y) * w + xx) * c + ci];
    check_values(got[4], counts[4], want, (size_t)(n * ph * pw * c), "ZeroPadding2D [[1,0],[0,2]] pads top and right");
    free(want);
    int ch = h - 3, cw = w - 2;
    want = calloc((size_t)(n * ch * cw * c), sizeof *want);
    for (int b = 0; b < n; b++)
        for (int y = 0; y < ch; y++)
            for (int xx = 0; xx < cw; xx++)
                for (int ci = 0; ci < c; ci++)
                    want[((b * ch + y) * cw + xx) * c + ci] = x[((b * h + y + 1) * w + xx + 1) * c + ci];
    check_values(got[5], counts[5], want, (size_t)(n * ch * cw * c), "Cropping2D [[1,2],1] crops");
    free(want);
    for (int k = 0; k < 6; k++)
        free(got[k]);
    amass_nn_graph_free(graph);
    free(x);
}

/* Two inputs merged four ways; Concatenate on the channels. */
static void test_merges(void)
{
    int n = 1, count = 3 * 4 * 2;
    float *x = random_values((size_t)count, 10), *y = random_values((size_t)count, 11);
    char layers[8192], a[512], b[512], l1[512], l2[512], l3[512], l4[512], l5[512];
    snprintf(layers, sizeof layers, "%s,%s,%s,%s,%s,%s,%s", input_layer(a, sizeof a, "a", "[null,3,4,2]"),
             input_layer(b, sizeof b, "b", "[null,3,4,2]"), layer(l1, sizeof l1, "add", "Add", "", "a,b"),
             layer(l2, sizeof l2, "mul", "Multiply", "", "a,b"), layer(l3, sizeof l3, "avg", "Average", "", "a,b"),
             layer(l4, sizeof l4, "cat", "Concatenate", "\"axis\":-1", "a,b"),
             layer(l5, sizeof l5, "cat_h", "Concatenate", "\"axis\":1", "b,a"));
    write_model(functional(layers, "[[\"a\",0,0],[\"b\",0,0]]",
                           "[[\"add\",0,0],[\"mul\",0,0],[\"avg\",0,0],[\"cat\",0,0],[\"cat_h\",0,0]]"),
                NULL, 0);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[5] = {NULL};
    size_t counts[5] = {0};
    const float *inputs[2] = {x, y};
    if (!ok(graph && amass_nn_graph_input_count(graph) == 2 && strcmp(amass_nn_graph_input_name(graph, 1), "b") == 0 &&
                run(graph, n, inputs, got, counts),
            "a two-input model with five merges runs, inputs in input_layers' order"))
        printf("# %s\n", status.message);
    float add[24], mul[24], avg[24], cat[48], cat_h[48];
    for (int i = 0; i < count; i++) {
        add[i] = x[i] + y[i];
        mul[i] = x[i] * y[i];
        avg[i] = (x[i] + y[i]) / 2;
        cat[(i / 2) * 4 + i % 2] = x[i];
        cat[(i / 2) * 4 + 2 + i % 2] = y[i];
        cat_h[i] = y[i];
        cat_h[count + i] = x[i];
    }
    check_values(got[0], counts[0], add, 24, "Add");
    check_values(got[1], counts[1], mul, 24, "Multiply");
    check_values(got[2], counts[2], avg, 24, "Average");
    check_values(got[3], counts[3], cat, 48, "Concatenate on the channels (axis -1)");
    check_values(got[4], counts[4], cat_h, 48, "Concatenate on the rows (axis 1)");
    for (int k = 0; k < 5; k++)
        free(got[k]);
    amass_nn_graph_free(graph);
    free(x);
    free(y);
}

/* BatchNormalization without center, then ReLU with a cap and a slope;
 * Flatten in channels-last order into Dense + softmax, with Dropout. */
static void test_norm_dense(void)
{
    int n = 2, h = 2, w = 3, c = 4;
    size_t count = (size_t)(n * h * w * c);
    float *x = random_values(count, 12), *gamma = random_values(4, 13), *mean = random_values(4, 14);
    float variance[4] = {0.5f, 1.0f, 2.0f, 0.25f};
    float *kernel = random_values(24 * 3, 15), *bias = random_values(3, 16);
    weight weights[] = {{"bn/gamma", 1, {4}, gamma},         {"bn/moving_mean", 1, {4}, mean},
                        {"bn/moving_variance", 1, {4}, variance}, {"dense/kernel", 2, {24, 3}, kernel},
                        {"dense/bias", 1, {3}, bias}};
    char layers[8192], a[512], l1[512], l2[512], l3[512], l4[512], l5[512];
    snprintf(layers, sizeof layers, "%s,%s,%s,%s,%s,%s", input_layer(a, sizeof a, "in", "[null,2,3,4]"),
             layer(l1, sizeof l1, "bn", "BatchNormalization", "\"axis\":[3],\"epsilon\":0.01,\"center\":false", "in"),
             layer(l2, sizeof l2, "relu", "ReLU", "\"max_value\":0.5,\"negative_slope\":0.1,\"threshold\":0", "bn"),
             layer(l3, sizeof l3, "flatten", "Flatten", "", "relu"),
             layer(l4, sizeof l4, "drop", "Dropout", "\"rate\":0.5", "flatten"),
             layer(l5, sizeof l5, "dense", "Dense", "\"units\":3,\"activation\":\"softmax\",\"use_bias\":true", "drop"));
    write_model(functional(layers, "[[\"in\",0,0]]", "[[\"dense\",0,0]]"), weights, 5);
    float *features = malloc(count * sizeof *features), want[6];
    for (size_t i = 0; i < count; i++) {
        int ci = (int)(i % 4);
        float v = (x[i] - mean[ci]) / sqrtf(variance[ci] + 0.01f) * gamma[ci];
        features[i] = v > 0.5f ? 0.5f : v < 0 ? 0.1f * v : v;
    }
    for (int b = 0; b < n; b++) {
        double sum = 0, logits[3];
        for (int u = 0; u < 3; u++) {
            logits[u] = bias[u];
            for (int k = 0; k < 24; k++)
                logits[u] += features[b * 24 + k] * kernel[k * 3 + u];
        }
        for (int u = 0; u < 3; u++)
            sum += exp(logits[u]);
        for (int u = 0; u < 3; u++)
            want[b * 3 + u] = (float)(exp(logits[u]) / sum);
    }
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[2] = {NULL};
    size_t counts[2] = {0};
    const float *inputs[1] = {x};
    if (!ok(graph && run(graph, n, inputs, got, counts), "BatchNormalization, ReLU, Flatten, Dropout, Dense run"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], want, 6, "Flatten reads channels-last, as Dense's weights expect");
    free(got[0]);
    amass_nn_graph_free(graph);

    /* chosen outputs: the flattened features and the probabilities */
    static const char *const chosen[] = {"flatten", "dense"};
    graph = import(chosen, 2, &status);
    got[0] = got[1] = NULL;
    if (!ok(graph && amass_nn_graph_output_count(graph) == 2 && run(graph, n, inputs, got, counts),
            "chosen outputs flatten, dense import and run"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], features, count, "the chosen output flatten gives the features");
    check_values(got[1], counts[1], want, 6, "and dense the probabilities");
    free(got[0]);
    free(got[1]);
    amass_nn_graph_free(graph);
    static const char *const only_bn[] = {"bn"};
    graph = import(only_bn, 1, &status);
    ok(graph && amass_nn_graph_count_op(graph, AMASS_NN_OP_GEMM) == 0 &&
           amass_nn_graph_count_op(graph, AMASS_NN_OP_SOFTMAX) == 0,
       "an early output imports only what it needs");
    amass_nn_graph_free(graph);
    static const char *const ghost[] = {"ghost"};
    graph = import(ghost, 1, &status);
    ok(!graph && strstr(status.message, "no layer 'ghost' to output"), "a chosen output that is no layer is refused");
    static const char *const input_out[] = {"in"};
    graph = import(input_out, 1, &status);
    ok(!graph && strstr(status.message, "is the model's input"), "the input as an output is refused");
    free(features);
    free(gamma);
    free(mean);
    free(kernel);
    free(bias);
    free(x);
}

static float activation_reference(const char *name, float v)
{
    if (!strcmp(name, "relu"))
        return v > 0 ? v : 0;
    if (!strcmp(name, "sigmoid"))
        return 1 / (1 + expf(-v));
    if (!strcmp(name, "tanh"))
        return tanhf(v);
    if (!strcmp(name, "swish"))
        return v / (1 + expf(-v));
    if (!strcmp(name, "elu"))
        return v > 0 ? v : expf(v) - 1;
    if (!strcmp(name, "selu"))
        return 1.0507009873554805f * (v > 0 ? v : 1.6732632423543772f * (expf(v) - 1));
    if (!strcmp(name, "hard_sigmoid")) {
        float y = 0.2f * v + 0.5f;
        return y < 0 ? 0 : y > 1 ? 1 : y;
    }
    if (!strcmp(name, "relu6"))
        return v < 0 ? 0 : v > 6 ? 6 : v;
    return v; /* linear */
}

/* A Sequential model (no InputLayer: batch_input_shape on the first
 * layer) for each activation, on values from -8 to 8. */
static void test_activations(void)
{
    static const char *const names[] = {"relu", "relu6", "sigmoid", "tanh", "swish", "elu", "selu", "hard_sigmoid",
                                        "linear"};
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = -8.0f + (float)i * 16.0f / 15.0f;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char config[1024], label[128];
        snprintf(config, sizeof config,
                 "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"s\",\"layers\":[{\"class_name\":\"Activation\","
                 "\"config\":{\"name\":\"act\",\"activation\":\"%s\",\"batch_input_shape\":[null,16]}}]}}",
                 names[k]);
        write_model(config, NULL, 0);
        amass_status status = {0};
        amass_nn_graph *graph = import(NULL, 0, &status);
        float *got[1] = {NULL}, want[16];
        size_t counts[1] = {0};
        const float *inputs[1] = {x};
        for (int i = 0; i < 16; i++)
            want[i] = activation_reference(names[k], x[i]);
        snprintf(label, sizeof label, "Sequential Activation '%s' matches", names[k]);
        int ran = graph && run(graph, 1, inputs, got, counts) &&
                  strcmp(amass_nn_graph_input_name(graph, 0), "act_input") == 0;
        if (!ran)
            printf("# %s\n", status.message);
        check_values(ran ? got[0] : NULL, counts[0], want, 16, label);
        free(got[0]);
        amass_nn_graph_free(graph);
    }
}

/* PReLU (shared over rows and columns), UpSampling2D (nearest and
 * bilinear), Reshape, Dense on a rank-3 tensor, LeakyReLU and Softmax. */
static void test_shapes(void)
{
    int h = 2, w = 3, c = 2;
    float *x = random_values((size_t)(h * w * c), 17);
    float alpha[2] = {0.25f, -0.5f};
    float *kernel = random_values(4 * 2, 18);
    weight weights[] = {{"prelu/alpha", 3, {1, 1, 2}, alpha}, {"dense/kernel", 2, {4, 2}, kernel}};
    char layers[8192], a[512], l1[512], l2[512], l3[512], l4[512], l5[512], l6[512], l7[512];
    snprintf(layers, sizeof layers, "%s,%s,%s,%s,%s,%s,%s,%s", input_layer(a, sizeof a, "in", "[null,2,3,2]"),
             layer(l1, sizeof l1, "prelu", "PReLU", "\"shared_axes\":[1,2]", "in"),
             layer(l2, sizeof l2, "up", "UpSampling2D", "\"size\":[2,1]", "prelu"),
             layer(l3, sizeof l3, "bilinear", "UpSampling2D", "\"size\":[1,2],\"interpolation\":\"bilinear\"", "in"),
             layer(l4, sizeof l4, "reshape", "Reshape", "\"target_shape\":[-1,4]", "up"),
             layer(l5, sizeof l5, "dense", "Dense", "\"units\":2,\"use_bias\":false,\"activation\":\"linear\"",
                   "reshape"),
             layer(l6, sizeof l6, "leaky", "LeakyReLU", "\"alpha\":0.2", "dense"),
             layer(l7, sizeof l7, "softmax", "Softmax", "\"axis\":1", "leaky"));
    write_model(functional(layers, "[[\"in\",0,0]]", "[[\"bilinear\",0,0],[\"leaky\",0,0],[\"softmax\",0,0]]"),
                weights, 2);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[3] = {NULL};
    size_t counts[3] = {0};
    const float *inputs[1] = {x};
    if (!ok(graph && run(graph, 1, inputs, got, counts), "PReLU, UpSampling2D, Reshape, Dense, LeakyReLU, Softmax run"))
        printf("# %s\n", status.message);
    /* bilinear, asymmetric: column 2k is pixel k, column 2k+1 halfway to k+1 (the last repeats) */
    float bilinear[2 * 6 * 2];
    for (int y = 0; y < h; y++)
        for (int ox = 0; ox < 6; ox++)
            for (int ci = 0; ci < c; ci++) {
                int x0 = ox / 2, x1 = x0 + 1 < w ? x0 + 1 : x0;
                float t = (ox % 2) * 0.5f;
                bilinear[(y * 6 + ox) * c + ci] = x[(y * w + x0) * c + ci] * (1 - t) + x[(y * w + x1) * c + ci] * t;
            }
    check_values(got[0], counts[0], bilinear, 24, "UpSampling2D bilinear matches TF.js (half-pixel off)");
    /* prelu, rows doubled: 4 x 3 x 2 = 24 values, as 6 rows of 4 */
    float rows[24], leaky[12], softmax[12];
    for (int oy = 0; oy < 4; oy++)
        for (int xx = 0; xx < w; xx++)
            for (int ci = 0; ci < c; ci++) {
                float v = x[((oy / 2) * w + xx) * c + ci];
                rows[(oy * w + xx) * c + ci] = v > 0 ? v : alpha[ci] * v;
            }
    for (int r = 0; r < 6; r++)
        for (int u = 0; u < 2; u++) {
            double sum = 0;
            for (int k = 0; k < 4; k++)
                sum += rows[r * 4 + k] * kernel[k * 2 + u];
            leaky[r * 2 + u] = (float)(sum > 0 ? sum : 0.2 * sum);
        }
    for (int u = 0; u < 2; u++) {
        double total = 0;
        for (int r = 0; r < 6; r++)
            total += exp(leaky[r * 2 + u]);
        for (int r = 0; r < 6; r++)
            softmax[r * 2 + u] = (float)(exp(leaky[r * 2 + u]) / total);
    }
    check_values(got[1], counts[1], leaky, 12, "PReLU, nearest UpSampling2D, Reshape [-1,4], rank-3 Dense, LeakyReLU");
    check_values(got[2], counts[2], softmax, 12, "Softmax along axis 1");
    for (int k = 0; k < 3; k++)
        free(got[k]);
    amass_nn_graph_free(graph);
    free(kernel);
    free(x);
}

/* A layer called twice (Keras' shared layers): inbound node 1 reads
 * node 0's output. */
static void test_shared_layer(void)
{
    float kernel[4] = {1, 2, -1, 0.5f}, x[2] = {0.5f, -1};
    weight weights[] = {{"shared/kernel", 2, {2, 2}, kernel}};
    char layers[4096], a[512];
    snprintf(layers, sizeof layers,
             "%s,{\"name\":\"shared\",\"class_name\":\"Dense\",\"config\":{\"name\":\"shared\",\"units\":2,\"use_bias\":false},"
             "\"inbound_nodes\":[[[\"in\",0,0,{}]],[[\"shared\",0,0,{}]]]}",
             input_layer(a, sizeof a, "in", "[null,2]"));
    write_model(functional(layers, "[[\"in\",0,0]]", "[[\"shared\",1,0]]"), weights, 1);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    float *got[1] = {NULL}, once[2], twice[2];
    size_t counts[1] = {0};
    const float *inputs[1] = {x};
    for (int u = 0; u < 2; u++)
        once[u] = x[0] * kernel[u] + x[1] * kernel[2 + u];
    for (int u = 0; u < 2; u++)
        twice[u] = once[0] * kernel[u] + once[1] * kernel[2 + u];
    if (!ok(graph && run(graph, 1, inputs, got, counts) && strcmp(amass_nn_graph_output_name(graph, 0), "shared:1") == 0,
            "a shared layer's second call runs, output named 'shared:1'"))
        printf("# %s\n", status.message);
    check_values(got[0], counts[0], twice, 2, "the second call reads the first");
    free(got[0]);
    amass_nn_graph_free(graph);
}

static void expect_refusal(const char *model_config, const weight *weights, size_t n_weights, const char *message,
                           const char *name)
{
    write_model(model_config, weights, n_weights);
    amass_status status = {0};
    amass_nn_graph *graph = import(NULL, 0, &status);
    if (!ok(!graph && status.code != AMASS_OK && strstr(status.message, message), name))
        printf("#   message: %s\n#   want: %s\n", status.message, message);
    amass_nn_graph_free(graph);
}

static void test_bad_input(void)
{
    float kernel[24 * 4] = {0}, bias[3] = {0};
    expect_refusal(single("[null,4,4,3]", "Conv3D", "\"filters\":2"), NULL, 0,
                   "layer 'l': unsupported layer class 'Conv3D'", "an unknown layer class is refused by name");
    expect_refusal(single("[null,4]", "Dense", "\"units\":3"), NULL, 0,
                   "weight 'l/kernel' [4,3] is missing from the weightsManifest", "a missing weight is named");
    weight wrong[] = {{"l/kernel", 2, {4, 4}, kernel}, {"l/bias", 1, {3}, bias}};
    expect_refusal(single("[null,4]", "Dense", "\"units\":3"), wrong, 2,
                   "weight 'l/kernel' has shape [4,4], the layer needs [4,3]", "a weight of the wrong shape is refused");
    weight conv_wrong[] = {{"l/kernel", 4, {3, 3, 2, 2}, kernel}};
    expect_refusal(single("[null,4,4,3]", "Conv2D", "\"filters\":2,\"kernel_size\":3,\"use_bias\":false"), conv_wrong, 1,
                   "has shape [3,3,2,2], the layer needs [3,3,3,2]", "a conv kernel for other channels is refused");

    char layers[4096], a[512], l1[512], l2[512];
    /* Flatten gives 2*3*4 = 24; the Dense kernel was made for 20 */
    weight dense20[] = {{"dense/kernel", 2, {20, 3}, kernel}, {"dense/bias", 1, {3}, bias}};
    snprintf(layers, sizeof layers, "%s,%s,%s", input_layer(a, sizeof a, "in", "[null,2,3,4]"),
             layer(l1, sizeof l1, "flatten", "Flatten", "", "in"),
             layer(l2, sizeof l2, "dense", "Dense", "\"units\":3", "flatten"));
    expect_refusal(functional(layers, "[[\"in\",0,0]]", "[[\"dense\",0,0]]"), dense20, 2,
                   "layer 'dense' (Dense): weight 'dense/kernel' has shape [20,3], the layer needs [24,3]",
                   "a Dense after Flatten of another size is refused");

    snprintf(layers, sizeof layers, "%s,%s", input_layer(a, sizeof a, "in", "[null,4]"),
             layer(l1, sizeof l1, "act", "Activation", "\"activation\":\"relu\"", "ghost"));
    expect_refusal(functional(layers, "[[\"in\",0,0]]", "[[\"act\",0,0]]"), NULL, 0,
                   "layer 'act': inbound node 0 names a missing layer 'ghost'",
                   "an inbound node naming a missing layer is refused");

    snprintf(layers, sizeof layers, "%s,%s,%s", input_layer(a, sizeof a, "in", "[null,4]"),
             layer(l1, sizeof l1, "one", "Add", "", "in,two"), layer(l2, sizeof l2, "two", "Activation", "", "one"));
    expect_refusal(functional(layers, "[[\"in\",0,0]]", "[[\"two\",0,0]]"), NULL, 0, "through a cycle",
                   "layers feeding each other in a cycle are refused");

    expect_refusal(single("[null,4,4,3]", "Conv2D", "\"filters\":2,\"kernel_size\":\"3x3\""), NULL, 0,
                   "config \"kernel_size\" is not an integer or a pair of them", "a malformed config field is named");
    expect_refusal(single("[null,4,4,3]", "MaxPooling2D", "\"pool_size\":2,\"padding\":\"causal\""), NULL, 0,
                   "padding 'causal' is not supported", "an unsupported padding is refused");
    expect_refusal(single("[null,4]", "ReLU", "\"threshold\":0.5"), NULL, 0, "threshold 0.5 is not supported",
                   "a ReLU threshold is refused rather than run approximately");
    expect_refusal(single("[null,4]", "Activation", "\"activation\":\"gelu_fancy\""), NULL, 0,
                   "activation 'gelu_fancy' is not supported", "an unknown activation is named");
    expect_refusal(single("[null,null,null,3]", "Activation", "\"activation\":\"relu\""), NULL, 0,
                   "dimension 1 of the input is not fixed; only the batch may vary",
                   "a free image size without input_dims is refused");
    expect_refusal(single("[null,4,4,3]", "MaxPooling2D", "\"pool_size\":5"), NULL, 0,
                   "the 5-pixel window is larger than the 4-pixel input", "a valid window larger than the input is refused");
    expect_refusal(single("[null,4,4,3]", "Conv2D", "\"filters\":4,\"kernel_size\":1,\"groups\":2"), NULL, 0,
                   "4 filters in 2 groups do not divide 3 channels", "groups that do not divide the channels are refused");
    expect_refusal("{\"class_name\":\"Bogus\",\"config\":{}}", NULL, 0, "model class 'Bogus' is not supported",
                   "an unknown model class is refused");
    snprintf(layers, sizeof layers, "%s", input_layer(a, sizeof a, "in", "[null,4]"));
    expect_refusal(functional(layers, "[[\"in\",0,0]]", "[[\"in\",0,0]]"), NULL, 0, "is the model's input",
                   "a model whose output is its input is refused");
    expect_refusal(single("[null,4]", "Concatenate", "\"axis\":0"), NULL, 0, "axis 0 out of range",
                   "Concatenate along the batch is refused");
}

/* input_dims fix a free image size. */
static void test_input_dims(void)
{
    write_model(single("[null,null,null,3]", "GlobalAveragePooling2D", ""), NULL, 0);
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", directory);
    amass_status status = {0};
    amass_tfjs_model *model = NULL;
    amass_nn_graph *graph = NULL;
    static const int64_t dims[4] = {1, 5, 7, 3}, wrong[3] = {1, 5, 7};
    ok(amass_tfjs_open(path, &model, &status) == AMASS_OK &&
           amass_tfjs_import_outputs(model, dims, 4, NULL, 0, &graph, &status) == AMASS_OK,
       "input_dims fix a free height and width");
    amass_nn_tensor_type type;
    ok(graph && amass_nn_graph_input_type(graph, 0, &type) == AMASS_OK && type.dims[1] == 5 && type.dims[2] == 7 &&
           type.dims[0] == AMASS_NN_DYNAMIC,
       "the input is [N,5,7,3]");
    amass_nn_graph_free(graph);
    graph = NULL;
    ok(model && amass_tfjs_import_outputs(model, wrong, 3, NULL, 0, &graph, &status) != AMASS_OK && !graph &&
           strstr(status.message, "the input has rank 4, not 3"),
       "input_dims of the wrong rank are refused");
    amass_tfjs_close(model);
}

int main(void)
{
    snprintf(directory, sizeof directory, "/tmp/amass-tfjs-layers-XXXXXX");
    if (!mkdtemp(directory)) {
        printf("Bail out! cannot make a temporary directory\n");
        return 1;
    }
    test_conv();
    test_depthwise_separable();
    test_pools_and_margins();
    test_merges();
    test_norm_dense();
    test_activations();
    test_shapes();
    test_shared_layer();
    test_bad_input();
    test_input_dims();
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", directory);
    unlink(path);
    snprintf(path, sizeof path, "%s/w.bin", directory);
    unlink(path);
    rmdir(directory);
    return done_testing();
}
