/* Tests of the protobuf wire-format reader: varints at their limits,
 * fixed values, lengths checked against the enclosing message, packed
 * and unpacked repeated values, unknown fields skipped, groups and
 * undefined wire types refused, nesting bounded. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "formats/formats.h"
#include "tap.h"

static int varint(const char *bytes, size_t n, uint64_t *value)
{
    const uint8_t *at = (const uint8_t *)bytes;
    return amass_pb_read_varint(&at, at + n, value);
}

/* All fields of a message as "number:wire=value;" or the error message. */
static const char *fields_of(const char *bytes, size_t n)
{
    static char summary[1024];
    amass_pb_reader reader;
    amass_pb_field field;
    amass_status status;
    size_t used = 0;
    int more;
    amass_status_clear(&status);
    amass_pb_reader_init(&reader, (const uint8_t *)bytes, n, 100);
    summary[0] = '\0';
    while ((more = amass_pb_next(&reader, &field, &status)) > 0) {
        if (field.wire_type == AMASS_PB_BYTES)
            used += (size_t)snprintf(summary + used, sizeof summary - used, "%u:%d=%.*s@%zu;", field.number,
                                     field.wire_type, (int)field.length, (const char *)field.bytes, field.origin);
        else
            used += (size_t)snprintf(summary + used, sizeof summary - used, "%u:%d=%llx;", field.number,
                                     field.wire_type, (unsigned long long)field.value);
    }
    if (more < 0)
        snprintf(summary + used, sizeof summary - used, "error: %s", status.message);
    return summary;
}

static void test_varints(void)
{
    uint64_t value = 0;
    is_int(varint("\x00", 1, &value), 0, "one-byte varint");
    is_int(value, 0, "zero");
    varint("\xac\x02", 2, &value);
    is_int(value, 300, "two-byte varint 300");
    is_int(varint("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &value), 0, "ten-byte varint");
    ok(value == UINT64_MAX, "ten bytes give all 64 bits");
    is_int(varint("\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &value), 0, "-2 as int64 varint");
    is_int((int64_t)value, -2, "negative int64 round-trips");
    is_int(varint("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, &value), -1, "tenth byte over bit 63 overflows");
    is_int(varint("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 11, &value), -1, "eleven bytes refused");
    is_int(varint("\x80\x80", 2, &value), -1, "cut-off varint refused");
    is_int(varint("", 0, &value), -1, "empty input refused");
}

static void test_fields(void)
{
    is_str(fields_of("\x08\x96\x01", 3), "1:0=96;", "varint field");
    is_str(fields_of("\x0d\x01\x02\x03\x04", 5), "1:5=4030201;", "fixed32 is little-endian");
    is_str(fields_of("\x09\x01\x00\x00\x00\x00\x00\x00\x80", 9), "1:1=8000000000000001;", "fixed64");
    is_str(fields_of("\x12\x03" "abc\x18\x01", 7), "2:2=abc@102;3:0=1;", "bytes field with its file offset");
    is_str(fields_of("\xa2\x06\x00", 3), "100:2=@103;", "two-byte key, empty bytes");
    is_str(fields_of("\x12\x05" "abc", 5),
           "error: field 2 at byte 100: length 5 runs past the end of its message (3 bytes left)",
           "length past the message");
    is_str(fields_of("\x12\xff\xff\xff\xff\xff\xff\xff\xff\x7f" "abc", 13),
           "error: field 2 at byte 100: length 9223372036854775807 runs past the end of its message (3 bytes left)",
           "huge declared length");
    is_str(fields_of("\x0d\x01\x02", 3), "error: field 1 at byte 100: fixed32 value runs past the end of its message",
           "cut-off fixed32");
    is_str(fields_of("\x08\x01\x0b\x0c", 4),
           "1:0=1;error: field 1 at byte 102: wire type 3 (group start) is not supported", "group start refused");
    is_str(fields_of("\x0c", 1), "error: field 1 at byte 100: wire type 4 (group end) is not supported",
           "group end refused");
    is_str(fields_of("\x0e", 1), "error: field 1 at byte 100: wire type 6 (undefined) is not supported",
           "wire type 6 refused");
    is_str(fields_of("\x0f", 1), "error: field 1 at byte 100: wire type 7 (undefined) is not supported",
           "wire type 7 refused");
    is_str(fields_of("\x00\x01", 2), "error: field number 0 at byte 100 is out of range", "field number 0 refused");
    is_str(fields_of("\x08\x80", 2), "error: field 1 at byte 100: cut off or overlong varint", "cut-off varint value");
}

static void test_scalars(void)
{
    amass_pb_reader reader;
    amass_pb_field field;
    amass_status status;
    uint64_t values[8];
    size_t count = 0;
    amass_status_clear(&status);
    /* packed varints 1, 300, -1 (ten bytes) */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x0a\x0d\x01\xac\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15,
                         0);
    is_int(amass_pb_next(&reader, &field, &status), 1, "packed field read");
    is_int(amass_pb_scalars(&field, AMASS_PB_VARINT, NULL, 0, &count, &status), 0, "packed varints counted");
    is_int(count, 3, "three packed varints");
    amass_pb_scalars(&field, AMASS_PB_VARINT, values, 8, &count, &status);
    ok(values[0] == 1 && values[1] == 300 && (int64_t)values[2] == -1, "packed varint values");
    /* unpacked single value */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x08\x07", 2, 0);
    amass_pb_next(&reader, &field, &status);
    amass_pb_scalars(&field, AMASS_PB_VARINT, values, 8, &count, &status);
    ok(count == 1 && values[0] == 7, "an unpacked value counts as one");
    /* packed fixed32 */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x0a\x08\x00\x00\x80\x3f\x00\x00\x00\xc0", 10, 0);
    amass_pb_next(&reader, &field, &status);
    amass_pb_scalars(&field, AMASS_PB_FIXED32, values, 8, &count, &status);
    ok(count == 2 && values[0] == 0x3f800000 && values[1] == 0xc0000000, "packed fixed32 as bit patterns");
    /* packed fixed32 of a length that is no multiple of 4 */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x0a\x03\x00\x00\x80", 5, 0);
    amass_pb_next(&reader, &field, &status);
    is_int(amass_pb_scalars(&field, AMASS_PB_FIXED32, values, 8, &count, &status), -1, "ragged packed fixed32");
    is_str(status.message, "field 1 at byte 2: packed fixed32 values: 3 bytes is not a multiple of 4",
           "ragged packed message");
    /* packed varints ending mid-value */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x0a\x02\x01\x80", 4, 0);
    amass_pb_next(&reader, &field, &status);
    is_int(amass_pb_scalars(&field, AMASS_PB_VARINT, values, 8, &count, &status), -1, "cut packed varint");
    is_str(status.message, "field 1 at byte 2: packed varint 2 is cut off or overlong", "cut packed varint message");
    /* a fixed32 where varints belong */
    amass_pb_reader_init(&reader, (const uint8_t *)"\x0d\x00\x00\x00\x00", 5, 0);
    amass_pb_next(&reader, &field, &status);
    is_int(amass_pb_scalars(&field, AMASS_PB_VARINT, values, 8, &count, &status), -1, "wrong wire type refused");
    is_str(status.message, "field 1: wire type fixed32 where varint values belong", "wrong wire type message");
}

static void test_nesting(void)
{
    /* a message nested in itself deeper than the limit, built inside out */
    uint8_t bytes[4096], *start = bytes + sizeof bytes;
    size_t levels = AMASS_PB_DEPTH_MAX + 2, i, inner = 0;
    amass_pb_reader reader, child;
    amass_pb_field field;
    amass_status status;
    int depth = 0, result = 0;
    for (i = 0; i < levels; i++) {
        if (inner < 128) {
            *--start = (uint8_t)inner;
        } else {
            *--start = (uint8_t)(inner >> 7);
            *--start = (uint8_t)(0x80 | (inner & 0x7f));
        }
        *--start = 0x0a;
        inner = (size_t)(bytes + sizeof bytes - start);
    }
    amass_status_clear(&status);
    amass_pb_reader_init(&reader, start, inner, 0);
    while ((result = amass_pb_next(&reader, &field, &status)) > 0) {
        if (amass_pb_enter(&reader, &field, &child, &status) != 0) {
            result = -1;
            break;
        }
        reader = child;
        depth++;
    }
    is_int(result, -1, "nesting beyond the limit refused");
    is_int(depth, AMASS_PB_DEPTH_MAX, "the limit's depth is reached first");
    ok(strstr(status.message, "nested more than") != NULL, "nesting message");
}

int main(void)
{
    test_varints();
    test_fields();
    test_scalars();
    test_nesting();
    return done_testing();
}
