/* The safetensors reader: the header parsed with jansson and checked
 * against the file (every tensor's bytes inside the data, no overlap, no
 * gap, size = elements x element size), and conversion to float32. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats.h"
#include "safetensors.h"

struct amass_safetensors {
    char *path;
    unsigned char *bytes; /* the whole file */
    size_t size;
    amass_safetensors_tensor *tensors;
    char **names;
    size_t count;
    json_t *metadata;
};

static const struct {
    const char *name;
    amass_safetensors_dtype dtype;
    size_t size;
} dtypes[] = {
    {"F32", AMASS_SAFETENSORS_F32, 4},  {"F16", AMASS_SAFETENSORS_F16, 2}, {"BF16", AMASS_SAFETENSORS_BF16, 2},
    {"F64", AMASS_SAFETENSORS_F64, 8},  {"I64", AMASS_SAFETENSORS_I64, 8}, {"I32", AMASS_SAFETENSORS_I32, 4},
    {"I16", AMASS_SAFETENSORS_I16, 2},  {"I8", AMASS_SAFETENSORS_I8, 1},   {"U8", AMASS_SAFETENSORS_U8, 1},
    {"BOOL", AMASS_SAFETENSORS_BOOL, 1},
};

const char *amass_safetensors_dtype_name(amass_safetensors_dtype dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == dtype)
            return dtypes[i].name;
    return "unknown";
}

static size_t dtype_size(amass_safetensors_dtype dtype)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == dtype)
            return dtypes[i].size;
    return 0;
}

void amass_safetensors_close(amass_safetensors *file)
{
    if (!file)
        return;
    for (size_t i = 0; i < file->count; i++)
        free(file->names[i]);
    free(file->names);
    free(file->tensors);
    free(file->bytes);
    free(file->path);
    json_decref(file->metadata);
    free(file);
}

static int read_whole(amass_safetensors *file, amass_status *status)
{
    FILE *stream = fopen(file->path, "rb");
    if (!stream)
        return amass_fail(status, AMASS_ERR_IO, "%s: %s", file->path, strerror(errno));
    int result = AMASS_OK;
    long length = -1;
    if (fseek(stream, 0, SEEK_END) == 0)
        length = ftell(stream);
    if (length < 0 || fseek(stream, 0, SEEK_SET) != 0)
        result = amass_fail(status, AMASS_ERR_IO, "%s: cannot find the file's size", file->path);
    if (result == AMASS_OK) {
        file->size = (size_t)length;
        file->bytes = malloc(file->size + 1);
        if (!file->bytes)
            result = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %zu bytes", file->path, file->size);
        else if (fread(file->bytes, 1, file->size, stream) != file->size)
            result = amass_fail(status, AMASS_ERR_IO, "%s: read error", file->path);
    }
    fclose(stream);
    return result;
}

static int compare_offsets(const void *a, const void *b)
{
    const amass_safetensors_tensor *x = a, *y = b;
    const unsigned char *px = x->data, *py = y->data;
    if (px != py)
        return px < py ? -1 : 1;
    return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
}

/* One header entry checked and filled in; data_size is what follows the header. */
static int read_entry(amass_safetensors *file, const char *name, json_t *entry, const unsigned char *data,
                      size_t data_size, amass_safetensors_tensor *tensor, amass_status *status)
{
    const char *path = file->path;
    if (!json_is_object(entry))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s': not a JSON object", path, name);
    json_t *dtype = json_object_get(entry, "dtype"), *shape = json_object_get(entry, "shape");
    json_t *offsets = json_object_get(entry, "data_offsets");
    if (!json_is_string(dtype) || !json_is_array(shape) || !json_is_array(offsets) || json_array_size(offsets) != 2)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s': needs a dtype, a shape and two data_offsets",
                          path, name);
    size_t d;
    for (d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
        if (!strcmp(json_string_value(dtype), dtypes[d].name))
            break;
    if (d == sizeof dtypes / sizeof dtypes[0])
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: tensor '%s': unsupported dtype '%s'", path, name,
                          json_string_value(dtype));
    tensor->dtype = dtypes[d].dtype;
    if (json_array_size(shape) > AMASS_SAFETENSORS_MAX_RANK)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: tensor '%s': rank %zu (at most %d)", path, name,
                          json_array_size(shape), AMASS_SAFETENSORS_MAX_RANK);
    tensor->rank = (int)json_array_size(shape);
    size_t count = 1;
    for (int i = 0; i < tensor->rank; i++) {
        json_t *dim = json_array_get(shape, (size_t)i);
        json_int_t value = json_is_integer(dim) ? json_integer_value(dim) : -1;
        if (value < 0 || value > ((json_int_t)1 << 40))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s': dimension %d is not a size", path, name, i);
        tensor->shape[i] = value;
        if (value && count > SIZE_MAX / (size_t)value)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s': the shape overflows", path, name);
        count *= (size_t)value;
    }
    json_t *begin_json = json_array_get(offsets, 0), *end_json = json_array_get(offsets, 1);
    json_int_t begin = json_is_integer(begin_json) ? json_integer_value(begin_json) : -1;
    json_int_t end = json_is_integer(end_json) ? json_integer_value(end_json) : -1;
    if (begin < 0 || end < begin || (uint64_t)end > data_size)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: tensor '%s': data_offsets [%lld, %lld] outside the %zu data bytes", path, name,
                          (long long)begin, (long long)end, data_size);
    size_t element = dtype_size(tensor->dtype);
    if (count > SIZE_MAX / element || count * element != (size_t)(end - begin))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s': shape needs %zu x %zu bytes, offsets give %lld",
                          path, name, count, element, (long long)(end - begin));
    tensor->count = count;
    tensor->bytes = (size_t)(end - begin);
    tensor->data = data + begin;
    return AMASS_OK;
}

static int parse(amass_safetensors *file, amass_status *status)
{
    const char *path = file->path;
    if (file->size < 8)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: not a safetensors file: %zu bytes, shorter than its header length", path, file->size);
    uint64_t header_length = 0;
    for (int i = 7; i >= 0; i--)
        header_length = header_length << 8 | file->bytes[i];
    if (header_length > AMASS_SAFETENSORS_MAX_HEADER)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: header of %llu bytes refused (at most %zu)", path,
                          (unsigned long long)header_length, AMASS_SAFETENSORS_MAX_HEADER);
    if (header_length > file->size - 8)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: header of %llu bytes is longer than the file (%zu bytes)", path,
                          (unsigned long long)header_length, file->size);
    json_error_t error;
    json_t *header = json_loadb((const char *)file->bytes + 8, (size_t)header_length, JSON_REJECT_DUPLICATES, &error);
    if (!header)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: header: %s", path, error.text);
    int result = AMASS_OK;
    if (!json_is_object(header))
        result = amass_fail(status, AMASS_ERR_INPUT, "%s: header is not a JSON object", path);
    size_t n = result == AMASS_OK ? json_object_size(header) : 0;
    file->tensors = calloc(n + 1, sizeof *file->tensors);
    file->names = calloc(n + 1, sizeof *file->names);
    if (result == AMASS_OK && (!file->tensors || !file->names))
        result = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    const unsigned char *data = file->bytes + 8 + header_length;
    size_t data_size = file->size - 8 - (size_t)header_length;
    const char *key;
    json_t *value;
    json_object_foreach(header, key, value)
    {
        if (result != AMASS_OK)
            break;
        if (!strcmp(key, "__metadata__")) {
            const char *meta_key;
            json_t *meta_value;
            if (!json_is_object(value))
                result = amass_fail(status, AMASS_ERR_INPUT, "%s: __metadata__ is not an object", path);
            json_object_foreach(value, meta_key, meta_value)
            {
                if (result == AMASS_OK && !json_is_string(meta_value))
                    result = amass_fail(status, AMASS_ERR_INPUT, "%s: __metadata__ '%s' is not a string", path,
                                        meta_key);
            }
            if (result == AMASS_OK)
                file->metadata = json_incref(value);
            continue;
        }
        amass_safetensors_tensor *tensor = &file->tensors[file->count];
        result = read_entry(file, key, value, data, data_size, tensor, status);
        if (result == AMASS_OK) {
            file->names[file->count] = strdup(key);
            if (!file->names[file->count])
                result = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
            tensor->name = file->names[file->count];
            file->count++;
        }
    }
    json_decref(header);
    if (result != AMASS_OK)
        return result;
    /* The format asks that the tensors tile the data exactly: an overlap
     * would alias two weights, a gap hides bytes nothing reads. Names
     * travel with their tensors through the sort. */
    qsort(file->tensors, file->count, sizeof *file->tensors, compare_offsets);
    for (size_t i = 0; i < file->count; i++)
        file->names[i] = (char *)file->tensors[i].name;
    size_t expected = 0;
    for (size_t i = 0; i < file->count; i++) {
        size_t begin = (size_t)((const unsigned char *)file->tensors[i].data - data);
        if (begin < expected)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s' overlaps tensor '%s'", path,
                              file->tensors[i].name, file->tensors[i - 1].name);
        if (begin > expected)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: %zu bytes before tensor '%s' belong to no tensor", path,
                              begin - expected, file->tensors[i].name);
        expected = begin + file->tensors[i].bytes;
    }
    if (expected != data_size)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %zu bytes at the end belong to no tensor", path,
                          data_size - expected);
    return AMASS_OK;
}

int amass_safetensors_open(const char *path, amass_safetensors **out, amass_status *status)
{
    *out = NULL;
    amass_safetensors *file = calloc(1, sizeof *file);
    if (!file || !(file->path = strdup(path))) {
        free(file);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    int result = read_whole(file, status);
    if (result == AMASS_OK)
        result = parse(file, status);
    if (result != AMASS_OK) {
        amass_safetensors_close(file);
        return result;
    }
    *out = file;
    return AMASS_OK;
}

const char *amass_safetensors_path(const amass_safetensors *file)
{
    return file->path;
}

size_t amass_safetensors_count(const amass_safetensors *file)
{
    return file->count;
}

const amass_safetensors_tensor *amass_safetensors_at(const amass_safetensors *file, size_t index)
{
    return index < file->count ? &file->tensors[index] : NULL;
}

const amass_safetensors_tensor *amass_safetensors_find(const amass_safetensors *file, const char *name)
{
    for (size_t i = 0; i < file->count; i++)
        if (!strcmp(file->tensors[i].name, name))
            return &file->tensors[i];
    return NULL;
}

const char *amass_safetensors_metadata(const amass_safetensors *file, const char *key)
{
    return file->metadata ? json_string_value(json_object_get(file->metadata, key)) : NULL;
}

static uint64_t load_le(const unsigned char *p, size_t bytes)
{
    uint64_t value = 0;
    for (size_t i = bytes; i > 0; i--)
        value = value << 8 | p[i - 1];
    return value;
}

int amass_safetensors_to_float(const amass_safetensors *file, const amass_safetensors_tensor *tensor, float **values,
                               amass_status *status)
{
    float *out = amass_alloc_array(tensor->count + 1, sizeof *out);
    if (!out)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for tensor '%s'", file->path, tensor->name);
    const unsigned char *p = tensor->data;
    size_t element = dtype_size(tensor->dtype);
    for (size_t i = 0; i < tensor->count; i++, p += element) {
        uint64_t bits = load_le(p, element);
        switch (tensor->dtype) {
        case AMASS_SAFETENSORS_F32: {
            uint32_t word = (uint32_t)bits;
            memcpy(&out[i], &word, sizeof word);
            break;
        }
        case AMASS_SAFETENSORS_BF16:
            out[i] = amass_bfloat16_to_float((uint16_t)bits);
            break;
        case AMASS_SAFETENSORS_F16:
            out[i] = amass_half_to_float((uint16_t)bits);
            break;
        case AMASS_SAFETENSORS_F64: {
            double wide;
            memcpy(&wide, &bits, sizeof wide);
            out[i] = (float)wide;
            break;
        }
        case AMASS_SAFETENSORS_I64:
            out[i] = (float)(int64_t)bits;
            break;
        case AMASS_SAFETENSORS_I32:
            out[i] = (float)(int32_t)(uint32_t)bits;
            break;
        case AMASS_SAFETENSORS_I16:
            out[i] = (float)(int16_t)(uint16_t)bits;
            break;
        case AMASS_SAFETENSORS_I8:
            out[i] = (float)(int8_t)(uint8_t)bits;
            break;
        case AMASS_SAFETENSORS_U8:
        case AMASS_SAFETENSORS_BOOL:
            out[i] = (float)bits;
            break;
        }
    }
    *values = out;
    return AMASS_OK;
}
