/* libamass io layer: where inputs come from and where records go.
 *
 *   input enumeration   args, "-", --files-from (NUL or newline), -r dirs
 *   line input          plain or gzip files and stdin (zlib reads both)
 *   record output       NDJSON / TSV records built whole, then written
 *   vector records      NDJSON "embedding" arrays or TSV rows, validated
 *   --shard, --resume   which inputs this run keeps
 */
#ifndef AMASS_IO_H
#define AMASS_IO_H

#include <stdint.h>
#include <stdio.h>

#include "../base/base.h"

/* ---- line input ------------------------------------------------------ */

/* Reads lines from a file, or stdin for "-". Gzip data is decompressed
 * whether or not the name ends in .gz (zlib passes plain data through). */
typedef struct amass_line_reader amass_line_reader;

/* A line longer than this is an error, never an unbounded allocation. */
#define AMASS_LINE_MAX ((size_t)1 << 28)

amass_line_reader *amass_io_lines_open(const char *path, amass_status *status);
/* 1: a line (without its "\n" or "\r\n"; *line is NUL-terminated and valid
 * until the next call), 0: end of input, -1: error (status says
 * "path:line: ..."; corrupt gzip, read error, line too long). After an
 * error the reader is at end of input. */
int amass_io_lines_next(amass_line_reader *reader, char **line, size_t *length, amass_status *status);
/* 1-based number of the line last returned. */
long amass_io_lines_number(const amass_line_reader *reader);
/* Whether the line last returned ended with a newline (a last line
 * without one may be a record cut off by an interrupted writer). */
int amass_io_lines_had_newline(const amass_line_reader *reader);
const char *amass_io_lines_path(const amass_line_reader *reader);
void amass_io_lines_close(amass_line_reader *reader);

/* ---- output sink ----------------------------------------------------- */

/* Buffered output to a file or stdout ("-"), optionally gzip-compressed.
 * Records are handed over whole, so an interrupted run never leaves half a
 * record behind except possibly the very last one in a kill -9. */
typedef struct amass_output amass_output;

amass_output *amass_io_output_open(const char *path, int gzip, amass_status *status);
/* Continues an earlier output in place (--resume FILE -o FILE): a last
 * line cut off without its newline is removed and new records are
 * appended. A gzip output cannot be continued this way (an interrupted
 * gzip stream has no end to append to): that fails. */
amass_output *amass_io_output_open_continue(const char *path, amass_status *status);
int amass_io_output_write(amass_output *out, const void *data, size_t n, amass_status *status);
int amass_io_output_flush(amass_output *out, amass_status *status);
/* Flushes, closes, reports any write error (ENOSPC, EIO...). NULL is fine. */
int amass_io_output_close(amass_output *out, amass_status *status);

/* ---- record writer --------------------------------------------------- */

typedef enum {
    AMASS_FORMAT_NDJSON,
    AMASS_FORMAT_TSV,
    /* Documents rather than records (amass-transcribe): the tool writes
     * them itself; the record writer treats them as TSV. */
    AMASS_FORMAT_SRT,
    AMASS_FORMAT_VTT,
    AMASS_FORMAT_TXT
} amass_format;

/* Parses "ndjson" / "tsv" (and "srt", "vtt", "txt"); returns -1 for
 * anything else. */
int amass_io_format_parse(const char *name, amass_format *format);

/* Builds one record field by field and writes it in one piece.
 * NDJSON: {"name":value,...}\n. TSV: the values tab-separated, arrays
 * spread over one column each; with header on, the first record also
 * writes a header line of the field names (an array field "v" of length 3
 * gives columns v1 v2 v3). Tabs, newlines, CR and backslashes inside TSV
 * strings are escaped as \t \n \r \\.
 * precision 0 prints floats shortest round-trip, N > 0 with N significant
 * digits. Non-finite numbers print as null (NDJSON) or nan/inf (TSV). */
typedef struct amass_record_writer amass_record_writer;

amass_record_writer *amass_io_writer_new(amass_output *out, amass_format format, int header, int precision);
void amass_io_writer_free(amass_record_writer *writer);
void amass_io_record_begin(amass_record_writer *writer);
void amass_io_field_string(amass_record_writer *writer, const char *name, const char *value, size_t length);
void amass_io_field_int(amass_record_writer *writer, const char *name, long long value);
void amass_io_field_float(amass_record_writer *writer, const char *name, float value);
void amass_io_field_double(amass_record_writer *writer, const char *name, double value);
void amass_io_field_bool(amass_record_writer *writer, const char *name, int value);
void amass_io_field_floats(amass_record_writer *writer, const char *name, const float *values, size_t n);
void amass_io_field_doubles(amass_record_writer *writer, const char *name, const double *values, size_t n);
/* A value already formatted as JSON (an array of objects, say), copied
 * as is into an NDJSON record; TSV writes it as one string column. */
void amass_io_field_json(amass_record_writer *writer, const char *name, const char *json, size_t length);
/* Writes the record built since begin; nothing is written if building ran
 * out of memory. */
int amass_io_record_end(amass_record_writer *writer, amass_status *status);

/* Formatting pieces the writer uses, for tools with their own shapes. */
/* JSON string with quotes; invalid UTF-8 bytes become U+FFFD. */
void amass_json_append_string(amass_buf *buf, const char *s, size_t n);
/* Shortest text that reads back as the same float / double (precision 0),
 * or precision significant digits. JSON has no NaN: writes null. */
void amass_json_append_float(amass_buf *buf, float value, int precision);
void amass_json_append_double(amass_buf *buf, double value, int precision);
void amass_tsv_append_string(amass_buf *buf, const char *s, size_t n);

/* ---- vector records -------------------------------------------------- */

/* One vector read from NDJSON ({"input":..., "embedding":[...]}, or the
 * field given) or TSV (input, then numbers). The format is detected per
 * line: a line whose first non-blank byte is '{' is NDJSON. Blank lines
 * are skipped; a first line starting "input\t" is a TSV header. */
typedef struct {
    const char *input;      /* the record's "input" or first TSV column, */
    size_t input_length;    /* or "path:line" when it has none */
    const float *values;    /* valid until the next call */
    size_t dim;
    long line;
} amass_vector_record;

typedef struct amass_vector_reader amass_vector_reader;

typedef enum {
    AMASS_READ_END = 0,    /* no more records */
    AMASS_READ_RECORD = 1, /* *record filled */
    AMASS_READ_BAD = 2,    /* this record is bad ("path:line: reason"); read on */
    AMASS_READ_FATAL = 3   /* the file cannot be read further */
} amass_read_result;

/* field: the NDJSON member holding the numbers, NULL for "embedding". */
amass_vector_reader *amass_io_vectors_open(const char *path, const char *field, amass_status *status);
/* Bad records: invalid JSON or UTF-8, missing/non-array field, a
 * non-number or non-finite value, an empty vector, a TSV row with no
 * numbers or a field that is not wholly a number. */
amass_read_result amass_io_vectors_next(amass_vector_reader *reader, amass_vector_record *record, amass_status *status);
void amass_io_vectors_close(amass_vector_reader *reader);

/* ---- input enumeration ----------------------------------------------- */

/* Turns the command line's inputs into a sequence of names: each argument
 * as given ("-" is stdin; no arguments and no list means "-"), then the
 * names in --files-from (a file or "-", NUL-separated if it holds a NUL,
 * else newline-separated; .gz read through zlib). A directory is walked
 * in sorted order when recursive is set (regular files only, symlinked
 * directories not followed), otherwise it is a bad input. */
typedef struct amass_input_list amass_input_list;

amass_input_list *amass_io_inputs_open(char *const *args, int n_args, const char *files_from, int recursive,
                                       amass_status *status);
/* 1: *name is the next input (valid until the next call), 0: end,
 * -1: a bad entry (status names it; e.g. a directory without -r, an
 * unreadable directory); call again to go on, -2: the list itself failed. */
int amass_io_inputs_next(amass_input_list *list, const char **name, amass_status *status);
void amass_io_inputs_close(amass_input_list *list);

/* ---- --shard I/N ----------------------------------------------------- */

typedef struct {
    uint32_t index;  /* 0-based I */
    uint32_t count;  /* N; count 0 means no sharding */
} amass_shard;

/* Parses "I/N" with 0 <= I < N. */
int amass_io_shard_parse(const char *text, amass_shard *shard, amass_status *status);
/* Whether this shard keeps the input: FNV-1a of the name, modulo N. */
int amass_io_shard_keeps(const amass_shard *shard, const char *name, size_t length);

/* ---- --resume OUT ---------------------------------------------------- */

/* The "input" values of an earlier output (NDJSON records, or TSV whose
 * first column is the input; .gz read through zlib). A last line cut off
 * mid-record is ignored: that input is done again. A missing file is an
 * empty set, so the same command line works for the first run. */
typedef struct amass_name_set amass_name_set;

amass_name_set *amass_io_resume_load(const char *path, amass_status *status);
int amass_io_name_set_contains(const amass_name_set *set, const char *name, size_t length);
int amass_io_name_set_add(amass_name_set *set, const char *name, size_t length);
size_t amass_io_name_set_size(const amass_name_set *set);
amass_name_set *amass_io_name_set_new(void);
void amass_io_name_set_free(amass_name_set *set);

#endif
