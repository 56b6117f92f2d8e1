/* Reading the ONNX Runtime fixtures the parity drivers compare with: the
 * path of a file in tests/parity/onnx, exact float32 reads, the argmax
 * the class-score checks use and the import of a fixture model. Static
 * inline so a driver that needs only some of them compiles without
 * unused-function warnings. */
#ifndef AMASS_PARITY_FIXTURES_H
#define AMASS_PARITY_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

#include "formats/formats.h"
#include "nn/nn.h"
#include "../unit/tap.h"

/* $top_srcdir/tests/parity/onnx/<name><suffix>, in a buffer the next call reuses. */
static inline const char *fixture(const char *name, const char *suffix)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/parity/onnx/%s%s", top ? top : ".", name, suffix);
    return path;
}

static inline const char *parity_top_srcdir(void)
{
    const char *top = getenv("top_srcdir");
    return top ? top : ".";
}

/* A whole file in a malloc'd buffer (NULL when it is missing, empty or
 * unreadable), its length in *size. */
static inline void *read_whole_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    void *data = NULL;
    long length = -1;
    *size = 0;
    if (!file)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) > 0 && fseek(file, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)length)) && fread(data, 1, (size_t)length, file) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(file);
    if (data)
        *size = (size_t)length;
    return data;
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

/* Imports tests/parity/onnx/<name>.onnx as the check "<name> imports"; NULL when it fails. */
static inline amass_nn_graph *load_model(const char *name)
{
    amass_status status = {0};
    amass_nn_graph *graph = NULL;
    char label[256];
    snprintf(label, sizeof label, "%s imports", name);
    if (!ok(amass_formats_load_onnx(fixture(name, ".onnx"), &graph, &status) == AMASS_OK, label))
        printf("# %s\n", status.message);
    return graph;
}

#endif
