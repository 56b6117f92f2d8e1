/* The TF.js model reader: model.json and the weight shards its manifest
 * names, checked byte for byte and decoded (float16 and affine-quantised
 * weights to float32) into the plain weights of tfjs.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "tfjs_internal.h"

/* No real model.json comes near this (the largest TF.js graphs are a few
 * MB of JSON); a bigger file is refused before it is read. */
#define TFJS_JSON_MAX ((size_t)256 << 20)
/* Weights beyond this are refused: the engine's constants are addressed
 * with size_t but a hostile manifest must not ask for terabytes. */
#define TFJS_WEIGHT_BYTES_MAX ((uint64_t)1 << 34)

struct amass_tfjs_model {
    char *path;
    char *directory; /* with its trailing '/', or "" */
    json_t *root;
    amass_tfjs_format format;
    const json_t *topology;
    const json_t *signature;
    amass_tfjs_weight *weights;
    size_t n_weights;
};

static int fail(amass_status *status, amass_code code, const char *path, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(amass_status *status, amass_code code, const char *path, const char *format, ...)
{
    char why[AMASS_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(why, sizeof why, format, args);
    va_end(args);
    return amass_fail(status, code, "%s: %s", path, why);
}

/* Reads the whole file at path (at most limit bytes, and exactly expected
 * when expected is not (size_t)-1). */
static int read_file(const char *path, size_t limit, size_t expected, const char *label, unsigned char **data,
                     size_t *length, amass_status *status)
{
    *data = NULL;
    *length = 0;
    FILE *file = fopen(path, "rb");
    if (!file)
        return fail(status, AMASS_ERR_IO, label, "cannot open '%s': %s", path, strerror(errno));
    struct stat info;
    if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
        fclose(file);
        return fail(status, AMASS_ERR_INPUT, label, "'%s' is not a regular file", path);
    }
    if ((uint64_t)info.st_size > limit) {
        fclose(file);
        return fail(status, AMASS_ERR_INPUT, label, "'%s' is too large (%lld bytes)", path,
                    (long long)info.st_size);
    }
    size_t size = (size_t)info.st_size;
    if (expected != (size_t)-1 && size != expected) {
        fclose(file);
        return fail(status, AMASS_ERR_INPUT, label, "'%s' holds %zu bytes, the manifest asks for %zu", path, size,
                    expected);
    }
    unsigned char *bytes = malloc(size + 1);
    if (!bytes) {
        fclose(file);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory reading '%s'", label, path);
    }
    size_t got = size ? fread(bytes, 1, size, file) : 0;
    int error = ferror(file);
    fclose(file);
    if (got != size || error) {
        free(bytes);
        return fail(status, AMASS_ERR_IO, label, "cannot read '%s'", path);
    }
    bytes[size] = 0;
    *data = bytes;
    *length = size;
    return AMASS_OK;
}

/* A shard path is relative to the model's directory and stays inside it:
 * a manifest may not reach /etc/passwd or ../../secrets. */
static int path_is_contained(const char *relative)
{
    if (!*relative || relative[0] == '/' || strchr(relative, '\\') || strchr(relative, ':'))
        return 0;
    const char *part = relative;
    while (*part) {
        size_t length = strcspn(part, "/");
        if (length == 2 && part[0] == '.' && part[1] == '.')
            return 0;
        part += length;
        while (*part == '/')
            part++;
    }
    return 1;
}

typedef struct {
    const char *name;
    size_t bytes_per_element; /* as stored in the shard */
    int stored;               /* 0 plain, 1 float16, 2 uint8, 3 uint16 */
    double minimum, scale;
} weight_encoding;

static float half_to_float(uint16_t half)
{
    unsigned sign = half >> 15, exponent = (half >> 10) & 31, mantissa = half & 1023;
    float magnitude;
    if (exponent == 0)
        magnitude = ldexpf((float)mantissa, -24);
    else if (exponent == 31)
        magnitude = mantissa ? NAN : INFINITY;
    else
        magnitude = ldexpf((float)(mantissa | 1024), (int)exponent - 25);
    return sign ? -magnitude : magnitude;
}

static int parse_dtype(const char *path, const char *weight, const char *dtype, amass_nn_dtype *out,
                       amass_status *status)
{
    if (!strcmp(dtype, "float32"))
        *out = AMASS_NN_FLOAT32;
    else if (!strcmp(dtype, "int32"))
        *out = AMASS_NN_INT32;
    else if (!strcmp(dtype, "bool"))
        *out = AMASS_NN_BOOL;
    else if (!strcmp(dtype, "string") || !strcmp(dtype, "complex64"))
        return fail(status, AMASS_ERR_UNSUPPORTED, path, "weight '%s': dtype %s is not supported (only float32, "
                    "int32 and bool weights run)", weight, dtype);
    else
        return fail(status, AMASS_ERR_INPUT, path, "weight '%s': unknown dtype '%s'", weight, dtype);
    return AMASS_OK;
}

static int parse_quantization(const char *path, const char *weight, const json_t *quantization,
                              amass_nn_dtype dtype, weight_encoding *encoding, amass_status *status)
{
    encoding->stored = 0;
    encoding->bytes_per_element = amass_nn_dtype_size(dtype);
    if (!quantization)
        return AMASS_OK;
    const char *kind = json_string_value(json_object_get(quantization, "dtype"));
    if (!json_is_object(quantization) || !kind)
        return fail(status, AMASS_ERR_INPUT, path, "weight '%s': 'quantization' needs a string 'dtype'", weight);
    if (!strcmp(kind, "float16")) {
        if (dtype != AMASS_NN_FLOAT32)
            return fail(status, AMASS_ERR_INPUT, path, "weight '%s': float16 quantisation of a %s weight", weight,
                        amass_nn_dtype_name(dtype));
        encoding->stored = 1;
        encoding->bytes_per_element = 2;
        return AMASS_OK;
    }
    if (strcmp(kind, "uint8") != 0 && strcmp(kind, "uint16") != 0)
        return fail(status, AMASS_ERR_UNSUPPORTED, path, "weight '%s': unknown quantisation dtype '%s'", weight,
                    kind);
    if (dtype == AMASS_NN_BOOL)
        return fail(status, AMASS_ERR_INPUT, path, "weight '%s': a bool weight cannot be quantised", weight);
    const json_t *minimum = json_object_get(quantization, "min"), *scale = json_object_get(quantization, "scale");
    if (!json_is_number(minimum) || !json_is_number(scale) || !isfinite(json_number_value(minimum)) ||
        !isfinite(json_number_value(scale)))
        return fail(status, AMASS_ERR_INPUT, path, "weight '%s': %s quantisation needs numbers 'min' and 'scale'",
                    weight, kind);
    encoding->minimum = json_number_value(minimum);
    encoding->scale = json_number_value(scale);
    encoding->stored = kind[4] == '8' ? 2 : 3;
    encoding->bytes_per_element = encoding->stored == 2 ? 1 : 2;
    return AMASS_OK;
}

/* Converts the stored bytes of one weight into its engine form. */
static void decode_weight(const weight_encoding *encoding, amass_nn_dtype dtype, const unsigned char *from,
                          size_t count, void *to)
{
    if (encoding->stored == 0) {
        memcpy(to, from, count * encoding->bytes_per_element);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        double value;
        if (encoding->stored == 1) {
            float *out = to;
            out[i] = half_to_float((uint16_t)(from[2 * i] | from[2 * i + 1] << 8));
            continue;
        }
        unsigned q = encoding->stored == 2 ? from[i] : (unsigned)(from[2 * i] | from[2 * i + 1] << 8);
        value = q * encoding->scale + encoding->minimum;
        if (dtype == AMASS_NN_FLOAT32) {
            ((float *)to)[i] = (float)value;
        } else {
            /* TF.js rounds dequantised int32 weights to the nearest integer */
            double rounded = nearbyint(value);
            if (rounded > INT32_MAX)
                rounded = INT32_MAX;
            if (rounded < INT32_MIN)
                rounded = INT32_MIN;
            ((int32_t *)to)[i] = (int32_t)rounded;
        }
    }
}

static int parse_shape(const char *path, const char *weight, const json_t *shape, amass_tfjs_weight *out,
                       amass_status *status)
{
    if (!json_is_array(shape))
        return fail(status, AMASS_ERR_INPUT, path, "weight '%s': 'shape' is not an array", weight);
    if (json_array_size(shape) > AMASS_NN_MAX_RANK)
        return fail(status, AMASS_ERR_UNSUPPORTED, path, "weight '%s' has rank %zu (at most %d)", weight,
                    json_array_size(shape), AMASS_NN_MAX_RANK);
    out->rank = (int)json_array_size(shape);
    uint64_t count = 1;
    for (int d = 0; d < out->rank; d++) {
        const json_t *dim = json_array_get(shape, (size_t)d);
        if (!json_is_integer(dim) || json_integer_value(dim) < 0)
            return fail(status, AMASS_ERR_INPUT, path, "weight '%s': dimension %d is not a count", weight, d);
        out->dims[d] = json_integer_value(dim);
        if (out->dims[d] > (int64_t)TFJS_WEIGHT_BYTES_MAX ||
            (out->dims[d] && count > TFJS_WEIGHT_BYTES_MAX / (uint64_t)out->dims[d]))
            return fail(status, AMASS_ERR_INPUT, path, "weight '%s': shape too large", weight);
        count *= (uint64_t)out->dims[d];
    }
    out->n_elements = (size_t)count;
    return AMASS_OK;
}

/* One manifest group: its shards read back to back, then its weights cut
 * from them in order. */
static int read_group(amass_tfjs_model *model, const json_t *group, size_t group_index, amass_status *status)
{
    const char *path = model->path;
    const json_t *paths = json_object_get(group, "paths"), *weights = json_object_get(group, "weights");
    if (!json_is_object(group) || !json_is_array(paths) || !json_is_array(weights))
        return fail(status, AMASS_ERR_INPUT, path, "weightsManifest group %zu needs arrays 'paths' and 'weights'",
                    group_index);
    size_t n = json_array_size(weights);
    weight_encoding *encodings = amass_calloc_array(n + 1, sizeof *encodings);
    amass_tfjs_weight *grown = amass_realloc_array(model->weights, model->n_weights + n + 1, sizeof *grown);
    if (!encodings || !grown) {
        free(encodings);
        if (grown)
            model->weights = grown;
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    model->weights = grown;
    uint64_t total = 0;
    int result = AMASS_OK;
    for (size_t i = 0; i < n && result == AMASS_OK; i++) {
        const json_t *entry = json_array_get(weights, i);
        const char *name = json_string_value(json_object_get(entry, "name"));
        const char *dtype = json_string_value(json_object_get(entry, "dtype"));
        amass_tfjs_weight *weight = &model->weights[model->n_weights + i];
        memset(weight, 0, sizeof *weight);
        if (!json_is_object(entry) || !name || !dtype) {
            result = fail(status, AMASS_ERR_INPUT, path, "weightsManifest group %zu: weight %zu needs a string "
                          "'name' and 'dtype'", group_index, i);
            break;
        }
        weight->name = name;
        if ((result = parse_dtype(path, name, dtype, &weight->dtype, status)) != AMASS_OK ||
            (result = parse_shape(path, name, json_object_get(entry, "shape"), weight, status)) != AMASS_OK ||
            (result = parse_quantization(path, name, json_object_get(entry, "quantization"), weight->dtype,
                                         &encodings[i], status)) != AMASS_OK)
            break;
        total += (uint64_t)weight->n_elements * encodings[i].bytes_per_element;
        if (total > TFJS_WEIGHT_BYTES_MAX)
            result = fail(status, AMASS_ERR_INPUT, path, "weight '%s': the weights are too large", name);
    }
    unsigned char *bytes = NULL;
    if (result == AMASS_OK)
        bytes = malloc((size_t)total + 1);
    if (result == AMASS_OK && !bytes)
        result = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %llu bytes of weights", path,
                            (unsigned long long)total);
    /* the shards, read in order; each must exist and together they must
     * hold exactly the group's bytes */
    size_t filled = 0;
    for (size_t s = 0; s < json_array_size(paths) && result == AMASS_OK; s++) {
        const char *relative = json_string_value(json_array_get(paths, s));
        if (!relative) {
            result = fail(status, AMASS_ERR_INPUT, path, "weightsManifest group %zu: path %zu is not a string",
                          group_index, s);
            break;
        }
        if (!path_is_contained(relative)) {
            result = fail(status, AMASS_ERR_INPUT, path, "weight shard '%s' is outside the model's directory",
                          relative);
            break;
        }
        size_t full_length = strlen(model->directory) + strlen(relative) + 1;
        char *full = malloc(full_length);
        if (!full) {
            result = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        snprintf(full, full_length, "%s%s", model->directory, relative);
        unsigned char *shard;
        size_t length;
        result = read_file(full, (size_t)total - filled, (size_t)-1, path, &shard, &length, status);
        free(full);
        if (result != AMASS_OK) {
            if (strstr(status->message, "too large"))
                result = fail(status, AMASS_ERR_INPUT, path, "weight shard '%s' holds more bytes than the "
                              "manifest's %llu", relative, (unsigned long long)total);
            break;
        }
        memcpy(bytes + filled, shard, length);
        filled += length;
        free(shard);
    }
    if (result == AMASS_OK && filled != total)
        result = fail(status, AMASS_ERR_INPUT, path, "weightsManifest group %zu: the shards hold %zu bytes, the "
                      "weights need %llu (a shard is truncated or missing)", group_index, filled,
                      (unsigned long long)total);
    size_t offset = 0;
    for (size_t i = 0; i < n && result == AMASS_OK; i++) {
        amass_tfjs_weight *weight = &model->weights[model->n_weights];
        size_t size = amass_nn_dtype_size(weight->dtype);
        void *data = amass_alloc_array(weight->n_elements ? weight->n_elements : 1, size);
        if (!data) {
            result = amass_fail(status, AMASS_ERR_NOMEM, "%s: weight '%s': out of memory", path, weight->name);
            break;
        }
        decode_weight(&encodings[i], weight->dtype, bytes + offset, weight->n_elements, data);
        if (weight->dtype == AMASS_NN_BOOL)
            for (size_t e = 0; e < weight->n_elements; e++)
                ((unsigned char *)data)[e] = ((unsigned char *)data)[e] != 0;
        weight->data = data;
        offset += weight->n_elements * encodings[i].bytes_per_element;
        model->n_weights++;
    }
    free(bytes);
    free(encodings);
    return result;
}

static int classify_format(amass_tfjs_model *model, amass_status *status)
{
    const char *path = model->path;
    const json_t *format = json_object_get(model->root, "format");
    model->topology = json_object_get(model->root, "modelTopology");
    if (!json_is_object(model->topology))
        return fail(status, AMASS_ERR_INPUT, path, "no 'modelTopology' object: not a TF.js model.json");
    if (format && !json_is_string(format))
        return fail(status, AMASS_ERR_INPUT, path, "'format' is not a string");
    const char *name = json_string_value(format);
    int has_nodes = json_is_array(json_object_get(model->topology, "node"));
    int has_config = json_object_get(model->topology, "model_config") != NULL ||
                     json_object_get(model->topology, "class_name") != NULL;
    if (name && !strcmp(name, "graph-model"))
        model->format = AMASS_TFJS_GRAPH_MODEL;
    else if (name && !strcmp(name, "layers-model"))
        model->format = AMASS_TFJS_LAYERS_MODEL;
    else if (name)
        return fail(status, AMASS_ERR_UNSUPPORTED, path, "unknown format '%s' (graph-model or layers-model)", name);
    else if (has_nodes)
        model->format = AMASS_TFJS_GRAPH_MODEL;
    else if (has_config)
        model->format = AMASS_TFJS_LAYERS_MODEL;
    else
        return fail(status, AMASS_ERR_INPUT, path, "'modelTopology' has neither 'node' nor 'model_config'");
    if (model->format == AMASS_TFJS_GRAPH_MODEL && !has_nodes)
        return fail(status, AMASS_ERR_INPUT, path, "a graph model's 'modelTopology' needs a 'node' array");
    if (model->format == AMASS_TFJS_LAYERS_MODEL && !has_config)
        return fail(status, AMASS_ERR_INPUT, path, "a layers model's 'modelTopology' needs 'model_config'");
    const json_t *signature = json_object_get(model->root, "signature");
    model->signature = json_is_object(signature) ? signature : NULL;
    return AMASS_OK;
}

static int check_unique_names(const amass_tfjs_model *model, amass_status *status)
{
    for (size_t i = 0; i < model->n_weights; i++)
        if (amass_tfjs_weight_find(model, model->weights[i].name) != &model->weights[i])
            return fail(status, AMASS_ERR_INPUT, model->path, "weight '%s' is listed twice", model->weights[i].name);
    return AMASS_OK;
}

static int open_model(amass_tfjs_model *model, const char *path, amass_status *status)
{
    size_t length = strlen(path);
    model->path = amass_strndup(path, length);
    const char *slash = strrchr(path, '/');
    model->directory = amass_strndup(path, slash ? (size_t)(slash - path) + 1 : 0);
    if (!model->path || !model->directory)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    unsigned char *text;
    size_t text_length;
    int result = read_file(path, TFJS_JSON_MAX, (size_t)-1, path, &text, &text_length, status);
    if (result != AMASS_OK)
        return result;
    json_error_t error;
    /* jansson refuses invalid UTF-8 and NUL bytes in strings, so every
     * name downstream is a valid C string */
    model->root = json_loadb((const char *)text, text_length, JSON_REJECT_DUPLICATES, &error);
    free(text);
    if (!model->root)
        return fail(status, AMASS_ERR_INPUT, path, "invalid JSON at line %d, column %d: %s", error.line,
                    error.column, error.text);
    if (!json_is_object(model->root))
        return fail(status, AMASS_ERR_INPUT, path, "not a JSON object: not a TF.js model.json");
    if ((result = classify_format(model, status)) != AMASS_OK)
        return result;
    const json_t *manifest = json_object_get(model->root, "weightsManifest");
    if (manifest && !json_is_array(manifest))
        return fail(status, AMASS_ERR_INPUT, path, "'weightsManifest' is not an array");
    for (size_t g = 0; g < json_array_size(manifest); g++)
        if ((result = read_group(model, json_array_get(manifest, g), g, status)) != AMASS_OK)
            return result;
    return check_unique_names(model, status);
}

int amass_tfjs_open(const char *path, amass_tfjs_model **model, amass_status *status)
{
    *model = calloc(1, sizeof **model);
    if (!*model)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    int result = open_model(*model, path, status);
    if (result != AMASS_OK) {
        amass_tfjs_close(*model);
        *model = NULL;
    }
    return result;
}

void amass_tfjs_close(amass_tfjs_model *model)
{
    if (!model)
        return;
    for (size_t i = 0; i < model->n_weights; i++)
        free((void *)model->weights[i].data);
    free(model->weights);
    json_decref(model->root);
    free(model->path);
    free(model->directory);
    free(model);
}

const char *amass_tfjs_path(const amass_tfjs_model *model)
{
    return model->path;
}

amass_tfjs_format amass_tfjs_format_of(const amass_tfjs_model *model)
{
    return model->format;
}

const struct json_t *amass_tfjs_topology(const amass_tfjs_model *model)
{
    return model->topology;
}

const struct json_t *amass_tfjs_signature(const amass_tfjs_model *model)
{
    return model->signature;
}

size_t amass_tfjs_weight_count(const amass_tfjs_model *model)
{
    return model->n_weights;
}

const amass_tfjs_weight *amass_tfjs_weight_at(const amass_tfjs_model *model, size_t index)
{
    return index < model->n_weights ? &model->weights[index] : NULL;
}

const amass_tfjs_weight *amass_tfjs_weight_find(const amass_tfjs_model *model, const char *name)
{
    /* a linear scan: models have hundreds of weights and importers look
     * each up once */
    for (size_t i = 0; i < model->n_weights; i++)
        if (!strcmp(model->weights[i].name, name))
            return &model->weights[i];
    return NULL;
}
