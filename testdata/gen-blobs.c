/* gen-blobs: deterministic Gaussian blobs as TSV, so tests, fixture scripts
 * and benchmarks all cluster the very same vectors.
 *
 *   gen-blobs [-l LABELS] N DIM K SEED [SPREAD]
 *
 * K centres are drawn uniformly from [-10, 10]^DIM (scikit-learn's
 * make_blobs default box); each of the N points picks a centre uniformly at
 * random and adds N(0, SPREAD^2) noise (default SPREAD 1) to every
 * coordinate. Rows are written as "blob:<i>\t<v1>\t...\t<vDIM>" with i from
 * 0 and values printed %.9g from float32, so text round-trips to the exact
 * float32 any reader gets. -l writes the true centre of each row, one per
 * line, for adjusted Rand index checks.
 *
 * The generator is our own splitmix64 (Steele, Lea & Flood 2014) with
 * Box-Muller normals, not the C library's rand(): the output must be the
 * same bytes on every platform and libc. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    uint64_t state;
    int has_spare;
    double spare;
} blob_rng;

static uint64_t splitmix64_next(blob_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) from the top 53 bits. */
static double uniform01(blob_rng *rng)
{
    return (double)(splitmix64_next(rng) >> 11) * 0x1.0p-53;
}

/* Standard normal by Box-Muller; 1 - u keeps log() away from zero. The
 * second value of each pair is kept for the next call. */
static double normal01(blob_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    double radius = sqrt(-2.0 * log(1.0 - uniform01(rng)));
    double angle = 2.0 * 3.14159265358979323846 * uniform01(rng);
    rng->spare = radius * sin(angle);
    rng->has_spare = 1;
    return radius * cos(angle);
}

/* Uniform integer in [0, n): the modulo bias is below n / 2^64, under
 * 2^-44 for the K allowed here, far below anything a test can see. */
static uint64_t below(blob_rng *rng, uint64_t n)
{
    return splitmix64_next(rng) % n;
}

static int parse_count(const char *text, const char *what, long long max, long long *value)
{
    char *end;
    errno = 0;
    long long parsed = strtoll(text, &end, 10);
    if (errno || end == text || *end || parsed < 1 || parsed > max) {
        fprintf(stderr, "gen-blobs: %s must be an integer from 1 to %lld, not '%s'\n", what, max, text);
        return -1;
    }
    *value = parsed;
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: gen-blobs [-l LABELS] N DIM K SEED [SPREAD]\n");
}

int main(int argc, char **argv)
{
    const char *labels_path = NULL;
    int option;
    while ((option = getopt(argc, argv, "l:h")) != -1) {
        if (option == 'l') {
            labels_path = optarg;
        } else {
            usage();
            return option == 'h' ? 0 : 2;
        }
    }
    int n_args = argc - optind;
    if (n_args != 4 && n_args != 5) {
        usage();
        return 2;
    }
    char **args = argv + optind;
    long long n, dim, k;
    if (parse_count(args[0], "N", 1000000000LL, &n) || parse_count(args[1], "DIM", 1000000, &dim) ||
        parse_count(args[2], "K", 1000000, &k))
        return 2;
    char *end;
    errno = 0;
    unsigned long long seed = strtoull(args[3], &end, 10);
    if (errno || end == args[3] || *end || args[3][0] == '-') {
        fprintf(stderr, "gen-blobs: SEED must be a non-negative integer, not '%s'\n", args[3]);
        return 2;
    }
    double spread = 1.0;
    if (n_args == 5) {
        spread = strtod(args[4], &end);
        if (end == args[4] || *end || !(spread >= 0) || !isfinite(spread)) {
            fprintf(stderr, "gen-blobs: SPREAD must be a number >= 0, not '%s'\n", args[4]);
            return 2;
        }
    }

    blob_rng rng = {.state = seed};
    double *centres = malloc((size_t)k * (size_t)dim * sizeof *centres);
    if (!centres) {
        fprintf(stderr, "gen-blobs: out of memory for %lld x %lld centres\n", k, dim);
        return 2;
    }
    for (long long i = 0; i < k * dim; i++)
        centres[i] = -10.0 + 20.0 * uniform01(&rng);

    FILE *labels = NULL;
    if (labels_path && !(labels = fopen(labels_path, "w"))) {
        fprintf(stderr, "gen-blobs: %s: %s\n", labels_path, strerror(errno));
        free(centres);
        return 2;
    }
    for (long long i = 0; i < n; i++) {
        uint64_t centre = below(&rng, (uint64_t)k);
        const double *mean = centres + centre * (uint64_t)dim;
        printf("blob:%lld", i);
        for (long long j = 0; j < dim; j++) {
            float value = (float)(mean[j] + spread * normal01(&rng));
            printf("\t%.9g", (double)value);
        }
        putchar('\n');
        if (labels)
            fprintf(labels, "%llu\n", (unsigned long long)centre);
    }
    free(centres);
    int failed = 0;
    if (labels && (ferror(labels) | fclose(labels))) {
        fprintf(stderr, "gen-blobs: %s: write failed\n", labels_path);
        failed = 1;
    }
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "gen-blobs: standard output: write failed\n");
        failed = 1;
    }
    return failed ? 2 : 0;
}
