/* Buffered record output to a file or stdout, optionally gzip, with every
 * write error (ENOSPC, EIO, EPIPE...) caught and reported. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"

#define BUFFER_SIZE ((size_t)1 << 16)

struct amass_output {
    int fd;
    int owns_fd;          /* 0 for stdout, which stays open */
    int flush_each_write; /* a terminal sees records as they come */
    char *name;           /* for messages: the path, or "standard output" */
    char *buffer;         /* bytes not yet handed to write() or deflate() */
    size_t length;
    int gzip;
    z_stream stream;
    unsigned char *compressed;
    /* A failed write poisons the sink: later calls fail with the same
     * message, so the error survives to close() even if a caller ignored it. */
    amass_code error;
    char error_message[AMASS_MESSAGE_MAX];
};

static int fail_output(amass_output *out, amass_status *status, amass_code code, const char *what, int errnum)
{
    if (!out->error) {
        out->error = code;
        snprintf(out->error_message, sizeof out->error_message, "%s: %s: %s", out->name, what, strerror(errnum));
    }
    return amass_fail(status, out->error, "%s", out->error_message);
}

/* write() until all is out: pipes and signals may take it piecewise. */
static int write_all(amass_output *out, const void *data, size_t n, amass_status *status)
{
    const char *p = data;
    while (n > 0) {
        ssize_t written = write(out->fd, p, n);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return fail_output(out, status, AMASS_ERR_IO, "write error", errno);
        }
        if (written == 0)
            return fail_output(out, status, AMASS_ERR_IO, "write error", EIO);
        p += written;
        n -= (size_t)written;
    }
    return AMASS_OK;
}

/* Passes data through deflate; flush is Z_NO_FLUSH, Z_SYNC_FLUSH or Z_FINISH. */
static int deflate_out(amass_output *out, const void *data, size_t n, int flush, amass_status *status)
{
    int result;
    out->stream.next_in = (Bytef *)(uintptr_t)data;
    out->stream.avail_in = (uInt)n;
    do {
        size_t produced;
        out->stream.next_out = out->compressed;
        out->stream.avail_out = (uInt)BUFFER_SIZE;
        result = deflate(&out->stream, flush);
        if (result == Z_STREAM_ERROR)
            return fail_output(out, status, AMASS_ERR_FATAL, "gzip compression failed", EINVAL);
        produced = BUFFER_SIZE - out->stream.avail_out;
        if (produced && write_all(out, out->compressed, produced, status) != AMASS_OK)
            return out->error;
    } while (out->stream.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
    return AMASS_OK;
}

static int drain(amass_output *out, const void *data, size_t n, int flush, amass_status *status)
{
    if (out->gzip)
        return deflate_out(out, data, n, flush, status);
    return n ? write_all(out, data, n, status) : AMASS_OK;
}

static int drain_buffer(amass_output *out, int flush, amass_status *status)
{
    int result = drain(out, out->buffer, out->length, flush, status);
    out->length = 0;
    return result;
}

static void output_free(amass_output *out)
{
    if (out->gzip)
        deflateEnd(&out->stream);
    free(out->compressed);
    free(out->buffer);
    free(out->name);
    free(out);
}

amass_output *amass_io_output_open(const char *path, int gzip, amass_status *status)
{
    int to_stdout = path == NULL || strcmp(path, "-") == 0;
    amass_output *out = calloc(1, sizeof *out);
    if (!out || !(out->name = strdup(to_stdout ? "standard output" : path)) || !(out->buffer = malloc(BUFFER_SIZE)) ||
        (gzip && !(out->compressed = malloc(BUFFER_SIZE)))) {
        if (out)
            output_free(out);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (gzip) {
        /* windowBits 15 + 16 asks zlib for a gzip wrapper, as gzip(1) writes. */
        if (deflateInit2(&out->stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            free(out->compressed);
            out->compressed = NULL;
            output_free(out);
            amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            return NULL;
        }
        out->gzip = 1;
    }
    if (to_stdout) {
        out->fd = STDOUT_FILENO;
    } else {
        out->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (out->fd < 0) {
            amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
            output_free(out);
            return NULL;
        }
        out->owns_fd = 1;
    }
    out->flush_each_write = isatty(out->fd) && !gzip;
    return out;
}

/* Offset just past the last newline of the file open on fd, 0 if none. */
static off_t end_of_last_line(int fd)
{
    char chunk[4096];
    off_t end = lseek(fd, 0, SEEK_END);
    while (end > 0) {
        size_t n = end < (off_t)sizeof chunk ? (size_t)end : sizeof chunk;
        ssize_t got = pread(fd, chunk, n, end - (off_t)n);
        if (got != (ssize_t)n)
            return -1;
        while (n > 0 && chunk[n - 1] != '\n') {
            n--;
            end--;
        }
        if (n > 0)
            return end;
    }
    return 0;
}

amass_output *amass_io_output_open_continue(const char *path, amass_status *status)
{
    amass_output *out = amass_io_output_open("-", 0, status);
    off_t keep;
    if (!out)
        return NULL;
    free(out->name);
    out->name = strdup(path);
    out->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (!out->name || out->fd < 0) {
        amass_fail(status, out->name ? AMASS_ERR_IO : AMASS_ERR_NOMEM, "%s: %s", path,
                   out->name ? strerror(errno) : "out of memory");
        output_free(out);
        return NULL;
    }
    out->owns_fd = 1;
    out->flush_each_write = 0;
    keep = end_of_last_line(out->fd);
    if (keep < 0 || ftruncate(out->fd, keep) != 0) {
        amass_fail(status, AMASS_ERR_IO, "%s: cannot drop its cut-off last line: %s", path, strerror(errno));
        close(out->fd);
        output_free(out);
        return NULL;
    }
    return out;
}

int amass_io_output_write(amass_output *out, const void *data, size_t n, amass_status *status)
{
    if (out->error)
        return amass_fail(status, out->error, "%s", out->error_message);
    /* Whole records per write(): flush what is buffered before a record
     * that does not fit, and hand a record bigger than the buffer over
     * directly. */
    if (out->length + n > BUFFER_SIZE && out->length && drain_buffer(out, Z_NO_FLUSH, status) != AMASS_OK)
        return out->error;
    if (n > BUFFER_SIZE)
        return drain(out, data, n, Z_NO_FLUSH, status);
    if (n)
        memcpy(out->buffer + out->length, data, n);
    out->length += n;
    if (out->flush_each_write)
        return drain_buffer(out, Z_NO_FLUSH, status);
    return AMASS_OK;
}

int amass_io_output_flush(amass_output *out, amass_status *status)
{
    if (out->error)
        return amass_fail(status, out->error, "%s", out->error_message);
    /* A sync flush makes everything so far decodable by a reader of the
     * gzip stream (e.g. an --errors file watched while the run goes on). */
    return drain_buffer(out, Z_SYNC_FLUSH, status);
}

int amass_io_output_close(amass_output *out, amass_status *status)
{
    int result = AMASS_OK;
    if (!out)
        return AMASS_OK;
    if (out->error)
        result = amass_fail(status, out->error, "%s", out->error_message);
    else
        result = drain_buffer(out, out->gzip ? Z_FINISH : Z_NO_FLUSH, status);
    if (out->owns_fd) {
        /* NFS and some disks report a failed write only here. */
        if (close(out->fd) != 0 && result == AMASS_OK)
            result = fail_output(out, status, AMASS_ERR_IO, "close failed", errno);
    }
    output_free(out);
    return result;
}
