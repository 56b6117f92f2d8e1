/* The text embed pipeline over a fake network whose token states depend
 * on every kept token of their sequence (as attention's do) and whose
 * padded positions hold garbage: items from lines, NDJSON fields and whole
 * files, names, order, failures, truncation warnings, batch-independence,
 * and the pooling modes. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/embed_text.h"
#include "tap.h"

#define HIDDEN 4

static int n_runs, largest_batch;

static int fake_run(void *context, size_t batch, size_t length, const int32_t *ids, const uint8_t *mask,
                    const int32_t *type_ids, float *hidden, amass_status *status)
{
    (void)context;
    (void)type_ids;
    (void)status;
    n_runs++;
    if ((int)batch > largest_batch)
        largest_batch = (int)batch;
    for (size_t b = 0; b < batch; b++) {
        double context_sum[HIDDEN] = {0};
        for (size_t t = 0; t < length; t++)
            for (size_t d = 0; d < HIDDEN; d++)
                if (mask[b * length + t])
                    context_sum[d] += cos((double)ids[b * length + t] * (double)(d + 1));
        for (size_t t = 0; t < length; t++)
            for (size_t d = 0; d < HIDDEN; d++)
                hidden[(b * length + t) * HIDDEN + d] =
                    mask[b * length + t] ? (float)(sin((double)ids[b * length + t] * (double)(d + 1)) + 0.1 * (double)t +
                                                   0.01 * context_sum[d])
                                         : 1e6f;
    }
    return AMASS_OK;
}

static char failures[8192];
static int n_failures;
static char warnings[8192];

static void on_failure(void *user, const char *input, size_t length, const char *message)
{
    (void)user;
    n_failures++;
    snprintf(failures + strlen(failures), sizeof failures - strlen(failures), "[%.*s] %s\n", (int)length, input,
             message);
}

static void on_log(amass_log_level level, const char *message, void *user)
{
    (void)user;
    if (level == AMASS_LOG_WARN)
        snprintf(warnings + strlen(warnings), sizeof warnings - strlen(warnings), "%s\n", message);
}

static char work_dir[] = "/tmp/amass-test-embed-XXXXXX";
static const amass_text_tokenizer *tokenizer;

static char *path_of(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 512, "%s/%s", work_dir, name);
    return p;
}

static void write_text(const char *name, const char *text, size_t length)
{
    FILE *out = fopen(path_of(name), "wb");
    fwrite(text, 1, length, out);
    fclose(out);
}

static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    static char text[1 << 16];
    size_t n = in ? fread(text, 1, sizeof text - 1, in) : 0;
    if (in)
        fclose(in);
    text[n] = '\0';
    return text;
}

/* Runs the pipeline over the named inputs; returns its output. */
static char *embed(const char *const *names, int n_names, amass_embed_text_options *options, amass_format format,
                   int *code)
{
    static char output_copy[1 << 16];
    char *args[8];
    amass_reporter reporter = {on_failure, NULL, NULL, NULL};
    amass_embed_network network = {fake_run, NULL, HIDDEN, 16};
    amass_status status;
    amass_output *out;
    amass_record_writer *writer;
    amass_input_list *inputs;
    amass_embed_sink sink;
    failures[0] = warnings[0] = '\0';
    n_failures = n_runs = largest_batch = 0;
    amass_status_clear(&status);
    for (int i = 0; i < n_names; i++)
        args[i] = strcmp(names[i], "-") ? path_of(names[i]) : (char *)"-";
    out = amass_io_output_open(path_of("out"), 0, &status);
    writer = amass_io_writer_new(out, format, 0, 0);
    inputs = amass_io_inputs_open(args, n_names, NULL, 0, &status);
    sink.writer = writer;
    sink.format = format;
    sink.reporter = &reporter;
    sink.shard = NULL;
    sink.done = NULL;
    options->model_name = "fake";
    *code = amass_embed_text_run(tokenizer, &network, options, inputs, &sink, &status);
    if (*code != AMASS_OK)
        printf("#   %s\n", status.message);
    amass_io_inputs_close(inputs);
    amass_io_writer_free(writer);
    amass_io_output_close(out, &status);
    snprintf(output_copy, sizeof output_copy, "%s", slurp(path_of("out")));
    return output_copy;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void check_lines(void)
{
    static const char *const names[] = {"lines.txt"};
    amass_embed_text_options options = {0};
    char single[1 << 15], *got;
    int code;
    write_text("lines.txt", "hello world\n\nthe quick brown fox jumped\nhello\nplaying players\n", 62);
    options.pooling = AMASS_EMBED_POOLING_MEAN;
    options.batch = 1;
    got = embed(names, 1, &options, AMASS_FORMAT_NDJSON, &code);
    snprintf(single, sizeof single, "%s", got);
    is_int(code, AMASS_OK, "lines: the run succeeds");
    is_int(count_lines(single), 5, "lines: one record per line, the empty one included");
    ok(strstr(single, "{\"input\":\"") == single && strstr(single, "lines.txt:2\",\"model\":\"fake\",\"dim\":4,\"embedding\":[") != NULL,
       "lines: records named file:LINE with model and dim");
    is_int(n_runs, 5, "lines: --batch 1 runs each item alone");
    options.batch = 32;
    got = embed(names, 1, &options, AMASS_FORMAT_NDJSON, &code);
    is_int(n_runs, 1, "lines: --batch 32 runs them together");
    is_str(got, single, "lines: batched and single vectors are identical, records in input order");
    options.batch = 2;
    got = embed(names, 1, &options, AMASS_FORMAT_NDJSON, &code);
    is_str(got, single, "lines: batches of 2 give the same vectors too");
    is_int(largest_batch, 2, "lines: --batch 2 runs at most 2 at once");
    got = embed(names, 1, &options, AMASS_FORMAT_TSV, &code);
    ok(strncmp(got, path_of("lines.txt"), strlen(path_of("lines.txt"))) == 0 && strstr(got, ":2\t") != NULL &&
           count_lines(got) == 5,
       "lines: TSV rows are input then the values");
}

static void check_field(void)
{
    static const char *const names[] = {"talk.ndjson"};
    static const char records[] =
        "{\"input\":\"a.wav\",\"duration\":1.5,\"text\":\"hello world\",\"words\":[]}\n"
        "\n"
        "{\"input\":\"b.wav\",\"text\":42}\n"
        "{not json\n"
        "{\"duration\":2,\"text\":\"the fox\"}\n"
        "{\"input\":\"c.wav\"}\n"
        "{\"input\":\"d.wav\",\"text\":\"\"}\n";
    amass_embed_text_options options = {0};
    char *got;
    int code;
    write_text("talk.ndjson", records, sizeof records - 1);
    options.pooling = AMASS_EMBED_POOLING_MEAN;
    options.field = "text";
    got = embed(names, 1, &options, AMASS_FORMAT_NDJSON, &code);
    is_int(code, AMASS_OK, "field: bad records do not end the run");
    is_int(count_lines(got), 3, "field: the three good records are written");
    ok(strncmp(got, "{\"input\":\"a.wav\"", 16) == 0, "field: a record's input names its item");
    ok(strstr(got, "talk.ndjson:5\"") != NULL, "field: a record without input is named file:LINE");
    ok(strstr(got, "{\"input\":\"d.wav\"") != NULL, "field: an empty text still gets a vector");
    is_int(n_failures, 3, "field: three failures");
    ok(strstr(failures, "[b.wav] b.wav: ") && strstr(failures, "\"text\" is not a string"),
       "field: a non-string field fails that item, named");
    ok(strstr(failures, "talk.ndjson:4: not a JSON record") != NULL, "field: a line that is not JSON fails, named file:LINE");
    ok(strstr(failures, "[c.wav]") && strstr(failures, "\"text\" is missing"), "field: a missing field fails that item");
}

static void check_whole_file_and_truncation(void)
{
    static const char *const names[] = {"doc1.txt", "missing.txt", "doc2.txt"};
    amass_embed_text_options options = {0};
    char *got, long_text[4096];
    size_t n = 0;
    int code;
    write_text("doc1.txt", "hello\nworld\n", 12);
    while (n + 6 < sizeof long_text) {
        memcpy(long_text + n, "hello ", 6);
        n += 6;
    }
    write_text("doc2.txt", long_text, n);
    options.pooling = AMASS_EMBED_POOLING_CLS;
    options.whole_file = 1;
    got = embed(names, 3, &options, AMASS_FORMAT_NDJSON, &code);
    is_int(count_lines(got), 2, "whole file: one record per readable file");
    ok(strstr(got, "doc1.txt\",\"model\"") != NULL, "whole file: named by the file");
    is_int(n_failures, 1, "whole file: a missing file is one failure");
    ok(strstr(failures, "missing.txt") != NULL, "  ... naming it");
    ok(strstr(warnings, "doc2.txt: more than 16 tokens, truncated") != NULL,
       "a long item is truncated to the network's length with a warning naming it");
    if (!ok(strstr(warnings, "doc1.txt") == NULL, "  ... and only that one"))
        printf("#   %s", warnings);
    options.max_length = 8;
    embed(names, 3, &options, AMASS_FORMAT_NDJSON, &code);
    ok(strstr(warnings, "more than 8 tokens, truncated") != NULL, "a smaller max length applies");
    options.max_length = 2;
    embed(names, 3, &options, AMASS_FORMAT_NDJSON, &code);
    is_int(code, AMASS_ERR_USAGE, "a max length of 2 is refused");
}

static void check_pooling(void)
{
    const float states[] = {1, 2, 3, -4, 5, 6, 100, 100, 100};
    const uint8_t mask[] = {1, 1, 0};
    float out[3];
    amass_embed_pool(states, mask, 3, 3, AMASS_EMBED_POOLING_MEAN, 0, out);
    ok(out[0] == -1.5f && out[1] == 3.5f && out[2] == 4.5f, "mean pools the kept tokens only");
    amass_embed_pool(states, mask, 3, 3, AMASS_EMBED_POOLING_MAX, 0, out);
    ok(out[0] == 1 && out[1] == 5 && out[2] == 6, "max pools the kept tokens only");
    amass_embed_pool(states, mask, 3, 3, AMASS_EMBED_POOLING_CLS, 0, out);
    ok(out[0] == 1 && out[1] == 2 && out[2] == 3, "cls takes the first token");
    amass_embed_pool(states, mask, 3, 3, AMASS_EMBED_POOLING_CLS, 1, out);
    is_close(out[0] * out[0] + out[1] * out[1] + out[2] * out[2], 1.0, 1e-6, "normalize gives unit length");
    is_close(out[1] / out[0], 2.0, 1e-6, "  ... in the same direction");
    {
        const float zeros[] = {0, 0, 0};
        amass_embed_pool(zeros, mask, 1, 3, AMASS_EMBED_POOLING_MEAN, 1, out);
        ok(out[0] == 0 && out[1] == 0 && out[2] == 0, "a zero vector stays zero when normalized");
    }
}

int main(void)
{
    amass_text_tokenizer *opened;
    amass_status status;
    const char *srcdir = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/unit/text-tokenizer/uncased", srcdir ? srcdir : ".");
    amass_status_clear(&status);
    if (!mkdtemp(work_dir) || amass_text_tokenizer_open(path, &opened, &status) != AMASS_OK) {
        printf("Bail out! %s\n", status.message);
        return 1;
    }
    tokenizer = opened;
    amass_log_set_handler(on_log, NULL);
    check_lines();
    check_field();
    check_whole_file_and_truncation();
    check_pooling();
    amass_text_tokenizer_close(opened);
    for (const char *const *name = (const char *const[]){"lines.txt", "talk.ndjson", "doc1.txt", "doc2.txt", "out", NULL};
         *name; name++)
        unlink(path_of(*name));
    rmdir(work_dir);
    return done_testing();
}
