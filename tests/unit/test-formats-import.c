/* Tests of the ONNX importer on testdata/onnx models: what imports runs right, what cannot run is refused by name. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "nn/nn.h"
#include "tap.h"

static char model_path[4096];

static const char *testdata(const char *name)
{
    const char *top = getenv("top_srcdir");
    snprintf(model_path, sizeof model_path, "%s/testdata/onnx/%s", top ? top : ".", name);
    return model_path;
}

/* testdata/onnx/make-models' conv net, computed directly: Conv 3x3 pad 1
 * (weights (i - 54) / 100, bias), Relu, mean over 8x8, Gemm with transB. */
static void conv_net_reference(const float *image, float *logits)
{
    static const float conv_bias[4] = {0.1f, -0.2f, 0.3f, -0.4f}, fc_bias[2] = {0.5f, -0.5f};
    double pooled[4];
    for (int o = 0; o < 4; o++) {
        double total = 0;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) {
                double sum = conv_bias[o];
                for (int c = 0; c < 3; c++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y + ky - 1, ix = x + kx - 1;
                            if (iy < 0 || iy >= 8 || ix < 0 || ix >= 8)
                                continue;
                            double weight = (double)(float)((((o * 3 + c) * 3 + ky) * 3 + kx - 54) / 100.0);
                            sum += weight * image[(c * 8 + iy) * 8 + ix];
                        }
                total += sum > 0 ? sum : 0;
            }
        pooled[o] = total / 64;
    }
    for (int j = 0; j < 2; j++) {
        double sum = fc_bias[j];
        for (int o = 0; o < 4; o++)
            sum += (double)(float)((j * 4 + o - 4) / 8.0) * pooled[o];
        logits[j] = (float)sum;
    }
}

static void fill_image(float *image, size_t count, unsigned seed)
{
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        image[i] = (float)((seed >> 16) % 2001) / 1000.0f - 1.0f;
    }
}

/* Runs graph on batch images of 3x8x8 and checks each sample's logits. */
static void check_conv_net(amass_nn_graph *graph, int64_t batch, const char *what)
{
    amass_status status = {0};
    float images[4 * 192], logits[4 * 2], want[2];
    char label[256];
    fill_image(images, sizeof images / sizeof *images, 7);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    snprintf(label, sizeof label, "%s: session opens", what);
    if (!ok(session != NULL, label)) {
        printf("# %s\n", status.message);
        return;
    }
    const float *inputs[1] = {images};
    float *outputs[1] = {logits};
    snprintf(label, sizeof label, "%s: batch %lld runs", what, (long long)batch);
    if (ok(amass_nn_session_run(session, batch, inputs, outputs, &status) == AMASS_OK, label)) {
        for (int64_t sample = 0; sample < batch; sample++) {
            conv_net_reference(images + sample * 192, want);
            snprintf(label, sizeof label, "%s: sample %lld logit 0", what, (long long)sample);
            is_close(logits[sample * 2], want[0], 1e-5, label);
            snprintf(label, sizeof label, "%s: sample %lld logit 1", what, (long long)sample);
            is_close(logits[sample * 2 + 1], want[1], 1e-5, label);
        }
    } else {
        printf("# %s\n", status.message);
    }
    amass_nn_session_close(session);
}

static void test_conv_net(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    if (ok(amass_formats_load_onnx(testdata("conv.onnx"), &graph, &status) == AMASS_OK, "conv.onnx imports")) {
        amass_nn_tensor_type type;
        ok(amass_nn_graph_input_count(graph) == 1 && !strcmp(amass_nn_graph_input_name(graph, 0), "image") &&
               amass_nn_graph_output_count(graph) == 1 && !strcmp(amass_nn_graph_output_name(graph, 0), "logits"),
           "inputs and outputs keep the file's names");
        ok(amass_nn_graph_output_type(graph, 0, &type) == AMASS_OK && type.rank == 2 && type.dims[0] == 1 &&
               type.dims[1] == 2,
           "output 1x2");
        check_conv_net(graph, 1, "conv.onnx");
        amass_nn_graph_free(graph);
    } else {
        printf("# %s\n", status.message);
    }

    if (ok(amass_formats_load_onnx(testdata("dynamic-batch.onnx"), &graph, &status) == AMASS_OK,
           "dynamic-batch.onnx imports")) {
        amass_nn_tensor_type type;
        ok(amass_nn_graph_input_type(graph, 0, &type) == AMASS_OK && type.dims[0] == AMASS_NN_DYNAMIC,
           "symbolic batch becomes dynamic");
        check_conv_net(graph, 3, "dynamic-batch.onnx");
        amass_nn_graph_free(graph);
    } else {
        printf("# %s\n", status.message);
    }

    /* External data: the constants borrow the mapping of external.bin. */
    if (ok(amass_formats_load_onnx(testdata("external.onnx"), &graph, &status) == AMASS_OK, "external.onnx imports")) {
        check_conv_net(graph, 1, "external.onnx");
        amass_nn_graph_free(graph);
    } else {
        printf("# %s\n", status.message);
    }
}

/* The caller keeps the model: the graph borrows its tensors, and the
 * model stays usable after the graph is freed. */
static void test_caller_owned_model(void)
{
    amass_status status = {0};
    amass_onnx_model *model = NULL;
    amass_nn_graph *graph = NULL;
    if (!ok(amass_onnx_open(testdata("conv.onnx"), &model, &status) == AMASS_OK, "conv.onnx opens"))
        return;
    if (ok(amass_onnx_import(model, &graph, &status) == AMASS_OK, "import of an open model")) {
        check_conv_net(graph, 1, "imported from an open model");
        amass_nn_graph_free(graph);
    }
    ok(amass_onnx_import(model, &graph, &status) == AMASS_OK, "the same model imports twice");
    amass_nn_graph_free(graph);
    const amass_onnx_tensor *bias = amass_onnx_initializer_find(model, "conv.b");
    ok(bias && ((const float *)bias->data)[0] == 0.1f, "the model outlives its graphs");
    amass_onnx_close(model);
}

static const char *load_message(const char *path)
{
    static amass_status status;
    amass_nn_graph *graph = (amass_nn_graph *)&status; /* must come back NULL */
    memset(&status, 0, sizeof status);
    if (amass_formats_load_onnx(path, &graph, &status) == AMASS_OK || graph != NULL) {
        amass_nn_graph_free(graph);
        return "(loaded)";
    }
    return status.message;
}

/* Fixing input dimensions: matching ones are accepted, others refused. */
static void test_sized(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    const int64_t same[4] = {0, 3, 8, 8}, other[4] = {0, 3, 9, 8}, rank3[3] = {0, 3, 8};
    if (ok(amass_formats_load_onnx_sized(testdata("dynamic-batch.onnx"), same, 4, &graph, &status) == AMASS_OK,
           "the file's own dimensions accepted")) {
        check_conv_net(graph, 2, "sized dynamic-batch.onnx");
        amass_nn_graph_free(graph);
    }
    char want[2048];
    snprintf(want, sizeof want, "%s: graph input 'image': dimension 2 is 8, not 9", testdata("dynamic-batch.onnx"));
    ok(amass_formats_load_onnx_sized(model_path, other, 4, &graph, &status) != AMASS_OK && graph == NULL,
       "a fixed dimension cannot be changed");
    is_str(status.message, want, "message names input, dimension and both sizes");
    snprintf(want, sizeof want, "%s: graph input 'image' has rank 4, not 3", testdata("dynamic-batch.onnx"));
    ok(amass_formats_load_onnx_sized(model_path, rank3, 3, &graph, &status) != AMASS_OK, "rank mismatch refused");
    is_str(status.message, want, "rank mismatch message");
}

/* Opset 9 is read; its Relu runs. */
static void test_opset9(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    if (!ok(amass_formats_load_onnx(testdata("opset9.onnx"), &graph, &status) == AMASS_OK, "opset9.onnx imports")) {
        printf("# %s\n", status.message);
        return;
    }
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    float in[2] = {-1.5f, 2.5f}, out[2] = {9, 9};
    const float *inputs[1] = {in};
    float *outputs[1] = {out};
    ok(session && amass_nn_session_run(session, 2, inputs, outputs, &status) == AMASS_OK && out[0] == 0 &&
           out[1] == 2.5f,
       "opset 9 Relu runs");
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
}

static void test_refused_models(void)
{
    char want[4096 + 256];
    snprintf(want, sizeof want, "%s: node 'branch' (If): subgraph attributes are not supported (attribute 'else_branch')",
             testdata("if-subgraph.onnx"));
    is_str(load_message(model_path), want, "If subgraph refused by node and op");
    snprintf(want, sizeof want, "%s: the graph has a cycle through node 'add_a' (Add)", testdata("cyclic.onnx"));
    is_str(load_message(model_path), want, "cycle refused by node and op");
    snprintf(want, sizeof want, "%s: node 'Conv_12' (Conv): input 'w' is produced by nothing", testdata("dangling.onnx"));
    is_str(load_message(model_path), want, "dangling input refused by node and op");
    snprintf(want, sizeof want, "%s: node 'tag' (Tag): operators of domain 'org.amass.test' are not supported",
             testdata("float-data.onnx"));
    is_str(load_message(model_path), want, "custom-domain op refused; unread DOUBLE and FLOAT16 initializers are not");

    const char *top = getenv("top_srcdir");
    snprintf(model_path, sizeof model_path, "%s/tests/parity/onnx/unsupported.onnx", top ? top : ".");
    snprintf(want, sizeof want, "%s: node 'hardmax0' (Hardmax): the engine has no such operator (also missing: LpNormalization)",
             model_path);
    is_str(load_message(model_path), want, "unsupported op refused by node and op, other missing ops listed once");
}

int main(void)
{
    test_conv_net();
    test_caller_owned_model();
    test_opset9();
    test_sized();
    test_refused_models();
    return done_testing();
}
