/* Reading the ONNX Runtime fixtures the parity drivers compare with: the
 * path of a file in tests/parity/onnx, exact float32 reads and the argmax
 * the class-score checks use. Static inline so a driver that needs only
 * some of them compiles without unused-function warnings. */
#ifndef AMASS_PARITY_FIXTURES_H
#define AMASS_PARITY_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

/* $top_srcdir/tests/parity/onnx/<name><suffix>, in a buffer the next call reuses. */
static inline const char *fixture(const char *name, const char *suffix)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/parity/onnx/%s%s", top ? top : ".", name, suffix);
    return path;
}

/* Reads exactly count float32 values (the fixtures are little-endian, as
 * is every machine the engine runs on): a shorter or longer file fails. */
static inline int read_floats(const char *path, float *values, size_t count)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return 0;
    size_t got = fread(values, sizeof *values, count, file);
    int extra = fgetc(file) != EOF;
    fclose(file);
    return got == count && !extra;
}

static inline size_t argmax(const float *values, size_t count)
{
    size_t best = 0;
    for (size_t i = 1; i < count; i++)
        if (values[i] > values[best])
            best = i;
    return best;
}

#endif
