/* The vector record reader: NDJSON objects with a number array, or TSV
 * rows of a name and numbers, each record checked before it is used. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "io_internal.h"

/* More numbers than any embedding or feature vector has; a line beyond it
 * is a mistake (a file without newlines, the wrong file), and refusing it
 * keeps memory bounded: jansson spends some 50 bytes per array element. */
#define VECTOR_DIM_MAX ((size_t)1 << 24)

struct amass_vector_reader {
    amass_line_reader *lines;
    char *field;
    float *values;          /* reused from record to record */
    size_t capacity;
    amass_buf input;
    int seen_record_line;   /* a header can only be the first non-blank line */
};

amass_vector_reader *amass_io_vectors_open(const char *path, const char *field, amass_status *status)
{
    amass_vector_reader *reader = calloc(1, sizeof *reader);
    if (!reader || !(reader->field = strdup(field ? field : "embedding"))) {
        free(reader);
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    amass_buf_init(&reader->input);
    reader->lines = amass_io_lines_open(path, status);
    if (!reader->lines) {
        amass_io_vectors_close(reader);
        return NULL;
    }
    return reader;
}

void amass_io_vectors_close(amass_vector_reader *reader)
{
    if (!reader)
        return;
    amass_io_lines_close(reader->lines);
    amass_buf_free(&reader->input);
    free(reader->values);
    free(reader->field);
    free(reader);
}

static int reserve_values(amass_vector_reader *reader, size_t n)
{
    float *grown;
    size_t capacity;
    if (n <= reader->capacity)
        return 0;
    capacity = reader->capacity ? reader->capacity : 64;
    while (capacity < n)
        capacity *= 2;
    grown = amass_realloc_array(reader->values, capacity, sizeof *grown);
    if (!grown)
        return -1;
    reader->values = grown;
    reader->capacity = capacity;
    return 0;
}

static amass_read_result bad(amass_vector_reader *reader, amass_status *status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static amass_read_result bad(amass_vector_reader *reader, amass_status *status, const char *format, ...)
{
    char reason[AMASS_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    amass_fail(status, AMASS_ERR_INPUT, "%s:%ld: %s", amass_io_lines_path(reader->lines),
               amass_io_lines_number(reader->lines), reason);
    return AMASS_READ_BAD;
}

static amass_read_result out_of_memory(amass_vector_reader *reader, amass_status *status)
{
    amass_fail(status, AMASS_ERR_NOMEM, "%s:%ld: out of memory", amass_io_lines_path(reader->lines),
               amass_io_lines_number(reader->lines));
    return AMASS_READ_FATAL;
}

/* A record without its own name is named where it was found. */
static void name_by_position(amass_vector_reader *reader)
{
    amass_buf_printf(&reader->input, "%s:%ld", amass_io_lines_path(reader->lines),
                     amass_io_lines_number(reader->lines));
}

static amass_read_result parse_json(amass_vector_reader *reader, const char *line, size_t length,
                                    amass_vector_record *record, amass_status *status)
{
    json_error_t error;
    json_t *object, *input, *array;
    size_t i, n, commas = 0;
    const char *p = line, *end = line + length;
    amass_read_result result = AMASS_READ_RECORD;

    while ((p = memchr(p, ',', (size_t)(end - p))) != NULL && commas <= VECTOR_DIM_MAX) {
        commas++;
        p++;
    }
    if (commas > VECTOR_DIM_MAX)
        return bad(reader, status, "record too large: more than %zu values", VECTOR_DIM_MAX);
    /* jansson refuses invalid UTF-8, which a record name must not carry
     * into the output. Duplicate keys would make the record ambiguous. */
    object = json_loadb(line, length, JSON_REJECT_DUPLICATES, &error);
    if (!object) {
        if (!amass_io_lines_had_newline(reader->lines))
            return bad(reader, status, "record cut off at the end of the file (%s)", error.text);
        return bad(reader, status, "not a valid JSON record: %s (column %d)", error.text, error.column);
    }
    input = json_object_get(object, "input");
    array = json_object_get(object, reader->field);
    if (input && !json_is_string(input)) {
        result = bad(reader, status, "\"input\" is not a string");
    } else if (!array) {
        result = bad(reader, status, "no \"%s\" member", reader->field);
    } else if (!json_is_array(array)) {
        result = bad(reader, status, "\"%s\" is not an array", reader->field);
    } else if ((n = json_array_size(array)) == 0) {
        result = bad(reader, status, "\"%s\" is empty", reader->field);
    } else if (n > VECTOR_DIM_MAX) {
        result = bad(reader, status, "record too large: more than %zu values", VECTOR_DIM_MAX);
    } else if (reserve_values(reader, n) != 0) {
        result = out_of_memory(reader, status);
    } else {
        for (i = 0; i < n && result == AMASS_READ_RECORD; i++) {
            json_t *element = json_array_get(array, i);
            float value;
            if (!json_is_number(element)) {
                result = bad(reader, status, "value %zu of \"%s\" is not a number", i + 1, reader->field);
                break;
            }
            value = (float)json_number_value(element);
            if (!isfinite(value))
                result = bad(reader, status, "value %zu of \"%s\" is too large for a float", i + 1, reader->field);
            reader->values[i] = value;
        }
        if (result == AMASS_READ_RECORD) {
            if (input)
                amass_buf_append(&reader->input, json_string_value(input), json_string_length(input));
            else
                name_by_position(reader);
            record->dim = n;
        }
    }
    json_decref(object);
    return result;
}

/* TSV strings come escaped as the writer escapes them: \t \n \r \\. */
static void append_unescaped(amass_buf *buf, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char next = s[i + 1];
            char plain = next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next == '\\' ? '\\' : 0;
            if (plain) {
                amass_buf_append_char(buf, plain);
                i++;
                continue;
            }
        }
        amass_buf_append_char(buf, c);
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static amass_read_result parse_tsv(amass_vector_reader *reader, char *line, size_t length,
                                   amass_vector_record *record, amass_status *status)
{
    char *end = line + length, *field;
    char *tab = memchr(line, '\t', length);
    size_t n = 0;
    if (!tab)
        return bad(reader, status, "no numbers after the input name (TSV columns are separated by tabs)");
    append_unescaped(&reader->input, line, (size_t)(tab - line));
    for (field = tab + 1;; field = tab + 1) {
        char *number_end;
        float value;
        tab = memchr(field, '\t', (size_t)(end - field));
        if (!tab)
            tab = end;
        *tab = '\0'; /* the number must not run into the next column */
        if (n == VECTOR_DIM_MAX)
            return bad(reader, status, "record too large: more than %zu values", VECTOR_DIM_MAX);
        if (reserve_values(reader, n + 1) != 0)
            return out_of_memory(reader, status);
        errno = 0;
        value = amass_io_parse_float(field, &number_end);
        while (number_end < tab && is_blank(*number_end))
            number_end++;
        if (number_end == field || number_end != tab) {
            if (!amass_io_lines_had_newline(reader->lines))
                return bad(reader, status, "record cut off at the end of the file (value %zu is not a number)",
                           n + 1);
            return bad(reader, status, "value %zu is not a number", n + 1);
        }
        if (!isfinite(value))
            return bad(reader, status, "value %zu is not a finite number", n + 1);
        reader->values[n++] = value;
        if (tab == end)
            break;
    }
    record->dim = n;
    return AMASS_READ_RECORD;
}

amass_read_result amass_io_vectors_next(amass_vector_reader *reader, amass_vector_record *record,
                                        amass_status *status)
{
    for (;;) {
        char *line;
        size_t length, skip;
        amass_read_result result;
        int got = amass_io_lines_next(reader->lines, &line, &length, status);
        if (got == 0)
            return AMASS_READ_END;
        if (got < 0)
            return AMASS_READ_FATAL;
        for (skip = 0; skip < length && is_blank(line[skip]); skip++)
            ;
        if (skip == length)
            continue;
        if (!reader->seen_record_line) {
            reader->seen_record_line = 1;
            if (strncmp(line, "input\t", 6) == 0)
                continue;
        }
        amass_buf_reset(&reader->input);
        if (line[skip] == '{')
            result = parse_json(reader, line, length, record, status);
        else
            result = parse_tsv(reader, line, length, record, status);
        if (result != AMASS_READ_RECORD)
            return result;
        if (reader->input.failed)
            return out_of_memory(reader, status);
        amass_buf_reserve(&reader->input, 0); /* a name may be empty: data must still exist */
        if (reader->input.failed)
            return out_of_memory(reader, status);
        record->input = reader->input.data;
        record->input_length = reader->input.length;
        record->values = reader->values;
        record->line = amass_io_lines_number(reader->lines);
        return AMASS_READ_RECORD;
    }
}
