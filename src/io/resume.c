/* --resume: the inputs an earlier, possibly interrupted, run already wrote. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "io_internal.h"

/* TSV names come escaped as the writer escapes them: \t \n \r \\. */
static void unescape_tsv(amass_buf *buf, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && strchr("tnr\\", s[i + 1])) {
            char next = s[++i];
            c = next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : '\\';
        }
        amass_buf_append_char(buf, c);
    }
}

/* Adds the input named by one line. 1: added (or known), 0: nothing to
 * add, -1: the line is not a record (status says why). */
static int read_line(amass_name_set *set, amass_line_reader *lines, const char *line, size_t length,
                     amass_buf *name, amass_status *status)
{
    const char *path = amass_io_lines_path(lines);
    long number = amass_io_lines_number(lines);
    size_t skip = strspn(line, " \t\r");
    amass_buf_reset(name);
    if (skip >= length)
        return 0;
    if (line[skip] == '{') {
        json_error_t error;
        json_t *record = json_loadb(line, length, 0, &error), *input;
        if (!record) {
            amass_fail(status, AMASS_ERR_FATAL, "%s:%ld: not a JSON record: %s", path, number, error.text);
            return -1;
        }
        input = json_object_get(record, "input");
        if (!json_is_string(input)) {
            json_decref(record);
            amass_fail(status, AMASS_ERR_FATAL, "%s:%ld: a record without an \"input\" string", path, number);
            return -1;
        }
        amass_buf_append(name, json_string_value(input), json_string_length(input));
        json_decref(record);
    } else {
        const char *tab = memchr(line, '\t', length);
        /* the header of an earlier --header run names no input */
        if (number == 1 && tab && tab - line == 5 && memcmp(line, "input", 5) == 0)
            return 0;
        unescape_tsv(name, line, tab ? (size_t)(tab - line) : length);
    }
    if (name->failed || amass_io_name_set_add(set, name->data ? name->data : "", name->length) < 0) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory after %zu names", path, amass_io_name_set_size(set));
        return -1;
    }
    return 1;
}

amass_name_set *amass_io_resume_load(const char *path, amass_status *status)
{
    amass_name_set *set = amass_io_name_set_new();
    amass_line_reader *lines;
    amass_buf name;
    struct stat info;
    char *line;
    size_t length;
    int got;
    if (!set) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    /* A first run has no output yet: the same command line must work. */
    if (strcmp(path, "-") != 0 && stat(path, &info) != 0 && errno == ENOENT)
        return set;
    if (!(lines = amass_io_lines_open(path, status))) {
        amass_status_prefix(status, "--resume");
        amass_io_name_set_free(set);
        return NULL;
    }
    amass_buf_init(&name);
    while ((got = amass_io_lines_next(lines, &line, &length, status)) == 1) {
        amass_status line_status;
        /* A record is written with its newline in one piece, so a last
         * line without one was cut off by the interrupted run: its input
         * is done again. */
        if (!amass_io_lines_had_newline(lines))
            break;
        amass_status_clear(&line_status);
        if (read_line(set, lines, line, length, &name, &line_status) < 0) {
            *status = line_status;
            got = -1;
            break;
        }
    }
    /* an interrupted -z run leaves a gzip stream without its end */
    if (got < 0 && status && status->code == AMASS_ERR_INPUT && amass_io_lines_cut_short(lines))
        got = 0;
    amass_buf_free(&name);
    amass_io_lines_close(lines);
    if (got < 0) {
        amass_status_prefix(status, "--resume");
        amass_io_name_set_free(set);
        return NULL;
    }
    return set;
}
