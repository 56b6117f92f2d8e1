/* The record writer: NDJSON or TSV records built field by field and
 * handed to the output whole. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

struct amass_record_writer {
    amass_output *out;
    amass_format format;
    int header;         /* TSV header still to write before the first record */
    int precision;
    amass_buf record;
    amass_buf header_line;
    int n_fields;       /* in the record being built */
};

int amass_io_format_parse(const char *name, amass_format *format)
{
    if (strcmp(name, "ndjson") == 0)
        *format = AMASS_FORMAT_NDJSON;
    else if (strcmp(name, "tsv") == 0)
        *format = AMASS_FORMAT_TSV;
    else if (strcmp(name, "srt") == 0)
        *format = AMASS_FORMAT_SRT;
    else if (strcmp(name, "vtt") == 0)
        *format = AMASS_FORMAT_VTT;
    else if (strcmp(name, "txt") == 0)
        *format = AMASS_FORMAT_TXT;
    else
        return -1;
    return 0;
}

amass_record_writer *amass_io_writer_new(amass_output *out, amass_format format, int header, int precision)
{
    amass_record_writer *writer = calloc(1, sizeof *writer);
    if (!writer)
        return NULL;
    writer->out = out;
    writer->format = format;
    writer->header = header && format == AMASS_FORMAT_TSV;
    writer->precision = precision < 0 ? 0 : precision;
    amass_buf_init(&writer->record);
    amass_buf_init(&writer->header_line);
    return writer;
}

void amass_io_writer_free(amass_record_writer *writer)
{
    if (!writer)
        return;
    amass_buf_free(&writer->record);
    amass_buf_free(&writer->header_line);
    free(writer);
}

void amass_io_record_begin(amass_record_writer *writer)
{
    amass_buf_reset(&writer->record);
    amass_buf_reset(&writer->header_line);
    writer->n_fields = 0;
}

/* Separator and name; the TSV header learns the column name (with a
 * 1-based suffix for array elements) while the first record is built. */
static void begin_field(amass_record_writer *writer, const char *name)
{
    if (writer->format == AMASS_FORMAT_NDJSON) {
        amass_buf_append_char(&writer->record, writer->n_fields ? ',' : '{');
        amass_json_append_string(&writer->record, name, strlen(name));
        amass_buf_append_char(&writer->record, ':');
    } else if (writer->n_fields) {
        amass_buf_append_char(&writer->record, '\t');
    }
    writer->n_fields++;
}

static void header_column(amass_record_writer *writer, const char *name, size_t index, int numbered)
{
    if (!writer->header)
        return;
    if (writer->header_line.length)
        amass_buf_append_char(&writer->header_line, '\t');
    amass_tsv_append_string(&writer->header_line, name, strlen(name));
    if (numbered)
        amass_buf_printf(&writer->header_line, "%zu", index + 1);
}

void amass_io_field_string(amass_record_writer *writer, const char *name, const char *value, size_t length)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    if (writer->format == AMASS_FORMAT_NDJSON)
        amass_json_append_string(&writer->record, value, length);
    else
        amass_tsv_append_string(&writer->record, value, length);
}

void amass_io_field_int(amass_record_writer *writer, const char *name, long long value)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    amass_buf_printf(&writer->record, "%lld", value);
}

void amass_io_field_bool(amass_record_writer *writer, const char *name, int value)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    amass_buf_append_str(&writer->record, value ? "true" : "false");
}

/* TSV has no null; nan/inf are what strtod, awk and mlr read back. */
static void append_number(amass_record_writer *writer, double value, int is_float)
{
    if (writer->format == AMASS_FORMAT_TSV && !isfinite(value))
        amass_buf_append_str(&writer->record, isnan(value) ? "nan" : value > 0 ? "inf" : "-inf");
    else if (is_float)
        amass_json_append_float(&writer->record, (float)value, writer->precision);
    else
        amass_json_append_double(&writer->record, value, writer->precision);
}

void amass_io_field_float(amass_record_writer *writer, const char *name, float value)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    append_number(writer, value, 1);
}

void amass_io_field_double(amass_record_writer *writer, const char *name, double value)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    append_number(writer, value, 0);
}

static void append_array(amass_record_writer *writer, const char *name, const float *floats, const double *doubles,
                         size_t n)
{
    size_t i;
    begin_field(writer, name);
    if (writer->format == AMASS_FORMAT_NDJSON)
        amass_buf_append_char(&writer->record, '[');
    for (i = 0; i < n; i++) {
        if (i)
            amass_buf_append_char(&writer->record, writer->format == AMASS_FORMAT_NDJSON ? ',' : '\t');
        header_column(writer, name, i, 1);
        if (floats)
            append_number(writer, floats[i], 1);
        else
            append_number(writer, doubles[i], 0);
    }
    if (writer->format == AMASS_FORMAT_NDJSON)
        amass_buf_append_char(&writer->record, ']');
}

void amass_io_field_floats(amass_record_writer *writer, const char *name, const float *values, size_t n)
{
    append_array(writer, name, values, NULL, n);
}

void amass_io_field_doubles(amass_record_writer *writer, const char *name, const double *values, size_t n)
{
    append_array(writer, name, NULL, values, n);
}

void amass_io_field_json(amass_record_writer *writer, const char *name, const char *json, size_t length)
{
    begin_field(writer, name);
    header_column(writer, name, 0, 0);
    if (writer->format == AMASS_FORMAT_NDJSON)
        amass_buf_append(&writer->record, json, length);
    else
        amass_tsv_append_string(&writer->record, json, length);
}

int amass_io_record_end(amass_record_writer *writer, amass_status *status)
{
    int result;
    if (writer->format == AMASS_FORMAT_NDJSON)
        amass_buf_append_str(&writer->record, writer->n_fields ? "}\n" : "{}\n");
    else
        amass_buf_append_char(&writer->record, '\n');
    if (writer->header) {
        amass_buf_append_char(&writer->header_line, '\n');
        amass_buf_append(&writer->header_line, writer->record.data, writer->record.length);
    }
    if (writer->record.failed || writer->header_line.failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building a record");
    if (writer->header) {
        result = amass_io_output_write(writer->out, writer->header_line.data, writer->header_line.length, status);
        if (result == AMASS_OK)
            writer->header = 0;
        return result;
    }
    return amass_io_output_write(writer->out, writer->record.data, writer->record.length, status);
}
