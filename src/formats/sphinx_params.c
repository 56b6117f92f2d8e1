/* Sphinx s3 parameter files (means, variances, mixture weights, transition matrices) and the quantized sendump. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sphinx.h"
#include "sphinx_internal.h"

/* More streams than this is not a feature layout any Sphinx front end makes. */
#define STREAMS_MAX 64

static amass_code positive(const sphinx_file *file, int32_t value, const char *what, amass_status *status)
{
    if (value <= 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s is %d, must be positive", file->path, what, (int)value);
    return AMASS_OK;
}

/* Checks the declared float count against the dimensions and against what
 * the file can hold, before anything of that size is allocated. */
static amass_code check_count(const sphinx_file *file, int32_t declared, uint64_t expected, amass_status *status)
{
    if (expected > sphinx_file_left(file) / 4)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: the header promises %llu values but only %zu bytes follow (truncated?)", file->path,
                          (unsigned long long)expected, sphinx_file_left(file));
    if (declared < 0 || (uint64_t)declared != expected)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %d values declared, the dimensions give %llu", file->path,
                          (int)declared, (unsigned long long)expected);
    return AMASS_OK;
}

static float *read_floats(sphinx_file *file, sphinx_s3 *s3, int32_t declared, uint64_t expected,
                          amass_status *status)
{
    if (check_count(file, declared, expected, status))
        return NULL;
    float *data = amass_alloc_array(expected ? (size_t)expected : 1, sizeof *data);
    if (!data) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %llu values", file->path,
                   (unsigned long long)expected);
        return NULL;
    }
    if (sphinx_s3_floats(file, s3, data, (size_t)expected, status) || sphinx_s3_finish(file, s3, status)) {
        free(data);
        return NULL;
    }
    for (size_t i = 0; i < expected; i++)
        if (!isfinite(data[i])) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: value %zu is not a finite number", file->path, i);
            free(data);
            return NULL;
        }
    return data;
}

amass_sphinx_gaussians *amass_sphinx_gaussians_open(const char *path, float variance_floor, amass_status *status)
{
    sphinx_file file;
    sphinx_s3 s3;
    if (sphinx_file_read(&file, path, status))
        return NULL;
    amass_sphinx_gaussians *g = calloc(1, sizeof *g);
    if (!g) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    int32_t declared;
    if (sphinx_s3_header(&file, &s3, status) ||
        sphinx_s3_int32(&file, &s3, &g->n_codebooks, "the codebook count", status) ||
        positive(&file, g->n_codebooks, "the codebook count", status) ||
        sphinx_s3_int32(&file, &s3, &g->n_streams, "the stream count", status) ||
        positive(&file, g->n_streams, "the stream count", status) ||
        sphinx_s3_int32(&file, &s3, &g->n_densities, "the density count", status) ||
        positive(&file, g->n_densities, "the density count", status))
        goto fail;
    if (g->n_streams > STREAMS_MAX) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: %d feature streams (at most %d)", path, (int)g->n_streams,
                   STREAMS_MAX);
        goto fail;
    }
    g->stream_length = calloc((size_t)g->n_streams, sizeof *g->stream_length);
    if (!g->stream_length) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    uint64_t row = 0;
    for (int32_t s = 0; s < g->n_streams; s++) {
        if (sphinx_s3_int32(&file, &s3, &g->stream_length[s], "a stream length", status) ||
            positive(&file, g->stream_length[s], "a stream length", status))
            goto fail;
        row += (uint64_t)g->stream_length[s];
    }
    if (row > INT32_MAX) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: stream lengths add up to %llu", path, (unsigned long long)row);
        goto fail;
    }
    g->row_length = (int32_t)row;
    if (sphinx_s3_int32(&file, &s3, &declared, "the value count", status))
        goto fail;
    /* Each factor is below 2^31, so the product is checked in two steps. */
    uint64_t per_codebook = (uint64_t)g->n_densities * row;
    if (per_codebook > sphinx_file_left(&file)) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: the header promises %llu values per codebook but only %zu bytes follow",
                   path, (unsigned long long)per_codebook, sphinx_file_left(&file));
        goto fail;
    }
    uint64_t expected = (uint64_t)g->n_codebooks * per_codebook;
    g->data = read_floats(&file, &s3, declared, expected, status);
    if (!g->data)
        goto fail;
    g->n_values = (size_t)expected;
    if (variance_floor > 0)
        for (size_t i = 0; i < g->n_values; i++)
            if (g->data[i] < variance_floor) {
                g->data[i] = variance_floor;
                g->n_floored++;
            }
    sphinx_file_free(&file);
    return g;
fail:
    sphinx_file_free(&file);
    amass_sphinx_gaussians_close(g);
    return NULL;
}

void amass_sphinx_gaussians_close(amass_sphinx_gaussians *gaussians)
{
    if (!gaussians)
        return;
    free(gaussians->stream_length);
    free(gaussians->data);
    free(gaussians);
}

const float *amass_sphinx_gaussians_vector(const amass_sphinx_gaussians *g, int32_t codebook, int32_t stream,
                                           int32_t density)
{
    if (!g || codebook < 0 || codebook >= g->n_codebooks || stream < 0 || stream >= g->n_streams || density < 0 ||
        density >= g->n_densities)
        return NULL;
    size_t offset = (size_t)codebook * (size_t)g->n_densities * (size_t)g->row_length;
    for (int32_t s = 0; s < stream; s++)
        offset += (size_t)g->n_densities * (size_t)g->stream_length[s];
    return g->data + offset + (size_t)density * (size_t)g->stream_length[stream];
}

/* Pocketsphinx normalises each row on load, floors it (transition
 * matrices: only entries that are not zero, so absent transitions stay
 * absent) and normalises again; models such as en-us store raw counts. */
static amass_code normalize_rows(const char *path, float *data, size_t n_rows, size_t n_columns, float floor,
                                 int nonzero_only, amass_status *status)
{
    for (size_t r = 0; r < n_rows; r++) {
        float *row = data + r * n_columns;
        for (int pass = 0; pass < 2; pass++) {
            double sum = 0;
            for (size_t c = 0; c < n_columns; c++) {
                if (row[c] < 0)
                    return amass_fail(status, AMASS_ERR_INPUT, "%s: row %zu has a negative value %g", path, r,
                                      (double)row[c]);
                sum += row[c];
            }
            if (sum <= 0)
                break;  /* an unused row stays zero, as in pocketsphinx */
            for (size_t c = 0; c < n_columns; c++) {
                row[c] = (float)(row[c] / sum);
                if (pass == 0 && row[c] < floor && (row[c] > 0 || !nonzero_only))
                    row[c] = floor;
            }
        }
    }
    return AMASS_OK;
}

static amass_sphinx_array3 *array3_open(const char *path, const char *const names[3], int transitions,
                                        amass_status *status)
{
    sphinx_file file;
    sphinx_s3 s3;
    if (sphinx_file_read(&file, path, status))
        return NULL;
    amass_sphinx_array3 *a = calloc(1, sizeof *a);
    if (!a) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (sphinx_s3_header(&file, &s3, status))
        goto fail;
    for (int i = 0; i < 3; i++)
        if (sphinx_s3_int32(&file, &s3, &a->dims[i], names[i], status) ||
            positive(&file, a->dims[i], names[i], status))
            goto fail;
    if (transitions && a->dims[2] != a->dims[1] + 1) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: transition matrices of %d x %d: want n x (n + 1) with the exit state",
                   path, (int)a->dims[1], (int)a->dims[2]);
        goto fail;
    }
    int32_t declared;
    if (sphinx_s3_int32(&file, &s3, &declared, "the value count", status))
        goto fail;
    uint64_t inner = (uint64_t)a->dims[1] * (uint64_t)a->dims[2];
    if (inner > sphinx_file_left(&file)) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: the header promises %llu values per %s but only %zu bytes follow",
                   path, (unsigned long long)inner, transitions ? "matrix" : "senone", sphinx_file_left(&file));
        goto fail;
    }
    uint64_t expected = (uint64_t)a->dims[0] * inner;
    a->data = read_floats(&file, &s3, declared, expected, status);
    if (!a->data)
        goto fail;
    a->n_values = (size_t)expected;
    if (normalize_rows(path, a->data, (size_t)a->dims[0] * (size_t)a->dims[1], (size_t)a->dims[2],
                       transitions ? AMASS_SPHINX_TRANSITION_FLOOR : AMASS_SPHINX_MIXTURE_WEIGHT_FLOOR, transitions,
                       status))
        goto fail;
    sphinx_file_free(&file);
    return a;
fail:
    sphinx_file_free(&file);
    amass_sphinx_array3_close(a);
    return NULL;
}

amass_sphinx_array3 *amass_sphinx_mixture_weights_open(const char *path, amass_status *status)
{
    static const char *const names[3] = {"the senone count", "the stream count", "the density count"};
    return array3_open(path, names, 0, status);
}

amass_sphinx_array3 *amass_sphinx_transitions_open(const char *path, amass_status *status)
{
    static const char *const names[3] = {"the matrix count", "the state count", "the destination count"};
    return array3_open(path, names, 1, status);
}

void amass_sphinx_array3_close(amass_sphinx_array3 *array)
{
    if (!array)
        return;
    free(array->data);
    free(array);
}
