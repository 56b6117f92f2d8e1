/* How amass-cluster's runs are wired: vectors streamed from the inputs,
 * the four modes (k-means in memory, streaming mini-batch, map and reduce
 * of one Lloyd iteration) and the centroid and stats files. Uses the io
 * layer; the algorithms themselves are in cluster.h. */
#ifndef AMASS_CLUSTER_JOB_H
#define AMASS_CLUSTER_JOB_H

#include "../io/io.h"
#include "cluster.h"

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
