/* Times one ONNX model in the neural engine, or oneDNN's sgemm peak, for scripts/bench/nn. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "formats/formats.h"
#include "formats/tfjs.h"
#include "nn/nn.h"

/* Not a test and not installed: `make` builds it so `make bench` can time
 * the engine the way a tool uses it (load, open a session, run batches).
 * Its output is one "key value ..." line per measurement, for the bench
 * script to parse; errors go to stderr as one line and exit 1. */

#define MAX_BATCHES 16

typedef struct {
    int threads;
    int64_t batches[MAX_BATCHES];
    size_t n_batches;
    int warmup;
    int repeat;
    int winograd;
    int bf16;
    int64_t input_dims[AMASS_NN_MAX_RANK];
    size_t n_input_dims;
    int peak;
    size_t peak_size;
    const char *outputs[AMASS_NN_MAX_RANK];
    size_t n_outputs;
    const char *model;
} options;

static void usage(FILE *out)
{
    fputs("usage: nn-bench [--threads N] [--batches 1,16] [--warmup W] [--repeat R] [--winograd] [--bf16]\n"
          "                [--input CxHxW] [--output NAME]... MODEL\n"
          "       nn-bench --peak [--threads N] [--size S] [--repeat R]\n"
          "Times MODEL in amass at each batch size on random input: W untimed runs, then R timed\n"
          "runs; prints per batch the median and best run time and images/s at the median.\n"
          "MODEL is an ONNX file or a TF.js model.json. --input fixes the input dimensions after the\n"
          "batch (models with dynamic H/W). --output takes that tensor as an output instead of the\n"
          "model's own (TF.js models; a manifest's \"outputs\"), once per output.\n"
          "--peak times oneDNN's sgemm on S x S x S (default 3072) float32, best of R runs.\n",
          out);
}

static int parse_count(const char *text, long minimum, long maximum, long *value)
{
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || parsed < minimum || parsed > maximum)
        return -1;
    *value = parsed;
    return 0;
}

/* "1,16" or "3x640x640": positive integers with one separator. */
static int parse_list(const char *text, char separator, int64_t *values, size_t max_values, size_t *n_values)
{
    size_t count = 0;
    const char *cursor = text;
    for (;;) {
        char *end;
        errno = 0;
        long long parsed = strtoll(cursor, &end, 10);
        if (errno != 0 || end == cursor || parsed < 1 || parsed > (1LL << 20) || count == max_values)
            return -1;
        values[count++] = parsed;
        if (*end == '\0')
            break;
        if (*end != separator)
            return -1;
        cursor = end + 1;
    }
    *n_values = count;
    return 0;
}

static int parse_options(int argc, char **argv, options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->batches[0] = 1;
    opts->n_batches = 1;
    opts->warmup = 2;
    opts->repeat = 10;
    opts->peak_size = 3072;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        long number;
        if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(arg, "--winograd") == 0) {
            opts->winograd = 1;
        } else if (strcmp(arg, "--bf16") == 0) {
            opts->bf16 = 1;
        } else if (strcmp(arg, "--peak") == 0) {
            opts->peak = 1;
        } else if (value == NULL && arg[0] == '-' && arg[1] == '-') {
            fprintf(stderr, "nn-bench: %s: missing value or unknown option\n", arg);
            return -1;
        } else if (strcmp(arg, "--threads") == 0) {
            if (parse_count(value, 0, 4096, &number) != 0)
                goto bad_value;
            opts->threads = (int)number;
            i++;
        } else if (strcmp(arg, "--warmup") == 0) {
            if (parse_count(value, 0, 100000, &number) != 0)
                goto bad_value;
            opts->warmup = (int)number;
            i++;
        } else if (strcmp(arg, "--repeat") == 0) {
            if (parse_count(value, 1, 100000, &number) != 0)
                goto bad_value;
            opts->repeat = (int)number;
            i++;
        } else if (strcmp(arg, "--size") == 0) {
            if (parse_count(value, 16, 16384, &number) != 0)
                goto bad_value;
            opts->peak_size = (size_t)number;
            i++;
        } else if (strcmp(arg, "--batches") == 0) {
            if (parse_list(value, ',', opts->batches, MAX_BATCHES, &opts->n_batches) != 0)
                goto bad_value;
            i++;
        } else if (strcmp(arg, "--input") == 0) {
            /* Slot 0 is the batch, which the loader leaves dynamic. */
            if (parse_list(value, 'x', opts->input_dims + 1, AMASS_NN_MAX_RANK - 1, &opts->n_input_dims) != 0)
                goto bad_value;
            opts->n_input_dims++;
            i++;
        } else if (strcmp(arg, "--output") == 0) {
            if (opts->n_outputs == sizeof opts->outputs / sizeof opts->outputs[0] || !value[0])
                goto bad_value;
            opts->outputs[opts->n_outputs++] = value;
            i++;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "nn-bench: unknown option %s\n", arg);
            return -1;
        } else if (opts->model == NULL) {
            opts->model = arg;
        } else {
            fprintf(stderr, "nn-bench: more than one model given (%s)\n", arg);
            return -1;
        }
        continue;
    bad_value:
        fprintf(stderr, "nn-bench: %s: bad value '%s'\n", arg, value);
        return -1;
    }
    if (!opts->peak && opts->model == NULL) {
        fprintf(stderr, "nn-bench: no model given\n");
        return -1;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Uniform [0, 1) from xorshift64: the values do not matter for timing, but
 * they must not be all zeros (denormal and zero shortcuts would flatter). */
static void fill_random(float *data, size_t count, uint64_t *state)
{
    for (size_t i = 0; i < count; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        data[i] = (float)(*state >> 40) / (float)(1 << 24);
    }
}

/* oneDNN's sgemm on square matrices: the machine's practical FP32 peak,
 * which the bench holds every model's GFLOP/s against. */
static int run_peak(const options *opts)
{
    size_t n = opts->peak_size;
    float *a = amass_alloc_array(n * n, sizeof *a);
    float *b = amass_alloc_array(n * n, sizeof *b);
    float *c = amass_calloc_array(n * n, sizeof *c);
    amass_status status;
    amass_status_clear(&status);
    int result = 1;
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "nn-bench: peak: out of memory for %zu x %zu matrices\n", n, n);
        goto done;
    }
    uint64_t state = 0x9e3779b97f4a7c15u;
    fill_random(a, n * n, &state);
    fill_random(b, n * n, &state);
    double best = 0;
    /* One untimed call first: it pays for oneDNN's JIT and thread start. */
    for (int run = -1; run < opts->repeat; run++) {
        double started = now_seconds();
        if (amass_nn_gemm_abt(n, n, n, 1.0f, a, b, 0.0f, c, &status) != AMASS_OK) {
            fprintf(stderr, "nn-bench: peak: %s\n", status.message);
            goto done;
        }
        double seconds = now_seconds() - started;
        if (run >= 0 && (best == 0 || seconds < best))
            best = seconds;
    }
    printf("peak size %zu best_s %.6f gflops %.1f\n", n, best, 2.0 * (double)n * (double)n * (double)n / best / 1e9);
    result = 0;
done:
    free(a);
    free(b);
    free(c);
    return result;
}

typedef struct {
    float **inputs;
    float **outputs;
    size_t n_inputs;
    size_t n_outputs;
} run_buffers;

static void free_buffers(run_buffers *buffers)
{
    for (size_t i = 0; i < buffers->n_inputs && buffers->inputs; i++)
        free(buffers->inputs[i]);
    for (size_t i = 0; i < buffers->n_outputs && buffers->outputs; i++)
        free(buffers->outputs[i]);
    free(buffers->inputs);
    free(buffers->outputs);
    memset(buffers, 0, sizeof *buffers);
}

static size_t count_at_batch(const amass_nn_tensor_type *type, int64_t batch)
{
    size_t count = amass_nn_type_count(type);
    if (type->rank > 0 && type->dims[0] == AMASS_NN_DYNAMIC)
        count *= (size_t)batch;
    return count;
}

static int make_buffers(const amass_nn_graph *graph, amass_nn_session *session, int64_t batch, run_buffers *buffers,
                        amass_status *status)
{
    uint64_t state = 0x2545f4914f6cdd1du;
    buffers->n_inputs = amass_nn_graph_input_count(graph);
    buffers->n_outputs = amass_nn_graph_output_count(graph);
    buffers->inputs = amass_calloc_array(buffers->n_inputs, sizeof *buffers->inputs);
    buffers->outputs = amass_calloc_array(buffers->n_outputs, sizeof *buffers->outputs);
    if (buffers->inputs == NULL || buffers->outputs == NULL)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < buffers->n_inputs; i++) {
        amass_nn_tensor_type type;
        if (amass_nn_graph_input_type(graph, i, &type) != AMASS_OK)
            return amass_fail(status, AMASS_ERR_FATAL, "input %zu: no type", i);
        size_t count = count_at_batch(&type, batch);
        if (!(buffers->inputs[i] = amass_alloc_array(count, sizeof(float))))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for input %zu", i);
        fill_random(buffers->inputs[i], count, &state);
    }
    for (size_t i = 0; i < buffers->n_outputs; i++) {
        amass_nn_tensor_type type;
        if (amass_nn_session_output_type(session, batch, i, &type, status) != AMASS_OK)
            return status->code;
        if (!(buffers->outputs[i] = amass_alloc_array(amass_nn_type_count(&type), sizeof(float))))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for output %zu", i);
    }
    return AMASS_OK;
}

/* Warm-up runs, then repeat timed runs at one batch size; prints one line. */
static int time_batch(const options *opts, const amass_nn_graph *graph, amass_nn_session *session, int64_t batch,
                      double *times, amass_status *status)
{
    run_buffers buffers = {0};
    int code = make_buffers(graph, session, batch, &buffers, status);
    for (int run = -opts->warmup; code == AMASS_OK && run < opts->repeat; run++) {
        if (run == 0) {
            /* Marks where the timed runs begin in oneDNN's verbose output
             * (ONEDNN_VERBOSE=1 prints to stdout too): the bench's
             * --profile counts only what follows. */
            printf("timed_runs %d\n", opts->repeat);
            fflush(stdout);
        }
        double started = now_seconds();
        code = amass_nn_session_run(session, batch, (const float *const *)buffers.inputs,
                                    (float *const *)buffers.outputs, status);
        if (run >= 0)
            times[run] = now_seconds() - started;
    }
    free_buffers(&buffers);
    if (code != AMASS_OK)
        return code;
    qsort(times, (size_t)opts->repeat, sizeof *times, compare_doubles);
    double median = opts->repeat % 2 ? times[opts->repeat / 2]
                                     : 0.5 * (times[opts->repeat / 2 - 1] + times[opts->repeat / 2]);
    printf("batch %lld runs %d median_s %.6f best_s %.6f images_per_s %.2f\n", (long long)batch, opts->repeat,
           median, times[0], (double)batch / median);
    fflush(stdout);
    return AMASS_OK;
}

static int run_model(const options *opts)
{
    amass_status status;
    amass_status_clear(&status);
    amass_nn_graph *graph = NULL;
    amass_nn_session *session = NULL;
    double *times = amass_alloc_array((size_t)opts->repeat, sizeof *times);
    int result = 1;
    if (times == NULL) {
        fprintf(stderr, "nn-bench: out of memory\n");
        return 1;
    }
    double started = now_seconds();
    /* ONNX or TF.js, told apart by content as the tools do */
    const int64_t *dims = opts->n_input_dims > 0 ? opts->input_dims : NULL;
    int code;
    if (opts->n_outputs > 0) {
        amass_tfjs_model *tfjs = NULL;
        code = amass_tfjs_open(opts->model, &tfjs, &status);
        if (code == AMASS_OK)
            code = amass_tfjs_import_outputs(tfjs, dims, opts->n_input_dims, opts->outputs, opts->n_outputs, &graph,
                                             &status);
        amass_tfjs_close(tfjs);
    } else {
        code = amass_formats_load_model(opts->model, dims, opts->n_input_dims, &graph, &status);
    }
    if (code != AMASS_OK)
        goto fail;
    if (!(session = amass_nn_session_open(graph, &status)))
        goto fail;
    amass_nn_session_set_winograd(session, opts->winograd);
    if (opts->bf16 && !amass_nn_bf16_available()) {
        amass_fail(&status, AMASS_ERR_UNSUPPORTED, "--bf16: this CPU has no bfloat16 instructions");
        goto fail;
    }
    amass_nn_session_set_bf16(session, opts->bf16);
    printf("load_s %.3f nodes %zu\n", now_seconds() - started, amass_nn_graph_node_count(graph));
    double flops = amass_nn_graph_flops(graph, &status);
    if (flops < 0)
        goto fail;
    printf("graph flops_per_image %.0f\n", flops);
    for (size_t i = 0; i < opts->n_batches; i++) {
        if (time_batch(opts, graph, session, opts->batches[i], times, &status) != AMASS_OK) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "batch %lld", (long long)opts->batches[i]);
            amass_status_prefix(&status, prefix);
            goto fail;
        }
    }
    amass_nn_session_stats stats;
    amass_nn_session_get_stats(session, &stats);
    printf("stats primitives %llu weight_reorders %llu arena_bytes %zu\n",
           (unsigned long long)stats.primitives_created, (unsigned long long)stats.weight_reorders,
           stats.arena_bytes);
    result = 0;
    goto done;
fail:
    fprintf(stderr, "nn-bench: %s\n", status.message);
done:
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    free(times);
    return result;
}

int main(int argc, char **argv)
{
    options opts;
    if (parse_options(argc, argv, &opts) != 0) {
        usage(stderr);
        return 2;
    }
    amass_nn_set_threads(opts.threads);
    return opts.peak ? run_peak(&opts) : run_model(&opts);
}
