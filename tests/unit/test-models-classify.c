/* The models layer's manifest reader and labels files, and the vision
 * postprocess a classifier's scores go through (softmax, top-k, threshold). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "models/models.h"
#include "tap.h"
#include "vision/vision.h"

static int parse(const char *text, amass_model_manifest *manifest, amass_status *status)
{
    amass_status_clear(status);
    return amass_models_manifest_parse(text, strlen(text), "m/manifest.json", "m", manifest, status);
}

static void test_manifest_good(void)
{
    amass_model_manifest m;
    amass_status status;
    int code = parse("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"net.onnx\",\"labels\":\"l.txt\","
                     "\"input\":{\"size\":256,\"crop\":224,\"mean\":[1,2,3],\"std\":[0.5,0.25,2],"
                     "\"layout\":\"nhwc\",\"colour\":\"bgr\",\"scale\":1}}",
                     &m, &status);
    is_int(code, AMASS_OK, "a full manifest reads");
    if (code != AMASS_OK) {
        printf("# %s\n", status.message);
        return;
    }
    is_str(m.name, "m", "without a name the model is named after its directory");
    is_str(m.file_path, "m/net.onnx", "file is relative to the directory");
    is_str(m.labels_path, "m/l.txt", "labels are relative to the directory");
    is_int(m.size, 256, "input.size");
    is_int(m.crop, 224, "input.crop");
    ok(m.has_mean && m.mean[2] == 3.0f, "input.mean");
    ok(m.has_std && m.std[1] == 0.25f, "input.std");
    ok(m.has_layout && m.layout == AMASS_VISION_LAYOUT_NHWC, "input.layout nhwc");
    ok(m.bgr, "input.colour bgr");
    ok(m.has_scale && m.scale == 1.0f, "input.scale");
    amass_models_manifest_free(&m);

    code = parse("{\"name\":\"r18\",\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"/abs/x.onnx\"}", &m, &status);
    is_int(code, AMASS_OK, "a minimal manifest reads");
    is_str(m.name, "r18", "name is taken from the manifest");
    is_str(m.file_path, "/abs/x.onnx", "an absolute file stays as it is");
    ok(!m.labels_path && !m.has_mean && !m.has_layout && m.size == 0, "absent fields stay unset");
    amass_models_manifest_free(&m);
}

/* A detector's manifest: its head and how images are resized. */
static void test_manifest_detector(void)
{
    amass_model_manifest m;
    amass_status status;
    int code = parse("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"nanodet.json\","
                     "\"postprocess\":\"nanodet\",\"input\":{\"resize\":\"stretch\"}}",
                     &m, &status);
    is_int(code, AMASS_OK, "a detector's manifest reads");
    if (code != AMASS_OK)
        return;
    is_str(m.postprocess, "nanodet", "postprocess");
    ok(m.has_resize && m.resize == AMASS_VISION_RESIZE_STRETCH, "input.resize stretch");
    amass_models_manifest_free(&m);
    code = parse("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"m.onnx\",\"input\":{\"resize\":\"letterbox\"}}",
                 &m, &status);
    ok(code == AMASS_OK && m.has_resize && m.resize == AMASS_VISION_RESIZE_LETTERBOX && !m.postprocess,
       "input.resize letterbox; no postprocess is NULL");
    amass_models_manifest_free(&m);
    code = parse("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"m.onnx\",\"input\":{\"resize\":\"crop\"}}",
                 &m, &status);
    ok(code == AMASS_OK && m.has_resize && m.resize == AMASS_VISION_RESIZE_SHORTER_THEN_CROP, "input.resize crop");
    amass_models_manifest_free(&m);
    code = parse("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"outputs\":[\"tower_0/keypoints\",\"tower_0/wh\"]}",
                 &m, &status);
    ok(code == AMASS_OK && m.n_outputs == 2 && !strcmp(m.outputs[0], "tower_0/keypoints") &&
           !strcmp(m.outputs[1], "tower_0/wh"),
       "outputs: the chosen tensors, in order");
    amass_models_manifest_free(&m);
    code = parse("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"features\":{\"output\":\"flatten_1\",\"dim\":1280}}",
                 &m, &status);
    ok(code == AMASS_OK && m.features_output && !strcmp(m.features_output, "flatten_1") && m.features_dim == 1280,
       "features: the embedding tensor and its size");
    amass_models_manifest_free(&m);
    code = parse("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"m.onnx\"}", &m, &status);
    ok(code == AMASS_OK && !m.features_output && m.features_dim == 0, "no features: NULL and 0");
    amass_models_manifest_free(&m);
}

static void expect_error(const char *text, const char *message, const char *name)
{
    amass_model_manifest m;
    amass_status status;
    int code = parse(text, &m, &status);
    ok(code != AMASS_OK && strstr(status.message, message) != NULL && m.name == NULL, name);
    if (code == AMASS_OK)
        amass_models_manifest_free(&m);
    else if (!strstr(status.message, message))
        printf("#   got \"%s\"\n#   want \"%s\"\n", status.message, message);
}

static void test_manifest_bad(void)
{
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\",\"outputs\":\"wh\"}",
                 "\"outputs\" is not a non-empty array of names", "outputs that are not an array are refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\",\"outputs\":[]}",
                 "\"outputs\" is not a non-empty array of names", "an empty outputs array is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\",\"outputs\":[\"a\",7]}",
                 "\"outputs\"[1] is not a non-empty string", "a non-string output is refused by position");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\",\"features\":\"flatten_1\"}",
                 "\"features\" is not an object", "features that are not an object are refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\",\"features\":{\"dim\":8}}",
                 "\"features.output\" is not a non-empty string", "features without an output are refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"features\":{\"output\":\"\",\"dim\":8}}",
                 "\"features.output\" is not a non-empty string", "an empty features output is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"features\":{\"output\":\"f\",\"dim\":0}}",
                 "\"features.dim\" is not an integer from 1", "a zero features dim is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"features\":{\"output\":\"f\",\"dim\":\"1280\"}}",
                 "\"features.dim\" is not an integer from 1", "a string features dim is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"tfjs\",\"file\":\"c.json\","
                 "\"features\":{\"output\":\"f\"}}",
                 "\"features.dim\" is not an integer from 1", "a missing features dim is refused");
    expect_error("{\"format\":\"onnx\",\"file\":\"a.onnx\"}", "m/manifest.json: \"task\" is missing",
                 "a missing task is named");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\"}", "\"file\" is missing", "a missing file is named");
    expect_error("{\"task\":\"classify\",\"format\":7,\"file\":\"a.onnx\"}", "\"format\" is not a non-empty string",
                 "a number for a string is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":{\"crop\":2.5}}",
                 "\"input.crop\" is not an integer", "a fractional crop is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":{\"mean\":[1,2]}}",
                 "\"input.mean\" is not an array of 3 numbers", "a mean of 2 values is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":{\"std\":[1,\"2\",3]}}",
                 "\"input.std\" is not an array of 3 numbers", "a string in std is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":{\"layout\":\"chw\"}}",
                 "'chw' is not nchw or nhwc", "an unknown layout is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":[]}",
                 "\"input\" is not an object", "an input that is not an object is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"input\":{\"resize\":\"fill\"}}",
                 "\"input.resize\" 'fill' is not stretch, letterbox or crop", "an unknown resize mode is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"postprocess\":\"\"}",
                 "\"postprocess\" is not a non-empty string", "an empty postprocess is refused");
    expect_error("{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"a.onnx\",\"postprocess\":[1]}",
                 "\"postprocess\" is not a non-empty string", "a postprocess that is not a string is refused");
    expect_error("{\"task\":\"classify\",", "m/manifest.json:1: not valid JSON", "invalid JSON is refused");
    expect_error("[1,2]", "not a JSON object", "a manifest that is not an object is refused");
}

static void test_labels(void)
{
    char path[] = "/tmp/amass-labels-XXXXXX";
    amass_model_labels labels;
    amass_status status;
    FILE *file;
    int fd = mkstemp(path);
    ok(fd >= 0 && (file = fdopen(fd, "w")) != NULL, "a temporary labels file");
    if (fd < 0)
        return;
    fputs("tench\r\ngoldfish\n\ngreat white shark", file);
    fclose(file);
    amass_status_clear(&status);
    is_int(amass_models_labels_load(path, &labels, &status), AMASS_OK, "a labels file loads");
    is_int(labels.n_labels, 4, "one label per line, an empty line kept, the last line without a newline too");
    if (labels.n_labels == 4) {
        is_str(labels.labels[0], "tench", "a CR before the newline is dropped");
        is_str(labels.labels[2], "", "an empty line is an empty label, keeping later indices right");
        is_str(labels.labels[3], "great white shark", "spaces stay inside a label");
    }
    amass_models_labels_free(&labels);
    file = fopen(path, "w");
    if (file)
        fclose(file);
    ok(amass_models_labels_load(path, &labels, &status) != AMASS_OK && strstr(status.message, "no labels"),
       "an empty labels file is refused");
    remove(path);
}

static void test_softmax(void)
{
    float scores[3] = {1000, 1001, 1002}, probabilities[3] = {0.2f, 0.3f, 0.5f};
    amass_vision_softmax(scores, 3);
    is_close(scores[2], 0.66524096, 1e-6, "softmax of large logits does not overflow");
    is_close(scores[0] + scores[1] + scores[2], 1, 1e-6, "softmax sums to 1");
    ok(amass_vision_is_distribution(probabilities, 3), "probabilities are told as such");
    probabilities[2] = 0.6f;
    ok(!amass_vision_is_distribution(probabilities, 3), "values summing to 1.1 are not");
    probabilities[2] = 0.5f;
    probabilities[0] = -0.1f;
    ok(!amass_vision_is_distribution(probabilities, 3), "a negative value is not a probability");
}

static void test_top_k(void)
{
    float scores[6] = {0.1f, 0.4f, 0.2f, 0.4f, NAN, 0.3f};
    amass_vision_class_score top[6];
    size_t n = amass_vision_top_k(scores, 6, 3, -INFINITY, top);
    is_int(n, 3, "top 3 of 6");
    is_int(top[0].index, 1, "highest first; of two equal scores the lower index first");
    is_int(top[1].index, 3, "the tie's second class next");
    is_int(top[2].index, 5, "then the third highest");
    n = amass_vision_top_k(scores, 6, 6, -INFINITY, top);
    is_int(n, 5, "NaN scores are never kept");
    is_int(top[4].index, 0, "the lowest score last");
    n = amass_vision_top_k(scores, 6, 5, 0.3f, top);
    is_int(n, 3, "a threshold keeps scores at or above it only");
    is_int(top[2].index, 5, "a score equal to the threshold is kept");
    is_int(amass_vision_top_k(scores, 6, 0, -INFINITY, top), 0, "k 0 keeps nothing");
}

/* The tensor the ONNX Runtime fixture (testdata/models/make-parity.js) was
 * computed on must be the one the classify pipeline makes, or the CLI
 * parity case would compare against another input. */
static void test_parity_tensor(void)
{
    const char *top = getenv("top_srcdir");
    char model[4096], image_path[4096], tensor_path[4096];
    amass_classify_options options;
    amass_classifier *classifier = NULL;
    amass_status status;
    amass_image image;
    float *got = NULL, *want = NULL;
    size_t count = 0, i;
    double worst = 0;
    FILE *file;
    snprintf(model, sizeof model, "%s/testdata/models/tiny-resnet", top ? top : ".");
    snprintf(image_path, sizeof image_path, "%s/testdata/images/scene.png", top ? top : ".");
    snprintf(tensor_path, sizeof tensor_path, "%s/testdata/models/tiny-resnet/scene.f32", top ? top : ".");
    amass_classify_options_init(&options);
    options.model_path = model;
    amass_status_clear(&status);
    is_int(amass_classifier_open(&options, &classifier, &status), AMASS_OK, "the tiny model directory opens");
    if (!classifier) {
        printf("# %s\n", status.message);
        return;
    }
    is_str(amass_classifier_model_name(classifier), "tiny-resnet", "the model is named by its manifest");
    is_int(amass_classifier_spec(classifier)->crop_width, 32, "the crop comes from the model's input");
    count = amass_vision_preprocess_output_count(amass_classifier_spec(classifier));
    got = calloc(count, sizeof *got);
    want = calloc(count, sizeof *want);
    ok(got && want && (file = fopen(tensor_path, "rb")) != NULL, "scene.f32 opens");
    if (got && want && file) {
        is_int(fread(want, sizeof *want, count, file), count, "scene.f32 holds one 3x32x32 tensor");
        fclose(file);
        if (amass_media_image_load(image_path, &image, &status) == AMASS_OK) {
            amass_vision_preprocess(amass_classifier_spec(classifier), &image, got, NULL, &status);
            amass_media_image_free(&image);
        }
        for (i = 0; i < count; i++)
            if (fabs((double)got[i] - want[i]) > worst)
                worst = fabs((double)got[i] - want[i]);
        ok(worst <= 1e-6, "the pipeline's tensor of scene.png is the fixture's");
    }
    free(got);
    free(want);
    amass_classifier_close(classifier);
}

int main(void)
{
    test_parity_tensor();
    test_manifest_good();
    test_manifest_bad();
    test_manifest_detector();
    test_labels();
    test_softmax();
    test_top_k();
    return done_testing();
}
