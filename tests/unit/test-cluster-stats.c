/* Map/reduce statistics: two halves merged equal the whole, and the
 * update equals one Lloyd step of amass_cluster_kmeans. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "tap.h"

int main(void)
{
    /* Small integers: every sum is exact in double, so order cannot matter
     * and equality can be exact. */
    enum { N = 600, DIM = 3, K = 3 };
    float *data = malloc(N * DIM * sizeof *data);
    /* Centroids off the integer grid, so no row is equally far from two
     * of them and both ways of computing distances agree on labels. */
    const float init[K * DIM] = {0.1234f, -0.377f, 0.251f, 20.31f, 19.77f, 20.05f, -19.61f, 5.17f, 0.43f};
    float updated[K * DIM];
    amass_cluster_stats all, first, second;
    amass_kmeans_options options;
    amass_kmeans_result step;
    amass_status status;
    amass_rng rng;
    double shift;
    int converged, same = 1;

    amass_rng_seed(&rng, 12);
    for (int i = 0; i < N * DIM; i++)
        data[i] = (float)((int)amass_rng_below(&rng, 61) - 30);

    ok(amass_cluster_stats_init(&all, K, DIM, init, &status) == AMASS_OK, "stats: init");
    ok(amass_cluster_stats_accumulate(&all, data, N, &status) == AMASS_OK, "stats: accumulate all rows");
    amass_cluster_stats_init(&first, K, DIM, init, &status);
    amass_cluster_stats_init(&second, K, DIM, init, &status);
    amass_cluster_stats_accumulate(&first, data, N / 3, &status);
    amass_cluster_stats_accumulate(&second, data + (N / 3) * DIM, N - N / 3, &status);
    ok(amass_cluster_stats_merge(&first, &second, &status) == AMASS_OK, "stats: merge halves");
    for (int c = 0; c < K; c++) {
        /* sse is to off-grid centroids, so only it is subject to order. */
        same &= first.counts[c] == all.counts[c] && first.sum_squares[c] == all.sum_squares[c] &&
                fabs(first.sse[c] - all.sse[c]) <= 1e-12 * all.sse[c];
        for (int j = 0; j < DIM; j++)
            same &= first.sums[c * DIM + j] == all.sums[c * DIM + j];
    }
    ok(same, "stats: halves + merge == all rows at once");
    is_int(all.counts[0] + all.counts[1] + all.counts[2], N, "stats: every row counted once");

    ok(amass_cluster_stats_update(&all, 1e-4, updated, &shift, &converged, &status) == AMASS_OK, "stats: update");
    amass_kmeans_options_default(&options);
    options.k = K;
    options.init_centroids = init;
    options.max_iter = 1;
    options.algorithm = AMASS_KMEANS_LLOYD;
    ok(amass_cluster_kmeans(data, N, DIM, &options, &step, &status) == AMASS_OK, "one Lloyd step runs");
    same = 1;
    for (int i = 0; i < K * DIM; i++)
        same &= updated[i] == step.centroids[i];
    ok(same, "stats update == one Lloyd step's centroids");
    if (!same)
        for (int i = 0; i < K * DIM; i++)
            printf("#   %d: stats %.9g, Lloyd %.9g\n", i, updated[i], step.centroids[i]);
    {
        double expected = 0, sse = 0;
        for (int c = 0; c < K; c++)
            for (int j = 0; j < DIM; j++) {
                double d = (double)updated[c * DIM + j] - init[c * DIM + j];
                expected += d * d;
            }
        is_close(shift, expected, 1e-12, "stats: shift is the squared centroid movement");
        ok(!converged, "stats: a large move is not converged");
        for (int c = 0; c < K; c++)
            sse += all.sse[c];
        ok(sse > 0, "stats: sse accumulated");
    }
    {
        /* Mean variance from the sums equals the two-pass one. */
        amass_cluster_stats again;
        double variance = amass_cluster_mean_variance(data, N, DIM), moved;
        int done;
        amass_cluster_stats_init(&again, K, DIM, updated, &status);
        amass_cluster_stats_accumulate(&again, data, N, &status);
        amass_cluster_stats_update(&again, 0, updated, &moved, &done, &status);
        amass_cluster_stats_update(&again, moved / variance * 1.0001, updated, &moved, &done, &status);
        ok(done, "stats: tol is relative to the mean variance (just above: converged)");
        amass_cluster_stats_update(&again, moved / variance * 0.9999, updated, &moved, &done, &status);
        ok(!done || moved == 0, "stats: tol just below the shift is not converged");
        amass_cluster_stats_free(&again);
    }
    {
        amass_cluster_stats other;
        const float elsewhere[K * DIM] = {1, 0, 0, 20, 20, 20, -20, 5, 0};

        amass_cluster_stats_init(&other, K, DIM, elsewhere, &status);
        is_int(amass_cluster_stats_merge(&all, &other, &status), AMASS_ERR_USAGE,
               "stats: merging stats of other centroids is refused");
        amass_cluster_stats_free(&other);
    }
    amass_kmeans_result_free(&step);
    amass_cluster_stats_free(&all);
    amass_cluster_stats_free(&first);
    amass_cluster_stats_free(&second);
    free(data);
    return done_testing();
}
