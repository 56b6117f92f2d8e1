/* A model directory's manifest.json read and checked with jansson, and
 * its labels file. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "models.h"

/* "dir/name", or name when dir is empty. */
static char *join_path(const char *directory, const char *name)
{
    size_t n_dir = strlen(directory), n_name = strlen(name);
    char *path;
    if (name[0] == '/' || n_dir == 0)
        return amass_strndup(name, n_name);
    if (!(path = malloc(n_dir + n_name + 2)))
        return NULL;
    memcpy(path, directory, n_dir);
    path[n_dir] = '/';
    memcpy(path + n_dir + 1, name, n_name + 1);
    return path;
}

/* The last component, trailing slashes ignored: "models/resnet18/" gives
 * "resnet18". */
static char *base_name(const char *path)
{
    size_t end = strlen(path), start;
    while (end > 1 && path[end - 1] == '/')
        end--;
    start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return amass_strndup(path + start, end - start);
}

static int get_string(json_t *object, const char *key, const char *field, int required, const char **value,
                      const char *where, amass_status *status)
{
    json_t *member = json_object_get(object, key);
    *value = NULL;
    if (!member) {
        if (required)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"%s\" is missing", where, field);
        return AMASS_OK;
    }
    if (!json_is_string(member) || json_string_length(member) == 0 ||
        strlen(json_string_value(member)) != json_string_length(member))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"%s\" is not a non-empty string", where, field);
    *value = json_string_value(member);
    return AMASS_OK;
}

static int get_size(json_t *object, const char *key, const char *field, int *value, const char *where,
                    amass_status *status)
{
    json_t *member = json_object_get(object, key);
    if (!member)
        return AMASS_OK;
    if (!json_is_integer(member) || json_integer_value(member) < 1 || json_integer_value(member) > 16384)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"%s\" is not an integer from 1 to 16384", where, field);
    *value = (int)json_integer_value(member);
    return AMASS_OK;
}

static int get_triple(json_t *object, const char *key, const char *field, float values[3], int *given,
                      const char *where, amass_status *status)
{
    json_t *member = json_object_get(object, key);
    size_t i;
    if (!member)
        return AMASS_OK;
    if (!json_is_array(member) || json_array_size(member) != 3)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"%s\" is not an array of 3 numbers", where, field);
    for (i = 0; i < 3; i++) {
        json_t *item = json_array_get(member, i);
        if (!json_is_number(item))
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"%s\" is not an array of 3 numbers", where, field);
        values[i] = (float)json_number_value(item);
    }
    *given = 1;
    return AMASS_OK;
}

/* "input.resize": how an image becomes the model's size. Detectors are
 * trained on whole images (stretched or letterboxed), classifiers on
 * centre crops. */
static int read_resize_mode(json_t *input, amass_model_manifest *manifest, const char *where, amass_status *status)
{
    const char *resize;
    if (get_string(input, "resize", "input.resize", 0, &resize, where, status) != AMASS_OK)
        return status->code;
    if (!resize)
        return AMASS_OK;
    if (strcmp(resize, "stretch") == 0)
        manifest->resize = AMASS_VISION_RESIZE_STRETCH;
    else if (strcmp(resize, "letterbox") == 0)
        manifest->resize = AMASS_VISION_RESIZE_LETTERBOX;
    else if (strcmp(resize, "crop") == 0)
        manifest->resize = AMASS_VISION_RESIZE_SHORTER_THEN_CROP;
    else
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"input.resize\" '%s' is not stretch, letterbox or crop",
                          where, resize);
    manifest->has_resize = 1;
    return AMASS_OK;
}

static int read_input_spec(json_t *input, amass_model_manifest *manifest, const char *where, amass_status *status)
{
    const char *layout, *colour;
    json_t *scale;
    if (!json_is_object(input))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"input\" is not an object", where);
    if (get_size(input, "size", "input.size", &manifest->size, where, status) != AMASS_OK ||
        get_size(input, "crop", "input.crop", &manifest->crop, where, status) != AMASS_OK ||
        get_triple(input, "mean", "input.mean", manifest->mean, &manifest->has_mean, where, status) != AMASS_OK ||
        get_triple(input, "std", "input.std", manifest->std, &manifest->has_std, where, status) != AMASS_OK ||
        get_string(input, "layout", "input.layout", 0, &layout, where, status) != AMASS_OK ||
        get_string(input, "colour", "input.colour", 0, &colour, where, status) != AMASS_OK)
        return status->code;
    if (read_resize_mode(input, manifest, where, status) != AMASS_OK)
        return status->code;
    if ((scale = json_object_get(input, "scale"))) {
        if (!json_is_number(scale) || !(json_number_value(scale) > 0))
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"input.scale\" is not a positive number", where);
        manifest->scale = (float)json_number_value(scale);
        manifest->has_scale = 1;
    }
    if (layout) {
        if (strcmp(layout, "nchw") != 0 && strcmp(layout, "nhwc") != 0)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"input.layout\" '%s' is not nchw or nhwc", where,
                              layout);
        manifest->layout = strcmp(layout, "nhwc") == 0 ? AMASS_VISION_LAYOUT_NHWC : AMASS_VISION_LAYOUT_NCHW;
        manifest->has_layout = 1;
    }
    if (colour) {
        if (strcmp(colour, "rgb") != 0 && strcmp(colour, "bgr") != 0)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"input.colour\" '%s' is not rgb or bgr", where, colour);
        manifest->bgr = strcmp(colour, "bgr") == 0;
    }
    return AMASS_OK;
}

/* "postprocess": kept as written; the pipeline that runs the model says
 * which kinds it knows, so a new kind needs no change here. */
static int read_postprocess(json_t *root, amass_model_manifest *manifest, const char *where, amass_status *status)
{
    const char *postprocess;
    if (get_string(root, "postprocess", "postprocess", 0, &postprocess, where, status) != AMASS_OK)
        return status->code;
    if (postprocess && !(manifest->postprocess = amass_strndup(postprocess, strlen(postprocess))))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    return AMASS_OK;
}

/* "outputs": an array of non-empty strings. */
static int read_outputs(json_t *root, amass_model_manifest *manifest, const char *where, amass_status *status)
{
    json_t *outputs = json_object_get(root, "outputs");
    size_t i, count;
    if (!outputs)
        return AMASS_OK;
    count = json_array_size(outputs);
    if (!json_is_array(outputs) || count == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"outputs\" is not a non-empty array of names", where);
    if (!(manifest->outputs = amass_calloc_array(count, sizeof *manifest->outputs)))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    for (i = 0; i < count; i++) {
        const char *name = json_string_value(json_array_get(outputs, i));
        if (!name || !name[0])
            return amass_fail(status, AMASS_ERR_USAGE, "%s: \"outputs\"[%zu] is not a non-empty string", where, i);
        if (!(manifest->outputs[i] = amass_strndup(name, strlen(name))))
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
        manifest->n_outputs = i + 1;
    }
    return AMASS_OK;
}

/* "features": {"output": a non-empty name, "dim": a positive integer}. */
static int read_features(json_t *root, amass_model_manifest *manifest, const char *where, amass_status *status)
{
    json_t *features = json_object_get(root, "features"), *dim;
    const char *output;
    if (!features)
        return AMASS_OK;
    if (!json_is_object(features))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"features\" is not an object", where);
    output = json_string_value(json_object_get(features, "output"));
    if (!output || !output[0])
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"features.output\" is not a non-empty string", where);
    dim = json_object_get(features, "dim");
    if (!json_is_integer(dim) || json_integer_value(dim) < 1 || json_integer_value(dim) > (1 << 24))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: \"features.dim\" is not an integer from 1 to %d", where, 1 << 24);
    if (!(manifest->features_output = amass_strndup(output, strlen(output))))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    manifest->features_dim = (size_t)json_integer_value(dim);
    return AMASS_OK;
}

static int read_manifest(json_t *root, const char *where, const char *directory, amass_model_manifest *manifest,
                         amass_status *status)
{
    const char *name, *task, *format, *file, *labels, *acoustic = NULL, *dict = NULL, *lm = NULL, *scorer = NULL;
    int transcribe;
    json_t *input;
    if (!json_is_object(root))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: not a JSON object", where);
    if (get_string(root, "name", "name", 0, &name, where, status) != AMASS_OK ||
        get_string(root, "task", "task", 1, &task, where, status) != AMASS_OK ||
        get_string(root, "format", "format", 1, &format, where, status) != AMASS_OK)
        return status->code;
    /* A Sphinx transcribe model is three parts, not one file. */
    transcribe = strcmp(task, "transcribe") == 0 && strcmp(format, "sphinx") == 0;
    if (get_string(root, "file", "file", !transcribe, &file, where, status) != AMASS_OK ||
        (transcribe && (get_string(root, "acoustic", "acoustic", 1, &acoustic, where, status) != AMASS_OK ||
                        get_string(root, "dict", "dict", 1, &dict, where, status) != AMASS_OK ||
                        get_string(root, "lm", "lm", 1, &lm, where, status) != AMASS_OK ||
                        get_string(root, "scorer", "scorer", 0, &scorer, where, status) != AMASS_OK)) ||
        get_string(root, "labels", "labels", 0, &labels, where, status) != AMASS_OK)
        return status->code;
    if ((input = json_object_get(root, "input")) && read_input_spec(input, manifest, where, status) != AMASS_OK)
        return status->code;
    if (read_postprocess(root, manifest, where, status) != AMASS_OK ||
        read_outputs(root, manifest, where, status) != AMASS_OK ||
        read_features(root, manifest, where, status) != AMASS_OK)
        return status->code;
    manifest->name = name ? amass_strndup(name, strlen(name)) : base_name(directory);
    manifest->task = amass_strndup(task, strlen(task));
    manifest->format = amass_strndup(format, strlen(format));
    manifest->file_path = file ? join_path(directory, file) : NULL;
    manifest->labels_path = labels ? join_path(directory, labels) : NULL;
    if (transcribe) {
        manifest->acoustic_path = join_path(directory, acoustic);
        manifest->dict_path = join_path(directory, dict);
        manifest->lm_path = join_path(directory, lm);
        manifest->scorer = amass_strndup(scorer ? scorer : "gmm", strlen(scorer ? scorer : "gmm"));
        if (!manifest->acoustic_path || !manifest->dict_path || !manifest->lm_path || !manifest->scorer)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    }
    if (!manifest->name || !manifest->task || !manifest->format || (file && !manifest->file_path) ||
        (labels && !manifest->labels_path))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    return AMASS_OK;
}

int amass_models_manifest_parse(const char *text, size_t length, const char *where, const char *directory,
                                amass_model_manifest *manifest, amass_status *status)
{
    json_error_t error;
    json_t *root;
    int code;
    memset(manifest, 0, sizeof *manifest);
    if (!(root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &error)))
        return amass_fail(status, AMASS_ERR_USAGE, "%s:%d: not valid JSON: %s", where, error.line, error.text);
    code = read_manifest(root, where, directory, manifest, status);
    json_decref(root);
    if (code != AMASS_OK)
        amass_models_manifest_free(manifest);
    return code;
}

/* Manifests are a few hundred bytes; anything past 1 MiB is not one. */
#define MANIFEST_MAX (1 << 20)

int amass_models_manifest_load(const char *directory, amass_model_manifest *manifest, amass_status *status)
{
    char *path = join_path(directory, "manifest.json"), *text = NULL;
    size_t length = 0;
    FILE *file;
    int code;
    memset(manifest, 0, sizeof *manifest);
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (!(file = fopen(path, "rb"))) {
        code = amass_fail(status, AMASS_ERR_USAGE, "%s: %s", path, strerror(errno));
        free(path);
        return code;
    }
    if (!(text = malloc(MANIFEST_MAX + 1))) {
        fclose(file);
        free(path);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    length = fread(text, 1, MANIFEST_MAX + 1, file);
    if (ferror(file))
        code = amass_fail(status, AMASS_ERR_IO, "%s: read error", path);
    else if (length > MANIFEST_MAX)
        code = amass_fail(status, AMASS_ERR_USAGE, "%s: larger than 1 MiB, not a manifest", path);
    else
        code = amass_models_manifest_parse(text, length, path, directory, manifest, status);
    fclose(file);
    free(text);
    free(path);
    return code;
}

void amass_models_manifest_free(amass_model_manifest *manifest)
{
    if (!manifest)
        return;
    free(manifest->name);
    free(manifest->task);
    free(manifest->format);
    free(manifest->file_path);
    free(manifest->labels_path);
    free(manifest->acoustic_path);
    free(manifest->dict_path);
    free(manifest->lm_path);
    free(manifest->scorer);
    free(manifest->postprocess);
    for (size_t i = 0; i < manifest->n_outputs; i++)
        free(manifest->outputs[i]);
    free(manifest->outputs);
    free(manifest->features_output);
    memset(manifest, 0, sizeof *manifest);
}

int amass_models_labels_load(const char *path, amass_model_labels *labels, amass_status *status)
{
    amass_line_reader *reader;
    size_t capacity = 0, length;
    char *line, **grown;
    int result;
    memset(labels, 0, sizeof *labels);
    if (!(reader = amass_io_lines_open(path, status)))
        return status->code == AMASS_OK ? amass_fail(status, AMASS_ERR_USAGE, "%s: cannot open", path)
                                        : status->code;
    while ((result = amass_io_lines_next(reader, &line, &length, status)) == 1) {
        if (length && line[length - 1] == '\r')
            length--;
        if (labels->n_labels == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            if (!(grown = amass_realloc_array(labels->labels, capacity, sizeof *grown)))
                break;
            labels->labels = grown;
        }
        if (!(labels->labels[labels->n_labels] = amass_strndup(line, length)))
            break;
        labels->n_labels++;
    }
    amass_io_lines_close(reader);
    if (result == 1) {
        amass_models_labels_free(labels);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    if (result < 0) {
        amass_models_labels_free(labels);
        return status->code;
    }
    if (labels->n_labels == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: no labels in the file", path);
    return AMASS_OK;
}

void amass_models_labels_free(amass_model_labels *labels)
{
    size_t i;
    if (!labels)
        return;
    for (i = 0; i < labels->n_labels; i++)
        free(labels->labels[i]);
    free(labels->labels);
    memset(labels, 0, sizeof *labels);
}
