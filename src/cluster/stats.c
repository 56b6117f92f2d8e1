/* One Lloyd iteration split as map and reduce: mappers add their rows to
 * per-centroid sums against the same centroids, the reducer merges the
 * sums and divides, and tol means what it means in amass_cluster_kmeans. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int amass_cluster_stats_init(amass_cluster_stats *stats, int k, size_t dim, const float *centroids,
                             amass_status *status)
{
    memset(stats, 0, sizeof *stats);
    if (k < 1 || dim == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "stats need at least one centroid (k=%d, dimension %zu)", k, dim);
    stats->k = k;
    stats->dim = dim;
    stats->centroids = amass_alloc_array((size_t)k * dim, sizeof *stats->centroids);
    stats->counts = amass_calloc_array((size_t)k, sizeof *stats->counts);
    stats->sums = amass_calloc_array((size_t)k * dim, sizeof *stats->sums);
    stats->sum_squares = amass_calloc_array((size_t)k, sizeof *stats->sum_squares);
    stats->sse = amass_calloc_array((size_t)k, sizeof *stats->sse);
    if (!stats->centroids || !stats->counts || !stats->sums || !stats->sum_squares || !stats->sse) {
        amass_cluster_stats_free(stats);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the stats of %d centroids", k);
    }
    if (centroids)
        memcpy(stats->centroids, centroids, (size_t)k * dim * sizeof *centroids);
    else
        memset(stats->centroids, 0, (size_t)k * dim * sizeof *stats->centroids);
    return AMASS_OK;
}

void amass_cluster_stats_free(amass_cluster_stats *stats)
{
    if (!stats)
        return;
    free(stats->centroids);
    free(stats->counts);
    free(stats->sums);
    free(stats->sum_squares);
    free(stats->sse);
    memset(stats, 0, sizeof *stats);
}

/* Per-slot partial sums of one call: counts, then k x dim sums, then
 * sum_squares and sse, all as doubles except the counts. */
typedef struct {
    int64_t *counts;
    double *sums, *sum_squares, *sse;
} partial_stats;

int amass_cluster_stats_accumulate(amass_cluster_stats *stats, const float *data, size_t n, amass_status *status)
{
    size_t k = (size_t)stats->k, dim = stats->dim, slots;
    amass_row_partition partition;
    int32_t *labels;
    double *squared;
    partial_stats part;
    int code;

    if (n == 0)
        return AMASS_OK;
    amass_row_partition_init(&partition, n, dim, stats->k, k * (dim + 3) * sizeof(double));
    slots = (size_t)partition.n_slots;
    labels = amass_alloc_array(n, sizeof *labels);
    squared = amass_alloc_array(n, sizeof *squared);
    part.counts = amass_calloc_array(slots * k, sizeof *part.counts);
    part.sums = amass_calloc_array(slots * k * dim, sizeof *part.sums);
    part.sum_squares = amass_calloc_array(slots * k, sizeof *part.sum_squares);
    part.sse = amass_calloc_array(slots * k, sizeof *part.sse);
    if (!labels || !squared || !part.counts || !part.sums || !part.sum_squares || !part.sse) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory accumulating %zu rows", n);
        goto done;
    }
    code = amass_cluster_assign_rows(data, n, dim, stats->centroids, stats->k, labels, NULL, squared, status);
    if (code != AMASS_OK)
        goto done;
#pragma omp parallel for schedule(static) if (amass_cluster_parallel(n, dim, 1))
    for (size_t slot = 0; slot < slots; slot++) {
        size_t end = amass_row_partition_slot_begin(&partition, (int)slot + 1);
        for (size_t i = amass_row_partition_slot_begin(&partition, (int)slot); i < end; i++) {
            size_t c = (size_t)labels[i];
            const float *row = data + i * dim;
            double *sum = part.sums + (slot * k + c) * dim;
            double norm = 0;
            for (size_t j = 0; j < dim; j++) {
                sum[j] += row[j];
                norm += (double)row[j] * row[j];
            }
            part.counts[slot * k + c]++;
            part.sum_squares[slot * k + c] += norm;
            part.sse[slot * k + c] += squared[i];
        }
    }
    for (size_t slot = 0; slot < slots; slot++)
        for (size_t c = 0; c < k; c++) {
            stats->counts[c] += part.counts[slot * k + c];
            stats->sum_squares[c] += part.sum_squares[slot * k + c];
            stats->sse[c] += part.sse[slot * k + c];
            for (size_t j = 0; j < dim; j++)
                stats->sums[c * dim + j] += part.sums[(slot * k + c) * dim + j];
        }
done:
    free(labels);
    free(squared);
    free(part.counts);
    free(part.sums);
    free(part.sum_squares);
    free(part.sse);
    return code;
}

int amass_cluster_stats_merge(amass_cluster_stats *stats, const amass_cluster_stats *other, amass_status *status)
{
    size_t k = (size_t)stats->k, dim = stats->dim;
    if (other->k != stats->k || other->dim != stats->dim)
        return amass_fail(status, AMASS_ERR_USAGE, "stats for k=%d, dimension %zu cannot be added to k=%d, dimension %zu",
                          other->k, other->dim, stats->k, stats->dim);
    if (memcmp(other->centroids, stats->centroids, k * dim * sizeof *stats->centroids) != 0)
        return amass_fail(status, AMASS_ERR_USAGE, "stats were computed against different centroids");
    for (size_t c = 0; c < k; c++) {
        stats->counts[c] += other->counts[c];
        stats->sum_squares[c] += other->sum_squares[c];
        stats->sse[c] += other->sse[c];
    }
    for (size_t i = 0; i < k * dim; i++)
        stats->sums[i] += other->sums[i];
    return AMASS_OK;
}

int amass_cluster_stats_update(const amass_cluster_stats *stats, double tol, float *new_centroids, double *shift,
                               int *converged, amass_status *status)
{
    size_t k = (size_t)stats->k, dim = stats->dim;
    double total = 0, moved = 0, square_mean = 0, mean_squares = 0, variance;
    if (!(tol >= 0))
        return amass_fail(status, AMASS_ERR_USAGE, "tol=%g must not be negative", tol);
    for (size_t c = 0; c < k; c++) {
        const float *old = stats->centroids + c * dim;
        float *centroid = new_centroids + c * dim;
        total += (double)stats->counts[c];
        square_mean += stats->sum_squares[c];
        for (size_t j = 0; j < dim; j++)
            centroid[j] = stats->counts[c] > 0 ? (float)(stats->sums[c * dim + j] / (double)stats->counts[c]) : old[j];
        moved += amass_squared_distance(centroid, old, dim);
    }
    /* Mean over features of E[x^2] - E[x]^2, from the sums alone. */
    if (total > 0) {
        for (size_t j = 0; j < dim; j++) {
            double column = 0;
            for (size_t c = 0; c < k; c++)
                column += stats->sums[c * dim + j];
            column /= total;
            mean_squares += column * column;
        }
        variance = (square_mean / total - mean_squares) / (double)dim;
        if (variance < 0)
            variance = 0;
    } else {
        variance = 0;
    }
    if (shift)
        *shift = moved;
    if (converged)
        *converged = moved <= (tol == 0 ? 0 : tol * variance);
    return AMASS_OK;
}
