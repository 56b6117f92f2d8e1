/* Text forms of values for records: JSON strings, shortest round-trip
 * numbers, TSV strings. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

/* Bytes from p that go out as they are: printable ASCII that plain()
 * accepts and whole valid UTF-8 sequences. */
static size_t verbatim_length(const unsigned char *p, size_t n, int (*plain)(unsigned char c))
{
    size_t i = 0, length;
    while (i < n) {
        if (p[i] < 0x80 && plain(p[i]))
            i++;
        else if (p[i] >= 0x80 && (length = amass_utf8_sequence_length(p + i, n - i, NULL)) > 0)
            i += length;
        else
            break;
    }
    return i;
}

static int json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

static int tsv_plain(unsigned char c)
{
    return c != '\t' && c != '\n' && c != '\r' && c != '\\';
}

/* Invalid UTF-8 would make the whole record unreadable to strict JSON
 * parsers (jq, jansson), so each bad byte stands as U+FFFD, as Python's
 * errors="replace" does. */
void amass_json_append_string(amass_buf *buf, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    amass_buf_reserve(buf, n + 2);
    amass_buf_append_char(buf, '"');
    for (;;) {
        size_t run = verbatim_length(p + i, n - i, json_plain);
        unsigned char c;
        char escape[7];
        amass_buf_append(buf, p + i, run);
        i += run;
        if (i == n)
            break;
        c = p[i++];
        switch (c) {
        case '"': amass_buf_append(buf, "\\\"", 2); break;
        case '\\': amass_buf_append(buf, "\\\\", 2); break;
        case '\n': amass_buf_append(buf, "\\n", 2); break;
        case '\r': amass_buf_append(buf, "\\r", 2); break;
        case '\t': amass_buf_append(buf, "\\t", 2); break;
        case '\b': amass_buf_append(buf, "\\b", 2); break;
        case '\f': amass_buf_append(buf, "\\f", 2); break;
        default:
            if (c < 0x20) {
                memcpy(escape, "\\u00", 4);
                escape[4] = hex[c >> 4];
                escape[5] = hex[c & 15];
                amass_buf_append(buf, escape, 6);
            } else {
                amass_buf_append(buf, "\\uFFFD", 6);
            }
        }
    }
    amass_buf_append_char(buf, '"');
}

void amass_tsv_append_string(amass_buf *buf, const char *s, size_t n)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (;;) {
        size_t run = verbatim_length(p + i, n - i, tsv_plain);
        amass_buf_append(buf, p + i, run);
        i += run;
        if (i == n)
            break;
        switch (p[i++]) {
        case '\t': amass_buf_append(buf, "\\t", 2); break;
        case '\n': amass_buf_append(buf, "\\n", 2); break;
        case '\r': amass_buf_append(buf, "\\r", 2); break;
        case '\\': amass_buf_append(buf, "\\\\", 2); break;
        default: amass_buf_append(buf, replacement, 3);
        }
    }
}

/* "-0" for negative zero: it is a different float, and it reads back. */
static int append_special(amass_buf *buf, double value)
{
    if (!isfinite(value)) {
        amass_buf_append(buf, "null", 4);
        return 1;
    }
    if (value == 0) {
        amass_buf_append_str(buf, signbit(value) ? "-0" : "0");
        return 1;
    }
    return 0;
}

/* Shortest decimal that strtof reads back to the same bits. For normal
 * floats 6 digits is where to start: a shorter decimal D that reads back
 * lies within half an ulp (< 2^-24 relative) of the value, hence within
 * half a unit of the 6th digit, so %.6g prints D itself with its trailing
 * zeros removed. Subnormals carry fewer digits and start at 1. At most 9
 * digits are ever needed (FLT_DECIMAL_DIG). */
void amass_json_append_float(amass_buf *buf, float value, int precision)
{
    char text[48];
    int digits;
    if (append_special(buf, value))
        return;
    if (precision > 0) {
        amass_buf_printf(buf, "%.*g", precision > 40 ? 40 : precision, (double)value);
        return;
    }
    for (digits = fabsf(value) < FLT_MIN ? 1 : 6; digits < 9; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, (double)value);
        if (strtof(text, NULL) == value)
            break;
    }
    if (digits == 9)
        snprintf(text, sizeof text, "%.9g", (double)value);
    amass_buf_append_str(buf, text);
}

/* The same argument for double: 15 digits always suffice to be shortest
 * for normal numbers, 17 always read back (DBL_DECIMAL_DIG). */
void amass_json_append_double(amass_buf *buf, double value, int precision)
{
    char text[48];
    int digits;
    if (append_special(buf, value))
        return;
    if (precision > 0) {
        amass_buf_printf(buf, "%.*g", precision > 40 ? 40 : precision, value);
        return;
    }
    for (digits = fabs(value) < DBL_MIN ? 1 : 15; digits < 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    if (digits == 17)
        snprintf(text, sizeof text, "%.17g", value);
    amass_buf_append_str(buf, text);
}
