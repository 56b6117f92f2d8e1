/* Mini-batch k-means (Sculley 2010) with scikit-learn's MiniBatchKMeans
 * update: each centre is the running mean of the rows it has been given
 * (learning rate 1 / count), and centres that get almost nothing are
 * moved to random rows of the batch. Only centres, counts and per-batch
 * scratch are held, so the data can stream through. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* scikit-learn's defaults: reassignment_ratio 0.01, n_init 3 seedings. */
#define REASSIGNMENT_RATIO 0.01
#define SEED_TRIES 3

typedef struct {
    double count;
    int cluster;
} ranked;

struct amass_minibatch {
    int k;
    size_t dim;
    float *centroids;      /* k x dim */
    double *counts;        /* k: rows each centre has absorbed */
    amass_rng rng;
    int seeded;
    uint64_t since_reassign;
    /* per-batch scratch, grown to the largest batch seen */
    size_t capacity;
    int32_t *labels;
    double *squared;
    size_t *rows;
    double *batch_sums;    /* k x dim */
    int64_t *batch_counts; /* k */
    ranked *order;         /* k */
    unsigned char *moves;  /* k: centres to reassign */
};

amass_minibatch *amass_cluster_minibatch_new(int k, size_t dim, uint64_t seed, amass_status *status)
{
    amass_minibatch *mb;
    if (k < 1 || dim == 0) {
        amass_fail(status, AMASS_ERR_USAGE, "mini-batch k-means needs k >= 1 and a dimension (k=%d, dimension %zu)", k,
                   dim);
        return NULL;
    }
    mb = calloc(1, sizeof *mb);
    if (!mb)
        goto nomem;
    mb->k = k;
    mb->dim = dim;
    mb->centroids = amass_calloc_array((size_t)k * dim, sizeof *mb->centroids);
    mb->counts = amass_calloc_array((size_t)k, sizeof *mb->counts);
    mb->batch_sums = amass_alloc_array((size_t)k * dim, sizeof *mb->batch_sums);
    mb->batch_counts = amass_alloc_array((size_t)k, sizeof *mb->batch_counts);
    mb->order = amass_alloc_array((size_t)k, sizeof *mb->order);
    mb->moves = amass_alloc_array((size_t)k, sizeof *mb->moves);
    if (!mb->centroids || !mb->counts || !mb->batch_sums || !mb->batch_counts || !mb->order || !mb->moves)
        goto nomem;
    amass_rng_seed(&mb->rng, seed);
    return mb;
nomem:
    amass_cluster_minibatch_free(mb);
    amass_fail(status, AMASS_ERR_NOMEM, "out of memory for mini-batch k-means with k=%d", k);
    return NULL;
}

void amass_cluster_minibatch_free(amass_minibatch *mb)
{
    if (!mb)
        return;
    free(mb->centroids);
    free(mb->counts);
    free(mb->labels);
    free(mb->squared);
    free(mb->rows);
    free(mb->batch_sums);
    free(mb->batch_counts);
    free(mb->order);
    free(mb->moves);
    free(mb);
}

static int reserve(amass_minibatch *mb, size_t n, amass_status *status)
{
    int32_t *labels;
    double *squared;
    size_t *rows;
    if (n <= mb->capacity)
        return AMASS_OK;
    labels = amass_realloc_array(mb->labels, n, sizeof *labels);
    if (labels)
        mb->labels = labels;
    squared = amass_realloc_array(mb->squared, n, sizeof *squared);
    if (squared)
        mb->squared = squared;
    rows = amass_realloc_array(mb->rows, n, sizeof *rows);
    if (rows)
        mb->rows = rows;
    if (!labels || !squared || !rows)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu rows", n);
    mb->capacity = n;
    return AMASS_OK;
}

int amass_cluster_minibatch_seed(amass_minibatch *mb, const float *data, size_t n, amass_status *status)
{
    size_t kd = (size_t)mb->k * mb->dim;
    float *candidate;
    double best = 0;
    int code = AMASS_OK;
    if ((size_t)mb->k > n)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d is more than the %zu vectors to seed from", mb->k, n);
    if ((code = reserve(mb, n, status)) != AMASS_OK)
        return code;
    candidate = amass_alloc_array(kd, sizeof *candidate);
    if (!candidate)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    /* As MiniBatchKMeans with n_init=3: several seedings, the one with the
     * lowest inertia on the sample wins. */
    for (int attempt = 0; attempt < SEED_TRIES && code == AMASS_OK; attempt++) {
        double inertia = 0;
        code = amass_cluster_seed_kmeanspp(data, n, mb->dim, mb->k, &mb->rng, candidate, status);
        if (code == AMASS_OK)
            code = amass_cluster_assign_rows(data, n, mb->dim, candidate, mb->k, mb->labels, NULL, mb->squared,
                                             status);
        if (code != AMASS_OK)
            break;
        for (size_t i = 0; i < n; i++)
            inertia += mb->squared[i];
        if (attempt == 0 || inertia < best) {
            best = inertia;
            memcpy(mb->centroids, candidate, kd * sizeof *candidate);
        }
    }
    free(candidate);
    if (code == AMASS_OK) {
        memset(mb->counts, 0, (size_t)mb->k * sizeof *mb->counts);
        mb->since_reassign = 0;
        mb->seeded = 1;
    }
    return code;
}

static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return x->cluster - y->cluster;
}

/* scikit-learn's low-count reassignment: centres with less than 1% of the
 * largest count move to distinct random rows of the batch (at most half
 * the batch), and their counts are raised to the smallest remaining one so
 * they are not moved again at once. */
static void reassign(amass_minibatch *mb, const float *data, size_t n)
{
    int k = mb->k, n_reassign = 0;
    size_t limit = n / 2;
    double largest = 0, smallest_kept = -1;
    unsigned char *moves = mb->moves;
    for (int c = 0; c < k; c++)
        if (mb->counts[c] > largest)
            largest = mb->counts[c];
    for (int c = 0; c < k; c++) {
        moves[c] = mb->counts[c] < REASSIGNMENT_RATIO * largest;
        n_reassign += moves[c];
    }
    if ((size_t)n_reassign > limit) {
        for (int c = 0; c < k; c++) {
            mb->order[c].count = mb->counts[c];
            mb->order[c].cluster = c;
        }
        qsort(mb->order, (size_t)k, sizeof *mb->order, compare_ranked);
        for (size_t position = limit; position < (size_t)k; position++)
            moves[mb->order[position].cluster] = 0;
        n_reassign = 0;
        for (int c = 0; c < k; c++)
            n_reassign += moves[c];
    }
    if (n_reassign == 0)
        return;
    /* Distinct rows: a partial Fisher-Yates shuffle of the batch indices. */
    for (size_t i = 0; i < n; i++)
        mb->rows[i] = i;
    for (size_t i = 0; i < (size_t)n_reassign; i++) {
        size_t j = i + (size_t)amass_rng_below(&mb->rng, n - i);
        size_t swap = mb->rows[i];
        mb->rows[i] = mb->rows[j];
        mb->rows[j] = swap;
    }
    for (int c = 0, next = 0; c < k; c++)
        if (moves[c])
            memcpy(mb->centroids + (size_t)c * mb->dim, data + mb->rows[next++] * mb->dim,
                   mb->dim * sizeof *mb->centroids);
    for (int c = 0; c < k; c++)
        if (!moves[c] && (smallest_kept < 0 || mb->counts[c] < smallest_kept))
            smallest_kept = mb->counts[c];
    for (int c = 0; c < k; c++)
        if (moves[c])
            mb->counts[c] = smallest_kept;
}

int amass_cluster_minibatch_step(amass_minibatch *mb, const float *data, size_t n, double *batch_inertia,
                                 amass_status *status)
{
    size_t dim = mb->dim, k = (size_t)mb->k;
    double inertia = 0;
    int random_reassign = 0, code;
    if (!mb->seeded)
        return amass_fail(status, AMASS_ERR_USAGE, "mini-batch k-means: seed the centroids before the first batch");
    if (batch_inertia)
        *batch_inertia = 0;
    if (n == 0)
        return AMASS_OK;
    if ((code = reserve(mb, n, status)) != AMASS_OK)
        return code;
    /* MiniBatchKMeans._random_reassign looks at the counts before the
     * step: always when a centre has none, else every 10 k rows. */
    mb->since_reassign += n;
    for (size_t c = 0; c < k; c++)
        random_reassign |= mb->counts[c] == 0;
    if (random_reassign || mb->since_reassign >= 10 * k) {
        mb->since_reassign = 0;
        random_reassign = 1;
    }
    code = amass_cluster_assign_rows(data, n, dim, mb->centroids, mb->k, mb->labels, NULL, mb->squared, status);
    if (code != AMASS_OK)
        return code;
    memset(mb->batch_sums, 0, k * dim * sizeof *mb->batch_sums);
    memset(mb->batch_counts, 0, k * sizeof *mb->batch_counts);
    for (size_t i = 0; i < n; i++) {
        double *sum = mb->batch_sums + (size_t)mb->labels[i] * dim;
        const float *row = data + i * dim;
        inertia += mb->squared[i];
        for (size_t j = 0; j < dim; j++)
            sum[j] += row[j];
        mb->batch_counts[mb->labels[i]]++;
    }
    for (size_t c = 0; c < k; c++) {
        double old_count = mb->counts[c], count;
        float *centroid = mb->centroids + c * dim;
        if (mb->batch_counts[c] == 0)
            continue;
        count = old_count + (double)mb->batch_counts[c];
        for (size_t j = 0; j < dim; j++)
            centroid[j] = (float)(((double)centroid[j] * old_count + mb->batch_sums[c * dim + j]) / count);
        mb->counts[c] = count;
    }
    if (random_reassign)
        reassign(mb, data, n);
    if (batch_inertia)
        *batch_inertia = inertia;
    return AMASS_OK;
}

const float *amass_cluster_minibatch_centroids(const amass_minibatch *mb)
{
    return mb->centroids;
}
