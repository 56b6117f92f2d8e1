/* Times a text encoder in amass for scripts/bench/embed: sentences/s per batch size and length. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "models/embed.h"
#include "nn/nn.h"

/* Not a test and not installed: built by `make` so `make bench` times the
 * encoder the way amass-embed runs it (open, one session, batches of equal
 * length). Output: one "batch B length L ... sentences_per_s X" line per
 * shape; errors: one line on stderr, exit 1. */

static int parse_int(const char *text, long minimum, long maximum, long *value)
{
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (errno || end == text || *end || parsed < minimum || parsed > maximum)
        return -1;
    *value = parsed;
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long threads = 0, warmup = 2, repeat = 10, batch = 0, length = 0;
    int bf16 = argc == 8 && !strcmp(argv[7], "bf16");
    if ((argc != 7 && !bf16) || parse_int(argv[2], 0, 1024, &threads) || parse_int(argv[3], 1, 4096, &batch) ||
        parse_int(argv[4], 1, 4096, &length) || parse_int(argv[5], 0, 1000, &warmup) ||
        parse_int(argv[6], 1, 1000, &repeat)) {
        fputs("usage: embed-bench MODEL THREADS BATCH LENGTH WARMUP REPEAT [bf16]\n"
              "Times MODEL (a .onnx file or a text encoder directory) on random token ids:\n"
              "WARMUP untimed runs, then REPEAT timed; prints sentences/s at the median run.\n"
              "bf16: matrix products in bfloat16; also prints the worst token-state cosine with float32.\n",
              stderr);
        return 2;
    }
    amass_nn_set_threads((int)threads);
    amass_status status = {0};
    amass_text_encoder *encoder = NULL;
    double started = amass_seconds_now();
    if (amass_text_encoder_open(argv[1], &encoder, &status) != AMASS_OK) {
        fprintf(stderr, "embed-bench: %s\n", status.message);
        return 1;
    }
    amass_text_encoder_info info;
    amass_text_encoder_get_info(encoder, &info);
    amass_text_encoder_session *session = amass_text_encoder_session_open(encoder, &status);
    printf("load_s %.3f hidden %zu\n", amass_seconds_now() - started, info.hidden);
    size_t tokens = (size_t)batch * (size_t)length;
    int32_t *ids = malloc(tokens * sizeof *ids), *types = calloc(tokens, sizeof *types);
    uint8_t *mask = malloc(tokens);
    float *hidden = malloc(tokens * info.hidden * sizeof *hidden);
    double *times = malloc((size_t)repeat * sizeof *times);
    if (!session || !ids || !types || !mask || !hidden || !times) {
        fprintf(stderr, "embed-bench: %s\n", session ? "out of memory" : status.message);
        return 1;
    }
    uint64_t state = 0x2545f4914f6cdd1dULL;
    size_t vocabulary = info.vocab_size ? info.vocab_size : 1000;
    for (size_t i = 0; i < tokens; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ids[i] = (int32_t)(1 + (state >> 33) % (vocabulary - 1));
        mask[i] = 1;
    }
    if (bf16) {
        /* the price in accuracy: each token's state against float32's */
        float *reference = malloc(tokens * info.hidden * sizeof *reference);
        if (!reference ||
            amass_text_encoder_run(session, (size_t)batch, (size_t)length, ids, mask, types, reference, &status) !=
                AMASS_OK) {
            fprintf(stderr, "embed-bench: %s\n", reference ? status.message : "out of memory");
            return 1;
        }
        amass_text_encoder_session_set_bf16(session, 1);
        if (amass_text_encoder_run(session, (size_t)batch, (size_t)length, ids, mask, types, hidden, &status) !=
            AMASS_OK) {
            fprintf(stderr, "embed-bench: %s\n", status.message);
            return 1;
        }
        double worst = 1;
        for (size_t t = 0; t < tokens; t++) {
            double dot = 0, a = 0, b = 0;
            for (size_t h = 0; h < info.hidden; h++) {
                dot += (double)hidden[t * info.hidden + h] * reference[t * info.hidden + h];
                a += (double)hidden[t * info.hidden + h] * hidden[t * info.hidden + h];
                b += (double)reference[t * info.hidden + h] * reference[t * info.hidden + h];
            }
            double cosine = dot / sqrt(a * b);
            worst = cosine < worst ? cosine : worst;
        }
        printf("bf16_worst_token_cosine %.6f\n", worst);
        free(reference);
    }
    for (long r = -warmup; r < repeat; r++) {
        double begin = amass_seconds_now();
        if (amass_text_encoder_run(session, (size_t)batch, (size_t)length, ids, mask, types, hidden, &status) !=
            AMASS_OK) {
            fprintf(stderr, "embed-bench: %s\n", status.message);
            return 1;
        }
        if (r >= 0)
            times[r] = amass_seconds_now() - begin;
    }
    qsort(times, (size_t)repeat, sizeof *times, compare_doubles);
    double median = repeat % 2 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
    printf("batch %ld length %ld median_s %.6f best_s %.6f sentences_per_s %.2f\n", batch, length, median, times[0],
           (double)batch / median);
    free(ids);
    free(types);
    free(mask);
    free(hidden);
    free(times);
    amass_text_encoder_session_close(session);
    amass_text_encoder_close(encoder);
    return 0;
}
