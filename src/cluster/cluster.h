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
#include "../io/io.h"

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
    AMASS_KMEANS_AUTO,    /* Hamerly when k >= 8 and dim <= 24 (measured, see kmeans.c), else Lloyd */
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

/* ==== amass-cluster's runs: vectors from the inputs, the four modes
 * (k-means in memory, streaming mini-batch, map and reduce of one Lloyd
 * iteration) and the centroid and stats files. ==== */

/* ---- vectors from every input --------------------------------------- */

/* Reads vector records from each input in turn: reports a file that cannot
 * be opened and every bad record through the reporter and goes on, skips
 * records outside the shard, and holds every record to the dimension of
 * the first one (or of expected_dim when nonzero). */
typedef struct amass_vector_stream amass_vector_stream;

amass_vector_stream *amass_cluster_stream_open(amass_input_list *inputs, const char *field, const amass_shard *shard,
                                               size_t expected_dim, const amass_reporter *reporter,
                                               amass_status *status);
/* 1: a record, 0: end (or stop requested), -1: fatal (status). */
int amass_cluster_stream_next(amass_vector_stream *stream, amass_vector_record *record, amass_status *status);
size_t amass_cluster_stream_dim(const amass_vector_stream *stream);
void amass_cluster_stream_close(amass_vector_stream *stream);

/* ---- a run ---------------------------------------------------------- */

typedef struct {
    size_t n, dim;
    int k;
    double inertia;         /* sum of squared Euclidean distances */
    int iterations;
    int converged;
    double silhouette;      /* when k was chosen automatically, else NaN */
    double shift;           /* reduce step: squared centroid movement */
    double read_seconds, fit_seconds;
} amass_cluster_summary;

typedef struct {
    int k;                  /* 0: choose in [k_min, k_max] by silhouette */
    int k_min, k_max;
    amass_kmeans_options kmeans;
    int cosine;             /* cluster directions: rows scaled to unit length */
    size_t mini_batch;      /* rows per mini-batch; 0: k-means in memory */
    size_t sample;          /* rows the silhouette is measured on */
    const char *field;      /* NDJSON member with the vector; NULL: "embedding" */
    const char *init_path;  /* centroids to start from */
    const char *centroids_path; /* where to write the centroids, or NULL */
    int precision, gzip_centroids;
    amass_record_writer *writer;       /* per-vector records, stats, or centroids */
    const amass_reporter *reporter;
    const amass_name_set *done;        /* --resume: inputs not to write again */
    const amass_shard *shard;
    amass_cluster_summary summary;
} amass_cluster_job;

void amass_cluster_job_init(amass_cluster_job *job);

/* Load everything, fit k-means, write one record per vector. */
int amass_cluster_run_kmeans(amass_cluster_job *job, amass_input_list *inputs, amass_status *status);
/* Mini-batch k-means over a spool file, so memory stays bounded. */
int amass_cluster_run_minibatch(amass_cluster_job *job, amass_input_list *inputs, amass_status *status);
/* Map: assign to the --init centroids and write per-cluster stats. */
int amass_cluster_run_emit_stats(amass_cluster_job *job, amass_input_list *inputs, amass_status *status);
/* Reduce: add up stats files and write the new centroids. */
int amass_cluster_run_merge_stats(amass_cluster_job *job, amass_input_list *inputs, amass_status *status);

/* ---- files ---------------------------------------------------------- */

/* Centroid records: {"cluster":c,"size":n,"centroid":[...]}, one per line,
 * clusters 0..k-1 each once, in any order. */
int amass_cluster_centroids_read(const char *path, float **centroids, int *k, size_t *dim, amass_status *status);
int amass_cluster_centroids_write(amass_record_writer *writer, const float *centroids, const int64_t *sizes, int k,
                                  size_t dim, amass_status *status);
int amass_cluster_centroids_save(const char *path, int gzip, int precision, const float *centroids,
                                 const int64_t *sizes, int k, size_t dim, amass_status *status);

/* Stats records: {"cluster":c,"count":n,"sse":x,"sum_squares":x,
 * "centroid":[...],"sum":[...]}. */
int amass_cluster_stats_write(amass_record_writer *writer, const amass_cluster_stats *stats, amass_status *status);
/* Adds a stats file into stats (initialised from the file's centroids on
 * first use: stats->k == 0). Any defect in the file is fatal: a reduce
 * over partial stats would give wrong centroids without a word. */
int amass_cluster_stats_read(const char *path, amass_cluster_stats *stats, amass_status *status);

#endif
