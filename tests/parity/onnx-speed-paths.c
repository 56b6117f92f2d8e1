/* Parity of the engine's speed paths with ONNX Runtime: HardSwish chains
 * fused into convolutions (f32, 1e-4) and bf16 compute (1e-2), on the
 * fixtures of tests/parity/onnx/make-fixtures and make-fixtures-fusion. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "nn/nn.h"
#include "../unit/tap.h"
#include "fixtures.h"

#define SAMPLE_FLOATS (3 * 32 * 32)
#define BATCH 2
#define MAX_CLASSES 16

/* max |a - b| over max |b| */
static double relative_error(const float *a, const float *b, size_t count)
{
    double error = 0, scale = 0;
    for (size_t i = 0; i < count; i++) {
        error = fmax(error, fabs((double)a[i] - b[i]));
        scale = fmax(scale, fabs((double)b[i]));
    }
    return scale > 0 ? error / scale : error;
}

/* Runs the batch through a session (bf16 or not) into output. */
static int run(amass_nn_graph *graph, int bf16, const float *input, float *output)
{
    amass_status status = {0};
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    int result = session ? AMASS_OK : status.code;
    if (session) {
        amass_nn_session_set_bf16(session, bf16);
        const float *inputs[1] = {input};
        float *outputs[1] = {output};
        result = amass_nn_session_run(session, BATCH, inputs, outputs, &status);
    }
    if (result != AMASS_OK)
        printf("# %s\n", status.message);
    amass_nn_session_close(session);
    return result;
}

static void check_fused_hard_swish(const float *input)
{
    float reference[BATCH * 5], output[BATCH * 5];
    amass_nn_graph *graph = load_model("hardswish-chains");
    if (!ok(read_floats(fixture("hardswish-chains", ".ort.f32"), reference, BATCH * 5), "hardswish-chains: reference read") ||
        !graph) {
        amass_nn_graph_free(graph);
        return;
    }
    /* Three chains and the scalar steps fused into their convolutions; the
     * Clip-to-5 look-alike keeps its Add, Clip, Mul and Div, the gate its
     * two Mul (a second linear step in one chain is not fused). */
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_CLIP), 1, "hardswish-chains: one Clip left (the look-alike)");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_ADD), 1, "hardswish-chains: one Add left");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_DIV), 1, "hardswish-chains: one Div left");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_MUL), 3, "hardswish-chains: three Mul left (look-alike, gate)");
    is_int(amass_nn_graph_count_op(graph, AMASS_NN_OP_SUB), 0, "hardswish-chains: no Sub left");
    if (ok(run(graph, 0, input, output) == AMASS_OK, "hardswish-chains runs")) {
        double error = relative_error(output, reference, BATCH * 5);
        printf("# hardswish-chains: relative error %.3g\n", error);
        ok(error <= 1e-4, "hardswish-chains within 1e-4 of ONNX Runtime");
    }
    amass_nn_graph_free(graph);
}

/* bf16 must change the numbers (it ran) and stay within 1e-2 of ONNX
 * Runtime's f32, with the same argmax per sample. */
static void check_bf16(const char *name, size_t classes, const float *input)
{
    float reference[BATCH * MAX_CLASSES], exact[BATCH * MAX_CLASSES], rounded[BATCH * MAX_CLASSES];
    char label[256];
    amass_nn_graph *graph = load_model(name);
    snprintf(label, sizeof label, "%s: reference read", name);
    if (!ok(read_floats(fixture(name, ".ort.f32"), reference, BATCH * classes), label) || !graph) {
        amass_nn_graph_free(graph);
        return;
    }
    snprintf(label, sizeof label, "%s runs in f32 and bf16", name);
    if (ok(run(graph, 0, input, exact) == AMASS_OK && run(graph, 1, input, rounded) == AMASS_OK, label)) {
        double error = relative_error(rounded, reference, BATCH * classes);
        printf("# %s bf16: relative error %.3g (f32: %.3g)\n", name, error,
               relative_error(exact, reference, BATCH * classes));
        snprintf(label, sizeof label, "%s: bf16 differs from f32 (bf16 arithmetic ran)", name);
        ok(memcmp(exact, rounded, BATCH * classes * sizeof *exact) != 0, label);
        snprintf(label, sizeof label, "%s: bf16 within 1e-2 of ONNX Runtime", name);
        ok(error <= 1e-2, label);
        int same = 1;
        for (int sample = 0; sample < BATCH; sample++)
            same &= argmax(rounded + sample * classes, classes) == argmax(reference + sample * classes, classes);
        snprintf(label, sizeof label, "%s: bf16 has the same argmax per sample", name);
        ok(same, label);
    }
    amass_nn_graph_free(graph);
}

int main(void)
{
    static float input[BATCH * SAMPLE_FLOATS];
    if (!ok(read_floats(fixture("input", ".f32"), input, BATCH * SAMPLE_FLOATS), "input.f32 read"))
        return done_testing();
    amass_nn_set_threads(2);
    check_fused_hard_swish(input);
    if (!amass_nn_bf16_available()) {
        printf("ok %d # SKIP this CPU has no AVX512-BF16\n", ++tap_count);
        return done_testing();
    }
    check_bf16("resnet-tiny", 10, input);
    check_bf16("mobilenetv2-tiny", 7, input);
    check_bf16("hardswish-chains", 5, input);
    return done_testing();
}
