/* amass-classify: images in, the top labels of an image classifier (or
 * the objects a detector finds, with boxes) out. Options in, one library
 * run (src/models/models.h) out. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/models.h"
#include "nn/nn.h"

enum {
    OPT_MODEL = 1,
    OPT_LABELS,
    OPT_TOP,
    OPT_THRESHOLD,
    OPT_SIZE,
    OPT_CROP,
    OPT_MEAN,
    OPT_STD,
    OPT_LAYOUT,
    OPT_BGR,
    OPT_SOFTMAX,
    OPT_BATCH,
    OPT_MODEL_PATH,
    OPT_LIST_MODELS,
    OPT_DECODE_THREADS,
    OPT_BF16,
    OPT_FPS,
    OPT_EVERY,
    OPT_ANNOTATE,
    OPT_IOU
};

/* What main needs besides the pipeline's options. */
typedef struct {
    amass_classify_options classify;
    const char *model;        /* --model: a name or a path; NULL for the default */
    const char *model_path;   /* --model-path */
    int list_models;
    int decode_threads;       /* --decode-threads; 0: from --threads */
} classify_tool;

static const amass_cli_option classify_options[] = {
    {"model", 'm', "NAME|PATH", OPT_MODEL, "a model on the search path, an .onnx file, or a model directory"},
    {"model-path", 0, "DIR[:DIR...]", OPT_MODEL_PATH, "look for models in these directories first"},
    {"list-models", 0, NULL, OPT_LIST_MODELS, "list the models on the search path and exit"},
    {"labels", 0, "FILE", OPT_LABELS, "class names, one a line (default: the manifest's, else indices)"},
    {"top", 'k', "K", OPT_TOP, "write the K best labels of each image (default 5; detectors: 100 objects)"},
    {"threshold", 0, "X", OPT_THRESHOLD, "drop labels scoring below X (detectors: default 0.3)"},
    {"iou", 0, "X", OPT_IOU, "detectors: drop a box overlapping a better one of its class by more than X IoU (default 0.5)"},
    {"size", 0, "N", OPT_SIZE, "resize the shorter side to N before cropping (256 for a 224 crop, else the crop)"},
    {"crop", 0, "N", OPT_CROP, "centre crop of N x N (default: the model's input size)"},
    {"mean", 0, "A,B,C", OPT_MEAN, "per-channel mean of 0..1 pixels (default ImageNet's)"},
    {"std", 0, "A,B,C", OPT_STD, "per-channel standard deviation (default ImageNet's)"},
    {"layout", 0, "NAME", OPT_LAYOUT, "nchw or nhwc (default: from the model's input shape)"},
    {"bgr", 0, NULL, OPT_BGR, "feed channels in B, G, R order"},
    {"softmax", 0, "WHEN", OPT_SOFTMAX, "auto (default: unless outputs are probabilities), yes or no"},
    {"batch", 'b', "N", OPT_BATCH, "images per inference (default 8)"},
    {"bf16", 0, NULL, OPT_BF16, "compute in bfloat16 where the CPU has AVX512-BF16 (about 2x faster; scores within ~1%)"},
    {"decode-threads", 0, "N", OPT_DECODE_THREADS, "decode images on N threads (default: half of --threads, at least 1)"},
    {"fps", 0, "R", OPT_FPS, "videos: classify the frame nearest each 1/R s (default 1 frame a second)"},
    {"every", 0, "N", OPT_EVERY, "videos: classify every Nth decoded frame instead"},
    {"annotate", 0, "DIR", OPT_ANNOTATE, "also write each image with its labels drawn on to DIR as JPEG"},
};

static int parse_triple(const char *option, const char *text, float values[3], amass_status *status)
{
    char *end;
    const char *at = text;
    int i;
    for (i = 0; i < 3; i++) {
        double value = strtod(at, &end);
        if (end == at || !isfinite(value) || (i < 2 && *end != ',') || (i == 2 && *end != '\0'))
            return amass_fail(status, AMASS_ERR_USAGE, "%s: '%s' is not three numbers like 0.5,0.5,0.5", option,
                              text);
        values[i] = (float)value;
        at = end + 1;
    }
    return AMASS_OK;
}

static int on_option(void *context, int id, const char *argument, amass_status *status)
{
    classify_tool *tool = context;
    amass_classify_options *options = &tool->classify;
    long number;
    double value;
    switch (id) {
    case OPT_MODEL: tool->model = argument; return AMASS_OK;
    case OPT_MODEL_PATH: tool->model_path = argument; return AMASS_OK;
    case OPT_LIST_MODELS: tool->list_models = 1; return AMASS_OK;
    case OPT_LABELS: options->labels_path = argument; return AMASS_OK;
    case OPT_TOP:
        if (amass_cli_parse_int("--top", argument, 1, 100000, &number, status) != AMASS_OK)
            return status->code;
        options->top_k = (int)number;
        options->has_top = 1;
        return AMASS_OK;
    case OPT_IOU:
        if (amass_cli_parse_double("--iou", argument, 0, 1, &value, status) != AMASS_OK)
            return status->code;
        options->iou_threshold = (float)value;
        return AMASS_OK;
    case OPT_THRESHOLD:
        if (amass_cli_parse_double("--threshold", argument, -1e30, 1e30, &value, status) != AMASS_OK)
            return status->code;
        options->threshold = (float)value;
        return AMASS_OK;
    case OPT_SIZE:
    case OPT_CROP:
        if (amass_cli_parse_int(id == OPT_SIZE ? "--size" : "--crop", argument, 1, 16384, &number, status) !=
            AMASS_OK)
            return status->code;
        *(id == OPT_SIZE ? &options->size : &options->crop) = (int)number;
        return AMASS_OK;
    case OPT_MEAN:
        options->has_mean = 1;
        return parse_triple("--mean", argument, options->mean, status);
    case OPT_STD:
        options->has_std = 1;
        return parse_triple("--std", argument, options->std, status);
    case OPT_LAYOUT:
        if (strcmp(argument, "nchw") != 0 && strcmp(argument, "nhwc") != 0)
            return amass_fail(status, AMASS_ERR_USAGE, "--layout: '%s' is not nchw or nhwc", argument);
        options->layout = strcmp(argument, "nhwc") == 0 ? AMASS_VISION_LAYOUT_NHWC : AMASS_VISION_LAYOUT_NCHW;
        options->has_layout = 1;
        return AMASS_OK;
    case OPT_BGR: options->bgr = 1; return AMASS_OK;
    case OPT_SOFTMAX:
        if (strcmp(argument, "auto") == 0)
            options->softmax = AMASS_SOFTMAX_AUTO;
        else if (strcmp(argument, "yes") == 0)
            options->softmax = AMASS_SOFTMAX_YES;
        else if (strcmp(argument, "no") == 0)
            options->softmax = AMASS_SOFTMAX_NO;
        else
            return amass_fail(status, AMASS_ERR_USAGE, "--softmax: '%s' is not auto, yes or no", argument);
        return AMASS_OK;
    case OPT_BF16: options->bf16 = 1; return AMASS_OK;
    case OPT_DECODE_THREADS:
        if (amass_cli_parse_int("--decode-threads", argument, 1, 256, &number, status) != AMASS_OK)
            return status->code;
        tool->decode_threads = (int)number;
        return AMASS_OK;
    case OPT_FPS:
        if (amass_cli_parse_double("--fps", argument, 0.001, 1000, &value, status) != AMASS_OK)
            return status->code;
        if (options->video_every)
            return amass_fail(status, AMASS_ERR_USAGE, "--fps: give --fps or --every, not both");
        options->video_fps = value;
        return AMASS_OK;
    case OPT_EVERY:
        if (amass_cli_parse_int("--every", argument, 1, 1000000000, &number, status) != AMASS_OK)
            return status->code;
        if (options->video_fps > 0)
            return amass_fail(status, AMASS_ERR_USAGE, "--every: give --fps or --every, not both");
        options->video_every = (int)number;
        return AMASS_OK;
    case OPT_ANNOTATE: options->annotate_directory = argument; return AMASS_OK;
    case OPT_BATCH:
        if (amass_cli_parse_int("--batch", argument, 1, 4096, &number, status) != AMASS_OK)
            return status->code;
        options->batch = (int)number;
        return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_USAGE, "internal: option %d", id);
}

/* The engine takes --threads (0: all cores). Decoding gets one thread
 * per two engine threads unless told, at least one: enough to keep ahead
 * of a real network, and an OpenMP team loses more to a thread it shares
 * a core with than a decoder gains. */
static void set_threads(const amass_cli_common *common, classify_tool *tool)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = common->threads ? common->threads : cores > 0 ? (int)cores : 1;
    amass_nn_set_threads(common->threads);
    tool->classify.decode_threads = tool->decode_threads ? tool->decode_threads : threads > 2 ? threads / 2 : 1;
}

int main(int argc, char **argv)
{
    static classify_tool tool;
    amass_classify_options *options = &tool.classify;
    amass_cli_common common;
    amass_cli_spec spec = {"amass-classify", "[--model NAME|PATH] [OPTIONS] [IMAGE|VIDEO...]",
                           "Label images and video frames with an image classifier (the top K classes of each) or a detector (the objects, with boxes).",
                           classify_options, sizeof classify_options / sizeof classify_options[0], on_option,
                           &tool};
    amass_classify_sink sink;
    amass_classifier *classifier;
    amass_cli *cli;
    amass_input_list *inputs;
    amass_name_set *done = NULL;
    amass_status status;
    char *model;
    int parsed, code;

    amass_classify_options_init(options);
    parsed = amass_cli_parse(&spec, argc, argv, &common);
    if (parsed >= 0)
        return parsed;
    if (tool.list_models)
        return amass_cli_list_models(&spec, &common, tool.model_path);
    if (!(model = amass_cli_select_model(&spec, tool.model, tool.model_path, "classify")))
        return AMASS_EXIT_FATAL;
    options->model_path = model;
    set_threads(&common, &tool);
    amass_status_clear(&status);
    code = amass_classifier_open(options, &classifier, &status);
    free(model);
    if (code != AMASS_OK) {
        fprintf(stderr, "amass-classify: %s\n", status.message);
        return AMASS_EXIT_FATAL;
    }
    if (!(cli = amass_cli_start(&spec, &common))) {
        amass_classifier_close(classifier);
        return AMASS_EXIT_FATAL;
    }
    amass_cli_note_bf16(cli, options->bf16);
    if (common.resume_path && !(done = amass_io_resume_load(common.resume_path, &status))) {
        amass_cli_error(cli, "%s", status.message);
        amass_classifier_close(classifier);
        return amass_cli_finish(cli, 1);
    }
    sink.writer = amass_cli_writer(cli);
    sink.format = common.format;
    sink.reporter = amass_cli_reporter(cli);
    sink.shard = common.shard.count ? &common.shard : NULL;
    sink.done = done;
    sink.precision = common.precision;
    inputs = amass_io_inputs_open(common.inputs, common.n_inputs, common.files_from, common.recursive, &status);
    code = inputs ? amass_classifier_run(classifier, inputs, &sink, &status) : (int)status.code;
    amass_io_inputs_close(inputs);
    amass_io_name_set_free(done);
    amass_classifier_close(classifier);
    if (code != AMASS_OK)
        amass_cli_error(cli, "%s", status.message);
    return amass_cli_finish(cli, code != AMASS_OK);
}
