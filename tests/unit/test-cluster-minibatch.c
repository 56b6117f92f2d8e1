/* Mini-batch k-means reaches nearly Lloyd's inertia on clear blobs while
 * seeing one batch at a time, and refuses to step before it is seeded. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster-blobs.h"
#include "tap.h"

int main(void)
{
    size_t n = 20000, dim = 16, batch = 1024;
    int k = 6;
    int32_t *truth, *labels = malloc(n * sizeof *labels);
    float *data = make_blobs(n, dim, k, 1.5, 3, &truth);
    float *batch_rows = malloc(batch * dim * sizeof *batch_rows);
    float *distances = malloc(n * sizeof *distances);
    amass_kmeans_options options;
    amass_kmeans_result lloyd;
    amass_minibatch *mb;
    amass_status status;
    amass_rng rng;
    double inertia = 0, batch_inertia, first_inertia = -1;
    int code = AMASS_OK;

    amass_kmeans_options_default(&options);
    options.k = k;
    options.n_init = 3;
    options.seed = 1;
    ok(amass_cluster_kmeans(data, n, dim, &options, &lloyd, &status) == AMASS_OK, "Lloyd reference runs");

    mb = amass_cluster_minibatch_new(k, dim, 17, &status);
    ok(mb != NULL, "mini-batch: created");
    is_int(amass_cluster_minibatch_step(mb, data, batch, NULL, &status), AMASS_ERR_USAGE,
           "mini-batch: a step before seeding is refused");
    ok(amass_cluster_minibatch_seed(mb, data, 3 * batch, &status) == AMASS_OK, "mini-batch: seeded on 3 batches");
    amass_rng_seed(&rng, 8);
    for (int step = 0; step < 100 && code == AMASS_OK; step++) {
        for (size_t i = 0; i < batch; i++)
            memcpy(batch_rows + i * dim, data + amass_rng_below(&rng, n) * dim, dim * sizeof *data);
        code = amass_cluster_minibatch_step(mb, batch_rows, batch, &batch_inertia, &status);
        if (first_inertia < 0)
            first_inertia = batch_inertia;
    }
    ok(code == AMASS_OK, "mini-batch: 100 steps run");
    ok(batch_inertia > 0 && batch_inertia <= first_inertia, "mini-batch: batch inertia does not grow");
    ok(amass_cluster_assign(data, n, dim, amass_cluster_minibatch_centroids(mb), k, labels, distances, &status) ==
           AMASS_OK,
       "assign to the mini-batch centroids");
    for (size_t i = 0; i < n; i++)
        inertia += (double)distances[i] * distances[i];
    ok(inertia <= lloyd.inertia * 1.03, "mini-batch inertia within 3% of Lloyd's");
    if (inertia > lloyd.inertia * 1.03)
        printf("#   mini-batch %g, Lloyd %g\n", inertia, lloyd.inertia);
    is_close(amass_cluster_adjusted_rand(labels, truth, n), 1.0, 0, "mini-batch recovers the blobs (ARI 1)");
    ok(amass_cluster_minibatch_seed(mb, data, 3, &status) == AMASS_ERR_USAGE, "mini-batch: seeding on < k rows refused");
    ok(amass_cluster_minibatch_new(0, dim, 1, &status) == NULL && status.code == AMASS_ERR_USAGE,
       "mini-batch: k=0 refused");

    amass_cluster_minibatch_free(mb);
    amass_kmeans_result_free(&lloyd);
    free(data);
    free(truth);
    free(labels);
    free(distances);
    free(batch_rows);
    return done_testing();
}
