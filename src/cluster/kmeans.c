/* amass_cluster_kmeans: checks the request, runs n_init seedings through
 * Lloyd or Hamerly and keeps the lowest inertia, as scikit-learn's
 * KMeans.fit does; also the small helpers around it. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void amass_kmeans_options_default(amass_kmeans_options *options)
{
    memset(options, 0, sizeof *options);
    options->k = 8;
    options->n_init = 1;
    options->max_iter = 300;
    options->tol = 1e-4;
    options->seed = 0;
    options->algorithm = AMASS_KMEANS_AUTO;
    options->init_centroids = NULL;
}

/* Hamerly keeps two bounds per row and computes distances one row at a
 * time in double; Lloyd computes all n x k distances as a oneDNN product.
 * CPU seconds on one core, 200000 rows from 50 overlapping Gaussian
 * blobs, same k-means++ seeds (both give the same labels and inertia):
 *
 *     dim  k    Lloyd  Hamerly       dim  k    Lloyd  Hamerly
 *       2  4    0.10   0.06           16  4    0.15   0.15
 *       2  32   1.05   0.25           16  128  6.60   4.65
 *       8  8    0.21   0.13           24  16   0.44   0.25
 *       8  128  5.40   2.53           24  64   2.39   0.88
 *      32  8    0.20   0.19           32  128  10.4   12.1
 *
 * So Hamerly from k = 8 up to 24 dimensions: there a product of inner
 * size <= 24 runs far from peak while most rows skip the full search. The
 * bounds cost 16 bytes a row, which matters little at these sizes. */
static int use_hamerly(const amass_kmeans_options *options, size_t dim)
{
    if (options->algorithm == AMASS_KMEANS_HAMERLY)
        return 1;
    if (options->algorithm == AMASS_KMEANS_LLOYD)
        return 0;
    return options->k >= 8 && dim <= 24;
}

static int check_options(size_t n, size_t dim, const amass_kmeans_options *options, amass_status *status)
{
    if (options->k < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d: the number of clusters must be at least 1", options->k);
    if (dim == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "the vectors to cluster have no components");
    if (n == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "no vectors to cluster");
    if ((size_t)options->k > n)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d is more than the %zu vector%s to cluster", options->k, n,
                          n == 1 ? "" : "s");
    if (options->n_init < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "n_init=%d: at least one initialisation is needed",
                          options->n_init);
    if (options->max_iter < 0)
        return amass_fail(status, AMASS_ERR_USAGE, "max_iter=%d must not be negative", options->max_iter);
    if (!(options->tol >= 0))
        return amass_fail(status, AMASS_ERR_USAGE, "tol=%g must not be negative", options->tol);
    if (options->algorithm != AMASS_KMEANS_AUTO && options->algorithm != AMASS_KMEANS_LLOYD &&
        options->algorithm != AMASS_KMEANS_HAMERLY)
        return amass_fail(status, AMASS_ERR_USAGE, "unknown k-means algorithm %d", (int)options->algorithm);
    return AMASS_OK;
}

/* Squared distance of every row to its centroid, directly rather than
 * from the expanded form, which cancels when a row sits on its centre.
 * Returns the inertia, summed per slot and then in slot order. */
static double exact_distances(const amass_kmeans_work *work, float *distances)
{
    double partial[AMASS_CLUSTER_MAX_SLOTS], inertia = 0;
    size_t dim = work->dim;
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(work->n, dim, 1))
    for (int slot = 0; slot < work->partition.n_slots; slot++) {
        size_t end = amass_row_partition_slot_begin(&work->partition, slot + 1);
        double sum = 0;
        for (size_t i = amass_row_partition_slot_begin(&work->partition, slot); i < end; i++) {
            double d = amass_squared_distance(work->data + i * dim, work->centroids + (size_t)work->labels[i] * dim,
                                              dim);
            sum += d;
            distances[i] = (float)sqrt(d);
        }
        partial[slot] = sum;
    }
    for (int slot = 0; slot < work->partition.n_slots; slot++)
        inertia += partial[slot];
    return inertia;
}

int amass_cluster_kmeans(const float *data, size_t n, size_t dim, const amass_kmeans_options *options,
                         amass_kmeans_result *result, amass_status *status)
{
    amass_kmeans_work work;
    amass_rng master;
    float *mean = NULL, *distances = NULL;
    int32_t *best_labels = NULL;
    double variance = 0;
    int n_init, code, hamerly;
    size_t kd;

    memset(result, 0, sizeof *result);
    if ((code = check_options(n, dim, options, status)) != AMASS_OK)
        return code;
    kd = (size_t)options->k * dim;
    n_init = options->init_centroids ? 1 : options->n_init;
    hamerly = use_hamerly(options, dim);
    mean = amass_alloc_array(dim, sizeof *mean);
    if (!mean)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if ((code = amass_cluster_column_means(data, n, dim, mean, &variance, status)) != AMASS_OK) {
        free(mean);
        return code;
    }
    if ((code = amass_kmeans_work_init(&work, data, n, dim, options->k, mean, status)) != AMASS_OK) {
        free(mean);
        return code;
    }
    /* scikit-learn's _tolerance: tol times the mean per-feature variance,
     * and 0 stays 0 (only unchanged labels stop early). */
    work.tol = options->tol == 0 ? 0 : options->tol * variance;
    work.max_iter = options->max_iter;

    result->k = options->k;
    result->dim = dim;
    result->centroids = amass_alloc_array(kd, sizeof *result->centroids);
    result->labels = amass_alloc_array(n, sizeof *result->labels);
    result->distances = amass_alloc_array(n, sizeof *result->distances);
    result->sizes = amass_calloc_array((size_t)options->k, sizeof *result->sizes);
    distances = amass_alloc_array(n, sizeof *distances);
    best_labels = result->labels;
    if (!result->centroids || !result->labels || !result->distances || !result->sizes || !distances) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the k-means result of %zu rows", n);
        goto fail;
    }

    /* Each initialisation draws its own seed from one master stream, as
     * scikit-learn draws its seeds from random_state, so run r does not
     * depend on how many runs follow it. */
    amass_rng_seed(&master, options->seed);
    for (int run = 0; run < n_init; run++) {
        amass_rng rng;
        double inertia;
        amass_rng_seed(&rng, amass_rng_next(&master));
        if (options->init_centroids)
            memcpy(work.centroids, options->init_centroids, kd * sizeof *work.centroids);
        else if ((code = amass_cluster_seed_with_mean(data, n, dim, options->k, mean, &rng, work.centroids,
                                                      status)) != AMASS_OK)
            goto fail;
        code = hamerly ? amass_kmeans_run_hamerly(&work, status) : amass_kmeans_run_lloyd(&work, status);
        if (code != AMASS_OK)
            goto fail;
        inertia = exact_distances(&work, distances);
        if (run == 0 || inertia < result->inertia) {
            int32_t *swap_labels = work.labels;
            float *swap_distances = distances;
            work.labels = best_labels;
            best_labels = swap_labels;
            distances = result->distances;
            result->distances = swap_distances;
            result->inertia = inertia;
            result->iterations = work.iterations;
            result->converged = work.converged;
            memcpy(result->centroids, work.centroids, kd * sizeof *work.centroids);
        }
    }
    result->labels = best_labels;
    for (size_t i = 0; i < n; i++)
        result->sizes[result->labels[i]]++;
    result->empty_repaired = work.empty_repaired;
    /* work.labels now holds the losing runs' buffer (or was never swapped). */
    if (work.labels == best_labels)
        work.labels = NULL;
    amass_kmeans_work_free(&work);
    free(distances);
    free(mean);
    return AMASS_OK;

fail:
    if (work.labels == best_labels)
        work.labels = NULL;
    result->labels = best_labels;
    amass_kmeans_work_free(&work);
    free(distances);
    free(mean);
    amass_kmeans_result_free(result);
    return code;
}

void amass_kmeans_result_free(amass_kmeans_result *result)
{
    if (!result)
        return;
    free(result->centroids);
    free(result->labels);
    free(result->distances);
    free(result->sizes);
    result->centroids = NULL;
    result->labels = NULL;
    result->distances = NULL;
    result->sizes = NULL;
}

double amass_cluster_mean_variance(const float *data, size_t n, size_t dim)
{
    amass_status status;
    double variance = 0;
    if (n == 0 || dim == 0 || amass_cluster_column_means(data, n, dim, NULL, &variance, &status) != AMASS_OK)
        return 0;
    return variance;
}

void amass_cluster_normalize_rows(float *data, size_t n, size_t dim)
{
    for (size_t i = 0; i < n; i++) {
        float *row = data + i * dim;
        double norm = 0;
        for (size_t j = 0; j < dim; j++)
            norm += (double)row[j] * row[j];
        if (norm > 0) {
            double scale = 1 / sqrt(norm);
            for (size_t j = 0; j < dim; j++)
                row[j] = (float)(row[j] * scale);
        }
    }
}
