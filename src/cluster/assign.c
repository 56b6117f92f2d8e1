/* Nearest centroid of each row: the products give the argmin, then the
 * chosen distance is recomputed directly so it is accurate near zero. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "internal.h"

int amass_cluster_assign_rows(const float *data, size_t n, size_t dim, const float *centroids, int k,
                              int32_t *labels, float *distances, double *squared, amass_status *status)
{
    amass_row_partition partition;
    amass_distance_table table;
    amass_distance_scratch *scratch;
    int n_threads = amass_distance_threads();
    int failed = AMASS_OK;

    if (k < 1 || dim == 0 || !labels || !centroids)
        return amass_fail(status, AMASS_ERR_USAGE, "cannot assign to %d centroids of dimension %zu", k, dim);
    if (n == 0)
        return AMASS_OK;
    amass_row_partition_init(&partition, n, dim, k, 0);
    if (amass_distance_table_init(&table, dim, k, status) != AMASS_OK)
        return status->code;
    if (amass_distance_table_small(n, dim, (size_t)k) && amass_distance_table_go_small(&table, status) != AMASS_OK) {
        amass_distance_table_free(&table);
        return status->code;
    }
    scratch = amass_distance_scratch_new(n_threads, partition.block_rows, dim, k, status);
    if (!scratch) {
        amass_distance_table_free(&table);
        return status->code;
    }
    /* Shifting by the centroids' mean needs no pass over the rows and
     * brings the products near the data, which is what matters. */
    amass_distance_table_set(&table, centroids, k, NULL);
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(n, dim, (size_t)k))
    for (size_t block = 0; block < partition.n_blocks; block++) {
        amass_distance_scratch *mine = &scratch[amass_distance_thread_index()];
        size_t begin = block * partition.block_rows;
        size_t count = n - begin < partition.block_rows ? n - begin : partition.block_rows;
        int code = amass_distance_block(&table, data + begin * dim, count, mine);
        if (code != AMASS_OK) {
#pragma omp atomic write
            failed = code;
            continue;
        }
        amass_distance_nearest(&table, mine, count, data + begin * dim, centroids);
        for (size_t i = 0; i < count; i++) {
            int label = mine->labels[i];
            labels[begin + i] = label;
            if (distances || squared) {
                double d = amass_squared_distance(data + (begin + i) * dim, centroids + (size_t)label * dim, dim);
                if (distances)
                    distances[begin + i] = (float)sqrt(d);
                if (squared)
                    squared[begin + i] = d;
            }
        }
    }
    amass_distance_scratch_free(scratch, n_threads);
    amass_distance_table_free(&table);
    if (failed)
        return amass_fail(status, failed, "assigning %zu rows: the oneDNN matrix product failed", n);
    return AMASS_OK;
}

int amass_cluster_assign(const float *data, size_t n, size_t dim, const float *centroids, int k, int32_t *labels,
                         float *distances, amass_status *status)
{
    return amass_cluster_assign_rows(data, n, dim, centroids, k, labels, distances, NULL, status);
}
