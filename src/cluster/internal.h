/* Pieces the k-means files share but the cluster.h interface does not
 * show: squared distances of a block of rows to a few centres through
 * oneDNN, the fixed partition of rows into blocks and slots that keeps
 * sums independent of the thread count, and the state of one k-means run. */
#ifndef AMASS_CLUSTER_INTERNAL_H
#define AMASS_CLUSTER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

/* Whether a loop of n x dim x k multiply-adds is worth a parallel region:
 * below about a millisecond of work, waking threads costs more than it
 * saves, and far more on a loaded machine. The results are the same
 * either way (see amass_distance_block). */
static inline int amass_cluster_parallel(size_t n, size_t dim, size_t k)
{
    return (double)n * (double)dim * (double)k >= 4194304.0;
}

/* ---- rows in blocks and slots ----------------------------------------- */

/* Rows are cut into blocks (the unit of one matrix product) and the blocks
 * into at most AMASS_CLUSTER_MAX_SLOTS contiguous slots; each slot owns a
 * partial sum. Both depend only on n, dim and k, never on the thread count,
 * so adding the slots in order gives the same bits with 1 or 32 threads. */
#define AMASS_CLUSTER_MAX_SLOTS 64

typedef struct {
    size_t n;
    size_t block_rows;
    size_t n_blocks;
    int n_slots;
} amass_row_partition;

/* slot_bytes: size of one slot's partial sums, to keep all slots within a
 * memory budget (0: no partial sums). */
void amass_row_partition_init(amass_row_partition *partition, size_t n, size_t dim, int k, size_t slot_bytes);
size_t amass_row_partition_slot_begin(const amass_row_partition *partition, int slot);
size_t amass_row_partition_block_rows(size_t dim, int k);

/* ---- squared distances of a block of rows to a set of centres ---------- */

/* The centres are stored shifted by a common vector (the data mean, or
 * the mean of the centres) and every block of rows is shifted the same way
 * before the product: ||x||^2 - 2 x.c + ||c||^2 cancels badly when the
 * data sit far from the origin, as scikit-learn notes when it centres X. */
typedef struct {
    size_t dim;
    int capacity;
    int k;
    float *shift;        /* dim */
    float *centers;      /* capacity x dim, shifted */
    float *center_norms; /* capacity */
    float largest_norm;  /* of center_norms */
    /* Products by a plain loop, not oneDNN (amass_distance_table_go_small):
     * centres transposed, dim x (capacity rounded up to 4). */
    float *centers_by_column;
} amass_distance_table;

/* Whether n rows against k centres of dimension dim are too few to be
 * worth oneDNN: its first product in a process costs about 10 ms (CPU
 * checks and code generation, measured), more than a whole k-means run on
 * 1797 x 64 rows with k = 10. Depends only on the sizes, so the same data
 * always take the same path. */
static inline int amass_distance_table_small(size_t n, size_t dim, size_t k)
{
    return (double)n * (double)dim * (double)k < 4194304.0;
}

/* One thread's workspace for a block of rows. */
typedef struct {
    size_t block_rows;
    float *rows;        /* block_rows x dim, shifted */
    float *row_norms;   /* block_rows */
    float *products;    /* capacity x block_rows: the squared distances */
    float *best;        /* block_rows */
    float *second;      /* block_rows */
    int32_t *labels;    /* block_rows */
} amass_distance_scratch;

int amass_distance_table_init(amass_distance_table *table, size_t dim, int capacity, amass_status *status);
/* After init, before set, when amass_distance_table_small says so. */
int amass_distance_table_go_small(amass_distance_table *table, amass_status *status);
void amass_distance_table_free(amass_distance_table *table);
/* shift NULL: the mean of the centres, which needs no pass over the data. */
void amass_distance_table_set(amass_distance_table *table, const float *centers, int k, const float *shift);

/* One workspace per OpenMP thread (omp_get_max_threads()). */
amass_distance_scratch *amass_distance_scratch_new(int count, size_t block_rows, size_t dim, int capacity,
                                                   amass_status *status);
void amass_distance_scratch_free(amass_distance_scratch *scratch, int count);
int amass_distance_threads(void);
int amass_distance_thread_index(void);

/* scratch->products[j * count + i] = max(0, ||row_i - centre_j||^2) for
 * count <= block_rows rows: centre-major, because oneDNN runs the product
 * with the few centres as the left operand twice as fast as the other way
 * round (measured on 384-d rows with k = 8 and 100). Call it only from
 * inside an OpenMP parallel region (active or not): it limits oneDNN to
 * the calling thread there, so the kernel, and with it the rounding, is
 * the same whatever the thread count. */
int amass_distance_block(const amass_distance_table *table, const float *rows, size_t count,
                         amass_distance_scratch *scratch);

/* scratch->labels[i] = index of the nearest centre of row i after
 * amass_distance_block. The products carry float rounding, so where the
 * runner-up is within the rounding bound of the best, the candidates are
 * compared again by amass_squared_distance on the original rows and
 * centres: labels are then the exact nearest centre (the first one on
 * ties, as numpy's argmin), the same that Hamerly's direct distances give. */
void amass_distance_nearest(const amass_distance_table *table, amass_distance_scratch *scratch, size_t count,
                            const float *rows, const float *centers);

/* How far a squared distance from amass_distance_block may be from the
 * exact one, for a row of that shifted norm (scratch->row_norms). */
double amass_distance_band(const amass_distance_table *table, float row_norm);

/* sum (a - b)^2 in double: exact enough to report when a ~ b. */
double amass_squared_distance(const float *a, const float *b, size_t dim);

/* Column means of the data in double over the fixed slots; also the mean
 * of the per-feature variances when variance is not NULL. */
int amass_cluster_column_means(const float *data, size_t n, size_t dim, float *mean, double *variance,
                               amass_status *status);

/* Nearest centroid of each row (labels may not be NULL) and, when asked,
 * the Euclidean distance and the squared distance computed directly. */
int amass_cluster_assign_rows(const float *data, size_t n, size_t dim, const float *centroids, int k,
                              int32_t *labels, float *distances, double *squared, amass_status *status);

/* Picks m of n row indices uniformly, in increasing order (Knuth's
 * selection sampling: O(m) memory however large n is). */
void amass_cluster_sample_rows(size_t n, size_t m, amass_rng *rng, size_t *rows);

/* Mean silhouette of all m rows of data (labels in [0, k)); NaN and a
 * status when fewer than 2 or m clusters are present. */
double amass_cluster_silhouette_all(const float *data, size_t m, size_t dim, const int32_t *labels, int k,
                                    amass_status *status);

/* ---- one k-means run -------------------------------------------------- */

typedef struct {
    const float *data;
    size_t n, dim;
    int k;
    const float *data_mean;  /* dim: the shift for the products */
    double tol;              /* absolute: tol x mean variance */
    int max_iter;
    amass_row_partition partition;
    int n_threads;
    amass_distance_scratch *scratch; /* n_threads */
    amass_distance_table table;
    float *centroids;        /* k x dim: in the seeds, out the result */
    float *old_centroids;    /* k x dim */
    int32_t *labels;         /* n */
    double *slot_sums;       /* n_slots x k x dim */
    int64_t *slot_counts;    /* n_slots x k */
    int64_t *slot_changed;   /* n_slots: labels that moved in the last assignment */
    float *block_sums;       /* n_threads x k x dim: one block's sums in float */
    int32_t *block_counts;   /* n_threads x k */
    int32_t *block_touched;  /* n_threads x k: clusters with rows in the block */
    size_t *block_first;     /* n_threads x k: each cluster's first row in the block */
    double *sums;            /* k x dim */
    int64_t *counts;         /* k */
    double *far_distances;   /* n, allocated on the first empty cluster */
    size_t *far_order;       /* n, likewise */
    /* outcome */
    int iterations;
    int converged;
    int empty_repaired;
} amass_kmeans_work;

int amass_kmeans_work_init(amass_kmeans_work *work, const float *data, size_t n, size_t dim, int k,
                           const float *data_mean, amass_status *status);
void amass_kmeans_work_free(amass_kmeans_work *work);

/* Rows [begin, end) (begin on a block boundary) added to slot's sums by
 * their labels, block by block, so the result depends on the blocks alone,
 * not on how the caller splits the range. Call it only from the thread
 * given the slot (it uses that thread's block buffers). */
void amass_kmeans_accumulate(amass_kmeans_work *work, int slot, size_t begin, size_t end);
/* Slot sums -> new centroids, after relocating empty clusters as
 * scikit-learn does; old_centroids receives the previous ones. Returns the
 * total squared centre shift, or a negative value when out of memory. */
double amass_kmeans_update(amass_kmeans_work *work);
/* scikit-learn's stopping order, shared so Lloyd and Hamerly stop on the
 * same iteration: unchanged labels first (strict convergence, *strict set),
 * then the centre shift against tol. Nonzero means stop. */
int amass_kmeans_should_stop(amass_kmeans_work *work, int64_t changed, double shift, int *strict);

int amass_kmeans_run_lloyd(amass_kmeans_work *work, amass_status *status);
int amass_kmeans_run_hamerly(amass_kmeans_work *work, amass_status *status);

/* Greedy k-means++ with the data mean already known. */
int amass_cluster_seed_with_mean(const float *data, size_t n, size_t dim, int k, const float *data_mean,
                                 amass_rng *rng, float *centroids, amass_status *status);

#endif
