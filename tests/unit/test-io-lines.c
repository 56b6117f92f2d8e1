/* Tests of the line reader (plain, gzip, stdin, CRLF, limits, damage)
 * and of the output sink (files, gzip, write errors). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "tap.h"

static char directory[] = "/tmp/amass-test-lines-XXXXXX";

static const char *temp_path(const char *name)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 512, "%s/%s", directory, name);
    return path;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *path = temp_path(name);
    FILE *file = fopen(path, "wb");
    fwrite(data, 1, n, file);
    fclose(file);
    return path;
}

static const char *write_gzip(const char *name, const void *data, size_t n)
{
    const char *path = temp_path(name);
    gzFile file = gzopen(path, "wb");
    gzwrite(file, data, (unsigned)n);
    gzclose(file);
    return path;
}

static size_t read_whole(const char *path, char *data, size_t capacity)
{
    FILE *file = fopen(path, "rb");
    size_t n = file ? fread(data, 1, capacity, file) : 0;
    if (file)
        fclose(file);
    return n;
}

/* Reads every line, joined with '|' and a '$' after lines that had a
 * newline; returns the last result (0 or -1). */
static int read_all(const char *path, char *joined, size_t capacity, amass_status *status, size_t limit)
{
    amass_line_reader *reader = amass_io_lines_open(path, status);
    char *line;
    size_t length, used = 0;
    int got;
    joined[0] = '\0';
    if (!reader)
        return -2;
    if (limit)
        amass_io_lines_set_limit(reader, limit);
    while ((got = amass_io_lines_next(reader, &line, &length, status)) == 1) {
        used += (size_t)snprintf(joined + used, capacity - used, "%s%.*s%s", used ? "|" : "", (int)length, line,
                                 amass_io_lines_had_newline(reader) ? "$" : "");
        if (line[length] != '\0')
            used += (size_t)snprintf(joined + used, capacity - used, "(not terminated)");
    }
    if (got < 0 && amass_io_lines_next(reader, &line, &length, status) != 0)
        got = -3; /* after an error the reader must be at its end */
    amass_io_lines_close(reader);
    return got;
}

static void test_plain_and_gzip(void)
{
    static const char text[] = "first\nsecond\r\n\nlast";
    char joined[1024];
    amass_status status;
    const char *path;
    amass_line_reader *reader;
    char *line;
    size_t length;

    amass_status_clear(&status);
    path = write_file("plain.txt", text, strlen(text));
    is_int(read_all(path, joined, sizeof joined, &status, 0), 0, "plain file read to the end");
    is_str(joined, "first$|second$|$|last", "CRLF stripped, empty line kept, last line without newline");

    path = write_gzip("lines.gz", text, strlen(text));
    is_int(read_all(path, joined, sizeof joined, &status, 0), 0, "gzip file read to the end");
    is_str(joined, "first$|second$|$|last", "gzip decompressed transparently");

    path = write_gzip("named-plain.txt", text, strlen(text));
    read_all(path, joined, sizeof joined, &status, 0);
    is_str(joined, "first$|second$|$|last", "gzip data under any name");

    path = write_file("empty", "", 0);
    is_int(read_all(path, joined, sizeof joined, &status, 0), 0, "empty file: end at once");
    is_str(joined, "", "empty file: no lines");

    path = write_file("nul", "a\0b\nc\r", 6);
    reader = amass_io_lines_open(path, &status);
    is_int(amass_io_lines_next(reader, &line, &length, &status), 1, "line with a NUL byte");
    ok(length == 3 && memcmp(line, "a\0b", 3) == 0, "NUL byte kept inside the line");
    is_int(amass_io_lines_number(reader), 1, "line number 1");
    is_int(amass_io_lines_next(reader, &line, &length, &status), 1, "last line");
    is_str(line, "c\r", "a lone CR at the very end is data, not a line ending");
    is_int(amass_io_lines_had_newline(reader), 0, "had_newline 0 on a last line without one");
    is_int(amass_io_lines_number(reader), 2, "line number 2");
    is_str(amass_io_lines_path(reader), path, "path kept");
    is_int(amass_io_lines_next(reader, &line, &length, &status), 0, "then the end");
    is_int(amass_io_lines_next(reader, &line, &length, &status), 0, "and the end again");
    amass_io_lines_close(reader);
}

static void test_long_lines(void)
{
    size_t n = 300000, i;
    char *data = malloc(2 * n + 2);
    amass_status status;
    amass_line_reader *reader;
    char *line;
    size_t length;
    const char *path;
    char joined[256];
    int got;
    for (i = 0; i < 2 * n + 2; i++)
        data[i] = (char)('a' + i % 26);
    data[n] = '\n';
    data[2 * n + 1] = '\n';
    amass_status_clear(&status);
    path = write_gzip("long.gz", data, 2 * n + 2);
    reader = amass_io_lines_open(path, &status);
    got = amass_io_lines_next(reader, &line, &length, &status);
    ok(got == 1 && length == n && memcmp(line, data, n) == 0, "a line across many read chunks");
    got = amass_io_lines_next(reader, &line, &length, &status);
    ok(got == 1 && length == n && memcmp(line, data + n + 1, n) == 0, "the next one intact");
    amass_io_lines_close(reader);

    path = write_file("limit.txt", "short\n0123456789abcdef\nnever\n", 29);
    is_int(read_all(path, joined, sizeof joined, &status, 10), -1, "a line over the limit is an error");
    is_str(joined, "short$", "lines before it were returned");
    ok(strstr(status.message, "limit.txt:2: line longer than 10 bytes") != NULL, "message names file:line");
    printf("# %s\n", status.message);
    is_int(read_all(path, joined, sizeof joined, &status, 16), 0, "a line exactly at the limit is fine");
    free(data);
}

static void test_damage(void)
{
    char joined[1 << 16], *data;
    amass_status status;
    const char *path;
    size_t n, i;
    static const unsigned char corrupt[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0x12, 0x34};

    amass_status_clear(&status);
    path = write_file("corrupt.gz", corrupt, sizeof corrupt);
    is_int(read_all(path, joined, sizeof joined, &status, 0), -1, "corrupt gzip is an error");
    ok(strstr(status.message, "corrupt.gz:1: ") != NULL, "corrupt gzip message names file:line");
    printf("# %s\n", status.message);

    /* A cut-off gzip file, as an interrupted `-z` run leaves. */
    data = malloc(100000);
    for (i = 0, n = 0; n < 90000; i++)
        n += (size_t)snprintf(data + n, 100000 - n, "line %zu %u\n", i, (unsigned)(i * 2654435761u));
    path = write_gzip("cut.gz", data, n);
    n = read_whole(path, data, 100000);
    path = write_file("cut.gz", data, n / 2);
    is_int(read_all(path, joined, sizeof joined, &status, 0), -1, "truncated gzip is an error");
    ok(strstr(status.message, "cut short") != NULL && strstr(status.message, "cut.gz:") != NULL,
       "truncated gzip message says so and names the file");
    ok(strncmp(joined, "line 0 0$|line 1 2654435761$|", 29) == 0, "lines before the cut were returned");
    printf("# %s\n", status.message);
    free(data);

    is_int(read_all(directory, joined, sizeof joined, &status, 0), -2, "a directory cannot be opened");
    ok(strstr(status.message, "is a directory") != NULL, "a directory: says so");
    is_int(read_all(temp_path("missing"), joined, sizeof joined, &status, 0), -2, "missing file");
    ok(strstr(status.message, "missing: No such file or directory") != NULL, "missing file: names it and why");
}

static void test_stdin(void)
{
    char joined[256];
    amass_status status;
    const char *path = write_gzip("stdin.gz", "x\ny\n", 4);
    int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
    dup2(fd, STDIN_FILENO);
    close(fd);
    amass_status_clear(&status);
    is_int(read_all("-", joined, sizeof joined, &status, 0), 0, "stdin read through \"-\"");
    is_str(joined, "x$|y$", "gzip on stdin decompressed");
    ok(fcntl(STDIN_FILENO, F_GETFD) != -1, "closing the reader leaves stdin open");
    dup2(saved, STDIN_FILENO);
    close(saved);
}

static void test_output(void)
{
    char data[1 << 16];
    amass_status status;
    amass_output *out;
    const char *path = temp_path("out.txt");
    int pipe_ends[2], result;
    char pipe_path[64];
    size_t n;
    static char big[200000];

    amass_status_clear(&status);
    out = amass_io_output_open(path, 0, &status);
    ok(out != NULL, "output file opened");
    amass_io_output_write(out, "one\n", 4, &status);
    amass_io_output_write(out, "two\n", 4, &status);
    is_int(amass_io_output_close(out, &status), AMASS_OK, "output closed");
    n = read_whole(path, data, sizeof data);
    ok(n == 8 && memcmp(data, "one\ntwo\n", 8) == 0, "plain output written");

    path = temp_path("out.gz");
    out = amass_io_output_open(path, 1, &status);
    amass_io_output_write(out, "one\n", 4, &status);
    is_int(amass_io_output_flush(out, &status), AMASS_OK, "gzip flush");
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\n';
    amass_io_output_write(out, big, sizeof big, &status);
    amass_io_output_write(out, "two", 3, &status);
    is_int(amass_io_output_close(out, &status), AMASS_OK, "gzip output closed");
    {
        gzFile file = gzopen(path, "rb");
        static char back[sizeof big + 100];
        int got = gzread(file, back, sizeof back);
        int errnum;
        gzerror(file, &errnum);
        gzclose(file);
        ok(got == (int)(4 + sizeof big + 3) && memcmp(back, "one\n", 4) == 0 &&
               memcmp(back + 4, big, sizeof big) == 0 && memcmp(back + 4 + sizeof big, "two", 3) == 0 &&
               errnum == Z_OK,
           "gzip output reads back whole");
    }

    out = amass_io_output_open(temp_path("no-such-dir/out"), 0, &status);
    ok(out == NULL && strstr(status.message, "no-such-dir/out: No such file or directory"), "unopenable output");

    /* /dev/full fails every write with ENOSPC: a small record is only
     * buffered, so the error must surface at close. */
    amass_status_clear(&status);
    out = amass_io_output_open("/dev/full", 0, &status);
    is_int(amass_io_output_write(out, "x\n", 2, &status), AMASS_OK, "small write is buffered");
    result = amass_io_output_close(out, &status);
    ok(result == AMASS_ERR_IO && strstr(status.message, "/dev/full: write error: No space left on device"),
       "ENOSPC reported at close");
    printf("# %s\n", status.message);

    amass_status_clear(&status);
    out = amass_io_output_open("/dev/full", 0, &status);
    is_int(amass_io_output_write(out, big, sizeof big, &status), AMASS_ERR_IO, "big write fails at once");
    amass_status_clear(&status);
    is_int(amass_io_output_write(out, "x", 1, &status), AMASS_ERR_IO, "and the sink stays failed");
    ok(strstr(status.message, "No space left") != NULL, "with the same message");
    amass_status_clear(&status);
    is_int(amass_io_output_close(out, &status), AMASS_ERR_IO, "close reports it again");

    amass_status_clear(&status);
    out = amass_io_output_open("/dev/full", 1, &status);
    amass_io_output_write(out, "x\n", 2, &status);
    ok(amass_io_output_close(out, NULL) == AMASS_ERR_IO, "gzip ENOSPC reported at close (NULL status is fine)");
    is_int(amass_io_output_close(NULL, &status), AMASS_OK, "closing NULL is fine");

    /* A reader that went away: EPIPE once SIGPIPE is ignored. */
    signal(SIGPIPE, SIG_IGN);
    if (pipe(pipe_ends) == 0) {
        snprintf(pipe_path, sizeof pipe_path, "/dev/fd/%d", pipe_ends[1]);
        out = amass_io_output_open(pipe_path, 0, &status);
        close(pipe_ends[0]);
        close(pipe_ends[1]);
        amass_io_output_write(out, "x\n", 2, &status);
        amass_status_clear(&status);
        result = amass_io_output_flush(out, &status);
        ok(result == AMASS_ERR_IO && strstr(status.message, "Broken pipe"), "EPIPE reported at flush");
        amass_io_output_close(out, NULL);
    }
    signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
    char command[600];
    if (!mkdtemp(directory))
        return 1;
    test_plain_and_gzip();
    test_long_lines();
    test_damage();
    test_stdin();
    test_output();
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0)
        printf("# could not remove %s\n", directory);
    return done_testing();
}
