/* Silhouette, choose_k and the adjusted Rand index against values
 * computed with scikit-learn 1.2.1. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cluster/cluster.h"
#include "cluster-blobs.h"
#include "tap.h"

static void test_silhouette(void)
{
    /* /usr/bin/python3 -c "import numpy as np; from sklearn.metrics import silhouette_score;
     *   X=np.array([[0,0],[0,1],[1,0],[5,5],[5,6],[6,5],[10,0]],dtype=np.float64);
     *   print(repr(silhouette_score(X,[0,0,0,1,1,1,2])))"  ->  0.7163280643624282 */
    const float data[] = {0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5, 10, 0};
    const int32_t labels[] = {0, 0, 0, 1, 1, 1, 2};
    const int32_t one_cluster[] = {0, 0, 0, 0, 0, 0, 0};
    amass_rng rng;
    amass_status status;
    amass_rng_seed(&rng, 1);
    is_close(amass_cluster_silhouette(data, 7, 2, labels, 3, 100, &rng, &status), 0.7163280643624282, 1e-6,
             "silhouette matches scikit-learn (singleton cluster scores 0)");
    ok(isnan(amass_cluster_silhouette(data, 7, 2, one_cluster, 1, 100, &rng, &status)) &&
           status.code == AMASS_ERR_USAGE,
       "silhouette of one cluster is refused");
}

static void test_silhouette_sample(void)
{
    size_t n = 3000, dim = 4;
    int32_t *truth;
    float *data = make_blobs(n, dim, 3, 0.5, 21, &truth);
    amass_rng rng;
    amass_status status;
    double full, sampled;
    amass_rng_seed(&rng, 2);
    full = amass_cluster_silhouette(data, n, dim, truth, 3, n, &rng, &status);
    sampled = amass_cluster_silhouette(data, n, dim, truth, 3, 500, &rng, &status);
    ok(full > 0.8, "silhouette of clear blobs is high");
    is_close(sampled, full, 0.02, "silhouette on a 500-row sample is close to the full one");
    free(data);
    free(truth);
}

static void test_choose_k(void)
{
    size_t n = 4000, dim = 5;
    int32_t *truth;
    float *data = make_blobs(n, dim, 4, 1.0, 33, &truth);
    amass_kmeans_options options;
    amass_status status;
    double scores[5];
    int chosen = 0;
    amass_kmeans_options_default(&options);
    options.seed = 4;
    ok(amass_cluster_choose_k(data, n, dim, 2, 6, 1500, &options, &chosen, scores, &status) == AMASS_OK,
       "choose_k runs on a sample");
    is_int(chosen, 4, "choose_k picks 4 on 4 clear blobs");
    ok(scores[2] > scores[0] && scores[2] > scores[4], "k=4 scores above k=2 and k=6");
    is_int(amass_cluster_choose_k(data, n, dim, 1, 6, 1500, &options, &chosen, NULL, &status), AMASS_ERR_USAGE,
           "choose_k refuses k_min < 2");
    free(data);
    free(truth);
}

static void test_adjusted_rand(void)
{
    const int32_t a[] = {0, 0, 1, 1, 2, 2, 2, 5};
    const int32_t b[] = {1, 1, 0, 0, 0, 2, 7, 7};
    const int32_t permuted[] = {7, 7, 3, 3, 0, 0, 0, 1};
    const int32_t c[] = {3, 3, 3, 9, 9, 9, 40, 40, 40, 40};
    const int32_t d[] = {0, 0, 1, 1, 1, 2, 2, 2, 2, 0};
    is_close(amass_cluster_adjusted_rand(a, a, 8), 1.0, 1e-15, "ARI of identical labellings is 1");
    is_close(amass_cluster_adjusted_rand(a, permuted, 8), 1.0, 1e-15, "ARI of renamed labels is 1");
    /* /usr/bin/python3 -c "from sklearn.metrics import adjusted_rand_score as s;
     *   print(repr(s([0,0,1,1,2,2,2,5],[1,1,0,0,0,2,7,7])));
     *   print(repr(s([3,3,3,9,9,9,40,40,40,40],[0,0,1,1,1,2,2,2,2,0])))"
     * -> 0.26956521739130435, 0.20454545454545456 */
    is_close(amass_cluster_adjusted_rand(a, b, 8), 0.26956521739130435, 1e-12, "ARI matches scikit-learn (case 1)");
    is_close(amass_cluster_adjusted_rand(c, d, 10), 0.20454545454545456, 1e-12, "ARI matches scikit-learn (case 2)");
}

int main(void)
{
    test_silhouette();
    test_silhouette_sample();
    test_choose_k();
    test_adjusted_rand();
    return done_testing();
}
