/* Mean silhouette coefficient (Rousseeuw 1987) on a sample, as
 * scikit-learn's silhouette_score: for each row, a = mean distance to the
 * rest of its cluster, b = smallest mean distance to another cluster,
 * s = (b - a) / max(a, b), and 0 for a row alone in its cluster. The
 * sample x sample distances come from oneDNN products, block by block. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COLUMN_BLOCK 2048

void amass_cluster_sample_rows(size_t n, size_t m, amass_rng *rng, size_t *rows)
{
    size_t chosen = 0;
    for (size_t i = 0; i < n && chosen < m; i++)
        if (amass_rng_below(rng, n - i) < m - chosen)
            rows[chosen++] = i;
}

double amass_cluster_silhouette_all(const float *data, size_t m, size_t dim, const int32_t *labels, int k,
                                    amass_status *status)
{
    amass_row_partition partition;
    amass_distance_table *tables = NULL;
    amass_distance_scratch *scratch = NULL;
    size_t n_column_blocks = (m + COLUMN_BLOCK - 1) / COLUMN_BLOCK, present = 0;
    int64_t *sizes = NULL;
    double *row_scores = NULL, *cluster_sums = NULL, total = 0;
    float *mean = NULL;
    int n_threads = amass_distance_threads(), failed = AMASS_OK;
    double result = NAN;

    sizes = amass_calloc_array((size_t)k, sizeof *sizes);
    if (!sizes)
        goto nomem;
    for (size_t i = 0; i < m; i++) {
        if (labels[i] < 0 || labels[i] >= k) {
            amass_fail(status, AMASS_ERR_USAGE, "silhouette: label %d of row %zu is outside 0..%d", (int)labels[i], i,
                       k - 1);
            goto done;
        }
        present += sizes[labels[i]]++ == 0;
    }
    if (present < 2 || present >= m) {
        amass_fail(status, AMASS_ERR_USAGE,
                   "silhouette: %zu clusters among %zu vectors; it needs from 2 to one less than the vectors", present,
                   m);
        goto done;
    }
    amass_row_partition_init(&partition, m, dim, COLUMN_BLOCK, 0);
    mean = amass_alloc_array(dim, sizeof *mean);
    tables = amass_calloc_array(n_column_blocks, sizeof *tables);
    row_scores = amass_alloc_array(m, sizeof *row_scores);
    cluster_sums = amass_alloc_array((size_t)n_threads * partition.block_rows * (size_t)k, sizeof *cluster_sums);
    if (!mean || !tables || !row_scores || !cluster_sums)
        goto nomem;
    if (amass_cluster_column_means(data, m, dim, mean, NULL, status) != AMASS_OK)
        goto done;
    for (size_t block = 0; block < n_column_blocks; block++) {
        size_t begin = block * COLUMN_BLOCK, count = m - begin < COLUMN_BLOCK ? m - begin : COLUMN_BLOCK;
        if (amass_distance_table_init(&tables[block], dim, (int)count, status) != AMASS_OK)
            goto done;
        amass_distance_table_set(&tables[block], data + begin * dim, (int)count, mean);
    }
    scratch = amass_distance_scratch_new(n_threads, partition.block_rows, dim, COLUMN_BLOCK, status);
    if (!scratch)
        goto done;

#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(m, m, dim))
    for (size_t row_block = 0; row_block < partition.n_blocks; row_block++) {
        int thread = amass_distance_thread_index();
        amass_distance_scratch *mine = &scratch[thread];
        size_t begin = row_block * partition.block_rows;
        size_t count = m - begin < partition.block_rows ? m - begin : partition.block_rows;
        /* Per row, the sum of its distances to each cluster, added in
         * column order so the thread count cannot change it. */
        double *row_sums = cluster_sums + (size_t)thread * partition.block_rows * (size_t)k;
        memset(row_sums, 0, count * (size_t)k * sizeof *row_sums);
        for (size_t column_block = 0; column_block < n_column_blocks; column_block++) {
            const amass_distance_table *table = &tables[column_block];
            size_t column_begin = column_block * COLUMN_BLOCK;
            int code = amass_distance_block(table, data + begin * dim, count, mine);
            if (code != AMASS_OK) {
#pragma omp atomic write
                failed = code;
                break;
            }
            for (int j = 0; j < table->k; j++) {
                const float *d2 = mine->products + (size_t)j * count;
                size_t column = column_begin + (size_t)j;
                double *sums = row_sums + labels[column];
                for (size_t i = 0; i < count; i++)
                    if (column != begin + i)
                        sums[i * (size_t)k] += sqrt((double)d2[i]);
            }
        }
        for (size_t i = 0; i < count; i++) {
            const double *row = row_sums + i * (size_t)k;
            int own = labels[begin + i];
            double a, b = INFINITY, larger;
            if (sizes[own] < 2) {
                row_scores[begin + i] = 0;
                continue;
            }
            a = row[own] / (double)(sizes[own] - 1);
            for (int c = 0; c < k; c++)
                if (c != own && sizes[c] > 0 && row[c] / (double)sizes[c] < b)
                    b = row[c] / (double)sizes[c];
            larger = a > b ? a : b;
            row_scores[begin + i] = larger > 0 ? (b - a) / larger : 0;
        }
    }
    if (failed) {
        amass_fail(status, failed, "silhouette of %zu vectors: the oneDNN matrix product failed", m);
        goto done;
    }
    for (size_t i = 0; i < m; i++)
        total += row_scores[i];
    result = total / (double)m;
    goto done;
nomem:
    amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the silhouette of %zu vectors", m);
done:
    if (tables)
        for (size_t block = 0; block < n_column_blocks; block++)
            amass_distance_table_free(&tables[block]);
    free(tables);
    amass_distance_scratch_free(scratch, n_threads);
    free(sizes);
    free(row_scores);
    free(cluster_sums);
    free(mean);
    return result;
}

double amass_cluster_silhouette(const float *data, size_t n, size_t dim, const int32_t *labels, int k,
                                size_t sample, amass_rng *rng, amass_status *status)
{
    size_t m = sample < n ? sample : n;
    size_t *rows;
    float *rows_data;
    int32_t *rows_labels;
    double result = NAN;
    if (k < 1 || dim == 0 || m == 0) {
        amass_fail(status, AMASS_ERR_USAGE, "silhouette needs vectors, a dimension and k >= 1 (%zu rows, k=%d)", m, k);
        return NAN;
    }
    if (m == n)
        return amass_cluster_silhouette_all(data, n, dim, labels, k, status);
    rows = amass_alloc_array(m, sizeof *rows);
    rows_data = amass_alloc_array(m * dim, sizeof *rows_data);
    rows_labels = amass_alloc_array(m, sizeof *rows_labels);
    if (rows && rows_data && rows_labels) {
        amass_cluster_sample_rows(n, m, rng, rows);
        for (size_t i = 0; i < m; i++) {
            memcpy(rows_data + i * dim, data + rows[i] * dim, dim * sizeof *rows_data);
            rows_labels[i] = labels[rows[i]];
        }
        result = amass_cluster_silhouette_all(rows_data, m, dim, rows_labels, k, status);
    } else {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a silhouette sample of %zu vectors", m);
    }
    free(rows);
    free(rows_data);
    free(rows_labels);
    return result;
}
