/* Lloyd's k-means iterations as scikit-learn's _kmeans_single_lloyd runs
 * them, with the assignment done as oneDNN products over blocks of rows and
 * the centroid sums kept per slot so the thread count cannot change them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Elements between two threads' block buffers: a multiple of 16 (64 bytes
 * or more), so no two threads write the same cache line. With k = 10 the
 * counts of both threads shared one line, and every row's count update
 * bounced it between the cores: two threads ran fashion10k slower than
 * one (0.64 s against 0.35 s). */
static size_t thread_stride(size_t count)
{
    return (count + 15) & ~(size_t)15;
}

int amass_kmeans_work_init(amass_kmeans_work *work, const float *data, size_t n, size_t dim, int k,
                           const float *data_mean, amass_status *status)
{
    size_t slots, kd = (size_t)k * dim;
    memset(work, 0, sizeof *work);
    work->data = data;
    work->n = n;
    work->dim = dim;
    work->k = k;
    work->data_mean = data_mean;
    amass_row_partition_init(&work->partition, n, dim, k, kd * sizeof(double) + (size_t)k * sizeof(int64_t));
    slots = (size_t)work->partition.n_slots;
    work->n_threads = amass_distance_threads();
    if (amass_distance_table_init(&work->table, dim, k, status) != AMASS_OK)
        return status->code;
    if (amass_distance_table_small(n, dim, (size_t)k) &&
        amass_distance_table_go_small(&work->table, status) != AMASS_OK) {
        amass_kmeans_work_free(work);
        return status->code;
    }
    work->scratch = amass_distance_scratch_new(work->n_threads, work->partition.block_rows, dim, k, status);
    if (!work->scratch) {
        amass_kmeans_work_free(work);
        return status->code;
    }
    work->centroids = amass_alloc_array(kd, sizeof *work->centroids);
    work->old_centroids = amass_alloc_array(kd, sizeof *work->old_centroids);
    work->labels = amass_alloc_array(n, sizeof *work->labels);
    work->slot_sums = amass_alloc_array(slots * kd, sizeof *work->slot_sums);
    work->slot_counts = amass_alloc_array(slots * (size_t)k, sizeof *work->slot_counts);
    work->slot_changed = amass_alloc_array(slots, sizeof *work->slot_changed);
    work->block_sums = amass_alloc_array((size_t)work->n_threads * thread_stride(kd), sizeof *work->block_sums);
    work->block_counts =
        amass_calloc_array((size_t)work->n_threads * thread_stride((size_t)k), sizeof *work->block_counts);
    work->block_touched =
        amass_alloc_array((size_t)work->n_threads * thread_stride((size_t)k), sizeof *work->block_touched);
    work->block_first =
        amass_alloc_array((size_t)work->n_threads * thread_stride((size_t)k), sizeof *work->block_first);
    work->sums = amass_alloc_array(kd, sizeof *work->sums);
    work->counts = amass_alloc_array((size_t)k, sizeof *work->counts);
    if (!work->centroids || !work->old_centroids || !work->labels || !work->slot_sums || !work->slot_counts ||
        !work->slot_changed || !work->block_sums || !work->block_counts || !work->block_touched ||
        !work->block_first || !work->sums || !work->counts) {
        amass_kmeans_work_free(work);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for k-means with k=%d on %zu x %zu", k, n, dim);
    }
    return AMASS_OK;
}

void amass_kmeans_work_free(amass_kmeans_work *work)
{
    amass_distance_scratch_free(work->scratch, work->n_threads);
    amass_distance_table_free(&work->table);
    free(work->centroids);
    free(work->old_centroids);
    free(work->labels);
    free(work->slot_sums);
    free(work->slot_counts);
    free(work->slot_changed);
    free(work->block_sums);
    free(work->block_counts);
    free(work->block_touched);
    free(work->block_first);
    free(work->sums);
    free(work->counts);
    free(work->far_distances);
    free(work->far_order);
    work->scratch = NULL;
    work->centroids = work->old_centroids = NULL;
    work->labels = NULL;
    work->slot_sums = work->sums = work->far_distances = NULL;
    work->block_sums = NULL;
    work->block_counts = work->block_touched = NULL;
    work->block_first = NULL;
    work->slot_counts = work->slot_changed = work->counts = NULL;
    work->far_order = NULL;
}

/* Summing a block in float first halves the work of the double sums (one
 * float add per value, then one double add per value and cluster present
 * in the block): 22% of a 784-d Lloyd run before, measured; with fewer
 * than 8 rows per cluster in a block it saves nothing. The float sums are
 * of each row less the cluster's first row in the block, so they stay the
 * size of the spread, not of the data's distance from the origin (float
 * sums of raw rows lose the spread when the data sit far from 0), and on
 * integer data the sums stay exact, as amass_cluster_stats's are.
 * scikit-learn sums float32 rows in float32 without either. A block holds
 * at most 8192 rows. */
static void accumulate_block(amass_kmeans_work *work, double *slot_sums, int64_t *slot_counts, size_t begin,
                             size_t end)
{
    size_t dim = work->dim, k = (size_t)work->k;
    int thread = amass_distance_thread_index();
    float *block_sums = work->block_sums + (size_t)thread * thread_stride(k * dim);
    int32_t *block_counts = work->block_counts + (size_t)thread * thread_stride(k);
    int32_t *touched = work->block_touched + (size_t)thread * thread_stride(k);
    size_t *first = work->block_first + (size_t)thread * thread_stride(k);
    int n_touched = 0;
    if (work->partition.block_rows < 8 * k) {
        /* Few rows per cluster in a block: the float sums would save
         * nothing over adding each row to the double sums directly. */
        for (size_t i = begin; i < end; i++) {
            const float *row = work->data + i * dim;
            double *total = slot_sums + (size_t)work->labels[i] * dim;
#pragma omp simd
            for (size_t j = 0; j < dim; j++)
                total[j] += row[j];
            slot_counts[work->labels[i]]++;
        }
        return;
    }
    for (size_t i = begin; i < end; i++) {
        const float *restrict row = work->data + i * dim;
        int32_t label = work->labels[i];
        float *restrict sum = block_sums + (size_t)label * dim;
        const float *restrict anchor;
        if (block_counts[label]++ == 0) {
            touched[n_touched++] = label;
            first[label] = i;
            memset(sum, 0, dim * sizeof *sum);
            continue;
        }
        anchor = work->data + first[label] * dim;
#pragma omp simd
        for (size_t j = 0; j < dim; j++)
            sum[j] += row[j] - anchor[j];
    }
    for (int t = 0; t < n_touched; t++) {
        size_t c = (size_t)touched[t];
        const float *restrict sum = block_sums + c * dim;
        const float *restrict anchor = work->data + first[c] * dim;
        double *restrict total = slot_sums + c * dim;
        double count = block_counts[c];
#pragma omp simd
        for (size_t j = 0; j < dim; j++)
            total[j] += (double)anchor[j] * count + (double)sum[j];
        slot_counts[c] += block_counts[c];
        block_counts[c] = 0;
    }
}

void amass_kmeans_accumulate(amass_kmeans_work *work, int slot, size_t begin, size_t end)
{
    size_t k = (size_t)work->k, block_rows = work->partition.block_rows;
    double *slot_sums = work->slot_sums + (size_t)slot * k * work->dim;
    int64_t *slot_counts = work->slot_counts + (size_t)slot * k;
    for (size_t at = begin; at < end; at += block_rows)
        accumulate_block(work, slot_sums, slot_counts, at, end - at < block_rows ? end : at + block_rows);
}

static void clear_slot(amass_kmeans_work *work, int slot)
{
    size_t k = (size_t)work->k;
    memset(work->slot_sums + (size_t)slot * k * work->dim, 0, k * work->dim * sizeof *work->slot_sums);
    memset(work->slot_counts + (size_t)slot * k, 0, k * sizeof *work->slot_counts);
}

typedef struct {
    double distance;
    size_t row;
} far_row;

/* The farther row first; on equal distances the lower index. */
static int farther(const far_row *a, const far_row *b)
{
    return a->distance > b->distance || (a->distance == b->distance && a->row < b->row);
}

static int compare_far(const void *a, const void *b)
{
    return farther(a, b) ? -1 : farther(b, a) ? 1 : 0;
}

/* scikit-learn's _relocate_empty_clusters_dense: each empty cluster takes
 * one of the rows farthest from the centres they were assigned to, and the
 * row's sum moves from its old cluster to the empty one. */
static int relocate_empty(amass_kmeans_work *work, int n_empty, const int *empty)
{
    size_t n = work->n, dim = work->dim;
    far_row *heap;
    size_t size = 0;
    if (!work->far_distances)
        work->far_distances = amass_alloc_array(n, sizeof *work->far_distances);
    heap = amass_alloc_array((size_t)n_empty, sizeof *heap);
    if (!work->far_distances || !heap) {
        free(heap);
        return -1;
    }
#pragma omp parallel for schedule(static) if (amass_cluster_parallel(n, dim, 1))
    for (size_t i = 0; i < n; i++)
        work->far_distances[i] =
            amass_squared_distance(work->data + i * dim, work->old_centroids + (size_t)work->labels[i] * dim, dim);
    /* A min-heap of the n_empty farthest rows seen so far. */
    for (size_t i = 0; i < n; i++) {
        far_row row = {work->far_distances[i], i};
        size_t at;
        if (size < (size_t)n_empty) {
            at = size++;
            while (at > 0 && farther(&heap[(at - 1) / 2], &row)) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = row;
        } else if (farther(&row, &heap[0])) {
            at = 0;
            for (;;) {
                size_t child = 2 * at + 1;
                if (child >= size)
                    break;
                if (child + 1 < size && farther(&heap[child], &heap[child + 1]))
                    child++;
                if (!farther(&row, &heap[child]))
                    break;
                heap[at] = heap[child];
                at = child;
            }
            heap[at] = row;
        }
    }
    qsort(heap, size, sizeof *heap, compare_far);
    for (int e = 0; e < n_empty && (size_t)e < size; e++) {
        size_t row = heap[e].row;
        int from = work->labels[row];
        const float *x = work->data + row * dim;
        for (size_t j = 0; j < dim; j++) {
            work->sums[(size_t)from * dim + j] -= x[j];
            work->sums[(size_t)empty[e] * dim + j] = x[j];
        }
        work->counts[from]--;
        work->counts[empty[e]] = 1;
    }
    work->empty_repaired += n_empty;
    free(heap);
    return 0;
}

int amass_kmeans_should_stop(amass_kmeans_work *work, int64_t changed, double shift, int *strict)
{
    if (changed == 0) {
        *strict = work->converged = 1;
        return 1;
    }
    if (shift <= work->tol) {
        work->converged = 1;
        return 1;
    }
    return 0;
}

double amass_kmeans_update(amass_kmeans_work *work)
{
    size_t dim = work->dim, k = (size_t)work->k, slots = (size_t)work->partition.n_slots;
    int n_empty = 0;
    int *empty;
    double shift = 0;

    memcpy(work->old_centroids, work->centroids, k * dim * sizeof *work->centroids);
#pragma omp parallel for schedule(static) if (amass_cluster_parallel(k * slots, dim, 1))
    for (size_t c = 0; c < k; c++) {
        double *sum = work->sums + c * dim;
        int64_t count = 0;
        memset(sum, 0, dim * sizeof *sum);
        for (size_t s = 0; s < slots; s++) {
            const double *part = work->slot_sums + (s * k + c) * dim;
            for (size_t j = 0; j < dim; j++)
                sum[j] += part[j];
            count += work->slot_counts[s * k + c];
        }
        work->counts[c] = count;
    }
    for (size_t c = 0; c < k; c++)
        n_empty += work->counts[c] == 0;
    if (n_empty > 0) {
        empty = amass_alloc_array((size_t)n_empty, sizeof *empty);
        if (!empty)
            return -1;
        n_empty = 0;
        for (size_t c = 0; c < k; c++)
            if (work->counts[c] == 0)
                empty[n_empty++] = (int)c;
        if (relocate_empty(work, n_empty, empty) != 0) {
            free(empty);
            return -1;
        }
        free(empty);
    }
#pragma omp parallel for schedule(static) if (amass_cluster_parallel(k, dim, 1))
    for (size_t c = 0; c < k; c++) {
        /* A cluster emptied by giving its only row away keeps its centre
         * (scikit-learn would leave it at the origin). */
        if (work->counts[c] > 0)
            for (size_t j = 0; j < dim; j++)
                work->centroids[c * dim + j] = (float)(work->sums[c * dim + j] / (double)work->counts[c]);
    }
    for (size_t c = 0; c < k; c++)
        shift += amass_squared_distance(work->centroids + c * dim, work->old_centroids + c * dim, dim);
    return shift;
}

/* Labels every row with its nearest centroid, block by block; with
 * accumulate, also adds the rows into their slot's sums while the block is
 * still in cache. Returns how many labels changed, or -1 (status set). */
static int64_t assign_pass(amass_kmeans_work *work, int accumulate, amass_status *status)
{
    const amass_row_partition *partition = &work->partition;
    size_t dim = work->dim;
    int k = work->k;
    int failed = AMASS_OK;
    int64_t changed = 0;

    amass_distance_table_set(&work->table, work->centroids, k, work->data_mean);
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(work->n, dim, (size_t)k))
    for (int slot = 0; slot < partition->n_slots; slot++) {
        amass_distance_scratch *scratch = &work->scratch[amass_distance_thread_index()];
        size_t slot_end = amass_row_partition_slot_begin(partition, slot + 1);
        int64_t slot_changed = 0;
        if (accumulate)
            clear_slot(work, slot);
        for (size_t begin = amass_row_partition_slot_begin(partition, slot); begin < slot_end;
             begin += partition->block_rows) {
            size_t end = begin + partition->block_rows < slot_end ? begin + partition->block_rows : slot_end;
            int code = amass_distance_block(&work->table, work->data + begin * dim, end - begin, scratch);
            if (code != AMASS_OK) {
#pragma omp atomic write
                failed = code;
                break;
            }
            amass_distance_nearest(&work->table, scratch, end - begin, work->data + begin * dim, work->centroids);
            for (size_t i = begin; i < end; i++) {
                int32_t label = scratch->labels[i - begin];
                slot_changed += label != work->labels[i];
                work->labels[i] = label;
            }
            if (accumulate)
                amass_kmeans_accumulate(work, slot, begin, end);
        }
        work->slot_changed[slot] = slot_changed;
    }
    if (failed)
        return amass_fail(status, failed, "k-means: the oneDNN matrix product failed"), -1;
    for (int slot = 0; slot < partition->n_slots; slot++)
        changed += work->slot_changed[slot];
    return changed;
}

int amass_kmeans_run_lloyd(amass_kmeans_work *work, amass_status *status)
{
    int strict = 0;
    for (size_t i = 0; i < work->n; i++)
        work->labels[i] = -1;
    work->iterations = 0;
    work->converged = 0;
    for (int iteration = 0; iteration < work->max_iter; iteration++) {
        int64_t changed = assign_pass(work, 1, status);
        double shift;
        if (changed < 0)
            return status->code;
        shift = amass_kmeans_update(work);
        if (shift < 0)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory relocating empty clusters");
        work->iterations = iteration + 1;
        if (amass_kmeans_should_stop(work, changed, shift, &strict))
            break;
    }
    /* Unless the labels stood still, they belong to the previous centres:
     * one more assignment makes labels, centres and inertia agree. */
    if (!strict && assign_pass(work, 0, status) < 0)
        return status->code;
    return AMASS_OK;
}
