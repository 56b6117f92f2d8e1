/* Parity with ONNX Runtime of the Transformer-encoder ops and of a small
 * BERT-like encoder (opset 13 and 17), on the fixtures
 * tests/parity/onnx/make-math-fixtures wrote. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "nn/nn.h"
#include "../unit/tap.h"
#include "fixtures.h"

#define MAX_INPUTS 2

/* The count float32 values of a fixture file, in a new array. */
static float *load_floats(const char *file, size_t count)
{
    float *values = calloc(count ? count : 1, sizeof *values);
    if (values && !read_floats(fixture(file, ""), values, count)) {
        free(values);
        values = NULL;
    }
    return values;
}

/* Each block of group columns of the last axis (the whole last axis when
 * group is 0) has its own scale, so a branch of small values concatenated
 * beside large ones is held to its own: max |amass - ort| within 1e-4 of
 * max |ort| per block, and no NaN anywhere. */
static double worst_block_error(const float *output, const float *reference, size_t count, size_t last, size_t group,
                                int *finite)
{
    double worst = 0;
    group = group ? group : last;
    for (size_t first = 0; first < last; first += group) {
        double max_error = 0, max_reference = 0;
        for (size_t i = 0; i < count; i++) {
            size_t column = i % last;
            if (column < first || column >= first + group)
                continue;
            *finite &= isfinite(output[i]) != 0;
            max_error = fmax(max_error, fabs((double)output[i] - reference[i]));
            max_reference = fmax(max_reference, fabs((double)reference[i]));
        }
        worst = fmax(worst, max_reference > 0 ? max_error / max_reference : max_error > 0 ? INFINITY : 0);
    }
    return worst;
}

static void check_case(const amass_nn_graph *graph, amass_nn_session *session, const char *name, int64_t batch,
                       size_t group)
{
    amass_status status = {0};
    size_t n_inputs = amass_nn_graph_input_count(graph);
    float *inputs[MAX_INPUTS] = {NULL, NULL};
    float *output = NULL, *reference = NULL;
    char label[256], file[256];
    int ready = n_inputs <= MAX_INPUTS;
    for (size_t i = 0; i < n_inputs && ready; i++) {
        amass_nn_tensor_type type;
        amass_nn_graph_input_type(graph, i, &type);
        type.dims[0] = batch;
        snprintf(file, sizeof file, "%s.b%lld.in%zu.f32", name, (long long)batch, i);
        ready = (inputs[i] = load_floats(file, amass_nn_type_count(&type))) != NULL;
    }
    amass_nn_tensor_type out_type;
    snprintf(label, sizeof label, "%s batch %lld: inputs read, output typed", name, (long long)batch);
    ready = ready && amass_nn_session_output_type(session, batch, 0, &out_type, &status) == AMASS_OK;
    size_t count = ready ? amass_nn_type_count(&out_type) : 0;
    snprintf(file, sizeof file, "%s.b%lld.ort.f32", name, (long long)batch);
    ready = ready && (reference = load_floats(file, count)) != NULL && (output = calloc(count, sizeof *output));
    if (ok(ready, label)) {
        snprintf(label, sizeof label, "%s batch %lld runs", name, (long long)batch);
        if (ok(amass_nn_session_run(session, batch, (const float *const *)inputs, &output, &status) == AMASS_OK,
               label)) {
            int finite = 1;
            double max_error = 0, max_reference = 0;
            for (size_t i = 0; i < count; i++) {
                max_error = fmax(max_error, fabs((double)output[i] - reference[i]));
                max_reference = fmax(max_reference, fabs((double)reference[i]));
            }
            double worst = worst_block_error(output, reference, count, (size_t)out_type.dims[out_type.rank - 1],
                                             group, &finite);
            printf("# %s batch %lld: max |amass - ort| = %.3g, max |ort| = %.3g; worst block relative %.3g\n",
                   name, (long long)batch, max_error, max_reference, worst);
            snprintf(label, sizeof label, "%s batch %lld within 1e-4 of ONNX Runtime", name, (long long)batch);
            ok(finite && worst <= 1e-4, label);
        } else {
            printf("# %s\n", status.message);
        }
    } else if (status.message[0]) {
        printf("# %s\n", status.message);
    }
    for (size_t i = 0; i < MAX_INPUTS; i++)
        free(inputs[i]);
    free(output);
    free(reference);
}

/* group: width of the blocks of the last axis checked apart (0: all). */
static void check_model(const char *name, size_t group)
{
    amass_status status = {0};
    char label[256];
    amass_nn_graph *graph = load_model(name);
    if (!graph)
        return;
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    snprintf(label, sizeof label, "%s: session opens", name);
    if (ok(session != NULL, label)) {
        check_case(graph, session, name, 1, group);
        check_case(graph, session, name, 3, group);
        amass_nn_session_close(session);
    } else {
        printf("# %s\n", status.message);
    }
    amass_nn_graph_free(graph);
}

/* The decomposed LayerNorm and the Erf GELU leave no trace: one
 * LayerNormalization per norm, GELU folded into the FFN's MatMul. */
static void check_fusions(void)
{
    static const char *const names[] = {"encoder-opset13", "encoder-opset17"};
    for (size_t m = 0; m < 2; m++) {
        char label[256];
        amass_nn_graph *graph = load_model(names[m]);
        if (!graph)
            continue;
        snprintf(label, sizeof label, "%s: four LayerNormalization nodes (two per block)", names[m]);
        ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_LAYER_NORMALIZATION) == 4, label);
        snprintf(label, sizeof label, "%s: no Erf, ReduceMean, Pow, Sqrt left", names[m]);
        ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_ERF) == 0 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_REDUCE_MEAN) == 0 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_POW) == 0 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_SQRT) == 0,
           label);
        snprintf(label, sizeof label, "%s: GELU is a MatMul post-op (no Gelu node left)", names[m]);
        ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_GELU) == 0, label);
        printf("# %s: %zu nodes after prepare (%zu MatMul)\n", names[m], amass_nn_graph_node_count(graph),
               amass_nn_graph_count_op(graph, AMASS_NN_OP_MATMUL));
        amass_nn_graph_free(graph);
    }
    amass_nn_graph *graph = load_model("math-ops");
    if (graph)
        ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_GELU) == 2 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_ERF) == 0 &&
               amass_nn_graph_count_op(graph, AMASS_NN_OP_TANH) == 0,
           "math-ops: the Erf and the tanh GELU become one Gelu node each");
    amass_nn_graph_free(graph);
}

/* ConstantOfShape keeps its fill in a tensor attribute; anything else is
 * refused by node. */
static void check_bad_constant_of_shape(void)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    char want[4096 + 128];
    const char *path = fixture("constant-of-shape-bad", ".onnx");
    snprintf(want, sizeof want,
             "%s: node 'fill0' (ConstantOfShape): needs one input, one output and at most a 'value' tensor", path);
    ok(amass_formats_load_onnx(path, &graph, &status) != AMASS_OK, "ConstantOfShape with a float 'value' is refused");
    is_str(status.message, want, "naming the node and what it needs");
    amass_nn_graph_free(graph);
}

int main(void)
{
    amass_nn_set_threads(2);
    check_model("math-ops", 6); /* one branch per 6 columns, then the reductions */
    check_model("math-gather", 6);
    check_model("encoder-opset13", 0);
    check_model("encoder-opset17", 0);
    check_fusions();
    check_bad_constant_of_shape();
    return done_testing();
}
