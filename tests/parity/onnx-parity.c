/* Parity of imported ONNX models with ONNX Runtime on the fixtures tests/parity/onnx/make-fixtures wrote. */
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

/* Runs batch samples of input and compares with the first batch rows of
 * the reference: max |amass - ort| <= 1e-4 max |ort|, same argmax. */
static void check_batch(amass_nn_session *session, const char *name, int64_t batch, const float *input,
                        const float *reference, size_t classes)
{
    amass_status status = {0};
    amass_nn_tensor_type type;
    char label[256];
    snprintf(label, sizeof label, "%s batch %lld: output type", name, (long long)batch);
    if (!ok(amass_nn_session_output_type(session, batch, 0, &type, &status) == AMASS_OK && type.rank == 2 &&
                type.dims[0] == batch && (size_t)type.dims[1] == classes,
            label)) {
        printf("# %s\n", status.message);
        return;
    }
    float *output = calloc((size_t)batch * classes, sizeof *output);
    const float *inputs[1] = {input};
    float *outputs[1] = {output};
    snprintf(label, sizeof label, "%s batch %lld runs", name, (long long)batch);
    if (!ok(output && amass_nn_session_run(session, batch, inputs, outputs, &status) == AMASS_OK, label)) {
        printf("# %s\n", status.message);
        free(output);
        return;
    }
    double max_error = 0, max_reference = 0;
    int same_argmax = 1;
    for (int64_t sample = 0; sample < batch; sample++) {
        const float *mine = output + sample * (int64_t)classes, *theirs = reference + sample * (int64_t)classes;
        for (size_t i = 0; i < classes; i++) {
            max_error = fmax(max_error, fabs((double)mine[i] - theirs[i]));
            max_reference = fmax(max_reference, fabs((double)theirs[i]));
        }
        same_argmax &= argmax(mine, classes) == argmax(theirs, classes);
    }
    printf("# %s batch %lld: max |amass - ort| = %.3g, max |ort| = %.3g, relative %.3g\n", name, (long long)batch,
           max_error, max_reference, max_reference > 0 ? max_error / max_reference : max_error);
    snprintf(label, sizeof label, "%s batch %lld within 1e-4 of ONNX Runtime", name, (long long)batch);
    ok(max_error <= 1e-4 * max_reference, label);
    snprintf(label, sizeof label, "%s batch %lld: same argmax per sample", name, (long long)batch);
    ok(same_argmax, label);
    free(output);
}

static void check_model(const char *name, size_t classes, const float *input)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    char label[256];
    float reference[BATCH * 16];
    snprintf(label, sizeof label, "%s: reference outputs read", name);
    if (!ok(classes <= 16 && read_floats(fixture(name, ".ort.f32"), reference, BATCH * classes), label))
        return;
    snprintf(label, sizeof label, "%s imports", name);
    if (!ok(amass_formats_load_onnx(fixture(name, ".onnx"), &graph, &status) == AMASS_OK, label)) {
        printf("# %s\n", status.message);
        return;
    }
    amass_nn_tensor_type type;
    snprintf(label, sizeof label, "%s: input has a dynamic batch", name);
    ok(amass_nn_graph_input_type(graph, 0, &type) == AMASS_OK && type.rank == 4 && type.dims[0] == AMASS_NN_DYNAMIC &&
           type.dims[1] == 3 && type.dims[2] == 32 && type.dims[3] == 32,
       label);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    snprintf(label, sizeof label, "%s: session opens", name);
    if (ok(session != NULL, label)) {
        check_batch(session, name, BATCH, input, reference, classes);
        check_batch(session, name, 1, input, reference, classes);
        amass_nn_session_close(session);
    } else {
        printf("# %s\n", status.message);
    }
    amass_nn_graph_free(graph);
}

int main(void)
{
    static float input[BATCH * SAMPLE_FLOATS];
    if (!ok(read_floats(fixture("input", ".f32"), input, BATCH * SAMPLE_FLOATS), "input.f32 read"))
        return done_testing();
    amass_nn_set_threads(2);
    check_model("resnet-tiny", 10, input);
    check_model("mobilenetv2-tiny", 7, input);
    check_model("poolnet", 6, input);
    check_model("poolnet-opset11", 6, input);
    check_model("poolnet-opset14", 6, input);
    check_model("attributes-opset9", 5, input);
    check_model("attributes-opset11", 5, input);
    check_model("attributes-opset13", 5, input);
    return done_testing();
}
