/* The TF.js reader and graph-model importer on small model.json files the
 * test writes itself: every weight dtype and quantisation, groups split
 * over shards, the import of convolutions (SAME padding's extra pixel at
 * the end, bias and activation fused), reductions and layout changes
 * checked against direct computations; and hostile files: truncated,
 * oversized and missing shards, bad JSON, non-UTF-8, huge and overflowing
 * shapes, paths out of the model's directory, unknown ops and attributes
 * of the wrong type, each refused with a message naming the file. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/tfjs.h"
#include "nn/nn.h"
#include "tap.h"

static char directory[64] = "/tmp/amass-tfjs-XXXXXX";
static char model_path[128];

static void write_bytes(const char *name, const void *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
}

static void write_model(const char *json)
{
    write_bytes("model.json", json, strlen(json));
}

static void remove_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    unlink(path);
}

/* Opens model.json expecting failure; checks the message names the file
 * and holds needle. */
static void refused(const char *json, const char *needle, const char *name)
{
    amass_tfjs_model *model = (amass_tfjs_model *)1;
    amass_status status;
    amass_status_clear(&status);
    write_model(json);
    int result = amass_tfjs_open(model_path, &model, &status);
    int named = !strncmp(status.message, model_path, strlen(model_path));
    if (!ok(result != AMASS_OK && !model && named && strstr(status.message, needle), name))
        printf("#   message: %s\n", status.message);
}

/* Imports model.json expecting failure with needle in the message. */
static void import_refused(const char *json, const char *needle, const char *name)
{
    amass_nn_graph *graph = NULL;
    amass_status status;
    amass_status_clear(&status);
    write_model(json);
    int result = amass_formats_load_tfjs(model_path, NULL, 0, &graph, &status);
    int named = !strncmp(status.message, model_path, strlen(model_path));
    if (!ok(result != AMASS_OK && !graph && named && strstr(status.message, needle), name))
        printf("#   message: %s\n", status.message);
    amass_nn_graph_free(graph);
}

static uint16_t float_to_half(float value)
{
    /* exact for the values used here (normal halves, zero, 2^-24, inf) */
    if (value == 0)
        return 0;
    if (isinf(value))
        return value > 0 ? 0x7c00 : 0xfc00;
    uint16_t sign = value < 0 ? 0x8000 : 0;
    value = fabsf(value);
    int exponent;
    float mantissa = frexpf(value, &exponent); /* value = mantissa * 2^exponent, mantissa in [0.5, 1) */
    if (exponent - 1 < -14)
        return sign | (uint16_t)lroundf(value * 16777216.0f);
    return sign | (uint16_t)((exponent - 1 + 15) << 10) | (uint16_t)lroundf((mantissa * 2 - 1) * 1024);
}

static void test_weights(void)
{
    /* group 0: a float32 [2, 3] and an int32 [2] over two shards (the
     * first weight crosses the boundary); group 1: bool, float16, uint8,
     * uint16 and uint8-quantised int32 in one shard */
    float floats[6] = {1.5f, -2.25f, 3, 0.125f, -1e20f, 7};
    int32_t ints[2] = {-7, 1 << 30};
    unsigned char group0[32];
    memcpy(group0, floats, 24);
    memcpy(group0 + 24, ints, 8);
    write_bytes("g0-1", group0, 10);
    write_bytes("g0-2", group0 + 10, 22);
    float halves[4] = {1, -2.5f, 5.9604645e-8f, INFINITY};
    unsigned char group1[64];
    size_t at = 0;
    group1[at++] = 1;
    group1[at++] = 0;
    group1[at++] = 7; /* bool: any nonzero byte is true */
    for (int i = 0; i < 4; i++) {
        uint16_t h = float_to_half(halves[i]);
        group1[at++] = (unsigned char)(h & 0xff);
        group1[at++] = (unsigned char)(h >> 8);
    }
    group1[at++] = 0;
    group1[at++] = 255; /* uint8 */
    group1[at++] = 0x10;
    group1[at++] = 0x27; /* uint16 10000 */
    group1[at++] = 3;    /* uint8 int32 */
    write_bytes("g1", group1, at);
    write_model("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": []}, \"weightsManifest\": ["
                "{\"paths\": [\"g0-1\", \"g0-2\"], \"weights\": ["
                "{\"name\": \"f\", \"shape\": [2, 3], \"dtype\": \"float32\"},"
                "{\"name\": \"i\", \"shape\": [2], \"dtype\": \"int32\"}]},"
                "{\"paths\": [\"g1\"], \"weights\": ["
                "{\"name\": \"b\", \"shape\": [3], \"dtype\": \"bool\"},"
                "{\"name\": \"h\", \"shape\": [2, 2], \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"float16\"}},"
                "{\"name\": \"q8\", \"shape\": [2], \"dtype\": \"float32\","
                " \"quantization\": {\"dtype\": \"uint8\", \"min\": -1, \"scale\": 0.5}},"
                "{\"name\": \"q16\", \"shape\": [], \"dtype\": \"float32\","
                " \"quantization\": {\"dtype\": \"uint16\", \"min\": 0.25, \"scale\": 0.001}},"
                "{\"name\": \"qi\", \"shape\": [1], \"dtype\": \"int32\","
                " \"quantization\": {\"dtype\": \"uint8\", \"min\": 0, \"scale\": 0.9}}]}]}");
    amass_tfjs_model *model;
    amass_status status;
    amass_status_clear(&status);
    if (!ok(amass_tfjs_open(model_path, &model, &status) == AMASS_OK, "a model of every dtype opens")) {
        printf("#   %s\n", status.message);
        return;
    }
    is_int(amass_tfjs_format_of(model), AMASS_TFJS_GRAPH_MODEL, "format graph-model");
    is_int(amass_tfjs_weight_count(model), 7, "seven weights");
    const amass_tfjs_weight *f = amass_tfjs_weight_find(model, "f");
    ok(f && f->rank == 2 && f->dims[1] == 3 && f->n_elements == 6 && !memcmp(f->data, floats, 24),
       "float32 read across two shards");
    const amass_tfjs_weight *i = amass_tfjs_weight_find(model, "i");
    ok(i && i->dtype == AMASS_NN_INT32 && !memcmp(i->data, ints, 8), "int32 after it, in the second shard");
    const amass_tfjs_weight *b = amass_tfjs_weight_find(model, "b");
    const unsigned char *bools = b ? b->data : NULL;
    ok(b && b->dtype == AMASS_NN_BOOL && bools[0] == 1 && bools[1] == 0 && bools[2] == 1, "bool, nonzero as 1");
    const amass_tfjs_weight *h = amass_tfjs_weight_find(model, "h");
    const float *hv = h ? h->data : NULL;
    ok(h && h->dtype == AMASS_NN_FLOAT32 && hv[0] == 1 && hv[1] == -2.5f && hv[2] == ldexpf(1, -24) && isinf(hv[3]),
       "float16 to float32, subnormal and infinity included");
    const amass_tfjs_weight *q8 = amass_tfjs_weight_find(model, "q8");
    ok(q8 && ((const float *)q8->data)[0] == -1 && ((const float *)q8->data)[1] == 126.5f,
       "uint8: q * scale + min");
    const amass_tfjs_weight *q16 = amass_tfjs_weight_find(model, "q16");
    ok(q16 && q16->rank == 0 && fabsf(((const float *)q16->data)[0] - 10.25f) < 1e-5f, "uint16 scalar");
    const amass_tfjs_weight *qi = amass_tfjs_weight_find(model, "qi");
    ok(qi && qi->dtype == AMASS_NN_INT32 && ((const int32_t *)qi->data)[0] == 3, "quantised int32 rounds (2.7 -> 3)");
    ok(amass_tfjs_weight_find(model, "nothing") == NULL && amass_tfjs_weight_at(model, 7) == NULL,
       "unknown names and indices give NULL");
    amass_tfjs_close(model);
    amass_tfjs_close(NULL);
}

static void test_formats(void)
{
    amass_tfjs_model *model;
    amass_status status;
    write_model("{\"modelTopology\": {\"node\": [{\"name\": \"x\", \"op\": \"Placeholder\"}]}}");
    ok(amass_tfjs_open(model_path, &model, &status) == AMASS_OK &&
           amass_tfjs_format_of(model) == AMASS_TFJS_GRAPH_MODEL && amass_tfjs_signature(model) == NULL,
       "no format and a node list: a graph model");
    amass_tfjs_close(model);
    write_model("{\"modelTopology\": {\"model_config\": {\"class_name\": \"Sequential\"}}, \"weightsManifest\": []}");
    ok(amass_tfjs_open(model_path, &model, &status) == AMASS_OK &&
           amass_tfjs_format_of(model) == AMASS_TFJS_LAYERS_MODEL && amass_tfjs_topology(model) != NULL,
       "no format and model_config: a layers model");
    amass_tfjs_close(model);
}

static void test_hostile(void)
{
    unsigned char bytes[16] = {0};
    write_bytes("w.bin", bytes, 16);
    const char *head = "{\"format\": \"graph-model\", \"modelTopology\": {\"node\": []}, \"weightsManifest\": [";
    char json[2048];
#define MANIFEST(paths, weights) (snprintf(json, sizeof json, "%s{\"paths\": %s, \"weights\": [%s]}]}", head, paths, weights), json)
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [5], \"dtype\": \"float32\"}"),
            "the shards hold 16 bytes, the weights need 20", "shards shorter than the weights are refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [3], \"dtype\": \"float32\"}"),
            "holds more bytes", "extra bytes in a shard are refused");
    write_bytes("short.bin", bytes, 7);
    refused(MANIFEST("[\"short.bin\"]", "{\"name\": \"a\", \"shape\": [2], \"dtype\": \"float32\"}"),
            "truncated or missing", "a truncated shard is refused");
    refused(MANIFEST("[\"w.bin\", \"gone.bin\"]", "{\"name\": \"a\", \"shape\": [8], \"dtype\": \"float32\"}"),
            "gone.bin", "a missing shard is named");
    refused(MANIFEST("[\"../w.bin\"]", "{\"name\": \"a\", \"shape\": [4], \"dtype\": \"float32\"}"),
            "outside the model's directory", "a shard path climbing out is refused");
    refused(MANIFEST("[\"/etc/passwd\"]", "{\"name\": \"a\", \"shape\": [4], \"dtype\": \"float32\"}"),
            "outside the model's directory", "an absolute shard path is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [4], \"dtype\": \"string\"}"),
            "weight 'a': dtype string is not supported", "string weights are refused by name");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [2], \"dtype\": \"complex64\"}"),
            "complex64 is not supported", "complex weights are refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [1e30], \"dtype\": \"float32\"}"),
            "weight 'a': dimension 0 is not a count", "a non-integer dimension is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [-4], \"dtype\": \"float32\"}"),
            "not a count", "a negative dimension is refused");
    refused(MANIFEST("[\"w.bin\"]",
                     "{\"name\": \"a\", \"shape\": [4294967296, 4294967296, 4294967296], \"dtype\": \"float32\"}"),
            "shape too large", "a shape whose size overflows is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [1,1,1,1,1,1,1,1,1], \"dtype\": \"float32\"}"),
            "rank 9", "rank 9 is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [2], \"dtype\": \"float32\"},"
                                    "{\"name\": \"a\", \"shape\": [2], \"dtype\": \"float32\"}"),
            "listed twice", "duplicate weight names are refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [16], \"dtype\": \"float32\","
                                    " \"quantization\": {\"dtype\": \"uint8\", \"min\": 0}}"),
            "needs numbers 'min' and 'scale'", "uint8 quantisation without a scale is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": \"a\", \"shape\": [16], \"dtype\": \"float32\","
                                    " \"quantization\": {\"dtype\": \"int4\", \"min\": 0, \"scale\": 1}}"),
            "unknown quantisation dtype 'int4'", "an unknown quantisation is refused");
    refused(MANIFEST("[\"w.bin\"]", "{\"name\": 5, \"shape\": [4], \"dtype\": \"float32\"}"),
            "needs a string 'name'", "a weight without a name is refused");
#undef MANIFEST
    refused("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": [}", "invalid JSON at line 1",
            "invalid JSON is refused with its position");
    refused("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": []}, \"x\": \"\xff\xfe\"}", "invalid JSON",
            "non-UTF-8 text is refused");
    refused("[1, 2]", "not a JSON object", "a JSON array is not a model");
    refused("{\"format\": \"saved-model\", \"modelTopology\": {}}", "unknown format 'saved-model'",
            "an unknown format is refused");
    refused("{\"format\": \"graph-model\", \"modelTopology\": {\"model_config\": {}}}", "needs a 'node' array",
            "a graph model without nodes is refused");
    refused("{\"weightsManifest\": []}", "no 'modelTopology'", "a JSON file that is no model is refused");
    amass_tfjs_model *model = (amass_tfjs_model *)1;
    amass_status status;
    remove_file("model.json");
    ok(amass_tfjs_open(model_path, &model, &status) == AMASS_ERR_IO && !model &&
           strstr(status.message, "cannot open"),
       "a missing model.json is an I/O error");
}

/* ---- import ------------------------------------------------------------ */

/* The kernel of the conv test: [3, 3, 2, 3] HWIO, values from a formula. */
static float kernel_value(int y, int x, int i, int o)
{
    return (float)((y * 3 + x) * 6 + i * 3 + o) * 0.01f - 0.2f;
}

/* Writes model.json for Placeholder [1, 4, 4, 2] -> (op) -> Relu, with
 * the kernel, bias and a Mean's axes in one shard. */
static void write_conv_model(const char *padding, int stride, const char *extra_node)
{
    float weights[3 * 3 * 2 * 3 + 3];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            for (int i = 0; i < 2; i++)
                for (int o = 0; o < 3; o++)
                    weights[((y * 3 + x) * 2 + i) * 3 + o] = kernel_value(y, x, i, o);
    weights[54] = 0.5f;
    weights[55] = -0.25f;
    weights[56] = 0;
    int32_t axes[2] = {1, 2};
    unsigned char shard[sizeof weights + sizeof axes];
    memcpy(shard, weights, sizeof weights);
    memcpy(shard + sizeof weights, axes, sizeof axes);
    write_bytes("conv.bin", shard, sizeof shard);
    char json[4096];
    snprintf(json, sizeof json,
             "{\"format\": \"graph-model\", \"modelTopology\": {\"node\": ["
             "{\"name\": \"k\", \"op\": \"Const\"}, {\"name\": \"bias\", \"op\": \"Const\"},"
             "{\"name\": \"axes\", \"op\": \"Const\"},"
             "{\"name\": \"image\", \"op\": \"Placeholder\", \"attr\": {\"dtype\": {\"type\": \"DT_FLOAT\"},"
             " \"shape\": {\"shape\": {\"dim\": [{\"size\": \"-1\"}, {\"size\": \"4\"}, {\"size\": \"4\"},"
             " {\"size\": \"2\"}]}}}},"
             "{\"name\": \"conv\", \"op\": \"Conv2D\", \"input\": [\"image\", \"k\"], \"attr\": {"
             " \"T\": {\"type\": \"DT_FLOAT\"}, \"strides\": {\"list\": {\"i\": [\"1\", \"%d\", \"%d\", \"1\"]}},"
             " \"padding\": {\"s\": \"%s\"}, \"data_format\": {\"s\": \"TkhXQw==\"}}},"
             "{\"name\": \"biased\", \"op\": \"BiasAdd\", \"input\": [\"conv\", \"bias\"]},"
             "{\"name\": \"relu\", \"op\": \"Relu\", \"input\": [\"biased\"]}%s]},"
             "\"weightsManifest\": [{\"paths\": [\"conv.bin\"], \"weights\": ["
             "{\"name\": \"k\", \"shape\": [3, 3, 2, 3], \"dtype\": \"float32\"},"
             "{\"name\": \"bias\", \"shape\": [3], \"dtype\": \"float32\"},"
             "{\"name\": \"axes\", \"shape\": [2], \"dtype\": \"int32\"}]}]}",
             stride, stride, padding, extra_node);
    write_model(json);
}

static float input_value(int y, int x, int c)
{
    return (float)((y * 4 + x) * 2 + c) * 0.1f - 1.0f;
}

/* Relu(conv + bias) at output (y, x, o), TF SAME padding with the extra
 * pixel at the end (pad_begin given). */
static float reference_conv(int y, int x, int o, int stride, int pad_begin)
{
    static const float bias[3] = {0.5f, -0.25f, 0};
    float sum = bias[o];
    for (int ky = 0; ky < 3; ky++)
        for (int kx = 0; kx < 3; kx++)
            for (int i = 0; i < 2; i++) {
                int iy = y * stride + ky - pad_begin, ix = x * stride + kx - pad_begin;
                if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
                    sum += input_value(iy, ix, i) * kernel_value(ky, kx, i, o);
            }
    return sum > 0 ? sum : 0;
}

/* Runs the model at batch 1 on the test image; the output count. */
static size_t run(amass_nn_graph *graph, size_t output, float *out, size_t capacity)
{
    float input[32];
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 2; c++)
                input[(y * 4 + x) * 2 + c] = input_value(y, x, c);
    amass_status status;
    amass_status_clear(&status);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    size_t n = amass_nn_graph_output_count(graph);
    float *outputs[4] = {NULL, NULL, NULL, NULL};
    amass_nn_tensor_type type;
    size_t count = 0;
    for (size_t k = 0; session && k < n && k < 4; k++) {
        amass_nn_session_output_type(session, 1, k, &type, &status);
        outputs[k] = calloc(amass_nn_type_count(&type) + 1, sizeof **outputs);
        if (k == output)
            count = amass_nn_type_count(&type);
    }
    const float *inputs[1] = {input};
    if (!session || count > capacity || amass_nn_session_run(session, 1, inputs, outputs, &status) != AMASS_OK) {
        printf("#   run failed: %s\n", status.message);
        count = 0;
    } else {
        memcpy(out, outputs[output], count * sizeof *out);
    }
    for (size_t k = 0; k < 4; k++)
        free(outputs[k]);
    amass_nn_session_close(session);
    return count;
}

static void test_conv(const char *padding, int stride, int pad_begin, const char *name)
{
    write_conv_model(padding, stride, "");
    amass_nn_graph *graph = NULL;
    amass_status status;
    amass_status_clear(&status);
    char label[256];
    snprintf(label, sizeof label, "%s: imports", name);
    if (!ok(amass_formats_load_tfjs(model_path, NULL, 0, &graph, &status) == AMASS_OK, label)) {
        printf("#   %s\n", status.message);
        return;
    }
    amass_nn_tensor_type type;
    amass_nn_graph_input_type(graph, 0, &type);
    snprintf(label, sizeof label, "%s: the input keeps TF's NHWC shape with a free batch", name);
    ok(type.rank == 4 && type.dims[0] == AMASS_NN_DYNAMIC && type.dims[1] == 4 && type.dims[3] == 2, label);
    snprintf(label, sizeof label, "%s: bias and Relu fused into the Conv", name);
    ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_CONV) == 1 && amass_nn_graph_count_op(graph, AMASS_NN_OP_RELU) == 0 &&
           amass_nn_graph_count_op(graph, AMASS_NN_OP_ADD) == 0,
       label);
    float out[64];
    int size = stride == 1 ? 4 : 2;
    size_t count = run(graph, 0, out, 64);
    double worst = count == (size_t)(size * size * 3) ? 0 : 1;
    for (int y = 0; y < size && count; y++)
        for (int x = 0; x < size; x++)
            for (int o = 0; o < 3; o++)
                worst = fmax(worst, fabs(out[(y * size + x) * 3 + o] - reference_conv(y, x, o, stride, pad_begin)));
    snprintf(label, sizeof label, "%s: NHWC output equals a direct convolution", name);
    if (!ok(worst < 1e-5, label))
        printf("#   worst difference %g\n", worst);
    amass_nn_graph_free(graph);
}

static void test_mean_after_transpose(void)
{
    /* Relu -> Mean over H, W (TF axes 1, 2 while the engine holds NCHW) */
    write_conv_model("U0FNRQ==", 1, ",{\"name\": \"mean\", \"op\": \"Mean\", \"input\": [\"relu\", \"axes\"],"
                                    " \"attr\": {\"keep_dims\": {\"b\": false}}}");
    amass_nn_graph *graph = NULL;
    amass_status status;
    amass_status_clear(&status);
    if (!ok(amass_formats_load_tfjs(model_path, NULL, 0, &graph, &status) == AMASS_OK, "conv + Mean imports")) {
        printf("#   %s\n", status.message);
        return;
    }
    is_str(amass_nn_graph_output_name(graph, 0), "mean", "the output keeps TF's name");
    float out[8];
    size_t count = run(graph, 0, out, 8);
    int fine = count == 3;
    for (int o = 0; o < 3 && fine; o++) {
        double sum = 0;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                sum += reference_conv(y, x, o, 1, 1);
        fine = fabs(out[o] - sum / 16) < 1e-5;
    }
    ok(fine, "Mean over TF's spatial axes of an NCHW-held tensor");
    amass_nn_graph_free(graph);
}

/* model.json's text with the first `from` replaced by `to` (malloc'ed). */
static char *edited_model(const char *from, const char *to)
{
    char path[256];
    snprintf(path, sizeof path, "%s/model.json", directory);
    FILE *file = fopen(path, "rb");
    char *text = calloc(16384, 1), *edited = calloc(16384 + strlen(to), 1);
    if (file && text && edited && fread(text, 1, 16383, file) > 0) {
        char *at = strstr(text, from);
        if (at) {
            memcpy(edited, text, (size_t)(at - text));
            strcat(edited, to);
            strcat(edited, at + strlen(from));
        }
    }
    if (file)
        fclose(file);
    free(text);
    return edited;
}

static void test_load_model(void)
{
    write_conv_model("U0FNRQ==", 1, "");
    char *free_size = edited_model("{\"size\": \"4\"}, {\"size\": \"4\"}", "{\"size\": \"-1\"}, {\"size\": \"-1\"}");
    if (free_size)
        write_model(free_size);
    free(free_size);
    amass_nn_graph *graph = NULL;
    amass_status status;
    amass_status_clear(&status);
    int64_t dims[4] = {1, 8, 6, 2};
    amass_nn_tensor_type type;
    if (ok(amass_formats_load_model(model_path, dims, 4, &graph, &status) == AMASS_OK,
           "amass_formats_load_model reads a model.json, at the input size given"))
        ok(amass_nn_graph_input_type(graph, 0, &type) == AMASS_OK && type.dims[1] == 8 && type.dims[2] == 6,
           "the graph takes the size given for TF's free dimensions");
    else
        printf("#   %s\n", status.message);
    amass_nn_graph_free(graph);
    graph = NULL;
    ok(amass_formats_load_model(model_path, NULL, 0, &graph, &status) == AMASS_ERR_UNSUPPORTED && !graph &&
           strstr(status.message, "only the batch may vary"),
       "free spatial dimensions without a size are refused");
    int64_t wrong[3] = {1, 8, 8};
    ok(amass_formats_load_model(model_path, wrong, 3, &graph, &status) == AMASS_ERR_USAGE && !graph &&
           strstr(status.message, "has rank 4, not 3"),
       "an input size of the wrong rank is refused");
    char onnx[4096];
    const char *top = getenv("top_srcdir");
    snprintf(onnx, sizeof onnx, "%s/testdata/onnx/conv.onnx", top ? top : ".");
    if (ok(amass_formats_load_model(onnx, NULL, 0, &graph, &status) == AMASS_OK, "and an ONNX file by its content"))
        amass_nn_graph_free(graph);
    else
        printf("#   %s\n", status.message);
    write_bytes("empty.onnx", "", 0);
    char empty[256];
    snprintf(empty, sizeof empty, "%s/empty.onnx", directory);
    graph = NULL;
    ok(amass_formats_load_model(empty, NULL, 0, &graph, &status) == AMASS_ERR_INPUT && !graph &&
           strstr(status.message, "empty file"),
       "an empty file is no model");
}

static void test_import_refusals(void)
{
    const char *base = "{\"format\": \"graph-model\", \"modelTopology\": {\"node\": ["
                       "{\"name\": \"x\", \"op\": \"Placeholder\", \"attr\": {\"shape\": {\"shape\": {\"dim\": ["
                       "{\"size\": \"1\"}, {\"size\": \"2\"}]}}}},";
    char json[2048];
    snprintf(json, sizeof json, "%s{\"name\": \"weird\", \"op\": \"FooBar\", \"input\": [\"x\"]},"
                                "{\"name\": \"odd\", \"op\": \"BazQux\", \"input\": [\"weird\"]}]}}",
             base);
    import_refused(json, "node 'weird' (FooBar): the importer has no such operator (also missing: BazQux)",
                   "an unknown op is refused naming the node, the op and the others missing");
    snprintf(json, sizeof json, "%s{\"name\": \"r\", \"op\": \"Relu\", \"input\": [\"nowhere\"]}]}}", base);
    import_refused(json, "node 'r' (Relu): input 'nowhere' is not produced", "a dangling input is refused");
    snprintf(json, sizeof json, "%s{\"name\": \"c\", \"op\": \"Conv2D\", \"input\": [\"x\", \"x\"],"
                                " \"attr\": {\"padding\": {\"s\": \"U0FNRQ==\"}}}]}}",
             base);
    import_refused(json, "node 'c' (Conv2D): the kernel must be a float constant", "a run-time kernel is refused");
    write_conv_model("U0FNRQ==", 1, "");
    /* the same model with strides of the wrong type */
    char *text = NULL;
    {
        char path[256];
        snprintf(path, sizeof path, "%s/model.json", directory);
        FILE *file = fopen(path, "rb");
        text = calloc(8192, 1);
        if (file && text)
            (void)fread(text, 1, 8191, file);
        if (file)
            fclose(file);
    }
    char *strides = text ? strstr(text, "{\"list\": {\"i\": [\"1\", \"1\", \"1\", \"1\"]}}") : NULL;
    if (strides) {
        memcpy(strides, "{\"list\": {\"i\": [\"1\", \"x\", \"1\", \"1\"]}}", 37);
        import_refused(text, "node 'conv' (Conv2D): attribute 'strides' needs 4 values",
                       "strides that are not integers are refused");
        memcpy(strides, "{\"list\": {\"i\": [\"1\", \"1\", \"1\", \"1\"]}}", 37);
    }
    if (text && (strides = strstr(text, "\"padding\": {\"s\": \"U0FNRQ==\"}"))) {
        memcpy(strides, "\"padding\": {\"i\": \"12345678\"}", 28);
        import_refused(text, "attribute 'padding' missing or not a string", "a padding that is no string is refused");
    }
    free(text);
    import_refused("{\"format\": \"graph-model\", \"modelTopology\": {\"node\": []}}", "the graph has no outputs",
                   "an empty graph is refused");
    snprintf(json, sizeof json, "%s{\"name\": \"t\", \"op\": \"Transpose\", \"input\": [\"x\", \"x\"]}]}}", base);
    import_refused(json, "node 't' (Transpose): the permutation must be an integer constant",
                   "a run-time permutation is refused");
    snprintf(json, sizeof json, "%s{\"name\": \"y\", \"op\": \"Relu\", \"input\": [\"x\"]},"
                                "{\"name\": \"y\", \"op\": \"Relu\", \"input\": [\"x\"]}]}}", base);
    import_refused(json, "defined twice", "a node name used twice is refused");
}

int main(void)
{
    if (!mkdtemp(directory)) {
        printf("Bail out! mkdtemp failed\n");
        return 1;
    }
    snprintf(model_path, sizeof model_path, "%s/model.json", directory);
    test_weights();
    test_formats();
    test_hostile();
    /* 4x4 input, 3x3 kernel: SAME stride 1 pads 1 and 1; SAME stride 2
     * pads 0 before and 1 after (TF puts the odd pixel at the end) */
    test_conv("U0FNRQ==", 1, 1, "SAME stride 1");
    test_conv("U0FNRQ==", 2, 0, "SAME stride 2 (asymmetric)");
    test_mean_after_transpose();
    test_load_model();
    test_import_refusals();
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0)
        printf("# could not remove %s\n", directory);
    return done_testing();
}
