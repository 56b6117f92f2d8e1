/* The sendump: 8-bit (or 4-bit clustered) quantized mixture weights of Sphinx PTM and semi-continuous models. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sphinx.h"
#include "sphinx_internal.h"

/* Pocketsphinx keeps weights as integer logs in base 1.0001 shifted right
 * by 10 bits (SENSCR_SHIFT), negated; one byte step is this many nats. */
#define NATS_PER_STEP (1024.0 * 0.000099995000333308)  /* 1024 * ln(1.0001) */

/* "name N" among the header strings; returns 1 and sets *value when found. */
static int header_count(const char *text, const char *name, long *value)
{
    size_t n = strlen(name);
    if (strncmp(text, name, n) != 0 || text[n] != ' ')
        return 0;
    char *end;
    *value = strtol(text + n + 1, &end, 10);
    return end != text + n + 1;
}

amass_sphinx_sendump *amass_sphinx_sendump_open(const char *path, int32_t n_senones, int32_t n_streams,
                                                amass_status *status)
{
    sphinx_file file;
    if (sphinx_file_read(&file, path, status))
        return NULL;
    amass_sphinx_sendump *s = NULL;
    int32_t length;
    if (sphinx_file_int32(&file, &length, "the title length", status))
        goto fail;
    /* No byte-order magic here: the title length (1..999) tells it, as
     * pocketsphinx decides it. */
    if (length < 1 || length > 999) {
        length = (int32_t)__builtin_bswap32((uint32_t)length);
        if (length < 1 || length > 999) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: not a sendump (title length out of range 1..999)", path);
            goto fail;
        }
        file.swap = 1;
    }
    long n_features = 1, n_densities = -1, n_models = -1, n_clusters = 0, n_bits = 8;
    for (int index = 0;; index++) {
        if (index > 0 && sphinx_file_int32(&file, &length, "a header string length", status))
            goto fail;
        if (length == 0)
            break;
        if (length < 0 || length > 4096) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: header string %d has length %d", path, index, (int)length);
            goto fail;
        }
        const unsigned char *text = NULL;
        if (sphinx_file_bytes(&file, &text, (size_t)length, "a header string", status))
            goto fail;
        /* Pocketsphinx insists on the terminating zero only for the title
         * and the first header string; en-us has a later one without. */
        if (index < 2 && text[length - 1] != 0) {
            amass_fail(status, AMASS_ERR_INPUT, "%s: header string %d is not terminated", path, index);
            goto fail;
        }
        char t[4097];
        memcpy(t, text, (size_t)length);
        t[length] = 0;
        header_count(t, "feature_count", &n_features);
        header_count(t, "mixture_count", &n_densities);
        header_count(t, "model_count", &n_models);
        header_count(t, "cluster_count", &n_clusters);
        header_count(t, "cluster_bits", &n_bits);
    }
    if (n_clusters == 0) {
        /* Older dumps carry the table's rows (densities) and columns (senones) here. */
        int32_t rows, columns;
        if (sphinx_file_int32(&file, &rows, "the density count", status) ||
            sphinx_file_int32(&file, &columns, "the senone count", status))
            goto fail;
        n_densities = rows;
        n_models = columns;
    }
    if (n_clusters == 15)
        n_clusters = 16;
    if (n_clusters != 0 && n_clusters != 16) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: cluster_count %ld (want 0, 15 or 16)", path, n_clusters);
        goto fail;
    }
    if (n_bits != 8 && n_bits != 4) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: cluster_bits %ld (want 4 or 8)", path, n_bits);
        goto fail;
    }
    if (n_clusters && n_bits != 4) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: clustered weights must be 4-bit", path);
        goto fail;
    }
    if (n_features < 1 || n_features > 64 || n_densities < 1 || n_densities > 65536 || n_models < 1 ||
        n_models > INT32_MAX) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: bad dimensions: %ld streams, %ld densities, %ld senones", path,
                   n_features, n_densities, n_models);
        goto fail;
    }
    if (n_senones >= 0 && n_models != n_senones) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: %ld senones, but the model definition has %d", path, n_models,
                   (int)n_senones);
        goto fail;
    }
    if (n_streams >= 0 && n_features != n_streams) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: %ld feature streams, but the means have %d", path, n_features,
                   (int)n_streams);
        goto fail;
    }
    const unsigned char *codebook = NULL;
    if (n_clusters && sphinx_file_bytes(&file, &codebook, (size_t)n_clusters, "the cluster codebook", status))
        goto fail;
    size_t step = n_bits == 4 ? ((size_t)n_models + 1) / 2 : (size_t)n_models;
    uint64_t need = (uint64_t)n_features * (uint64_t)n_densities * step;
    if (need != sphinx_file_left(&file)) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: %ld x %ld x %ld weights need %llu bytes, the file has %zu", path,
                   n_features, n_densities, n_models, (unsigned long long)need, sphinx_file_left(&file));
        goto fail;
    }
    s = calloc(1, sizeof *s);
    size_t n = (size_t)n_features * (size_t)n_densities * (size_t)n_models;
    if (!s || !(s->log_weight = amass_alloc_array(n, sizeof *s->log_weight))) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %zu weights", path, n);
        goto fail;
    }
    s->n_streams = (int32_t)n_features;
    s->n_densities = (int32_t)n_densities;
    s->n_senones = (int32_t)n_models;
    const unsigned char *table = file.data + file.position;
    for (size_t row = 0; row < (size_t)n_features * (size_t)n_densities; row++) {
        const unsigned char *in = table + row * step;
        float *out = s->log_weight + row * (size_t)n_models;
        for (size_t senone = 0; senone < (size_t)n_models; senone++) {
            unsigned value;
            if (n_bits == 4) {
                /* Two senones a byte, the odd one in the high nibble. */
                unsigned nibble = (senone & 1) ? in[senone / 2] >> 4 : in[senone / 2] & 0x0f;
                value = codebook ? codebook[nibble] : nibble;
            } else {
                value = in[senone];
            }
            out[senone] = (float)(-(double)value * NATS_PER_STEP);
        }
    }
    sphinx_file_free(&file);
    return s;
fail:
    sphinx_file_free(&file);
    amass_sphinx_sendump_close(s);
    return NULL;
}

void amass_sphinx_sendump_close(amass_sphinx_sendump *sendump)
{
    if (!sendump)
        return;
    free(sendump->log_weight);
    free(sendump);
}

float amass_sphinx_sendump_log_weight(const amass_sphinx_sendump *s, int32_t senone, int32_t stream,
                                      int32_t density)
{
    if (!s || senone < 0 || senone >= s->n_senones || stream < 0 || stream >= s->n_streams || density < 0 ||
        density >= s->n_densities)
        return -INFINITY;
    return s->log_weight[((size_t)stream * (size_t)s->n_densities + (size_t)density) * (size_t)s->n_senones +
                         (size_t)senone];
}
