/* Tests of the text forms records are made of: JSON and TSV strings,
 * shortest round-trip numbers, and the record writer's exact output. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io.h"
#include "tap.h"

static const char *json_string(const char *s, size_t n)
{
    static amass_buf buf;
    amass_buf_reset(&buf);
    amass_json_append_string(&buf, s, n);
    return buf.data;
}

static const char *tsv_string(const char *s, size_t n)
{
    static amass_buf buf;
    amass_buf_reset(&buf);
    amass_tsv_append_string(&buf, s, n);
    return buf.data;
}

static const char *float_text(float value, int precision)
{
    static amass_buf buf;
    amass_buf_reset(&buf);
    amass_json_append_float(&buf, value, precision);
    return buf.data;
}

static const char *double_text(double value, int precision)
{
    static amass_buf buf;
    amass_buf_reset(&buf);
    amass_json_append_double(&buf, value, precision);
    return buf.data;
}

#define S(literal) literal, sizeof literal - 1

static void test_strings(void)
{
    is_str(json_string(S("plain")), "\"plain\"", "plain string quoted");
    is_str(json_string(S("a\"b\\c")), "\"a\\\"b\\\\c\"", "quote and backslash escaped");
    is_str(json_string(S("\n\r\t\b\f")), "\"\\n\\r\\t\\b\\f\"", "short escapes");
    is_str(json_string(S("\x01\x1f\x7f")), "\"\\u0001\\u001f\x7f\"", "control chars as \\u00XX, DEL passes");
    is_str(json_string("a\0b", 3), "\"a\\u0000b\"", "NUL byte escaped, not the end");
    is_str(json_string(S("caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80")), "\"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80\"",
           "valid UTF-8 incl. U+2028 and 4-byte passes");
    is_str(json_string(S("name\xff")), "\"name\\uFFFD\"", "invalid byte becomes U+FFFD");
    is_str(json_string(S("\xc0\xaf")), "\"\\uFFFD\\uFFFD\"", "overlong '/' rejected byte by byte");
    is_str(json_string(S("\xed\xa0\x80")), "\"\\uFFFD\\uFFFD\\uFFFD\"", "surrogate D800 rejected");
    is_str(json_string(S("\xf4\x90\x80\x80")), "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"", "above U+10FFFF rejected");
    is_str(json_string(S("ab\xe2\x82")), "\"ab\\uFFFD\\uFFFD\"", "truncated sequence at the end rejected");
    is_str(json_string(S("")), "\"\"", "empty string");

    is_str(tsv_string(S("a\tb\nc\rd\\e")), "a\\tb\\nc\\rd\\\\e", "TSV escapes tab newline CR backslash");
    is_str(tsv_string(S("x\xffy")), "x\xef\xbf\xbdy", "TSV invalid byte becomes U+FFFD");
    is_str(tsv_string(S("\"quotes\" stay")), "\"quotes\" stay", "TSV leaves quotes alone");
}

static void test_number_cases(void)
{
    is_str(float_text(0.1f, 0), "0.1", "0.1f");
    is_str(float_text(1.0f, 0), "1", "1.0f is 1");
    is_str(float_text(3.0f, 0), "3", "3.0f is 3");
    is_str(float_text(-0.0f, 0), "-0", "negative zero keeps its sign");
    is_str(float_text(0.0f, 0), "0", "zero");
    is_str(float_text(1e-45f, 0), "1e-45", "smallest subnormal is short");
    is_str(float_text(FLT_MAX, 0), "3.4028235e+38", "FLT_MAX");
    is_str(float_text(1.41421354f, 0), "1.4142135", "sqrt 2 as a float needs 8 digits");
    is_str(float_text(16777218.0f, 0), "16777218", "2^24 + 2");
    is_str(float_text(0.3f, 0), "0.3", "0.3f");
    is_str(float_text(16777216.0f, 0), "16777216", "2^24");
    is_str(float_text(NAN, 0), "null", "NaN is null in JSON");
    is_str(float_text(-INFINITY, 0), "null", "-inf is null in JSON");
    is_str(float_text(1.0f / 3.0f, 2), "0.33", "precision 2");
    is_str(float_text(2.0f / 3.0f, 2), "0.67", "precision 2 rounds");
    is_str(float_text(123456.0f, 3), "1.23e+05", "precision 3 on a large value");
    is_str(double_text(0.1, 0), "0.1", "0.1 double");
    is_str(double_text(0.1 + 0.2, 0), "0.30000000000000004", "0.1+0.2 needs 17 digits");
    is_str(double_text(-0.0, 0), "-0", "double negative zero");
    is_str(double_text(5e-324, 0), "5e-324", "smallest double subnormal");
    is_str(double_text(DBL_MAX, 0), "1.7976931348623157e+308", "DBL_MAX");
    is_str(double_text(1e21, 0), "1e+21", "1e21");
    is_str(double_text(INFINITY, 0), "null", "double inf is null");
}

/* xorshift64*: a fixed sequence, so a failure can be reproduced. */
static uint64_t random_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 2685821657736338717ULL;
}

static void test_round_trip(long n)
{
    long i, float_bad = 0, double_bad = 0, not_shortest = 0;
    char first_bad[160] = "";
    amass_buf buf;
    amass_buf_init(&buf);
    for (i = 0; i < n; i++) {
        uint32_t bits = (uint32_t)(next_random() >> 32);
        uint64_t bits64 = next_random(), back64;
        uint32_t back;
        float value, read;
        double value64, read64;
        memcpy(&value, &bits, sizeof value);
        memcpy(&value64, &bits64, sizeof value64);
        if (isfinite(value)) {
            amass_buf_reset(&buf);
            amass_json_append_float(&buf, value, 0);
            read = strtof(buf.data, NULL);
            memcpy(&back, &read, sizeof back);
            if (back != bits) {
                if (!float_bad++)
                    snprintf(first_bad, sizeof first_bad, "float %08x -> %s", (unsigned)bits, buf.data);
            } else if (i < n / 20) {
                /* one digit fewer must not read back (shortest) */
                char shorter[400], mantissa[48];
                size_t digits = 0, first = 0;
                const char *p;
                /* significant digits: no sign, point, exponent, or leading
                 * and trailing zeros (0.00123, 100000) */
                for (p = buf.data; *p && *p != 'e'; p++)
                    if (*p >= '0' && *p <= '9')
                        mantissa[digits++] = *p;
                while (first < digits && mantissa[first] == '0')
                    first++;
                while (digits > first && mantissa[digits - 1] == '0')
                    digits--;
                digits -= first;
                if (digits > 1) {
                    snprintf(shorter, sizeof shorter, "%.*g", (int)digits - 1, (double)value);
                    if (strtof(shorter, NULL) == value)
                        not_shortest++;
                }
            }
        }
        if (isfinite(value64)) {
            amass_buf_reset(&buf);
            amass_json_append_double(&buf, value64, 0);
            read64 = strtod(buf.data, NULL);
            memcpy(&back64, &read64, sizeof back64);
            if (back64 != bits64 && !double_bad++)
                snprintf(first_bad, sizeof first_bad, "double %016llx -> %s", (unsigned long long)bits64, buf.data);
        }
    }
    amass_buf_free(&buf);
    is_int(float_bad, 0, "random float bit patterns read back identically");
    is_int(double_bad, 0, "random double bit patterns read back identically");
    is_int(not_shortest, 0, "no float has a shorter text that reads back");
    if (first_bad[0])
        printf("# first failure: %s\n", first_bad);
}

/* Runs a writer into a temporary file and returns what it wrote. */
static char written[4096];

static const char *write_records(amass_format format, int header, int precision, int which)
{
    char path[] = "/tmp/amass-test-writer-XXXXXX";
    int fd = mkstemp(path);
    amass_status status;
    amass_output *out;
    amass_record_writer *writer;
    FILE *file;
    size_t n;
    static const float vector[3] = {0.5f, -1.0f, 1e-45f};
    static const double sums[2] = {0.1, 2.0};
    close(fd);
    amass_status_clear(&status);
    out = amass_io_output_open(path, 0, &status);
    writer = amass_io_writer_new(out, format, header, precision);
    for (int record = 0; record < 2; record++) {
        amass_io_record_begin(writer);
        if (which == 0) {
            amass_io_field_string(writer, "input", record ? "b\tc" : "a\"", record ? 3 : 2);
            amass_io_field_int(writer, "cluster", record ? -3 : 7);
            amass_io_field_float(writer, "distance", record ? NAN : 0.25f);
            amass_io_field_bool(writer, "ok", record);
        } else {
            amass_io_field_floats(writer, "v", vector, 3);
            amass_io_field_doubles(writer, "sum", sums, 2);
            amass_io_field_double(writer, "x", record ? -INFINITY : 1.0 / 3.0);
        }
        amass_io_record_end(writer, &status);
    }
    amass_io_writer_free(writer);
    amass_io_output_close(out, &status);
    file = fopen(path, "rb");
    n = fread(written, 1, sizeof written - 1, file);
    written[n] = '\0';
    fclose(file);
    unlink(path);
    return written;
}

static void test_writer(void)
{
    amass_format format;
    is_int(amass_io_format_parse("ndjson", &format), 0, "ndjson parses");
    is_int(format, AMASS_FORMAT_NDJSON, "ndjson is NDJSON");
    is_int(amass_io_format_parse("tsv", &format), 0, "tsv parses");
    is_int(format, AMASS_FORMAT_TSV, "tsv is TSV");
    is_int(amass_io_format_parse("csv", &format), -1, "csv refused");

    is_str(write_records(AMASS_FORMAT_NDJSON, 0, 0, 0),
           "{\"input\":\"a\\\"\",\"cluster\":7,\"distance\":0.25,\"ok\":false}\n"
           "{\"input\":\"b\\tc\",\"cluster\":-3,\"distance\":null,\"ok\":true}\n",
           "NDJSON scalar fields");
    is_str(write_records(AMASS_FORMAT_NDJSON, 1, 0, 1),
           "{\"v\":[0.5,-1,1e-45],\"sum\":[0.1,2],\"x\":0.3333333333333333}\n"
           "{\"v\":[0.5,-1,1e-45],\"sum\":[0.1,2],\"x\":null}\n",
           "NDJSON arrays; --header has no effect on NDJSON");
    is_str(write_records(AMASS_FORMAT_TSV, 0, 0, 0), "a\"\t7\t0.25\tfalse\nb\\tc\t-3\tnan\ttrue\n",
           "TSV scalar fields, escaped tab, nan");
    is_str(write_records(AMASS_FORMAT_TSV, 1, 0, 0),
           "input\tcluster\tdistance\tok\na\"\t7\t0.25\tfalse\nb\\tc\t-3\tnan\ttrue\n", "TSV header once");
    is_str(write_records(AMASS_FORMAT_TSV, 1, 3, 1),
           "v1\tv2\tv3\tsum1\tsum2\tx\n0.5\t-1\t1.4e-45\t0.1\t2\t0.333\n0.5\t-1\t1.4e-45\t0.1\t2\t-inf\n",
           "TSV arrays spread over numbered columns; precision 3");
}

int main(void)
{
    const char *rounds = getenv("AMASS_TEST_ROUNDS");
    test_strings();
    test_number_cases();
    test_round_trip(rounds ? atol(rounds) : 1000000);
    test_writer();
    return done_testing();
}
