/* The protobuf wire-format reader: fields of one message in memory, every
 * length checked against the message that encloses it. */
#include "config.h"

#include <string.h>

#include "formats.h"

void amass_pb_reader_init(amass_pb_reader *reader, const uint8_t *data, size_t length, size_t origin)
{
    reader->data = data;
    reader->length = length;
    reader->position = 0;
    reader->origin = origin;
    reader->depth = 0;
}

int amass_pb_read_varint(const uint8_t **at, const uint8_t *end, uint64_t *value)
{
    const uint8_t *p = *at;
    uint64_t result = 0;
    int shift;
    for (shift = 0; shift < 70 && p < end; shift += 7) {
        uint8_t byte = *p++;
        /* the tenth byte holds bit 63 only; anything more overflows */
        if (shift == 63 && byte > 1)
            return -1;
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *at = p;
            *value = result;
            return 0;
        }
    }
    return -1; /* cut off, or more than ten bytes */
}

const char *amass_pb_wire_type_name(int wire_type)
{
    switch (wire_type) {
    case AMASS_PB_VARINT: return "varint";
    case AMASS_PB_FIXED64: return "fixed64";
    case AMASS_PB_BYTES: return "length-delimited";
    case AMASS_PB_FIXED32: return "fixed32";
    case 3: return "group start";
    case 4: return "group end";
    }
    return "undefined";
}

static uint64_t load_little_endian(const uint8_t *p, int n)
{
    uint64_t value = 0;
    int i;
    for (i = n - 1; i >= 0; i--)
        value = (value << 8) | p[i];
    return value;
}

int amass_pb_next(amass_pb_reader *reader, amass_pb_field *field, amass_status *status)
{
    const uint8_t *start, *end, *at;
    size_t where = reader->origin + reader->position;
    uint64_t key, length;
    if (reader->position >= reader->length)
        return 0; /* before any arithmetic: an empty message may have no data pointer */
    start = at = reader->data + reader->position;
    end = reader->data + reader->length;
    if (amass_pb_read_varint(&at, end, &key) != 0) {
        amass_fail(status, AMASS_ERR_INPUT, "bad field key at byte %zu (cut off or overlong varint)", where);
        return -1;
    }
    if (key >> 3 == 0 || key >> 3 > 0x1fffffff) {
        amass_fail(status, AMASS_ERR_INPUT, "field number %llu at byte %zu is out of range",
                   (unsigned long long)(key >> 3), where);
        return -1;
    }
    memset(field, 0, sizeof *field);
    field->number = (uint32_t)(key >> 3);
    field->wire_type = (amass_pb_wire_type)(key & 7);
    switch (key & 7) {
    case AMASS_PB_VARINT:
        if (amass_pb_read_varint(&at, end, &field->value) != 0) {
            amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: cut off or overlong varint", field->number,
                       where);
            return -1;
        }
        break;
    case AMASS_PB_FIXED64:
    case AMASS_PB_FIXED32: {
        int size = (key & 7) == AMASS_PB_FIXED64 ? 8 : 4;
        if (end - at < size) {
            amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: %s value runs past the end of its message",
                       field->number, where, amass_pb_wire_type_name((int)(key & 7)));
            return -1;
        }
        field->value = load_little_endian(at, size);
        at += size;
        break;
    }
    case AMASS_PB_BYTES:
        if (amass_pb_read_varint(&at, end, &length) != 0) {
            amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: cut off or overlong length", field->number,
                       where);
            return -1;
        }
        if (length > (uint64_t)(end - at)) {
            amass_fail(status, AMASS_ERR_INPUT,
                       "field %u at byte %zu: length %llu runs past the end of its message (%zu bytes left)",
                       field->number, where, (unsigned long long)length, (size_t)(end - at));
            return -1;
        }
        field->bytes = at;
        field->length = (size_t)length;
        field->origin = reader->origin + (size_t)(at - reader->data);
        at += length;
        break;
    default:
        amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: wire type %d (%s) is not supported",
                   field->number, where, (int)(key & 7), amass_pb_wire_type_name((int)(key & 7)));
        return -1;
    }
    reader->position += (size_t)(at - start);
    return 1;
}

int amass_pb_enter(const amass_pb_reader *parent, const amass_pb_field *field, amass_pb_reader *child,
                   amass_status *status)
{
    if (field->wire_type != AMASS_PB_BYTES) {
        amass_fail(status, AMASS_ERR_INPUT, "field %u: a message cannot have wire type %s", field->number,
                   amass_pb_wire_type_name(field->wire_type));
        return -1;
    }
    if (parent->depth + 1 > AMASS_PB_DEPTH_MAX) {
        amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: messages nested more than %d deep",
                   field->number, field->origin, AMASS_PB_DEPTH_MAX);
        return -1;
    }
    amass_pb_reader_init(child, field->bytes, field->length, field->origin);
    child->depth = parent->depth + 1;
    return 0;
}

int amass_pb_scalars(const amass_pb_field *field, amass_pb_wire_type element, uint64_t *values, size_t capacity,
                     size_t *count, amass_status *status)
{
    const uint8_t *at, *end;
    size_t n = 0;
    if (field->wire_type == element) {
        if (values && capacity > 0)
            values[0] = field->value;
        *count = 1;
        return 0;
    }
    if (field->wire_type != AMASS_PB_BYTES) {
        amass_fail(status, AMASS_ERR_INPUT, "field %u: wire type %s where %s values belong", field->number,
                   amass_pb_wire_type_name(field->wire_type), amass_pb_wire_type_name(element));
        return -1;
    }
    at = field->bytes;
    end = at + field->length;
    if (element != AMASS_PB_VARINT) {
        size_t size = element == AMASS_PB_FIXED64 ? 8 : 4, i;
        if (field->length % size != 0) {
            amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: packed %s values: %zu bytes is not a multiple of %zu",
                       field->number, field->origin, amass_pb_wire_type_name(element), field->length, size);
            return -1;
        }
        n = field->length / size;
        if (values)
            for (i = 0; i < n && i < capacity; i++)
                values[i] = load_little_endian(at + i * size, (int)size);
        *count = n;
        return 0;
    }
    while (at < end) {
        uint64_t value;
        if (amass_pb_read_varint(&at, end, &value) != 0) {
            amass_fail(status, AMASS_ERR_INPUT, "field %u at byte %zu: packed varint %zu is cut off or overlong",
                       field->number, field->origin, n + 1);
            return -1;
        }
        if (values && n < capacity)
            values[n] = value;
        n++;
    }
    *count = n;
    return 0;
}
