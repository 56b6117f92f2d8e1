/* Greedy k-means++ seeding (Arthur & Vassilvitskii 2007) the way
 * scikit-learn's _kmeans_plusplus does it: 2 + floor(ln k) candidates per
 * step drawn in proportion to the squared distance to the closest centre,
 * and the candidate that lowers the potential most is kept. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    const float *data;
    size_t n, dim;
    amass_row_partition partition;
    amass_distance_table table;
    amass_distance_scratch *scratch;
    int n_threads;
    int trials;
    float *closest;          /* n: squared distance to the closest centre */
    float *kept;             /* trials x n candidate distances, or NULL */
    double *block_potential; /* n_blocks x trials */
} seeding;

/* sum of min(d[i], closest[i]) (closest NULL: of d[i]) in double, in four
 * chains of additions combined in a fixed order: one chain bounds the loop
 * at one add per add latency (a sixth of k-means++ on 16-d rows,
 * measured). */
static double sum_block(const float *d, const float *closest, size_t count)
{
    double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
    size_t i = 0;
    if (closest) {
        for (; i + 4 <= count; i += 4) {
            sum0 += d[i] < closest[i] ? d[i] : closest[i];
            sum1 += d[i + 1] < closest[i + 1] ? d[i + 1] : closest[i + 1];
            sum2 += d[i + 2] < closest[i + 2] ? d[i + 2] : closest[i + 2];
            sum3 += d[i + 3] < closest[i + 3] ? d[i + 3] : closest[i + 3];
        }
        for (; i < count; i++)
            sum0 += d[i] < closest[i] ? d[i] : closest[i];
    } else {
        for (; i + 4 <= count; i += 4) {
            sum0 += d[i];
            sum1 += d[i + 1];
            sum2 += d[i + 2];
            sum3 += d[i + 3];
        }
        for (; i < count; i++)
            sum0 += d[i];
    }
    return (sum0 + sum1) + (sum2 + sum3);
}

/* Squared distances of every row to the table's centres, block by block:
 * mode 0 sets closest from centre 0; mode 1 adds up, per candidate, the
 * potential sum min(closest, d^2) (keeping the distances when there is
 * room); mode 2 lowers closest with the distances to candidate `best`. */
static int pass(seeding *s, int mode, int best)
{
    int failed = AMASS_OK;
    int k = s->table.k;
#pragma omp parallel for schedule(dynamic, 1) if (amass_cluster_parallel(s->n, s->dim, (size_t)k))
    for (size_t block = 0; block < s->partition.n_blocks; block++) {
        amass_distance_scratch *scratch = &s->scratch[amass_distance_thread_index()];
        size_t begin = block * s->partition.block_rows;
        size_t count = s->n - begin < s->partition.block_rows ? s->n - begin : s->partition.block_rows;
        double *potential = s->block_potential + block * (size_t)k;
        int code = amass_distance_block(&s->table, s->data + begin * s->dim, count, scratch);
        if (code != AMASS_OK) {
#pragma omp atomic write
            failed = code;
            continue;
        }
        for (int c = 0; c < k; c++) {
            const float *d = scratch->products + (size_t)c * count;
            float *closest = s->closest + begin;
            double sum = 0;
            if (mode == 0) {
                memcpy(closest, d, count * sizeof *d);
                sum = sum_block(d, NULL, count);
            } else if (mode == 1) {
                sum = sum_block(d, closest, count);
                if (s->kept)
                    memcpy(s->kept + (size_t)c * s->n + begin, d, count * sizeof *d);
            } else if (c == best) {
#pragma omp simd
                for (size_t i = 0; i < count; i++)
                    closest[i] = d[i] < closest[i] ? d[i] : closest[i];
            }
            potential[c] = sum;
        }
    }
    return failed;
}

/* numpy.searchsorted(cumsum(closest), r, side="left") for each r, clipped
 * to n - 1 as scikit-learn does against rounding. */
static void draw_candidates(const seeding *s, double potential, amass_rng *rng, size_t *ids)
{
    double values[64];
    int order[64];
    double cumulative = 0;
    int next = 0;
    for (int t = 0; t < s->trials; t++) {
        values[t] = amass_rng_uniform(rng) * potential;
        order[t] = t;
    }
    for (int a = 1; a < s->trials; a++) /* insertion sort: a handful of values */
        for (int b = a; b > 0 && values[order[b]] < values[order[b - 1]]; b--) {
            int swap = order[b];
            order[b] = order[b - 1];
            order[b - 1] = swap;
        }
    for (size_t i = 0; i < s->n && next < s->trials; i++) {
        cumulative += s->closest[i];
        while (next < s->trials && values[order[next]] <= cumulative)
            ids[order[next++]] = i;
    }
    while (next < s->trials)
        ids[order[next++]] = s->n - 1;
}

static double total_potential(const seeding *s, int candidate, int k)
{
    double sum = 0;
    for (size_t block = 0; block < s->partition.n_blocks; block++)
        sum += s->block_potential[block * (size_t)k + candidate];
    return sum;
}

int amass_cluster_seed_with_mean(const float *data, size_t n, size_t dim, int k, const float *data_mean,
                                 amass_rng *rng, float *centroids, amass_status *status)
{
    seeding s;
    float *candidates = NULL;
    size_t ids[64];
    double potential;
    int code = AMASS_OK;

    memset(&s, 0, sizeof s);
    s.data = data;
    s.n = n;
    s.dim = dim;
    s.trials = 2 + (int)floor(log((double)k));
    amass_row_partition_init(&s.partition, n, dim, s.trials, 0);
    s.n_threads = amass_distance_threads();
    if (amass_distance_table_init(&s.table, dim, s.trials, status) != AMASS_OK)
        return status->code;
    /* Small by the whole job's size (k centres), not by one step's. */
    if (amass_distance_table_small(n, dim, (size_t)k) && amass_distance_table_go_small(&s.table, status) != AMASS_OK) {
        amass_distance_table_free(&s.table);
        return status->code;
    }
    s.scratch = amass_distance_scratch_new(s.n_threads, s.partition.block_rows, dim, s.trials, status);
    s.closest = amass_alloc_array(n, sizeof *s.closest);
    s.block_potential = amass_alloc_array(s.partition.n_blocks * (size_t)s.trials, sizeof *s.block_potential);
    candidates = amass_alloc_array((size_t)s.trials * dim, sizeof *candidates);
    /* Keeping the candidates' distances saves a second pass; it costs
     * trials floats a row, so only when that is small next to the row or
     * small outright (a third of k-means++ on 100000 16-d rows, k = 256). */
    if ((size_t)s.trials * 4 <= dim || (double)s.trials * (double)n * sizeof(float) <= 32.0 * 1048576.0)
        s.kept = amass_alloc_array((size_t)s.trials * n, sizeof *s.kept);
    if (!s.scratch || !s.closest || !s.block_potential || !candidates) {
        code = s.scratch ? amass_fail(status, AMASS_ERR_NOMEM, "out of memory for k-means++ on %zu rows", n)
                         : status->code;
        goto done;
    }

    /* The first centre is uniform over the rows. */
    memcpy(centroids, data + amass_rng_below(rng, n) * dim, dim * sizeof *centroids);
    amass_distance_table_set(&s.table, centroids, 1, data_mean);
    if ((code = pass(&s, 0, 0)) != AMASS_OK)
        goto gemm_failed;
    potential = total_potential(&s, 0, 1);

    for (int c = 1; c < k; c++) {
        int best = 0;
        double best_potential = 0;
        draw_candidates(&s, potential, rng, ids);
        for (int t = 0; t < s.trials; t++)
            memcpy(candidates + (size_t)t * dim, data + ids[t] * dim, dim * sizeof *candidates);
        amass_distance_table_set(&s.table, candidates, s.trials, data_mean);
        if ((code = pass(&s, 1, 0)) != AMASS_OK)
            goto gemm_failed;
        for (int t = 0; t < s.trials; t++) {
            double value = total_potential(&s, t, s.trials);
            if (t == 0 || value < best_potential) {
                best = t;
                best_potential = value;
            }
        }
        if (s.kept) {
            const float *d = s.kept + (size_t)best * n;
#pragma omp parallel for schedule(dynamic, 4096) if (amass_cluster_parallel(n, 1, 8))
            for (size_t i = 0; i < n; i++)
                s.closest[i] = d[i] < s.closest[i] ? d[i] : s.closest[i];
        } else {
            /* Distances to the kept candidate alone: a product with one
             * centre, not all trials (a seventh of the work for k = 256). */
            amass_distance_table_set(&s.table, candidates + (size_t)best * dim, 1, data_mean);
            if ((code = pass(&s, 2, 0)) != AMASS_OK)
                goto gemm_failed;
        }
        potential = best_potential;
        memcpy(centroids + (size_t)c * dim, data + ids[best] * dim, dim * sizeof *centroids);
    }
    goto done;
gemm_failed:
    amass_fail(status, code, "k-means++: the oneDNN matrix product failed");
done:
    amass_distance_scratch_free(s.scratch, s.n_threads);
    amass_distance_table_free(&s.table);
    free(s.closest);
    free(s.kept);
    free(s.block_potential);
    free(candidates);
    return code;
}

int amass_cluster_seed_kmeanspp(const float *data, size_t n, size_t dim, int k, amass_rng *rng, float *centroids,
                                amass_status *status)
{
    float *mean;
    int code;
    if (k < 1 || dim == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "k-means++: k=%d and dimension %zu must be positive", k, dim);
    if ((size_t)k > n)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d is more than the %zu vectors to cluster", k, n);
    mean = amass_alloc_array(dim, sizeof *mean);
    if (!mean)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    code = amass_cluster_column_means(data, n, dim, mean, NULL, status);
    if (code == AMASS_OK)
        code = amass_cluster_seed_with_mean(data, n, dim, k, mean, rng, centroids, status);
    free(mean);
    return code;
}
