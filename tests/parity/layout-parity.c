/* Parity with ONNX Runtime of the layout and resampling ops (tiny
 * networks) and of the real PP-OCR det and cls models, on the cases
 * tests/parity/layout/make-fixtures listed in cases.txt. The PP-OCR cases
 * skip when scripts/install-models has not put the models in ./models
 * (or in $AMASS_TEST_MODELS). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"
#include "models/models.h"
#include "nn/nn.h"
#include "../unit/tap.h"
#include "fixtures.h"

#define MAX_OUTPUTS 16

static float *read_whole_floats(const char *path, size_t *count)
{
    size_t bytes;
    float *values = read_whole_file(path, &bytes);
    *count = bytes / sizeof *values;
    return values;
}

static size_t type_count(const amass_nn_tensor_type *type)
{
    size_t count = 1;
    for (int d = 0; d < type->rank; d++)
        count *= (size_t)type->dims[d];
    return count;
}

/* Runs the first batch samples and compares every output with the
 * reference (outputs concatenated at the fixture's batch, full_batch):
 * max |amass - ort| <= 1e-4 max |ort| per output, same argmax per sample
 * for 2-D outputs (class scores). */
static void check_batch(amass_nn_session *session, size_t n_outputs, const char *name, int64_t batch,
                        int64_t full_batch, const float *input, const float *reference, size_t reference_count)
{
    amass_status status = {0};
    amass_nn_tensor_type types[MAX_OUTPUTS];
    float *outputs[MAX_OUTPUTS] = {0};
    char label[512];
    size_t expected_total = 0;
    int typed = 1;
    for (size_t o = 0; o < n_outputs && typed; o++) {
        typed = amass_nn_session_output_type(session, batch, o, &types[o], &status) == AMASS_OK &&
                types[o].rank > 0 && types[o].dims[0] == batch;
        if (typed) {
            expected_total += type_count(&types[o]) / (size_t)batch * (size_t)full_batch;
            outputs[o] = calloc(type_count(&types[o]) + 1, sizeof *outputs[o]);
        }
    }
    snprintf(label, sizeof label, "%s batch %lld: output types agree with the reference's size", name,
             (long long)batch);
    if (!ok(typed && expected_total == reference_count, label)) {
        printf("# %s (%zu reference values, %zu expected)\n", status.message, reference_count, expected_total);
        for (size_t o = 0; o < n_outputs; o++)
            free(outputs[o]);
        return;
    }
    const float *inputs[1] = {input};
    snprintf(label, sizeof label, "%s batch %lld runs", name, (long long)batch);
    if (ok(amass_nn_session_run(session, batch, inputs, outputs, &status) == AMASS_OK, label)) {
        const float *theirs_all = reference;
        for (size_t o = 0; o < n_outputs; o++) {
            size_t per_sample = type_count(&types[o]) / (size_t)batch, count = per_sample * (size_t)batch;
            double max_error = 0, max_reference = 0;
            int same_argmax = 1;
            for (size_t i = 0; i < count; i++) {
                max_error = fmax(max_error, fabs((double)outputs[o][i] - theirs_all[i]));
                max_reference = fmax(max_reference, fabs((double)theirs_all[i]));
            }
            for (int64_t sample = 0; sample < batch && types[o].rank == 2; sample++)
                same_argmax &= argmax(outputs[o] + sample * per_sample, per_sample) ==
                               argmax(theirs_all + sample * per_sample, per_sample);
            printf("# %s batch %lld output %zu: max |amass - ort| = %.3g, max |ort| = %.3g\n", name,
                   (long long)batch, o, max_error, max_reference);
            snprintf(label, sizeof label, "%s batch %lld output %zu within 1e-4 of ONNX Runtime", name,
                     (long long)batch, o);
            ok(max_error <= 1e-4 * max_reference && max_reference > 0, label);
            if (types[o].rank == 2) {
                snprintf(label, sizeof label, "%s batch %lld output %zu: same argmax per sample", name,
                         (long long)batch, o);
                ok(same_argmax, label);
            }
            theirs_all += per_sample * (size_t)full_batch;
        }
    } else {
        printf("# %s\n", status.message);
    }
    for (size_t o = 0; o < n_outputs; o++)
        free(outputs[o]);
}

/* models:NAME is an installed model directory; anything else a fixture. */
static int model_path(const char *model, char *path, size_t size, char *reason, size_t reason_size)
{
    if (strncmp(model, "models:", 7) != 0) {
        snprintf(path, size, "%s/tests/parity/layout/%s", parity_top_srcdir(), model);
        return 1;
    }
    const char *root = getenv("AMASS_TEST_MODELS");
    char directory[4096];
    snprintf(directory, sizeof directory, "%s/%s", root ? root : "", model + 7);
    if (!root)
        snprintf(directory, sizeof directory, "%s/models/%s", parity_top_srcdir(), model + 7);
    amass_model_manifest manifest;
    amass_status status = {0};
    if (access(directory, F_OK) != 0) {
        snprintf(reason, reason_size, "%s not installed (scripts/install-models)", model + 7);
        return 0;
    }
    char label[512];
    snprintf(label, sizeof label, "%s: manifest.json reads", model + 7);
    if (!ok(amass_models_manifest_load(directory, &manifest, &status) == AMASS_OK, label)) {
        printf("# %s\n", status.message);
        snprintf(reason, reason_size, "bad manifest");
        return 0;
    }
    snprintf(path, size, "%s", manifest.file_path);
    amass_models_manifest_free(&manifest);
    return 1;
}

static void check_case(const char *name, const char *model, int64_t batch, const int64_t *dims)
{
    char path[4096], fixture_path[4096], reason[512], label[512];
    if (!model_path(model, path, sizeof path, reason, sizeof reason)) {
        snprintf(label, sizeof label, "%s matches ONNX Runtime", name);
        tap_skip(label, reason);
        return;
    }
    size_t n_input = 0, n_reference = 0;
    snprintf(fixture_path, sizeof fixture_path, "%s/tests/parity/layout/%s.input.f32", parity_top_srcdir(), name);
    float *input = read_whole_floats(fixture_path, &n_input);
    snprintf(fixture_path, sizeof fixture_path, "%s/tests/parity/layout/%s.ort.f32", parity_top_srcdir(), name);
    float *reference = read_whole_floats(fixture_path, &n_reference);
    snprintf(label, sizeof label, "%s: fixtures read", name);
    if (!ok(input && reference && n_input == (size_t)(batch * dims[1] * dims[2] * dims[3]), label)) {
        free(input);
        free(reference);
        return;
    }
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    snprintf(label, sizeof label, "%s imports", name);
    /* The PP-OCR models take any image size: fixed to the fixture's. */
    if (ok(amass_formats_load_onnx_sized(path, dims, 4, &graph, &status) == AMASS_OK, label)) {
        if (strcmp(name, "paddle-blocks") == 0) {
            snprintf(label, sizeof label, "%s: affine steps and hard swish fused into the convolutions", name);
            ok(amass_nn_graph_node_count(graph) == 3, label);
        }
        if (strstr(name, "deconv")) {
            snprintf(label, sizeof label, "%s: BatchNormalization folded into ConvTranspose", name);
            ok(amass_nn_graph_count_op(graph, AMASS_NN_OP_BATCH_NORMALIZATION) == 0, label);
        }
        amass_nn_session *session = amass_nn_session_open(graph, &status);
        snprintf(label, sizeof label, "%s: session opens", name);
        size_t n_outputs = amass_nn_graph_output_count(graph);
        if (ok(session && n_outputs <= MAX_OUTPUTS, label)) {
            check_batch(session, n_outputs, name, batch, batch, input, reference, n_reference);
            if (batch > 1) {
                /* Batch 1 on the first sample: its outputs are the first
                 * rows of each reference output. */
                size_t kept = 0, offset = 0;
                amass_nn_tensor_type type;
                float *first = malloc(n_reference * sizeof *first);
                for (size_t o = 0; first && o < n_outputs; o++) {
                    if (amass_nn_session_output_type(session, batch, o, &type, &status) != AMASS_OK)
                        break;
                    size_t per_sample = type_count(&type) / (size_t)batch;
                    memcpy(first + kept, reference + offset, per_sample * sizeof *first);
                    kept += per_sample;
                    offset += per_sample * (size_t)batch;
                }
                if (first)
                    check_batch(session, n_outputs, name, 1, 1, input, first, kept);
                free(first);
            }
        } else {
            printf("# %s\n", status.message);
        }
        amass_nn_session_close(session);
    } else {
        printf("# %s\n", status.message);
    }
    amass_nn_graph_free(graph);
    free(input);
    free(reference);
}

int main(void)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/tests/parity/layout/cases.txt", parity_top_srcdir());
    FILE *cases = fopen(path, "r");
    if (!ok(cases != NULL, "cases.txt opens"))
        return done_testing();
    amass_nn_set_threads(2);
    while (fgets(line, sizeof line, cases)) {
        char name[256], model[256];
        long long batch, channels, height, width;
        if (line[0] == '#')
            continue;
        if (!ok(sscanf(line, "%255s %255s %lld %lld %lld %lld", name, model, &batch, &channels, &height, &width) == 6,
                "cases.txt line parses"))
            continue;
        int64_t dims[4] = {0, channels, height, width};
        check_case(name, model, batch, dims);
    }
    fclose(cases);
    return done_testing();
}
