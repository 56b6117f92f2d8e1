/* Hamerly's k-means (Hamerly 2010, "Making k-means even faster"): one
 * upper bound to the assigned centre and one lower bound to all others per
 * row skip most distance computations, yet every row still ends at its
 * nearest centre. Distances here are direct, in double, and Lloyd settles
 * its near-ties with the same direct distances (amass_distance_nearest),
 * so labels, centres and inertia are Lloyd's bit for bit, short of rows
 * exactly equidistant in double. Hamerly pays off when the dimension is
 * small, where a matrix product gains little. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    double *upper;       /* n: >= distance to the assigned centre */
    double *lower;       /* n: <= distance to every other centre */
    double *half_gap;    /* k: half the distance to the nearest other centre */
    double *movement;    /* k: how far each centre moved in the update */
} bounds;

/* Nearest and second nearest centre of row i, from scratch. */
static int assign_fully(amass_kmeans_work *work, bounds *b, size_t i)
{
    const float *row = work->data + i * work->dim;
    double best = INFINITY, second = INFINITY;
    int label = 0;
    int changed;
    for (int c = 0; c < work->k; c++) {
        double d = amass_squared_distance(row, work->centroids + (size_t)c * work->dim, work->dim);
        if (d < best) {
            second = best;
            best = d;
            label = c;
        } else if (d < second) {
            second = d;
        }
    }
    changed = work->labels[i] != label;
    work->labels[i] = label;
    b->upper[i] = sqrt(best);
    b->lower[i] = sqrt(second);
    return changed;
}

/* Every row from scratch through Lloyd's products: amass_distance_nearest
 * settles near-ties with direct distances, so the labels are the exact
 * nearest centres, as assign_fully's; the upper bound is the direct
 * distance, the lower one the runner-up product less its rounding bound
 * (the best other product when the winner came from a near-tie). A
 * product of 16-d rows with 256 centres is several times faster than
 * 256 direct distances a row (a third of a blobs16 run). Returns how
 * many labels changed, or -1 when the product failed. */
static int64_t assign_all(amass_kmeans_work *work, bounds *b)
{
    const amass_row_partition *partition = &work->partition;
    size_t dim = work->dim;
    int64_t changed = 0;
    int failed = AMASS_OK;
    amass_distance_table_set(&work->table, work->centroids, work->k, work->data_mean);
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : changed) \
    if (amass_cluster_parallel(work->n, dim, (size_t)work->k))
    for (size_t block = 0; block < partition->n_blocks; block++) {
        amass_distance_scratch *scratch = &work->scratch[amass_distance_thread_index()];
        size_t begin = block * partition->block_rows;
        size_t count = work->n - begin < partition->block_rows ? work->n - begin : partition->block_rows;
        const float *rows = work->data + begin * dim;
        int code = amass_distance_block(&work->table, rows, count, scratch);
        if (code != AMASS_OK) {
#pragma omp atomic write
            failed = code;
            continue;
        }
        amass_distance_nearest(&work->table, scratch, count, rows, work->centroids);
        for (size_t i = 0; i < count; i++) {
            int32_t label = scratch->labels[i];
            double band = amass_distance_band(&work->table, scratch->row_norms[i]);
            double best = scratch->best[i], second = scratch->second[i];
            double other = second - best > band ? second : best;
            const float *center = work->centroids + (size_t)label * dim;
            changed += work->labels[begin + i] != label;
            work->labels[begin + i] = label;
            b->upper[begin + i] = sqrt(amass_squared_distance(rows + i * dim, center, dim));
            b->lower[begin + i] = other - band > 0 ? sqrt(other - band) : 0;
        }
    }
    return failed != AMASS_OK ? -1 : changed;
}

static int64_t assign_bounded(amass_kmeans_work *work, bounds *b)
{
    size_t dim = work->dim;
    int k = work->k;
    int64_t changed = 0;
#pragma omp parallel for schedule(static) if (amass_cluster_parallel((size_t)k, dim, (size_t)k))
    for (int c = 0; c < k; c++) {
        double nearest = INFINITY;
        for (int other = 0; other < k; other++)
            if (other != c) {
                double d = amass_squared_distance(work->centroids + (size_t)c * dim,
                                                  work->centroids + (size_t)other * dim, dim);
                if (d < nearest)
                    nearest = d;
            }
        b->half_gap[c] = 0.5 * sqrt(nearest);
    }
#pragma omp parallel for schedule(dynamic, 1024) reduction(+ : changed) if (amass_cluster_parallel(work->n, dim, 4))
    for (size_t i = 0; i < work->n; i++) {
        int label = work->labels[i];
        double bound = b->half_gap[label] > b->lower[i] ? b->half_gap[label] : b->lower[i];
        if (b->upper[i] <= bound)
            continue;
        b->upper[i] = sqrt(amass_squared_distance(work->data + i * dim, work->centroids + (size_t)label * dim, dim));
        if (b->upper[i] <= bound)
            continue;
        changed += assign_fully(work, b, i);
    }
    return changed;
}

/* Centres moved: the upper bound grows by its centre's move, the lower by
 * the largest move of any other centre. */
static void move_bounds(amass_kmeans_work *work, bounds *b)
{
    size_t dim = work->dim;
    int k = work->k, largest = 0;
    double second_largest = 0;
    for (int c = 0; c < k; c++) {
        b->movement[c] =
            sqrt(amass_squared_distance(work->centroids + (size_t)c * dim, work->old_centroids + (size_t)c * dim, dim));
        if (b->movement[c] > b->movement[largest])
            largest = c;
    }
    for (int c = 0; c < k; c++)
        if (c != largest && b->movement[c] > second_largest)
            second_largest = b->movement[c];
#pragma omp parallel for schedule(dynamic, 4096) if (amass_cluster_parallel(work->n, 1, 8))
    for (size_t i = 0; i < work->n; i++) {
        int label = work->labels[i];
        b->upper[i] += b->movement[label];
        b->lower[i] -= label == largest ? second_largest : b->movement[largest];
    }
}

static void accumulate_all(amass_kmeans_work *work)
{
    size_t k = (size_t)work->k;
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(work->n, work->dim, 1))
    for (int slot = 0; slot < work->partition.n_slots; slot++) {
        memset(work->slot_sums + (size_t)slot * k * work->dim, 0, k * work->dim * sizeof *work->slot_sums);
        memset(work->slot_counts + (size_t)slot * k, 0, k * sizeof *work->slot_counts);
        amass_kmeans_accumulate(work, slot, amass_row_partition_slot_begin(&work->partition, slot),
                                amass_row_partition_slot_begin(&work->partition, slot + 1));
    }
}

int amass_kmeans_run_hamerly(amass_kmeans_work *work, amass_status *status)
{
    bounds b;
    int strict = 0, code = AMASS_OK;
    b.upper = amass_alloc_array(work->n, sizeof *b.upper);
    b.lower = amass_alloc_array(work->n, sizeof *b.lower);
    b.half_gap = amass_alloc_array((size_t)work->k, sizeof *b.half_gap);
    b.movement = amass_alloc_array((size_t)work->k, sizeof *b.movement);
    if (!b.upper || !b.lower || !b.half_gap || !b.movement) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory for Hamerly bounds on %zu rows", work->n);
        goto done;
    }
    for (size_t i = 0; i < work->n; i++)
        work->labels[i] = -1;
    work->iterations = 0;
    work->converged = 0;
    for (int iteration = 0; iteration < work->max_iter; iteration++) {
        int64_t changed = iteration == 0 ? assign_all(work, &b) : assign_bounded(work, &b);
        double shift;
        if (changed < 0) {
            code = amass_fail(status, AMASS_ERR_FATAL, "k-means: the oneDNN matrix product failed");
            goto done;
        }
        accumulate_all(work);
        shift = amass_kmeans_update(work);
        if (shift < 0) {
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory relocating empty clusters");
            goto done;
        }
        move_bounds(work, &b);
        work->iterations = iteration + 1;
        if (amass_kmeans_should_stop(work, changed, shift, &strict))
            break;
    }
    if (!strict) {
        if (work->iterations == 0 && assign_all(work, &b) < 0)
            code = amass_fail(status, AMASS_ERR_FATAL, "k-means: the oneDNN matrix product failed");
        else
            assign_bounded(work, &b);
    }
done:
    free(b.upper);
    free(b.lower);
    free(b.half_gap);
    free(b.movement);
    return code;
}
