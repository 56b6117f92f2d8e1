/* The classify pipeline: model and labels loaded once, images decoded
 * ahead by the image feed, one session run per batch, records in input
 * order. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/formats.h"
#include "../nn/nn.h"
#include "classify_detect.h"
#include "classify_internal.h"
#include "models.h"

struct amass_classifier {
    amass_classify_options options;
    char *model_path, *labels_path;
    char *name;
    amass_nn_graph *graph;
    amass_nn_session *session;
    amass_model_labels labels;      /* empty: class indices as labels */
    size_t n_classes;
    amass_vision_preprocess_spec spec;
    float *input;                   /* batch * image_count floats */
    float *output;                  /* batch * n_classes floats */
    size_t image_count;
    amass_vision_class_score *top;  /* room for top_k */
    char **names;                   /* the batch's input names */
    double *times;                  /* the batch's frame times; < 0 for still images */
    amass_image *pictures;          /* the batch's decoded pictures, for --annotate */
    annotate_writer *annotate;      /* NULL without --annotate */
    amass_video_options video;
    size_t n_pending;
    amass_buf labels_json;
    char *postprocess;                  /* the manifest's, or NULL */
    amass_classify_detector *detector;  /* a detector's head, else NULL */
    amass_vision_transform *transforms; /* the batch's, for boxes */
};

void amass_classify_options_init(amass_classify_options *options)
{
    memset(options, 0, sizeof *options);
    options->top_k = 5;
    options->threshold = -INFINITY;
    options->batch = 8;
    options->softmax = AMASS_SOFTMAX_AUTO;
    options->decode_threads = 1;
    options->iou_threshold = 0.5f;
}

static int ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* "models/resnet18.onnx" -> "resnet18" */
static char *file_stem(const char *path)
{
    const char *slash = strrchr(path, '/'), *start = slash ? slash + 1 : path;
    size_t length = strlen(start);
    if (ends_with(start, ".onnx"))
        length -= 5;
    return amass_strndup(start, length);
}

/* The preprocess spec: the user's options over the manifest's over the
 * model's input shape over torchvision's ImageNet defaults. The crop
 * comes from the input shape; Resize(256) before CenterCrop(224) is the
 * ImageNet convention, other crop sizes resize straight to the crop. */
int amass_classify_make_spec(const amass_classify_options *options, const amass_nn_graph *graph,
                             const amass_model_manifest *manifest, amass_vision_preprocess_spec *spec,
                             amass_status *status)
{
    amass_nn_tensor_type type;
    int height, width, channels, crop;
    amass_vision_preprocess_spec_imagenet(spec);
    if (amass_nn_graph_input_count(graph) != 1 || amass_nn_graph_input_type(graph, 0, &type) != AMASS_OK ||
        type.rank != 4)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: the model does not take one image tensor (N, C, H, W)",
                          options->model_path);
    if (options->has_layout)
        spec->layout = options->layout;
    else if (manifest && manifest->has_layout)
        spec->layout = manifest->layout;
    else
        spec->layout = type.dims[1] != 3 && type.dims[3] == 3 ? AMASS_VISION_LAYOUT_NHWC : AMASS_VISION_LAYOUT_NCHW;
    if (spec->layout == AMASS_VISION_LAYOUT_NCHW) {
        channels = (int)type.dims[1], height = (int)type.dims[2], width = (int)type.dims[3];
    } else {
        height = (int)type.dims[1], width = (int)type.dims[2], channels = (int)type.dims[3];
    }
    if (channels != 3 || height < 1 || width < 1)
        return amass_fail(status, AMASS_ERR_USAGE,
                          "%s: the model's input is %lld x %lld x %lld x %lld, not 3-channel images in %s", options->model_path,
                          (long long)type.dims[0], (long long)type.dims[1], (long long)type.dims[2], (long long)type.dims[3],
                          spec->layout == AMASS_VISION_LAYOUT_NCHW ? "NCHW" : "NHWC");
    crop = options->crop ? options->crop : manifest && manifest->crop ? manifest->crop : height;
    if (crop != height || crop != width)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: --crop %d does not fit the model's %d x %d input",
                          options->model_path, crop, width, height);
    spec->crop_width = width;
    spec->crop_height = height;
    spec->resize_shorter = options->size ? options->size : manifest && manifest->size ? manifest->size
                                                         : crop == 224 ? 256 : crop;
    if (manifest && manifest->has_scale)
        spec->scale = manifest->scale;
    if (options->has_mean)
        memcpy(spec->mean, options->mean, sizeof spec->mean);
    else if (manifest && manifest->has_mean)
        memcpy(spec->mean, manifest->mean, sizeof spec->mean);
    if (options->has_std)
        memcpy(spec->std, options->std, sizeof spec->std);
    else if (manifest && manifest->has_std)
        memcpy(spec->std, manifest->std, sizeof spec->std);
    spec->bgr = options->bgr || (manifest && manifest->bgr);
    if (manifest && manifest->has_resize)
        spec->resize_mode = manifest->resize;
    return amass_vision_preprocess_check(spec, status);
}

static int load_model(amass_classifier *classifier, amass_status *status)
{
    const amass_classify_options *options = &classifier->options;
    amass_model_manifest manifest, *have = NULL;
    const char *file = options->model_path, *labels = options->labels_path;
    int code;
    if (!ends_with(options->model_path, ".onnx")) {
        if (amass_models_manifest_load(options->model_path, &manifest, status) != AMASS_OK)
            return status->code;
        have = &manifest;
        if (strcmp(manifest.task, "classify") != 0 ||
            (strcmp(manifest.format, "onnx") != 0 && strcmp(manifest.format, "tfjs") != 0)) {
            code = amass_fail(status, AMASS_ERR_USAGE, "%s: a %s model in %s format; amass-classify runs classify models in onnx or tfjs",
                              options->model_path, manifest.task, manifest.format);
            amass_models_manifest_free(&manifest);
            return code;
        }
        if (amass_classify_detector_kind(manifest.postprocess) < 0) {
            code = amass_fail(status, AMASS_ERR_USAGE, "%s: postprocess '%s' is not nanodet, centernet, softmax or none",
                              options->model_path, manifest.postprocess);
            amass_models_manifest_free(&manifest);
            return code;
        }
        file = manifest.file_path;
        if (!labels)
            labels = manifest.labels_path;
        classifier->name = amass_strndup(manifest.name, strlen(manifest.name));
        if (amass_classify_detector_kind(manifest.postprocess) > 0 &&
            !(classifier->postprocess = amass_strndup(manifest.postprocess, strlen(manifest.postprocess)))) {
            amass_models_manifest_free(&manifest);
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        }
    } else {
        classifier->name = file_stem(file);
    }
    code = have ? amass_classify_load_graph(have->format, file, (const char *const *)have->outputs, have->n_outputs,
                                            &classifier->graph, status)
                : amass_formats_load_onnx(file, &classifier->graph, status);
    if (code == AMASS_OK && labels)
        code = amass_models_labels_load(labels, &classifier->labels, status);
    if (code == AMASS_OK)
        code = amass_classify_make_spec(options, classifier->graph, have, &classifier->spec, status);
    if (have)
        amass_models_manifest_free(have);
    if (code == AMASS_OK && !classifier->name)
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    return code;
}

/* A detector: the head's layout instead of a class count; records of
 * boxes come from classify_detect.c. */
static int open_detector(amass_classifier *classifier, amass_status *status)
{
    const amass_classify_options *options = &classifier->options;
    size_t batch = (size_t)options->batch;
    if (amass_classify_detector_open(classifier->postprocess, options->model_path, classifier->graph,
                                     classifier->session, &classifier->spec, classifier->labels.n_labels, options,
                                     batch, &classifier->detector, status) != AMASS_OK)
        return status->code;
    classifier->n_classes = amass_classify_detector_classes(classifier->detector);
    classifier->image_count = amass_vision_preprocess_output_count(&classifier->spec);
    classifier->input = amass_alloc_array(batch, classifier->image_count * sizeof(float));
    classifier->names = amass_calloc_array(batch, sizeof *classifier->names);
    classifier->transforms = amass_calloc_array(batch, sizeof *classifier->transforms);
    classifier->times = amass_calloc_array(batch, sizeof *classifier->times);
    classifier->pictures = amass_calloc_array(batch, sizeof *classifier->pictures);
    if (!classifier->input || !classifier->names || !classifier->transforms || !classifier->times || !classifier->pictures)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu", batch);
    return AMASS_OK;
}

static int open_session(amass_classifier *classifier, amass_status *status)
{
    const amass_classify_options *options = &classifier->options;
    amass_nn_tensor_type type;
    size_t batch = (size_t)options->batch;
    if (amass_nn_graph_output_count(classifier->graph) < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: the model has no output", options->model_path);
    if (!(classifier->session = amass_nn_session_open(classifier->graph, status)))
        return status->code;
    amass_nn_session_set_bf16(classifier->session, options->bf16);
    if (classifier->postprocess)
        return open_detector(classifier, status);
    if (amass_nn_session_output_type(classifier->session, 1, 0, &type, status) != AMASS_OK)
        return status->code;
    classifier->n_classes = amass_nn_type_count(&type);
    if (classifier->n_classes < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: the model's output is empty", options->model_path);
    if (classifier->labels.n_labels && classifier->labels.n_labels != classifier->n_classes)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: %zu labels for a model with %zu classes",
                          options->labels_path ? options->labels_path : options->model_path,
                          classifier->labels.n_labels, classifier->n_classes);
    classifier->image_count = amass_vision_preprocess_output_count(&classifier->spec);
    classifier->input = amass_alloc_array(batch, classifier->image_count * sizeof(float));
    classifier->output = amass_alloc_array(batch, classifier->n_classes * sizeof(float));
    classifier->top = amass_calloc_array((size_t)options->top_k, sizeof *classifier->top);
    classifier->names = amass_calloc_array(batch, sizeof *classifier->names);
    classifier->times = amass_calloc_array(batch, sizeof *classifier->times);
    classifier->pictures = amass_calloc_array(batch, sizeof *classifier->pictures);
    if (!classifier->input || !classifier->output || !classifier->top || !classifier->names || !classifier->times ||
        !classifier->pictures)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu", batch);
    return AMASS_OK;
}

int amass_classifier_open(const amass_classify_options *options, amass_classifier **result, amass_status *status)
{
    amass_classifier *classifier;
    *result = NULL;
    if (options->top_k < 1 || options->batch < 1 || options->decode_threads < 1 || !options->model_path)
        return amass_fail(status, AMASS_ERR_USAGE, "classify: a model, --top, --batch and decode threads of at least 1 are needed");
    if (!(classifier = calloc(1, sizeof *classifier)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    classifier->options = *options;
    amass_buf_init(&classifier->labels_json);
    /* The classifier keeps its own copies: the caller's strings may go. */
    classifier->model_path = amass_strndup(options->model_path, strlen(options->model_path));
    classifier->labels_path = options->labels_path ? amass_strndup(options->labels_path, strlen(options->labels_path)) : NULL;
    classifier->options.model_path = classifier->model_path;
    classifier->options.labels_path = classifier->labels_path;
    if (!classifier->model_path || (options->labels_path && !classifier->labels_path)) {
        amass_classifier_close(classifier);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    classifier->options.annotate_directory = NULL; /* the writer keeps its own copy */
    classifier->video.fps = options->video_fps;
    classifier->video.every = options->video_every;
    if (options->video_fps < 0 || options->video_every < 0) {
        amass_classifier_close(classifier);
        return amass_fail(status, AMASS_ERR_USAGE, "classify: video frame rate and step cannot be negative");
    }
    if (options->annotate_directory && !(classifier->annotate = annotate_writer_open(options->annotate_directory, status))) {
        amass_classifier_close(classifier);
        return status->code;
    }
    if (load_model(classifier, status) != AMASS_OK || open_session(classifier, status) != AMASS_OK) {
        amass_classifier_close(classifier);
        return status->code;
    }
    *result = classifier;
    return AMASS_OK;
}

void amass_classifier_close(amass_classifier *classifier)
{
    size_t i;
    if (!classifier)
        return;
    if (classifier->names)
        for (i = 0; i < (size_t)classifier->options.batch; i++)
            free(classifier->names[i]);
    if (classifier->pictures)
        for (i = 0; i < (size_t)classifier->options.batch; i++)
            amass_media_image_free(&classifier->pictures[i]);
    free(classifier->names);
    free(classifier->times);
    free(classifier->pictures);
    annotate_writer_close(classifier->annotate);
    free(classifier->transforms);
    free(classifier->postprocess);
    amass_classify_detector_close(classifier->detector);
    free(classifier->top);
    free(classifier->input);
    free(classifier->output);
    amass_buf_free(&classifier->labels_json);
    amass_models_labels_free(&classifier->labels);
    amass_nn_session_close(classifier->session);
    amass_nn_graph_free(classifier->graph);
    free(classifier->name);
    free(classifier->model_path);
    free(classifier->labels_path);
    free(classifier);
}

const char *amass_classifier_model_name(const amass_classifier *classifier)
{
    return classifier->name;
}

const amass_vision_preprocess_spec *amass_classifier_spec(const amass_classifier *classifier)
{
    return &classifier->spec;
}

/* The label text of class index: the labels file's line, or the index. */
static const char *label_of(const amass_classifier *classifier, size_t index, char *digits, size_t size)
{
    if (classifier->labels.n_labels)
        return classifier->labels.labels[index];
    snprintf(digits, size, "%zu", index);
    return digits;
}

size_t classify_format_time(double t, char *text, size_t size)
{
    size_t n = (size_t)snprintf(text, size, "%.6f", t);
    while (n > 1 && text[n - 1] == '0')
        text[--n] = '\0';
    if (n > 1 && text[n - 1] == '.')
        text[--n] = '\0';
    return n;
}

/* The top labels drawn in the corner of the picture and written to the
 * --annotate directory; a failure is reported as the input's and its
 * record left out (so --resume tries it again). Returns 0 when the record
 * is to be left out. */
#define ANNOTATE_MAX_CAPTIONS 10
/* a detector's cap (100 by default) is more boxes than a picture can show
 * legibly; the record keeps them all */
#define ANNOTATE_MAX_BOXES 100
static int annotate(amass_classifier *classifier, const char *input, double t, amass_image *picture, size_t n_top,
                    const amass_classify_sink *sink, amass_status *status)
{
    char texts[ANNOTATE_MAX_CAPTIONS][96], digits[32];
    const char *captions[ANNOTATE_MAX_CAPTIONS];
    amass_status problem;
    size_t i, n = n_top < ANNOTATE_MAX_CAPTIONS ? n_top : ANNOTATE_MAX_CAPTIONS;
    for (i = 0; i < n; i++) {
        snprintf(texts[i], sizeof texts[i], "%s %.2f",
                 label_of(classifier, classifier->top[i].index, digits, sizeof digits), classifier->top[i].score);
        captions[i] = texts[i];
    }
    amass_status_clear(&problem);
    if (annotate_writer_write(classifier->annotate, input, t, picture, NULL, 0, captions, n, &problem) == AMASS_OK)
        return 1;
    if (problem.code != AMASS_ERR_INPUT) {
        *status = problem;
        return -1;
    }
    amass_report_failure(sink->reporter, input, strlen(input), problem.message);
    return 0;
}

static int write_image(amass_classifier *classifier, const char *input, double t, amass_image *picture, float *scores,
                       const amass_classify_sink *sink, amass_status *status)
{
    char time_text[64];
    size_t time_length = t >= 0 ? classify_format_time(t, time_text, sizeof time_text) : 0;
    amass_record_writer *writer = sink->writer;
    amass_buf *json = &classifier->labels_json;
    size_t n_top, i;
    char digits[32];
    int apply = classifier->options.softmax == AMASS_SOFTMAX_YES ||
                (classifier->options.softmax == AMASS_SOFTMAX_AUTO &&
                 !amass_vision_is_distribution(scores, classifier->n_classes));
    if (apply)
        amass_vision_softmax(scores, classifier->n_classes);
    n_top = amass_vision_top_k(scores, classifier->n_classes, (size_t)classifier->options.top_k,
                               classifier->options.threshold, classifier->top);
    if (classifier->annotate && picture->pixels) {
        int kept = annotate(classifier, input, t, picture, n_top, sink, status);
        if (kept <= 0)
            return kept < 0 ? status->code : AMASS_OK;
    }
    if (sink->format == AMASS_FORMAT_TSV) {
        for (i = 0; i < n_top; i++) {
            const char *label = label_of(classifier, classifier->top[i].index, digits, sizeof digits);
            amass_io_record_begin(writer);
            amass_io_field_string(writer, "input", input, strlen(input));
            if (t >= 0)
                amass_io_field_json(writer, "t", time_text, time_length);
            amass_io_field_string(writer, "label", label, strlen(label));
            amass_io_field_float(writer, "score", classifier->top[i].score);
            if (amass_io_record_end(writer, status) != AMASS_OK)
                return status->code;
        }
        return AMASS_OK;
    }
    amass_buf_reset(json);
    amass_buf_append_char(json, '[');
    for (i = 0; i < n_top; i++) {
        const char *label = label_of(classifier, classifier->top[i].index, digits, sizeof digits);
        amass_buf_append_str(json, i ? ",{\"label\":" : "{\"label\":");
        amass_json_append_string(json, label, strlen(label));
        amass_buf_append_str(json, ",\"score\":");
        amass_json_append_float(json, classifier->top[i].score, sink->precision);
        amass_buf_append_char(json, '}');
    }
    amass_buf_append_char(json, ']');
    if (json->failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building a record");
    amass_io_record_begin(writer);
    amass_io_field_string(writer, "input", input, strlen(input));
    if (t >= 0)
        amass_io_field_json(writer, "t", time_text, time_length);
    amass_io_field_string(writer, "model", classifier->name, strlen(classifier->name));
    amass_io_field_json(writer, "labels", json->data, json->length);
    return amass_io_record_end(writer, status);
}

/* --annotate for a detector: its boxes and "label 0.93" captions, before
 * the record is written (the detector path calls this with the objects it
 * kept). 1: write the record; 0: leave it out (the file could not be
 * written: the input's failure); -1: a failure that ends the run. */
typedef struct {
    amass_classifier *classifier;
    const char *input;
    double t;
    amass_image *picture;
    const amass_classify_sink *sink;
} annotate_context;

static int annotate_boxes(void *argument, const amass_vision_detection *found, size_t n, amass_status *status)
{
    annotate_context *context = argument;
    amass_classifier *classifier = context->classifier;
    char texts[ANNOTATE_MAX_BOXES][96], digits[32];
    const char *captions[ANNOTATE_MAX_BOXES];
    amass_status problem;
    size_t i;
    if (n > ANNOTATE_MAX_BOXES)
        n = ANNOTATE_MAX_BOXES;
    for (i = 0; i < n; i++) {
        const char *label = digits;
        snprintf(digits, sizeof digits, "%zu", found[i].index);
        if (found[i].index < classifier->labels.n_labels)
            label = classifier->labels.labels[found[i].index];
        snprintf(texts[i], sizeof texts[i], "%s %.2f", label, found[i].score);
        captions[i] = texts[i];
    }
    amass_status_clear(&problem);
    if (annotate_writer_write(classifier->annotate, context->input, context->t, context->picture, found, n, captions, n,
                              &problem) == AMASS_OK)
        return 1;
    if (problem.code != AMASS_ERR_INPUT) {
        *status = problem;
        return -1;
    }
    amass_report_failure(context->sink->reporter, context->input, strlen(context->input), problem.message);
    return 0;
}

/* Runs the pending images as one batch and writes their records. */
static int flush_batch(amass_classifier *classifier, const amass_classify_sink *sink, amass_status *status)
{
    const float *inputs[1] = {classifier->input};
    float *outputs[1] = {classifier->output};
    size_t i, n = classifier->n_pending;
    int code = AMASS_OK;
    if (n == 0)
        return AMASS_OK;
    if (classifier->detector)
        code = amass_classify_detector_run(classifier->detector, classifier->session, n, classifier->input,
                                           classifier->image_count, status);
    else if (amass_nn_session_run(classifier->session, (int64_t)n, inputs, outputs, status) != AMASS_OK)
        code = status->code;
    for (i = 0; i < n; i++) {
        if (code == AMASS_OK && classifier->detector) {
            annotate_context context = {classifier, classifier->names[i], classifier->times[i], &classifier->pictures[i],
                                        sink};
            code = amass_classify_detector_write(classifier->detector, i, classifier->names[i], classifier->times[i],
                                                 &classifier->transforms[i], classifier->name,
                                                 (const char *const *)classifier->labels.labels,
                                                 classifier->labels.n_labels, sink,
                                                 classifier->annotate && classifier->pictures[i].pixels ? annotate_boxes : NULL,
                                                 &context, status);
        } else if (code == AMASS_OK)
            code = write_image(classifier, classifier->names[i], classifier->times[i], &classifier->pictures[i],
                               classifier->output + i * classifier->n_classes, sink, status);
        free(classifier->names[i]);
        classifier->names[i] = NULL;
        amass_media_image_free(&classifier->pictures[i]);
    }
    classifier->n_pending = 0;
    return code;
}

/* Takes the next batch slot (its tensor already written) for input, t
 * (< 0 for a still image), and a copy of picture when --annotate needs it. */
static int hold(amass_classifier *classifier, const char *input, double t, const amass_image *picture,
                const amass_vision_transform *transform, amass_status *status)
{
    size_t i = classifier->n_pending;
    if (!(classifier->names[i] = amass_strndup(input, strlen(input))))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    classifier->times[i] = t;
    if (classifier->transforms)
        classifier->transforms[i] = *transform;
    if (classifier->annotate && picture) {
        size_t bytes = (size_t)picture->width * (size_t)picture->height * 3;
        amass_image *copy = &classifier->pictures[i];
        if (!(copy->pixels = malloc(bytes)))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        memcpy(copy->pixels, picture->pixels, bytes);
        copy->width = picture->width;
        copy->height = picture->height;
        copy->channels = 3;
        copy->orientation = picture->orientation;
    }
    classifier->n_pending++;
    return AMASS_OK;
}

/* Puts one decoded image into the next batch slot. */
static int add_image(amass_classifier *classifier, const amass_image_feed_item *item, amass_status *status)
{
    memcpy(classifier->input + classifier->n_pending * classifier->image_count, item->tensor,
           classifier->image_count * sizeof(float));
    return hold(classifier, item->name, -1.0, item->image, &item->transform, status);
}

/* A video's sampled frames, batched like images. They are decoded here,
 * while the feed's threads decode the inputs after it. A file cut short
 * keeps the records of the frames before the cut and fails as an input. */
static int run_video(amass_classifier *classifier, const char *name, amass_video_reader *video,
                     const amass_classify_sink *sink, amass_status *status)
{
    size_t batch = (size_t)classifier->options.batch;
    const amass_image *frame;
    amass_status problem;
    amass_vision_transform transform;
    double t;
    int result, code;
    amass_status_clear(&problem);
    while (!amass_report_stop_requested(sink->reporter) &&
           (result = amass_media_video_next(video, &frame, &t, &problem)) != 0) {
        if (result < 0) {
            if (problem.code == AMASS_ERR_NOMEM) {
                *status = problem;
                return problem.code;
            }
            amass_report_failure(sink->reporter, name, strlen(name), problem.message);
            break;
        }
        if (amass_vision_preprocess(&classifier->spec, frame,
                                    classifier->input + classifier->n_pending * classifier->image_count, &transform,
                                    status) != AMASS_OK ||
            hold(classifier, name, t, frame, &transform, status) != AMASS_OK)
            return status->code;
        if (classifier->n_pending == batch && (code = flush_batch(classifier, sink, status)) != AMASS_OK)
            return code;
    }
    return AMASS_OK;
}

/* Batches hold good images only, as many as --batch, so a bad file
 * changes neither the batches around it nor the scores. */
int amass_classifier_run(amass_classifier *classifier, amass_input_list *inputs, const amass_classify_sink *sink,
                         amass_status *status)
{
    size_t batch = (size_t)classifier->options.batch;
    /* A batch decoded ahead while one runs, and one image per worker in hand;
     * past 256 images a batch is long enough to hide the decoding anyway. */
    size_t depth = (batch < 256 ? batch : 256) + (size_t)classifier->options.decode_threads;
    amass_image_feed_extras extras = {&classifier->video, classifier->annotate != NULL};
    amass_image_feed *feed = amass_image_feed_open_with(inputs, sink->shard, sink->done, &classifier->spec,
                                                        classifier->options.decode_threads, depth, &extras, status);
    amass_image_feed_item item;
    int result, code = AMASS_OK;
    if (!feed)
        return status->code;
    while (!amass_report_stop_requested(sink->reporter)) {
        result = amass_image_feed_next(feed, &item, status);
        if (result == 0)
            break;
        if (result < 0) {
            code = status->code;
            break;
        }
        if (item.video) {
            code = run_video(classifier, item.name, item.video, sink, status);
            amass_media_video_close(item.video);
            if (code != AMASS_OK)
                break;
            continue;
        }
        if (!item.tensor) {
            amass_report_failure(sink->reporter, item.name, strlen(item.name), item.problem);
            continue;
        }
        if ((code = add_image(classifier, &item, status)) != AMASS_OK)
            break;
        if (classifier->n_pending == batch && (code = flush_batch(classifier, sink, status)) != AMASS_OK)
            break;
    }
    amass_image_feed_close(feed);
    if (code != AMASS_OK)
        return code;
    return flush_batch(classifier, sink, status);
}
