/* Line input from plain or gzip files and stdin, bounded per line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "io_internal.h"

/* Large enough that gzread's per-call overhead disappears, small enough to
 * be irrelevant next to one decoded line. */
#define CHUNK_SIZE ((size_t)1 << 16)

struct amass_line_reader {
    gzFile file;
    char *path;
    unsigned char *chunk;   /* decompressed bytes not yet split into lines */
    size_t chunk_start, chunk_end;
    amass_buf line;
    long number;
    int had_newline;
    int at_end;
    int cut_short;          /* the gzip stream ended mid-way */
    size_t limit;
};

/* Opens path (or stdin for "-") as a zlib stream. zlib passes data that
 * is not gzip through unchanged, so one path serves both. */
gzFile amass_io_gz_open(const char *path, amass_status *status)
{
    struct stat info;
    gzFile file;
    int fd;
    if (strcmp(path, "-") == 0) {
        /* a duplicate, so that closing the reader leaves stdin open */
        fd = dup(STDIN_FILENO);
        if (fd < 0) {
            amass_fail(status, AMASS_ERR_IO, "standard input: %s", strerror(errno));
            return NULL;
        }
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            amass_fail(status, errno == ENOMEM ? AMASS_ERR_NOMEM : AMASS_ERR_IO, "%s: %s", path, strerror(errno));
            return NULL;
        }
    }
    /* open() succeeds on a directory; the read would only fail later with
     * a less helpful EISDIR. */
    if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
        close(fd);
        amass_fail(status, AMASS_ERR_IO, "%s: is a directory", path);
        return NULL;
    }
    file = gzdopen(fd, "rb");
    if (!file) {
        close(fd);
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    gzbuffer(file, 1 << 17);
    return file;
}

/* Reads up to n bytes; returns the count, 0 at a clean end, -1 on error
 * with "where: reason" in status. A gzip stream cut short reads as a short
 * count followed by 0, with Z_BUF_ERROR left in gzerror(). */
long amass_io_gz_read(gzFile file, void *data, size_t n, const char *where, amass_status *status)
{
    int errnum = Z_OK;
    const char *message;
    int got;
    if (n > INT_MAX)
        n = INT_MAX;
    got = gzread(file, data, (unsigned)n);
    if (got > 0)
        return got;
    message = gzerror(file, &errnum);
    /* zlib names the stream "<fd:N>" after gzdopen; we name the file */
    if (message && strncmp(message, "<fd:", 4) == 0 && strstr(message, ": "))
        message = strstr(message, ": ") + 2;
    if (got == 0 && errnum == Z_OK)
        return 0;
    if (errnum == Z_BUF_ERROR)
        amass_fail(status, AMASS_ERR_INPUT, "%s: gzip data cut short (unexpected end of file)", where);
    else if (errnum == Z_ERRNO)
        amass_fail(status, AMASS_ERR_IO, "%s: read error: %s", where, strerror(errno));
    else if (errnum == Z_MEM_ERROR)
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    else
        amass_fail(status, AMASS_ERR_INPUT, "%s: corrupt gzip data: %s", where, message ? message : "unknown error");
    return -1;
}

amass_line_reader *amass_io_lines_open(const char *path, amass_status *status)
{
    amass_line_reader *reader = calloc(1, sizeof *reader);
    if (!reader || !(reader->path = strdup(path)) || !(reader->chunk = malloc(CHUNK_SIZE))) {
        amass_io_lines_close(reader);
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    amass_buf_init(&reader->line);
    reader->limit = AMASS_LINE_MAX;
    reader->file = amass_io_gz_open(path, status);
    if (!reader->file) {
        amass_io_lines_close(reader);
        return NULL;
    }
    return reader;
}

void amass_io_lines_set_limit(amass_line_reader *reader, size_t limit)
{
    reader->limit = limit;
}

/* Refills the chunk; 1 when bytes are there, 0 at the end, -1 on error. */
static int refill(amass_line_reader *reader, amass_status *status)
{
    char where[64 + 4096];
    long got;
    snprintf(where, sizeof where, "%s:%ld", reader->path, reader->number + 1);
    got = amass_io_gz_read(reader->file, reader->chunk, CHUNK_SIZE, where, status);
    if (got < 0) {
        int errnum = Z_OK;
        gzerror(reader->file, &errnum);
        reader->cut_short = errnum == Z_BUF_ERROR;
    }
    if (got <= 0)
        return (int)got;
    reader->chunk_start = 0;
    reader->chunk_end = (size_t)got;
    return 1;
}

static int fail_at_line(amass_line_reader *reader)
{
    reader->at_end = 1;
    return -1;
}

int amass_io_lines_next(amass_line_reader *reader, char **line, size_t *length, amass_status *status)
{
    amass_buf_reset(&reader->line);
    if (reader->at_end)
        return 0;
    for (;;) {
        unsigned char *start = reader->chunk + reader->chunk_start;
        size_t available = reader->chunk_end - reader->chunk_start;
        unsigned char *newline = available ? memchr(start, '\n', available) : NULL;
        size_t take = newline ? (size_t)(newline - start) : available;
        int got;
        if (reader->line.length + take > reader->limit) {
            amass_fail(status, AMASS_ERR_INPUT, "%s:%ld: line longer than %zu bytes", reader->path,
                       reader->number + 1, reader->limit);
            return fail_at_line(reader);
        }
        amass_buf_append(&reader->line, start, take);
        if (reader->line.failed) {
            amass_fail(status, AMASS_ERR_NOMEM, "%s:%ld: out of memory for a line of %zu bytes", reader->path,
                       reader->number + 1, reader->line.length + take);
            return fail_at_line(reader);
        }
        reader->chunk_start += take;
        if (newline) {
            reader->chunk_start++;
            reader->had_newline = 1;
            break;
        }
        got = refill(reader, status);
        if (got < 0)
            return fail_at_line(reader);
        if (got == 0) {
            reader->at_end = 1;
            if (reader->line.length == 0)
                return 0;
            reader->had_newline = 0;
            break;
        }
    }
    reader->number++;
    if (reader->had_newline && reader->line.length > 0 && reader->line.data[reader->line.length - 1] == '\r')
        reader->line.length--;
    if (!reader->line.data) /* an empty line before any byte was stored */
        amass_buf_reserve(&reader->line, 0);
    if (reader->line.failed) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
        return fail_at_line(reader);
    }
    reader->line.data[reader->line.length] = '\0';
    *line = reader->line.data;
    *length = reader->line.length;
    return 1;
}

int amass_io_lines_cut_short(const amass_line_reader *reader)
{
    return reader->cut_short;
}

long amass_io_lines_number(const amass_line_reader *reader)
{
    return reader->number;
}

int amass_io_lines_had_newline(const amass_line_reader *reader)
{
    return reader->had_newline;
}

const char *amass_io_lines_path(const amass_line_reader *reader)
{
    return reader->path;
}

void amass_io_lines_close(amass_line_reader *reader)
{
    if (!reader)
        return;
    if (reader->file)
        gzclose(reader->file);
    amass_buf_free(&reader->line);
    free(reader->chunk);
    free(reader->path);
    free(reader);
}
