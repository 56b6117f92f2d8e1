/* The classify pipeline for detectors: finds the head's tensors among the
 * model's outputs, decodes each image's objects (vision/detect.h), maps
 * the boxes back to the input image, suppresses duplicates and writes
 * {"label","score","box"} records. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/formats.h"
#include "../formats/tfjs.h"
#include "../vision/detect.h"
#include "classify_detect.h"
#include "classify_internal.h"

typedef enum { HEAD_NANODET, HEAD_CENTERNET } head_kind;

/* NanoDet has three or four strides; more is not a NanoDet. */
#define MAX_LEVELS 8
/* What a detector reports when --threshold, --iou and --top are not given. */
#define DEFAULT_THRESHOLD 0.3f
#define DEFAULT_MAX_OBJECTS 100
/* Boxes of two classes overlapping this much are one object named twice. */
#define SAME_OBJECT_IOU 0.8f
/* CenterNet's peaks kept before NMS: the K of the model's own top-K. */
#define CENTERNET_PEAKS 100

typedef struct {
    size_t scores_output, distances_output;
    int grid_width, grid_height;
    float stride;
} head_level;

struct amass_classify_detector {
    head_kind kind;
    int dynamic_batch;
    size_t n_outputs;
    size_t *output_counts;      /* floats per image of each output */
    float **outputs;            /* batch images of each */
    size_t n_classes, n_bins;   /* n_bins: NanoDet's bins per side */
    head_level levels[MAX_LEVELS];
    size_t n_levels;
    int input_width, input_height;
    float threshold, iou_threshold;
    size_t max_objects;
    amass_vision_detection_list found;
    amass_buf json;
};

int amass_classify_detector_kind(const char *postprocess)
{
    if (!postprocess || strcmp(postprocess, "softmax") == 0 || strcmp(postprocess, "none") == 0)
        return 0;
    if (strcmp(postprocess, "nanodet") == 0 || strcmp(postprocess, "centernet") == 0)
        return 1;
    return -1;
}

int amass_classify_load_graph(const char *format, const char *path, const char *const *outputs, size_t n_outputs,
                              amass_nn_graph **graph, amass_status *status)
{
    if (strcmp(format, "onnx") == 0 && n_outputs > 0)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"outputs\" is for TF.js models; an ONNX model's are its own",
                          path);
    if (strcmp(format, "onnx") == 0)
        return amass_formats_load_onnx(path, graph, status);
    if (strcmp(format, "tfjs") == 0 && n_outputs > 0) {
        amass_tfjs_model *model = NULL;
        int code = amass_tfjs_open(path, &model, status);
        if (code == AMASS_OK)
            code = amass_tfjs_import_outputs(model, NULL, 0, outputs, n_outputs, graph, status);
        amass_tfjs_close(model);
        return code;
    }
    if (strcmp(format, "tfjs") == 0)
        return amass_formats_load_model(path, NULL, 0, graph, status);
    return amass_fail(status, AMASS_ERR_USAGE, "%s: amass-classify reads no %s models", path, format);
}

/* NanoDet: per stride, (1, cells, classes) scores and (1, cells, 4 * bins)
 * distances. The two of one stride share the cell count; the scores are
 * the one as wide as the labels (so labels that fit neither are reported
 * as a mismatch, not as a missing head). */
/* Whether width a, rather than b, is a level's scores: the one as wide as
 * the labels; else the one that cannot be 4 sides of bins; else the
 * wider (80 classes against 4 x 11 bins). */
static int is_scores(int64_t a, int64_t b, size_t n_labels)
{
    if (a == (int64_t)n_labels || b == (int64_t)n_labels)
        return a == (int64_t)n_labels;
    if ((a % 4 == 0) != (b % 4 == 0))
        return a % 4 != 0;
    return a > b;
}

static int find_nanodet_head(amass_classify_detector *detector, const amass_nn_tensor_type *types, size_t n_labels,
                             const char *where, amass_status *status)
{
    size_t i, j;
    for (i = 0; i < detector->n_outputs; i++) {
        size_t scores = i, distances = SIZE_MAX, cells;
        double side;
        head_level *level;
        if (types[i].rank != 3)
            continue;
        for (j = i + 1; j < detector->n_outputs; j++)
            if (types[j].rank == 3 && types[j].dims[1] == types[i].dims[1])
                distances = j;
        if (distances == SIZE_MAX)
            continue;
        if (is_scores(types[distances].dims[2], types[i].dims[2], n_labels))
            scores = distances, distances = i;
        if (detector->n_levels == MAX_LEVELS)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: more than %d strides: not a NanoDet head", where, MAX_LEVELS);
        cells = (size_t)types[i].dims[1];
        if (detector->n_levels == 0) {
            detector->n_classes = (size_t)types[scores].dims[2];
            detector->n_bins = (size_t)types[distances].dims[2] / 4;
        }
        if ((size_t)types[scores].dims[2] != detector->n_classes || types[distances].dims[2] % 4 != 0 ||
            (size_t)types[distances].dims[2] / 4 != detector->n_bins)
            return amass_fail(status, AMASS_ERR_USAGE,
                              "%s: outputs of %lld and %lld values per cell are not NanoDet's %zu scores and 4 x %zu bins",
                              where, (long long)types[scores].dims[2], (long long)types[distances].dims[2],
                              detector->n_classes, detector->n_bins);
        level = &detector->levels[detector->n_levels++];
        /* The grid keeps the input's aspect ratio: cells = (W / s) * (H / s). */
        side = sqrt((double)detector->input_width * detector->input_height / (double)cells);
        level->grid_width = (int)lround(detector->input_width / side);
        level->grid_height = (int)lround(detector->input_height / side);
        level->stride = (float)detector->input_width / (float)(level->grid_width ? level->grid_width : 1);
        level->scores_output = scores;
        level->distances_output = distances;
        if (level->grid_width < 1 || (size_t)level->grid_width * (size_t)level->grid_height != cells)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: %zu cells do not tile the %d x %d input", where, cells,
                              detector->input_width, detector->input_height);
    }
    if (detector->n_levels == 0)
        return amass_fail(status, AMASS_ERR_USAGE,
                          "%s: no pair of (1, cells, classes) and (1, cells, 4 x bins) outputs: not a NanoDet head", where);
    return AMASS_OK;
}

/* CenterNet: (1, H, W, classes) heatmap and (1, H, W, 4) distances; any
 * other output (the graph's own "detections") is left alone. n_labels
 * picks the heatmap among several, as for NanoDet. */
static int find_centernet_head(amass_classify_detector *detector, const amass_nn_tensor_type *types, size_t n_labels,
                               const char *where, amass_status *status)
{
    size_t i, heatmap = SIZE_MAX, distances = SIZE_MAX;
    for (i = 0; i < detector->n_outputs; i++) {
        if (types[i].rank != 4)
            continue;
        if (types[i].dims[3] == 4 && distances == SIZE_MAX)
            distances = i;
        else if (heatmap == SIZE_MAX || types[i].dims[3] == (int64_t)n_labels ||
                 (types[heatmap].dims[3] != (int64_t)n_labels && types[i].dims[3] > types[heatmap].dims[3]))
            heatmap = i;   /* as wide as the labels, else the widest: a mismatch is reported as such */
    }
    if (heatmap == SIZE_MAX || distances == SIZE_MAX || types[heatmap].dims[1] != types[distances].dims[1] ||
        types[heatmap].dims[2] != types[distances].dims[2])
        return amass_fail(status, AMASS_ERR_USAGE,
                          "%s: no (1, H, W, classes) heatmap and (1, H, W, 4) box output: not a CenterNet head", where);
    detector->n_classes = (size_t)types[heatmap].dims[3];
    detector->n_levels = 1;
    detector->levels[0].scores_output = heatmap;
    detector->levels[0].distances_output = distances;
    detector->levels[0].grid_height = (int)types[heatmap].dims[1];
    detector->levels[0].grid_width = (int)types[heatmap].dims[2];
    detector->levels[0].stride = (float)detector->input_height / (float)detector->levels[0].grid_height;
    if ((float)detector->input_width / (float)detector->levels[0].grid_width != detector->levels[0].stride)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: a %d x %d heatmap does not tile the %d x %d input", where,
                          detector->levels[0].grid_width, detector->levels[0].grid_height, detector->input_width,
                          detector->input_height);
    return AMASS_OK;
}

int amass_classify_detector_open(const char *postprocess, const char *where, const amass_nn_graph *graph,
                                 amass_nn_session *session, const amass_vision_preprocess_spec *spec,
                                 size_t n_labels, const amass_classify_options *options, size_t batch,
                                 amass_classify_detector **result, amass_status *status)
{
    amass_classify_detector *detector;
    amass_nn_tensor_type input_type, *types = NULL;
    size_t i;
    int code = AMASS_OK;
    *result = NULL;
    if (!(detector = calloc(1, sizeof *detector)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    amass_vision_detection_list_init(&detector->found);
    amass_buf_init(&detector->json);
    detector->kind = strcmp(postprocess, "centernet") == 0 ? HEAD_CENTERNET : HEAD_NANODET;
    detector->input_width = spec->crop_width;
    detector->input_height = spec->crop_height;
    detector->threshold = isfinite(options->threshold) ? options->threshold : DEFAULT_THRESHOLD;
    detector->iou_threshold = options->iou_threshold;
    detector->max_objects = options->has_top ? (size_t)options->top_k : DEFAULT_MAX_OBJECTS;
    detector->dynamic_batch = amass_nn_graph_input_type(graph, 0, &input_type) == AMASS_OK &&
                              input_type.dims[0] == AMASS_NN_DYNAMIC;
    detector->n_outputs = amass_nn_graph_output_count(graph);
    types = amass_calloc_array(detector->n_outputs, sizeof *types);
    detector->output_counts = amass_calloc_array(detector->n_outputs, sizeof *detector->output_counts);
    detector->outputs = amass_calloc_array(detector->n_outputs, sizeof *detector->outputs);
    if (!types || !detector->output_counts || !detector->outputs)
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (i = 0; code == AMASS_OK && i < detector->n_outputs; i++) {
        if ((code = amass_nn_session_output_type(session, 1, i, &types[i], status)) != AMASS_OK)
            break;
        detector->output_counts[i] = amass_nn_type_count(&types[i]);
        if (!(detector->outputs[i] = amass_alloc_array(batch, detector->output_counts[i] * sizeof(float))))
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu", batch);
    }
    if (code == AMASS_OK)
        code = detector->kind == HEAD_CENTERNET ? find_centernet_head(detector, types, n_labels, where, status)
                                                : find_nanodet_head(detector, types, n_labels, where, status);
    if (code == AMASS_OK && n_labels && n_labels != detector->n_classes)
        code = amass_fail(status, AMASS_ERR_USAGE, "%s: %zu labels for a detector of %zu classes", where, n_labels,
                          detector->n_classes);
    free(types);
    if (code != AMASS_OK) {
        amass_classify_detector_close(detector);
        return code;
    }
    *result = detector;
    return AMASS_OK;
}

void amass_classify_detector_close(amass_classify_detector *detector)
{
    size_t i;
    if (!detector)
        return;
    if (detector->outputs)
        for (i = 0; i < detector->n_outputs; i++)
            free(detector->outputs[i]);
    free(detector->outputs);
    free(detector->output_counts);
    amass_vision_detection_list_free(&detector->found);
    amass_buf_free(&detector->json);
    free(detector);
}

size_t amass_classify_detector_classes(const amass_classify_detector *detector)
{
    return detector->n_classes;
}

int amass_classify_detector_run(amass_classify_detector *detector, amass_nn_session *session, size_t n_images,
                                const float *input, size_t image_count, amass_status *status)
{
    float *outputs[MAX_LEVELS * 2 + 8], **slots = outputs;
    size_t image, i;
    int code = AMASS_OK;
    if (detector->n_outputs > sizeof outputs / sizeof *outputs &&
        !(slots = amass_calloc_array(detector->n_outputs, sizeof *slots)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (detector->dynamic_batch) {
        const float *inputs[1] = {input};
        for (i = 0; i < detector->n_outputs; i++)
            slots[i] = detector->outputs[i];
        code = amass_nn_session_run(session, (int64_t)n_images, inputs, slots, status);
    } else {
        /* A batch fixed at 1 (TF.js graph models often are): image by image. */
        for (image = 0; image < n_images && code == AMASS_OK; image++) {
            const float *inputs[1] = {input + image * image_count};
            for (i = 0; i < detector->n_outputs; i++)
                slots[i] = detector->outputs[i] + image * detector->output_counts[i];
            code = amass_nn_session_run(session, 1, inputs, slots, status);
        }
    }
    if (slots != outputs)
        free(slots);
    return code;
}

static int decode(amass_classify_detector *detector, size_t image, amass_status *status)
{
    size_t i;
    detector->found.count = 0;
    for (i = 0; i < detector->n_levels; i++) {
        const head_level *level = &detector->levels[i];
        const float *scores = detector->outputs[level->scores_output] + image * detector->output_counts[level->scores_output];
        const float *distances =
            detector->outputs[level->distances_output] + image * detector->output_counts[level->distances_output];
        int code;
        if (detector->kind == HEAD_CENTERNET) {
            code = amass_vision_decode_centernet(scores, distances, level->grid_width, level->grid_height,
                                                 detector->n_classes, level->stride, detector->threshold,
                                                 CENTERNET_PEAKS, detector->input_width, detector->input_height,
                                                 &detector->found, status);
        } else {
            amass_vision_nanodet_level head = {scores, distances, level->grid_width, level->grid_height, level->stride};
            code = amass_vision_decode_nanodet(&head, detector->n_classes, detector->n_bins, detector->threshold,
                                               detector->input_width, detector->input_height, &detector->found, status);
        }
        if (code != AMASS_OK)
            return code;
    }
    return AMASS_OK;
}

/* Boxes to a tenth of a pixel: finer is noise, and shorter to read. */
static float tenth(float value)
{
    return roundf(value * 10.0f) / 10.0f;
}

int amass_classify_detector_write(amass_classify_detector *detector, size_t image, const char *input, double t,
                                  const amass_vision_transform *transform, const char *model_name,
                                  const char *const *labels, size_t n_labels, const amass_classify_sink *sink,
                                  amass_classify_objects_hook hook, void *hook_context, amass_status *status)
{
    char time_text[64];
    size_t time_length = t >= 0 ? classify_format_time(t, time_text, sizeof time_text) : 0;
    int kept;
    amass_record_writer *writer = sink->writer;
    amass_buf *json = &detector->json;
    amass_vision_detection *found;
    size_t n, i, k;
    char digits[32];
    if (decode(detector, image, status) != AMASS_OK)
        return status->code;
    found = detector->found.items;
    for (i = 0; i < detector->found.count; i++) {
        float box[4];
        amass_vision_box_to_input(transform, found[i].box, box);
        for (k = 0; k < 4; k++)
            found[i].box[k] = tenth(box[k]);
    }
    n = amass_vision_nms(found, detector->found.count, detector->iou_threshold, 0);
    n = amass_vision_suppress_same_object(found, n, SAME_OBJECT_IOU);
    if (n > detector->max_objects)
        n = detector->max_objects;
    if (hook && (kept = hook(hook_context, found, n, status)) <= 0)
        return kept < 0 ? status->code : AMASS_OK;
    if (sink->format == AMASS_FORMAT_TSV) {
        for (i = 0; i < n; i++) {
            const char *label = digits;
            snprintf(digits, sizeof digits, "%zu", found[i].index);
            if (found[i].index < n_labels)
                label = labels[found[i].index];
            amass_io_record_begin(writer);
            amass_io_field_string(writer, "input", input, strlen(input));
            if (t >= 0)
                amass_io_field_json(writer, "t", time_text, time_length);
            amass_io_field_string(writer, "label", label, strlen(label));
            amass_io_field_float(writer, "score", found[i].score);
            amass_io_field_float(writer, "x0", found[i].box[0]);
            amass_io_field_float(writer, "y0", found[i].box[1]);
            amass_io_field_float(writer, "x1", found[i].box[2]);
            amass_io_field_float(writer, "y1", found[i].box[3]);
            if (amass_io_record_end(writer, status) != AMASS_OK)
                return status->code;
        }
        return AMASS_OK;
    }
    amass_buf_reset(json);
    amass_buf_append_char(json, '[');
    for (i = 0; i < n; i++) {
        const char *label = digits;
        snprintf(digits, sizeof digits, "%zu", found[i].index);
        if (found[i].index < n_labels)
            label = labels[found[i].index];
        amass_buf_append_str(json, i ? ",{\"label\":" : "{\"label\":");
        amass_json_append_string(json, label, strlen(label));
        amass_buf_append_str(json, ",\"score\":");
        amass_json_append_float(json, found[i].score, sink->precision);
        amass_buf_append_str(json, ",\"box\":[");
        for (k = 0; k < 4; k++) {
            if (k)
                amass_buf_append_char(json, ',');
            amass_json_append_float(json, found[i].box[k], 0);
        }
        amass_buf_append_str(json, "]}");
    }
    amass_buf_append_char(json, ']');
    if (json->failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building a record");
    amass_io_record_begin(writer);
    amass_io_field_string(writer, "input", input, strlen(input));
    if (t >= 0)
        amass_io_field_json(writer, "t", time_text, time_length);
    amass_io_field_string(writer, "model", model_name, strlen(model_name));
    amass_io_field_json(writer, "labels", json->data, json->length);
    return amass_io_record_end(writer, status);
}
