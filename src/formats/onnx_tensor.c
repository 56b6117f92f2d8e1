/* ONNX TensorProto decoding: dims checked against overflow, data from
 * raw_data (kept in the file mapping when aligned), from the typed value
 * fields (converted to the element type), or from an external data file
 * inside the model's directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx_internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ONNX reader hands out raw_data as it is stored: little-endian hosts only"
#endif

static const struct {
    const char *name;
    size_t size;
} data_types[] = {
    {NULL, 0},          {"FLOAT", 4},        {"UINT8", 1},          {"INT8", 1},          {"UINT16", 2},
    {"INT16", 2},       {"INT32", 4},        {"INT64", 8},          {"STRING", 0},        {"BOOL", 1},
    {"FLOAT16", 2},     {"DOUBLE", 8},       {"UINT32", 4},         {"UINT64", 8},        {"COMPLEX64", 8},
    {"COMPLEX128", 16}, {"BFLOAT16", 2},     {"FLOAT8E4M3FN", 1},   {"FLOAT8E4M3FNUZ", 1}, {"FLOAT8E5M2", 1},
    {"FLOAT8E5M2FNUZ", 1},
};

#define N_DATA_TYPES ((int)(sizeof data_types / sizeof *data_types))

size_t amass_onnx_data_type_size(int data_type)
{
    return data_type > 0 && data_type < N_DATA_TYPES ? data_types[data_type].size : 0;
}

const char *amass_onnx_data_type_name(int data_type)
{
    return data_type > 0 && data_type < N_DATA_TYPES ? data_types[data_type].name : NULL;
}

/* Where the values may come from, by field number of TensorProto. */
enum { FLOAT_DATA = 4, INT32_DATA = 5, STRING_DATA = 6, INT64_DATA = 7, RAW_DATA = 9, DOUBLE_DATA = 10,
       UINT64_DATA = 11 };

/* The typed field that carries data_type's values, the wire type of its
 * elements, and how many stored values make one element (complex types
 * store two). */
static int value_field_for(int data_type, amass_pb_wire_type *wire_type, size_t *per_element)
{
    *per_element = 1;
    switch (data_type) {
    case AMASS_ONNX_COMPLEX64: *per_element = 2; /* fall through */
    case AMASS_ONNX_FLOAT: *wire_type = AMASS_PB_FIXED32; return FLOAT_DATA;
    case AMASS_ONNX_COMPLEX128: *per_element = 2; /* fall through */
    case AMASS_ONNX_DOUBLE: *wire_type = AMASS_PB_FIXED64; return DOUBLE_DATA;
    case AMASS_ONNX_INT64: *wire_type = AMASS_PB_VARINT; return INT64_DATA;
    case AMASS_ONNX_UINT32: case AMASS_ONNX_UINT64: *wire_type = AMASS_PB_VARINT; return UINT64_DATA;
    default: *wire_type = AMASS_PB_VARINT; return INT32_DATA; /* the small ints, bool, half floats, fp8 */
    }
}

static const char *value_field_name(int field)
{
    switch (field) {
    case FLOAT_DATA: return "float_data";
    case INT32_DATA: return "int32_data";
    case INT64_DATA: return "int64_data";
    case DOUBLE_DATA: return "double_data";
    case STRING_DATA: return "string_data";
    default: return "uint64_data";
    }
}

typedef struct {
    const char *name;
    int data_type, external;
    size_t n_dims, n_values[16];
    int has_raw;
    amass_pb_field raw;
    const char *location;
    uint64_t offset, length;
    int has_length;
} tensor_scan;

static int parse_number(const char *text, uint64_t *value)
{
    uint64_t result = 0;
    if (!*text)
        return -1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || result > (UINT64_MAX - 9) / 10)
            return -1;
        result = result * 10 + (uint64_t)(*text - '0');
    }
    *value = result;
    return 0;
}

static int scan_external_entry(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                               const char *where, tensor_scan *scan)
{
    amass_pb_reader reader;
    amass_pb_field f;
    const char *key = "", *value = "";
    int more;
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0)
        goto prefixed;
    while ((more = amass_pb_next(&reader, &f, decoder->status)) > 0) {
        if (f.number == 1 && onnx_string(decoder, &f, where, &key) != 0)
            return -1;
        if (f.number == 2 && onnx_string(decoder, &f, where, &value) != 0)
            return -1;
    }
    if (more < 0)
        goto prefixed;
    if (!strcmp(key, "location")) {
        scan->location = value;
    } else if (!strcmp(key, "offset") || !strcmp(key, "length")) {
        uint64_t number;
        if (parse_number(value, &number) != 0)
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: external data %s '%s' is not a number", where,
                              key, value), -1;
        if (key[0] == 'o') {
            scan->offset = number;
        } else {
            scan->length = number;
            scan->has_length = 1;
        }
    }
    return 0;
prefixed:
    amass_status_prefix(decoder->status, where);
    return -1;
}

static int scan_tensor(onnx_decoder *decoder, amass_pb_reader reader, const char *where, tensor_scan *scan)
{
    amass_pb_field field;
    amass_pb_wire_type element = AMASS_PB_VARINT;
    size_t count;
    int more;
    while ((more = amass_pb_next(&reader, &field, decoder->status)) > 0) {
        switch (field.number) {
        case 1: case FLOAT_DATA: case INT32_DATA: case INT64_DATA: case DOUBLE_DATA: case UINT64_DATA:
            element = field.number == FLOAT_DATA ? AMASS_PB_FIXED32
                    : field.number == DOUBLE_DATA ? AMASS_PB_FIXED64 : AMASS_PB_VARINT;
            if (amass_pb_scalars(&field, element, NULL, 0, &count, decoder->status) != 0)
                goto prefixed;
            if (field.number == 1)
                scan->n_dims += count;
            else
                scan->n_values[field.number] += count;
            break;
        case 2:
            if (onnx_expect(decoder, &field, AMASS_PB_VARINT, where) != 0)
                return -1;
            scan->data_type = field.value > 1000 ? 1000 : (int)field.value;
            break;
        case 3:
            return amass_fail(decoder->status, AMASS_ERR_UNSUPPORTED, "%s: segmented tensors are not supported",
                              where), -1;
        case STRING_DATA:
            scan->n_values[STRING_DATA]++;
            break;
        case 8:
            if (onnx_string(decoder, &field, where, &scan->name) != 0)
                return -1;
            break;
        case RAW_DATA:
            if (onnx_expect(decoder, &field, AMASS_PB_BYTES, where) != 0)
                return -1;
            scan->has_raw = 1;
            scan->raw = field;
            break;
        case 13:
            if (scan_external_entry(decoder, &reader, &field, where, scan) != 0)
                return -1;
            break;
        case 14:
            if (onnx_expect(decoder, &field, AMASS_PB_VARINT, where) != 0)
                return -1;
            if (field.value > 1)
                return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: unknown data_location %llu", where,
                                  (unsigned long long)field.value), -1;
            scan->external = (int)field.value;
            break;
        }
    }
    if (more == 0)
        return 0;
prefixed:
    amass_status_prefix(decoder->status, where);
    return -1;
}

/* Refuses locations that could leave the model's directory: absolute
 * paths and any ".." component (a hostile model must not make us read
 * /etc/shadow or ../../secrets as weights). */
static int location_is_safe(const char *location)
{
    const char *part = location;
    if (!*location || *location == '/')
        return 0;
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

static int map_external(onnx_decoder *decoder, const char *where, const char *location, const onnx_external_file **out)
{
    amass_onnx_private *internal = decoder->internal;
    onnx_external_file *grown, *file;
    struct stat info;
    char *path;
    size_t i, path_size;
    int fd;
    for (i = 0; i < internal->n_externals; i++)
        if (!strcmp(internal->externals[i].location, location)) {
            *out = &internal->externals[i];
            return 0;
        }
    if (!location_is_safe(location))
        return amass_fail(decoder->status, AMASS_ERR_INPUT,
                          "%s: external data location '%s' is outside the model's directory", where, location), -1;
    grown = amass_realloc_array(internal->externals, internal->n_externals + 1, sizeof *grown);
    path_size = strlen(internal->directory) + strlen(location) + 2;
    if (!grown || !(path = malloc(path_size)))
        return onnx_out_of_memory(decoder);
    internal->externals = grown;
    snprintf(path, path_size, "%s/%s", internal->directory, location);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        amass_fail(decoder->status, AMASS_ERR_IO, "%s: external data '%s': %s", where, location,
                   fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        free(path);
        return -1;
    }
    free(path);
    file = &internal->externals[internal->n_externals];
    memset(file, 0, sizeof *file);
    if (!(file->location = strdup(location))) {
        close(fd);
        return onnx_out_of_memory(decoder);
    }
    if (info.st_size > 0) {
        void *mapping = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping == MAP_FAILED) {
            free(file->location);
            close(fd);
            return amass_fail(decoder->status, AMASS_ERR_IO, "%s: external data '%s': %s", where, location,
                              strerror(errno)), -1;
        }
        file->data = mapping;
        file->length = (size_t)info.st_size;
    }
    close(fd);
    internal->n_externals++;
    *out = file;
    return 0;
}

void onnx_unmap_externals(amass_onnx_private *internal)
{
    size_t i;
    for (i = 0; i < internal->n_externals; i++) {
        if (internal->externals[i].data)
            munmap((void *)internal->externals[i].data, internal->externals[i].length);
        free(internal->externals[i].location);
    }
    free(internal->externals);
    internal->externals = NULL;
    internal->n_externals = 0;
}

/* Bytes stored elsewhere become the tensor's data: in place when aligned
 * for the element type, else copied once. */
static int adopt_bytes(onnx_decoder *decoder, const uint8_t *bytes, size_t size, amass_onnx_tensor *tensor)
{
    size_t element = amass_onnx_data_type_size(tensor->data_type);
    if ((uintptr_t)bytes % element == 0) {
        tensor->data = bytes;
    } else {
        void *copy = onnx_arena_alloc(decoder->internal, size, 1);
        if (!copy)
            return onnx_out_of_memory(decoder);
        memcpy(copy, bytes, size);
        tensor->data = copy;
    }
    return 0;
}

/* Copies the typed value fields into the element type's bytes: fixed
 * values already have the element's width (float_data for FLOAT and
 * COMPLEX64, double_data for DOUBLE and COMPLEX128); varints keep their
 * low bytes, which is how int32_data carries INT8, FLOAT16 bits and BOOL.
 * Counts were checked by the scan, so nothing here can run over. */
static int convert_values(onnx_decoder *decoder, amass_pb_reader reader, int field_number, amass_pb_wire_type wire,
                          size_t per_value, amass_onnx_tensor *tensor)
{
    unsigned char *out = onnx_arena_alloc(decoder->internal, tensor->n_bytes, 1);
    amass_pb_field field;
    size_t done = 0;
    if (!out)
        return onnx_out_of_memory(decoder);
    while (amass_pb_next(&reader, &field, decoder->status) > 0) {
        const uint8_t *at, *end;
        if ((int)field.number != field_number)
            continue;
        if (field.wire_type != AMASS_PB_BYTES) { /* one unpacked value */
            memcpy(out + done++ * per_value, &field.value, per_value);
            continue;
        }
        if (wire != AMASS_PB_VARINT) {
            memcpy(out + done * per_value, field.bytes, field.length);
            done += field.length / per_value;
            continue;
        }
        at = field.bytes;
        end = at + field.length;
        while (at < end) {
            uint64_t value;
            if (amass_pb_read_varint(&at, end, &value) != 0)
                break;
            memcpy(out + done++ * per_value, &value, per_value);
        }
    }
    tensor->data = out;
    return 0;
}

int onnx_decode_tensor(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                       const char *where_given, amass_onnx_tensor *tensor)
{
    char where[AMASS_MESSAGE_MAX / 2];
    tensor_scan scan;
    amass_pb_reader reader, walk;
    amass_pb_field f;
    amass_pb_wire_type wire;
    size_t element, per_element, n_values, i, n = 0;
    int value_field, other;
    int64_t *dims;
    memset(&scan, 0, sizeof scan);
    snprintf(where, sizeof where, "%s", where_given);
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0) {
        amass_status_prefix(decoder->status, where);
        return -1;
    }
    /* the name first, so that every later message can use it */
    walk = reader;
    while (amass_pb_next(&walk, &f, decoder->status) > 0)
        if (f.number == 8 && f.wire_type == AMASS_PB_BYTES && f.length < 200 && !memchr(f.bytes, '\0', f.length) &&
            !strncmp(where, "initializer #", 13))
            snprintf(where, sizeof where, "initializer '%.*s'", (int)f.length, (const char *)f.bytes);
    if (scan_tensor(decoder, reader, where, &scan) != 0)
        return -1;
    tensor->name = scan.name ? scan.name : "";
    tensor->data_type = scan.data_type;
    if (scan.data_type == AMASS_ONNX_STRING)
        return amass_fail(decoder->status, AMASS_ERR_UNSUPPORTED, "%s: string tensors are not supported", where), -1;
    if (!amass_onnx_data_type_name(scan.data_type))
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: unknown data type %d", where, scan.data_type), -1;
    element = amass_onnx_data_type_size(scan.data_type);
    if (scan.n_dims > AMASS_ONNX_RANK_MAX)
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: %zu dims, more than the %d amass reads", where,
                          scan.n_dims, AMASS_ONNX_RANK_MAX), -1;
    if (!(dims = onnx_arena_alloc(decoder->internal, scan.n_dims, sizeof *dims)))
        return onnx_out_of_memory(decoder);
    tensor->n_elements = 1;
    walk = reader;
    while (amass_pb_next(&walk, &f, decoder->status) > 0) {
        uint64_t chunk[AMASS_ONNX_RANK_MAX];
        size_t count;
        if (f.number != 1)
            continue;
        amass_pb_scalars(&f, AMASS_PB_VARINT, chunk, 64, &count, decoder->status); /* checked by the scan */
        for (i = 0; i < count; i++, n++) {
            int64_t dim = (int64_t)chunk[i];
            if (dim < 0)
                return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: dimension %zu is negative (%lld)", where,
                                  n, (long long)dim), -1;
            if (dim > 0 && tensor->n_elements > SIZE_MAX / element / (uint64_t)dim)
                return amass_fail(decoder->status, AMASS_ERR_INPUT,
                                  "%s: dims give more elements than memory can hold", where), -1;
            dims[n] = dim;
            tensor->n_elements *= (size_t)dim;
        }
    }
    tensor->dims = dims;
    tensor->n_dims = n;
    tensor->n_bytes = tensor->n_elements * element;

    value_field = value_field_for(scan.data_type, &wire, &per_element);
    n_values = scan.n_values[value_field];
    for (other = FLOAT_DATA; other <= UINT64_DATA; other++)
        if (other != value_field && other != 8 && other != RAW_DATA && scan.n_values[other])
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: %s holds values of a %s tensor", where,
                              value_field_name(other), amass_onnx_data_type_name(scan.data_type)), -1;
    if (scan.external) {
        const onnx_external_file *file = NULL;
        if (!scan.location)
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: external data without a location", where), -1;
        if (map_external(decoder, where, scan.location, &file) != 0)
            return -1;
        if (scan.offset > file->length || (scan.has_length && scan.length > file->length - scan.offset) ||
            (!scan.has_length && tensor->n_bytes > file->length - scan.offset))
            return amass_fail(decoder->status, AMASS_ERR_INPUT,
                              "%s: external data '%s' is %zu bytes, too short for offset %llu and %zu bytes", where,
                              scan.location, file->length, (unsigned long long)scan.offset, tensor->n_bytes), -1;
        if (scan.has_length && scan.length != tensor->n_bytes)
            return amass_fail(decoder->status, AMASS_ERR_INPUT,
                              "%s: external data length %llu does not match dims (%zu bytes)", where,
                              (unsigned long long)scan.length, tensor->n_bytes), -1;
        return adopt_bytes(decoder, file->data + scan.offset, tensor->n_bytes, tensor);
    }
    if (scan.has_raw) {
        if (n_values)
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: both raw_data and %s", where,
                              value_field_name(value_field)), -1;
        if (scan.raw.length != tensor->n_bytes)
            return amass_fail(decoder->status, AMASS_ERR_INPUT,
                              "%s: raw_data is %zu bytes, dims and type give %zu", where, scan.raw.length,
                              tensor->n_bytes), -1;
        return adopt_bytes(decoder, scan.raw.bytes, tensor->n_bytes, tensor);
    }
    if (n_values == 0 && tensor->n_elements > 0)
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: no data", where), -1;
    if (n_values != tensor->n_elements * per_element)
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: %zu values in %s, dims give %zu", where, n_values,
                          value_field_name(value_field), tensor->n_elements * per_element), -1;
    return convert_values(decoder, reader, value_field, wire, element / per_element, tensor);
}
