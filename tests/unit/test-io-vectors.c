/* Tests of the vector record reader: good NDJSON and TSV records, and
 * every kind of bad record reported with file:line while reading goes on. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/io.h"
#include "tap.h"

static char path[] = "/tmp/amass-test-vectors-XXXXXX";

static void write_text(const char *text, int gzip)
{
    if (gzip) {
        gzFile file = gzopen(path, "wb");
        gzwrite(file, text, (unsigned)strlen(text));
        gzclose(file);
    } else {
        FILE *file = fopen(path, "wb");
        fputs(text, file);
        fclose(file);
    }
}

/* Reads the whole file into a summary: "name=v1,v2;" per record, "!N;"
 * per bad record on line N (whose message must name path:N), "#" once
 * if the file could not be read further. */
static const char *summarize(const char *text, const char *field, int gzip, char *last_message, size_t size)
{
    static char summary[4096];
    amass_status status;
    amass_vector_reader *reader;
    amass_vector_record record;
    amass_read_result result;
    size_t used = 0, i;
    write_text(text, gzip);
    amass_status_clear(&status);
    summary[0] = '\0';
    reader = amass_io_vectors_open(path, field, &status);
    if (!reader)
        return "(open failed)";
    while ((result = amass_io_vectors_next(reader, &record, &status)) != AMASS_READ_END) {
        if (result == AMASS_READ_RECORD) {
            used += (size_t)snprintf(summary + used, sizeof summary - used, "%.*s=", (int)record.input_length,
                                     record.input);
            for (i = 0; i < record.dim; i++)
                used += (size_t)snprintf(summary + used, sizeof summary - used, "%s%g", i ? "," : "",
                                         (double)record.values[i]);
            used += (size_t)snprintf(summary + used, sizeof summary - used, "@%ld;", record.line);
        } else if (result == AMASS_READ_BAD) {
            char where[600];
            char *colon = strchr(status.message + strlen(path) + 1, ':');
            long line = atol(status.message + strlen(path) + 1);
            snprintf(where, sizeof where, "%s:%ld: ", path, line);
            if (strncmp(status.message, where, strlen(where)) != 0 || !colon || status.code != AMASS_ERR_INPUT)
                used += (size_t)snprintf(summary + used, sizeof summary - used, "(bad message: %s)", status.message);
            used += (size_t)snprintf(summary + used, sizeof summary - used, "!%ld;", line);
            if (last_message)
                snprintf(last_message, size, "%s", status.message + strlen(where));
        } else {
            used += (size_t)snprintf(summary + used, sizeof summary - used, "#");
            if (last_message)
                snprintf(last_message, size, "%s", status.message);
            break;
        }
    }
    amass_io_vectors_close(reader);
    return summary;
}

static void bad_case(const char *text, const char *want_summary, const char *want_reason, const char *name)
{
    char message[1024] = "";
    is_str(summarize(text, NULL, 0, message, sizeof message), want_summary, name);
    if (!tap_ok(strstr(message, want_reason) != NULL, __FILE__, __LINE__, "  ... and says why"))
        printf("#   message \"%s\", want \"%s\"\n", message, want_reason);
}

static void test_good(void)
{
    char want[512];
    is_str(summarize("{\"input\":\"a\",\"embedding\":[1,2.5,-3e2]}\n{\"embedding\":[0]}\n", NULL, 0, NULL, 0),
           (snprintf(want, sizeof want, "a=1,2.5,-300@1;%s:2=0@2;", path), want),
           "NDJSON with and without input");
    is_str(summarize("a\t1\t2\nb\\tc\\\\d\t3.5\t-0\r\n", NULL, 0, NULL, 0), "a=1,2@1;b\tc\\d=3.5,-0@2;",
           "TSV rows, escaped name, CRLF");
    is_str(summarize("input\tv1\tv2\na\t1\t2\n", NULL, 0, NULL, 0), "a=1,2@2;", "TSV header skipped");
    is_str(summarize("\n  \n\t\ninput\tv1\na\t1\n", NULL, 0, NULL, 0), "a=1@5;",
           "blank lines skipped; header after them still a header");
    is_str(summarize("a\t1\n{\"input\":\"b\",\"embedding\":[2]}\n  {\"input\":\"c\",\"embedding\":[3]}\n", NULL,
                     0, NULL, 0),
           "a=1@1;b=2@2;c=3@3;", "formats mixed line by line");
    is_str(summarize("{\"input\":\"x\",\"vec\":[1,1],\"embedding\":\"ignored\"}\n", "vec", 0, NULL, 0), "x=1,1@1;",
           "another field");
    is_str(summarize("a\t1\t2\nb\t3\n", NULL, 0, NULL, 0), "a=1,2@1;b=3@2;",
           "ragged rows are the consumer's business");
    is_str(summarize("a\t1\nb\t2", NULL, 1, NULL, 0), "a=1@1;b=2@2;", "gzip, last line without newline");
    is_str(summarize("{\"input\":\"caf\\u00e9\",\"embedding\":[1e-50, 3]}\n", NULL, 0, NULL, 0),
           "caf\xc3\xa9=0,3@1;", "escaped name decoded; underflow to 0 is fine");
    is_str(summarize("{\"input\":\"\",\"embedding\":[1]}\n", NULL, 0, NULL, 0), "=1@1;", "empty input name");
    is_str(summarize("", NULL, 0, NULL, 0), "", "empty file");
}

static void test_bad(void)
{
    static const char good[] = "{\"input\":\"ok\",\"embedding\":[7]}\n";
    char text[1024];
#define BAD(line2, reason, name)                                                                                   \
    do {                                                                                                          \
        snprintf(text, sizeof text, "%s%s\n%s", good, line2, good);                                               \
        bad_case(text, "ok=7@1;!2;ok=7@3;", reason, name);                                                         \
    } while (0)
    BAD("{\"input\":\"x\",\"embedding\":[1,2", "not a valid JSON record", "invalid JSON");
    BAD("{\"input\":\"bad\xff\",\"embedding\":[1]}", "not a valid JSON record", "invalid UTF-8 in NDJSON");
    BAD("{\"input\":\"x\"}", "no \"embedding\" member", "missing field");
    BAD("{\"input\":\"x\",\"embedding\":null}", "\"embedding\" is not an array", "field is null");
    BAD("{\"input\":\"x\",\"embedding\":{\"a\":1}}", "\"embedding\" is not an array", "field is an object");
    BAD("{\"input\":\"x\",\"embedding\":[]}", "\"embedding\" is empty", "empty array");
    BAD("{\"input\":\"x\",\"embedding\":[1,\"2\"]}", "value 2 of \"embedding\" is not a number", "string element");
    BAD("{\"input\":\"x\",\"embedding\":[true]}", "value 1 of \"embedding\" is not a number", "true element");
    BAD("{\"input\":\"x\",\"embedding\":[1,false]}", "value 2 of \"embedding\" is not a number", "false element");
    BAD("{\"input\":\"x\",\"embedding\":[null]}", "value 1 of \"embedding\" is not a number", "null element");
    BAD("{\"input\":\"x\",\"embedding\":[[1]]}", "value 1 of \"embedding\" is not a number", "nested array");
    BAD("{\"input\":\"x\",\"embedding\":[1e999]}", "not a valid JSON record", "1e999 overflows double");
    BAD("{\"input\":\"x\",\"embedding\":[1,1e39]}", "value 2 of \"embedding\" is too large for a float",
        "1e39 overflows float");
    BAD("{\"input\":7,\"embedding\":[1]}", "\"input\" is not a string", "input not a string");
    BAD("{\"embedding\":[1],\"embedding\":[2]}", "not a valid JSON record", "duplicate member");
    BAD("{\"input\":\"x\",\"embedding\":[1]} trailing", "not a valid JSON record", "trailing garbage");
    BAD("[1,2]", "no numbers after the input name", "a JSON array is not a record");
    BAD("x\t1\tabc", "value 2 is not a number", "TSV word");
    BAD("x\t1\t2x", "value 2 is not a number", "TSV number with a tail");
    BAD("x\t1\t", "value 2 is not a number", "TSV empty column");
    BAD("x\tnan", "value 1 is not a finite number", "TSV nan");
    BAD("x\t-inf\t1", "value 1 is not a finite number", "TSV inf");
    BAD("x\t1e39", "value 1 is not a finite number", "TSV overflow to inf");
    BAD("x", "no numbers after the input name", "TSV name only");
    bad_case("a\t1\n{\"input\":\"g\",\"embedding\":[1,", "a=1@1;!2;", "record cut off at the end",
             "truncated last JSON line");
    snprintf(text, sizeof text, "%s:1=1@1;!4;%s:5=2@5;", path, path);
    bad_case("{\"embedding\":[1]}\n\n\n{\"embedding\":[1,x]}\n{\"embedding\":[2]}\n", text,
             "not a valid JSON record", "line numbers count blank lines");
#undef BAD
}

static void test_fatal(void)
{
    char message[1024] = "";
    const char *summary;
    FILE *file;
    /* a gzip file cut in the middle: the records before stand */
    write_text("a\t1\nb\t2\nc\t3\n", 1);
    {
        char data[256];
        size_t n;
        file = fopen(path, "rb");
        n = fread(data, 1, sizeof data, file);
        fclose(file);
        file = fopen(path, "wb");
        fwrite(data, 1, n - 6, file);
        fclose(file);
    }
    {
        amass_status status;
        amass_vector_reader *reader;
        amass_vector_record record;
        int records = 0;
        amass_read_result result;
        amass_status_clear(&status);
        reader = amass_io_vectors_open(path, NULL, &status);
        while ((result = amass_io_vectors_next(reader, &record, &status)) == AMASS_READ_RECORD)
            records++;
        is_int(result, AMASS_READ_FATAL, "cut gzip is fatal for the file");
        is_int(records, 3, "after the records before the cut");
        ok(strstr(status.message, path) != NULL, "message names the file");
        snprintf(message, sizeof message, "%s", status.message);
        printf("# %s\n", message);
        amass_io_vectors_close(reader);
    }
    summary = summarize("a\t1\n", NULL, 0, NULL, 0);
    is_str(summary, "a=1@1;", "reader usable again");
    {
        amass_status status;
        amass_status_clear(&status);
        ok(amass_io_vectors_open("/nonexistent/v.tsv", NULL, &status) == NULL &&
               strstr(status.message, "/nonexistent/v.tsv: No such file"),
           "missing file refused at open with its name");
    }
}

/* The values buffer must hold vectors of any size one after another. */
static void test_growth(void)
{
    size_t n = 5000, i, used = 0;
    char *text = malloc(n * 8 + 64);
    amass_status status;
    amass_vector_reader *reader;
    amass_vector_record record;
    int right = 1;
    used += (size_t)sprintf(text, "s\t1\nbig");
    for (i = 0; i < n; i++)
        used += (size_t)sprintf(text + used, "\t%zu", i);
    sprintf(text + used, "\ns2\t4\t5\n");
    write_text(text, 0);
    amass_status_clear(&status);
    reader = amass_io_vectors_open(path, NULL, &status);
    right &= amass_io_vectors_next(reader, &record, &status) == AMASS_READ_RECORD && record.dim == 1;
    right &= amass_io_vectors_next(reader, &record, &status) == AMASS_READ_RECORD && record.dim == n;
    for (i = 0; right && i < n; i++)
        right &= record.values[i] == (float)i;
    right &= amass_io_vectors_next(reader, &record, &status) == AMASS_READ_RECORD && record.dim == 2 &&
             record.values[1] == 5;
    right &= amass_io_vectors_next(reader, &record, &status) == AMASS_READ_END;
    ok(right, "vectors of 1, 5000 and 2 numbers in a row");
    amass_io_vectors_close(reader);
    free(text);
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    test_good();
    test_bad();
    test_fatal();
    test_growth();
    unlink(path);
    return done_testing();
}
