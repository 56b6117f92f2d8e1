/* libamass cluster layer: k-means on float32 row-major data.
 *
 * Algorithms follow scikit-learn's KMeans so results can be compared:
 * greedy k-means++ seeding (2 + floor(ln k) local trials), Lloyd
 * iterations, tolerance relative to the mean per-feature variance,
 * empty clusters moved to the points farthest from their centres.
 * Distances for assignment are ||x||^2 - 2 x.c + ||c||^2 with x.c from a
 * oneDNN matmul over blocks of rows.
 *
 * Determinism: the same data, options and seed give the same result.
 * Sums are taken in double over fixed row blocks and combined in block
 * order, so the thread count does not change them. */
#ifndef AMASS_CLUSTER_H
#define AMASS_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ---- random numbers (xoshiro256**, seeded by splitmix64) -------------- */

typedef struct {
    uint64_t state[4];
} amass_rng;

void amass_rng_seed(amass_rng *rng, uint64_t seed);
uint64_t amass_rng_next(amass_rng *rng);
double amass_rng_uniform(amass_rng *rng);            /* [0, 1) */
uint64_t amass_rng_below(amass_rng *rng, uint64_t n); /* [0, n), unbiased */

/* ---- k-means --------------------------------------------------------- */

typedef enum {
    AMASS_KMEANS_AUTO,    /* Hamerly when k is large and dim small, else Lloyd */
    AMASS_KMEANS_LLOYD,
    AMASS_KMEANS_HAMERLY  /* Hamerly's bounds: exact Lloyd results, fewer distances */
} amass_kmeans_algorithm;

typedef struct {
    int k;
    int n_init;             /* seedings tried; the lowest inertia wins (default 1) */
    int max_iter;           /* default 300; 0 with init_centroids only assigns */
    double tol;             /* relative to mean feature variance (default 1e-4) */
    uint64_t seed;
    amass_kmeans_algorithm algorithm;
    const float *init_centroids; /* k x dim to start from instead of seeding; n_init is then 1 */
} amass_kmeans_options;

void amass_kmeans_options_default(amass_kmeans_options *options);

typedef struct {
    int k;
    size_t dim;
    float *centroids;     /* k x dim */
    int32_t *labels;      /* n: nearest centroid of each row */
    float *distances;     /* n: Euclidean distance to that centroid */
    int64_t *sizes;       /* k: rows per cluster */
    double inertia;       /* sum of squared distances */
    int iterations;       /* Lloyd iterations of the winning run */
    int converged;        /* the winning run met tol or labels stopped changing */
    int empty_repaired;   /* empty clusters relocated over all runs */
} amass_kmeans_result;

/* Clusters n rows of dim floats. Fails with AMASS_ERR_USAGE when k < 1 or
 * k > n. The result is freed with amass_kmeans_result_free. */
int amass_cluster_kmeans(const float *data, size_t n, size_t dim, const amass_kmeans_options *options,
                         amass_kmeans_result *result, amass_status *status);
void amass_kmeans_result_free(amass_kmeans_result *result);

/* Nearest centroid and its Euclidean distance for each row. */
int amass_cluster_assign(const float *data, size_t n, size_t dim, const float *centroids, int k, int32_t *labels,
                         float *distances, amass_status *status);

/* Greedy k-means++ seeding (Arthur & Vassilvitskii, with scikit-learn's
 * local trials): writes k x dim centroids. */
int amass_cluster_seed_kmeanspp(const float *data, size_t n, size_t dim, int k, amass_rng *rng, float *centroids,
                                amass_status *status);

/* Mean of the per-feature variances, the scale tol is relative to. */
double amass_cluster_mean_variance(const float *data, size_t n, size_t dim);

/* Scales each row to unit length (rows of zeros stay zero), for cosine. */
void amass_cluster_normalize_rows(float *data, size_t n, size_t dim);

/* ---- mini-batch k-means (Sculley 2010, scikit-learn's update) --------- */

/* Holds only centroids and counts, so data can stream through it. */
typedef struct amass_minibatch amass_minibatch;

amass_minibatch *amass_cluster_minibatch_new(int k, size_t dim, uint64_t seed, amass_status *status);
void amass_cluster_minibatch_free(amass_minibatch *mb);
/* Seeds with k-means++ on a sample (the first batch, or a reservoir). */
int amass_cluster_minibatch_seed(amass_minibatch *mb, const float *data, size_t n, amass_status *status);
/* One update with a batch of rows; batch_inertia receives the batch's sum
 * of squared distances before the update (may be NULL). Clusters that have
 * received almost no points are reassigned to random batch rows, as
 * scikit-learn does with reassignment_ratio 0.01. */
int amass_cluster_minibatch_step(amass_minibatch *mb, const float *data, size_t n, double *batch_inertia,
                                 amass_status *status);
const float *amass_cluster_minibatch_centroids(const amass_minibatch *mb);

/* ---- choosing k ------------------------------------------------------ */

/* Mean silhouette coefficient (Rousseeuw 1987) of the labelling, over at
 * most sample rows chosen with rng (all rows when sample >= n). */
double amass_cluster_silhouette(const float *data, size_t n, size_t dim, const int32_t *labels, int k,
                                size_t sample, amass_rng *rng, amass_status *status);

/* Runs k-means for each k in [k_min, k_max] on a sample of at most sample
 * rows and picks the k with the highest mean silhouette. scores (may be
 * NULL) receives k_max - k_min + 1 values. */
int amass_cluster_choose_k(const float *data, size_t n, size_t dim, int k_min, int k_max, size_t sample,
                           const amass_kmeans_options *options, int *chosen_k, double *scores,
                           amass_status *status);

/* ---- map/reduce statistics ------------------------------------------- */

/* Per-centroid sums for one Lloyd iteration done as map and reduce: each
 * mapper accumulates the rows it reads against the same centroids, the
 * reducer adds the stats and divides. */
typedef struct {
    int k;
    size_t dim;
    float *centroids;   /* k x dim: the centroids the rows were assigned to */
    int64_t *counts;    /* k */
    double *sums;       /* k x dim */
    double *sum_squares; /* k: sum of ||x||^2 (for the variance behind tol) */
    double *sse;        /* k: sum of squared distances (inertia) */
} amass_cluster_stats;

int amass_cluster_stats_init(amass_cluster_stats *stats, int k, size_t dim, const float *centroids,
                             amass_status *status);
void amass_cluster_stats_free(amass_cluster_stats *stats);
/* Assigns the rows to stats->centroids and adds them in. */
int amass_cluster_stats_accumulate(amass_cluster_stats *stats, const float *data, size_t n, amass_status *status);
/* Adds other into stats; both must have the same k, dim and centroids. */
int amass_cluster_stats_merge(amass_cluster_stats *stats, const amass_cluster_stats *other, amass_status *status);
/* New centroids (k x dim) = sums / counts; an empty cluster keeps its old
 * centroid. *shift receives the total squared centroid movement and
 * *converged whether it is within tol times the mean variance. */
int amass_cluster_stats_update(const amass_cluster_stats *stats, double tol, float *new_centroids, double *shift,
                               int *converged, amass_status *status);

/* ---- agreement with known labels ------------------------------------- */

/* Adjusted Rand index (Hubert & Arabie 1985) between two labellings. */
double amass_cluster_adjusted_rand(const int32_t *a, const int32_t *b, size_t n);

#endif
