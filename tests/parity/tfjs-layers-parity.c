/* Parity of the TF.js layers-model importer with TensorFlow.js (cpu backend) on the nsfwjs MobileNetV2 and InceptionV3 over real photos; skipped until the models are installed. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/tfjs.h"
#include "nn/nn.h"
#include "../unit/tap.h"
#include "fixtures.h"

/* The largest difference over the largest reference value: 1e-4 allows
 * float32 summation-order noise through ~100 layers, not a wrong weight. */
static double relative_error(const float *got, const float *want, size_t count)
{
    double worst = 0, scale = 0;
    for (size_t i = 0; i < count; i++) {
        double difference = fabs((double)got[i] - want[i]);
        worst = difference > worst ? difference : worst;
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    }
    return worst / (scale > 0 ? scale : 1);
}

static void check_case(const char *name, const char *model_name, int64_t size)
{
    char directory[4096], path[4200], label[512];
    const char *root = getenv("AMASS_TEST_MODELS");
    if (root)
        snprintf(directory, sizeof directory, "%s/%s", root, model_name);
    else
        snprintf(directory, sizeof directory, "%s/models/%s", parity_top_srcdir(), model_name);
    snprintf(path, sizeof path, "%s/model.json", directory);
    snprintf(label, sizeof label, "%s matches TensorFlow.js", name);
    if (access(path, R_OK) != 0) {
        char reason[512];
        snprintf(reason, sizeof reason, "%s not installed (scripts/install-models)", model_name);
        tap_skip(label, reason);
        return;
    }
    amass_status status = {0};
    amass_tfjs_model *model = NULL;
    amass_nn_graph *graph = NULL;
    static const char *const outputs[] = {"dense_3", "flatten_1"};
    snprintf(label, sizeof label, "%s: opens and imports with outputs dense_3, flatten_1", name);
    if (!ok(amass_tfjs_open(path, &model, &status) == AMASS_OK &&
                amass_tfjs_import_outputs(model, NULL, 0, outputs, 2, &graph, &status) == AMASS_OK,
            label)) {
        printf("# %s\n", status.message);
        amass_tfjs_close(model);
        return;
    }
    amass_tfjs_close(model); /* the graph keeps what it needs */
    size_t n_pixels = 0, n_probabilities = 0, n_features = 0;
    snprintf(path, sizeof path, "%s/tests/parity/tfjs-layers/%s.rgb", parity_top_srcdir(), name);
    unsigned char *pixels = read_whole_file(path, &n_pixels);
    snprintf(path, sizeof path, "%s/tests/parity/tfjs-layers/%s.dense_3.f32", parity_top_srcdir(), name);
    float *probabilities = read_whole_file(path, &n_probabilities);
    snprintf(path, sizeof path, "%s/tests/parity/tfjs-layers/%s.flatten_1.f32", parity_top_srcdir(), name);
    float *features = read_whole_file(path, &n_features);
    n_features /= sizeof(float);
    amass_nn_tensor_type type;
    snprintf(label, sizeof label, "%s: fixtures read, graph input is [N,%lld,%lld,3]", name, (long long)size,
             (long long)size);
    int ready = pixels && probabilities && features && n_pixels == (size_t)(size * size * 3) &&
                n_probabilities == 5 * sizeof(float) && amass_nn_graph_input_type(graph, 0, &type) == AMASS_OK &&
                type.rank == 4 && type.dims[0] == AMASS_NN_DYNAMIC && type.dims[1] == size && type.dims[2] == size &&
                type.dims[3] == 3;
    float *input = ready ? malloc(n_pixels * sizeof *input) : NULL;
    float *got_probabilities = malloc(5 * sizeof(float));
    float *got_features = malloc((n_features ? n_features : 1) * sizeof(float));
    amass_nn_session *session = NULL;
    if (ok(ready && input && got_probabilities && got_features, label)) {
        /* as nsfwjs feeds the model: NHWC RGB, pixels / 255 */
        for (size_t i = 0; i < n_pixels; i++)
            input[i] = (float)pixels[i] / 255.0f;
        const float *inputs[1] = {input};
        float *results[2] = {got_probabilities, got_features};
        session = amass_nn_session_open(graph, &status);
        snprintf(label, sizeof label, "%s: runs", name);
        if (!ok(session && amass_nn_session_run(session, 1, inputs, results, &status) == AMASS_OK, label)) {
            printf("# %s\n", status.message);
        } else {
            double error = relative_error(got_probabilities, probabilities, 5);
            snprintf(label, sizeof label, "%s: the five probabilities match TensorFlow.js within 1e-4", name);
            if (!ok(error <= 1e-4, label))
                printf("# relative error %g\n", error);
            printf("# %s: probabilities relative error %.3g\n", name, error);
            error = relative_error(got_features, features, n_features);
            snprintf(label, sizeof label, "%s: the %zu pooled features (flatten_1) match within 1e-4", name, n_features);
            if (!ok(error <= 1e-4, label))
                printf("# relative error %g\n", error);
            printf("# %s: features relative error %.3g\n", name, error);
        }
    }
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(input);
    free(got_probabilities);
    free(got_features);
    free(pixels);
    free(probabilities);
    free(features);
}

int main(void)
{
    check_case("nsfw-dog", "nsfw", 224);
    check_case("nsfw-person", "nsfw", 224);
    check_case("nsfw-inception-eagle", "nsfw-inception", 299);
    return done_testing();
}
