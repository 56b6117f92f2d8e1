/* Parity of the TF.js graph-model importer with TensorFlow.js (cpu
 * backend) on the human-models detectors and face model, on real photos:
 * tests/parity/tfjs/<model>.txt hold what tfjs-run.js measured (shape,
 * sum, sum of magnitudes, largest magnitude and a seeded sample of each
 * output); make-fixtures beside them wrote them. Every sampled element
 * must agree within 1e-4 of the output's scale (its largest magnitude).
 * The models are large, so they are not in the tree: the test looks in
 * $AMASS_TEST_MODELS (else $top_srcdir/models) and skips those absent. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tfjs.h"
#include "nn/nn.h"
#include "tfjs-input.h"
#include "../unit/tap.h"

#define TOLERANCE 1e-4

typedef struct {
    const char *name;  /* models/<name>/<name>.json and tests/parity/tfjs/<name>.txt */
    const char *photo; /* in /usr/share/darknet/data */
    int width, height, nchw;
    amass_nn_op fused_away; /* an activation that must be gone into the convolutions */
} parity_case;

static const parity_case cases[] = {
    {"nanodet", "dog.jpg", 416, 416, 1, AMASS_NN_OP_LEAKY_RELU},
    {"faceres", "person.jpg", 224, 224, 0, AMASS_NN_OP_RELU},
};

static const char *models_directory(void)
{
    static char path[4096];
    const char *models = getenv("AMASS_TEST_MODELS");
    const char *top = getenv("top_srcdir");
    if (models && *models)
        return models;
    snprintf(path, sizeof path, "%s/models", top ? top : ".");
    return path;
}

static int file_exists(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file)
        fclose(file);
    return file != NULL;
}

/* Compares one output with its block of the fixture; returns the worst
 * error relative to the output's scale, or -1 when the block is malformed. */
static double compare_output(FILE *fixture, const char *name, const float *values, const amass_nn_tensor_type *type,
                             const char *model)
{
    char label[512];
    size_t count = amass_nn_type_count(type), samples = 0;
    double sum, magnitude, largest;
    if (fscanf(fixture, " stats %lf %lf %lf", &sum, &magnitude, &largest) != 3)
        return -1;
    double got_sum = 0, got_magnitude = 0, got_largest = 0, worst = 0;
    for (size_t i = 0; i < count; i++) {
        got_sum += values[i];
        got_magnitude += fabs(values[i]);
        got_largest = fmax(got_largest, fabs(values[i]));
    }
    double scale = largest > 0 ? largest : 1;
    long long index;
    double want;
    long position = ftell(fixture);
    while (fscanf(fixture, "%lld %lf", &index, &want) == 2) {
        if (index < 0 || (size_t)index >= count)
            return -1;
        worst = fmax(worst, fabs(values[index] - want) / scale);
        samples++;
        position = ftell(fixture);
    }
    fseek(fixture, position, SEEK_SET);
    snprintf(label, sizeof label, "%s: %s: %zu sampled elements within %g of the scale %.4g", model, name, samples,
             TOLERANCE, scale);
    if (!ok(samples > 0 && worst <= TOLERANCE, label))
        printf("#   worst relative error %.3g\n", worst);
    snprintf(label, sizeof label, "%s: %s: sum, magnitude and largest magnitude agree", model, name);
    if (!ok(fabs(got_sum - sum) <= TOLERANCE * fmax(magnitude, 1e-30) &&
                fabs(got_magnitude - magnitude) <= TOLERANCE * fmax(magnitude, 1e-30) &&
                fabs(got_largest - largest) <= TOLERANCE * scale,
            label))
        printf("#   sum %.9g / %.9g, magnitude %.9g / %.9g, largest %.9g / %.9g\n", got_sum, sum, got_magnitude,
               magnitude, got_largest, largest);
    return worst;
}

static void run_case(const parity_case *c)
{
    char model_path[4096], photo[4096], fixture_path[4096], label[8192];
    if (snprintf(model_path, sizeof model_path, "%s/%s/%s.json", models_directory(), c->name, c->name) >=
        (int)sizeof model_path) {
        tap_skip(c->name, "the models directory's path is too long");
        return;
    }
    snprintf(photo, sizeof photo, "/usr/share/darknet/data/%s", c->photo);
    const char *top = getenv("top_srcdir");
    if (snprintf(fixture_path, sizeof fixture_path, "%s/tests/parity/tfjs/%s.txt", top ? top : ".", c->name) >=
        (int)sizeof fixture_path) {
        tap_skip(c->name, "the source directory's path is too long");
        return;
    }
    if (!file_exists(model_path)) {
        snprintf(label, sizeof label, "%s not installed (scripts/install-models, or set AMASS_TEST_MODELS)",
                 model_path);
        tap_skip(c->name, label);
        return;
    }
    if (!file_exists(photo)) {
        tap_skip(c->name, "Debian darknet's photos are not installed");
        return;
    }
    amass_status status;
    amass_status_clear(&status);
    amass_nn_graph *graph = NULL;
    double start = amass_seconds_now();
    snprintf(label, sizeof label, "%s imports", c->name);
    if (!ok(amass_formats_load_tfjs(model_path, NULL, 0, &graph, &status) == AMASS_OK, label)) {
        printf("#   %s\n", status.message);
        return;
    }
    printf("# %s: loaded in %.3f s, %zu nodes\n", c->name, amass_seconds_now() - start,
           amass_nn_graph_node_count(graph));
    snprintf(label, sizeof label, "%s: bias and %s fused into the convolutions", c->name,
             amass_nn_op_name(c->fused_away));
    is_int(amass_nn_graph_count_op(graph, c->fused_away), 0, label);
    float *input = tfjs_parity_input(photo, c->width, c->height, c->nchw, &status);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    size_t n_outputs = amass_nn_graph_output_count(graph);
    float **outputs = calloc(n_outputs, sizeof *outputs);
    amass_nn_tensor_type *types = calloc(n_outputs, sizeof *types);
    int ready = input && session && outputs && types;
    for (size_t i = 0; i < n_outputs && ready; i++) {
        ready = amass_nn_session_output_type(session, 1, i, &types[i], &status) == AMASS_OK &&
                (outputs[i] = malloc(amass_nn_type_count(&types[i]) * sizeof **outputs)) != NULL;
    }
    const float *inputs[1] = {input};
    snprintf(label, sizeof label, "%s runs on %s", c->name, c->photo);
    if (ok(ready && amass_nn_session_run(session, 1, inputs, outputs, &status) == AMASS_OK, label)) {
        FILE *fixture = fopen(fixture_path, "r");
        char name[256], shape[256];
        size_t count, matched = 0;
        double worst = 0;
        while (fixture && fscanf(fixture, " output %255s %255s %zu", name, shape, &count) == 3) {
            size_t k = 0;
            while (k < n_outputs && strcmp(amass_nn_graph_output_name(graph, k), name) != 0)
                k++;
            snprintf(label, sizeof label, "%s: output %s of %zu elements", c->name, name, count);
            if (!ok(k < n_outputs && amass_nn_type_count(&types[k]) == count, label))
                break;
            double error = compare_output(fixture, name, outputs[k], &types[k], c->name);
            if (error < 0)
                break;
            worst = fmax(worst, error);
            matched++;
        }
        snprintf(label, sizeof label, "%s: the fixture covers every output", c->name);
        is_int(matched, n_outputs, label);
        printf("# %s: worst error %.3g of the output's scale\n", c->name, worst);
        if (fixture)
            fclose(fixture);
    } else {
        printf("#   %s\n", status.message);
    }
    for (size_t i = 0; outputs && i < n_outputs; i++)
        free(outputs[i]);
    free(outputs);
    free(types);
    free(input);
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
}

/* centernet decodes its detections in the graph (TopKV2, FloorDiv and a
 * Gather on indices computed at run time), which the engine cannot run:
 * the import must refuse, naming the node and op, not approximate. */
static void refused_centernet(void)
{
    char model_path[4096];
    if (snprintf(model_path, sizeof model_path, "%s/centernet/centernet.json", models_directory()) >=
            (int)sizeof model_path ||
        !file_exists(model_path)) {
        tap_skip("centernet", "not installed (scripts/install-models, or set AMASS_TEST_MODELS)");
        return;
    }
    amass_status status;
    amass_status_clear(&status);
    amass_nn_graph *graph = NULL;
    int result = amass_formats_load_tfjs(model_path, NULL, 0, &graph, &status);
    if (!ok(result == AMASS_ERR_UNSUPPORTED && !graph && strstr(status.message, "node 'tower_0/Equal' (Equal)"),
            "centernet's in-graph decode is refused, naming the node and op"))
        printf("#   %s\n", status.message);
    amass_nn_graph_free(graph);
}

int main(void)
{
    refused_centernet();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    return done_testing();
}
