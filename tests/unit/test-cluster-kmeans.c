/* k-means as a user relies on it: recovers clear clusters, exact on a
 * hand-computed case, Hamerly equal to Lloyd, reproducible across seeds
 * and thread counts, repairs empty clusters, rejects bad requests. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cluster/cluster.h"
#include "cluster-blobs.h"
#include "tap.h"

static int same_result(const amass_kmeans_result *a, const amass_kmeans_result *b, size_t n)
{
    return a->k == b->k && a->inertia == b->inertia && a->iterations == b->iterations &&
           memcmp(a->centroids, b->centroids, (size_t)a->k * a->dim * sizeof(float)) == 0 &&
           memcmp(a->labels, b->labels, n * sizeof(int32_t)) == 0 &&
           memcmp(a->distances, b->distances, n * sizeof(float)) == 0;
}

static void test_tiny(void)
{
    /* {1,2,3} and {10,11,12}: centroids 2 and 11, inertia 1+0+1 twice. */
    const float data[] = {1, 2, 3, 10, 11, 12};
    const float init[] = {3, 10};
    amass_kmeans_options options;
    amass_kmeans_result result;
    amass_status status;
    int low;

    amass_kmeans_options_default(&options);
    options.k = 2;
    options.n_init = 3;
    ok(amass_cluster_kmeans(data, 6, 1, &options, &result, &status) == AMASS_OK, "tiny 1-D case runs");
    low = result.centroids[0] < result.centroids[1] ? 0 : 1;
    is_close(result.centroids[low], 2.0, 0, "tiny: left centroid is exactly 2");
    is_close(result.centroids[1 - low], 11.0, 0, "tiny: right centroid is exactly 11");
    is_close(result.inertia, 4.0, 1e-12, "tiny: inertia is 4");
    is_int(result.labels[0], low, "tiny: 1 in the left cluster");
    is_int(result.labels[5], 1 - low, "tiny: 12 in the right cluster");
    is_close(result.distances[2], 1.0, 1e-7, "tiny: distance of 3 to its centroid is 1");
    is_int(result.sizes[0] + result.sizes[1], 6, "tiny: sizes add up to n");
    ok(result.converged, "tiny: converged");
    amass_kmeans_result_free(&result);

    /* From given centroids, {3} moves to the left cluster in one step. */
    options.init_centroids = init;
    ok(amass_cluster_kmeans(data, 6, 1, &options, &result, &status) == AMASS_OK, "tiny from init runs");
    is_close(result.centroids[0], 2.0, 0, "tiny from init: first centroid 2");
    is_close(result.centroids[1], 11.0, 0, "tiny from init: second centroid 11");
    amass_kmeans_result_free(&result);

    /* max_iter 0 with init only assigns. */
    options.max_iter = 0;
    ok(amass_cluster_kmeans(data, 6, 1, &options, &result, &status) == AMASS_OK, "assign-only run");
    is_int(result.iterations, 0, "assign-only: no iterations");
    is_close(result.centroids[0], 3.0, 0, "assign-only: centroids untouched");
    is_int(result.labels[2], 0, "assign-only: 3 goes to the centroid at 3");
    is_close(result.inertia, 4 + 1 + 0 + 0 + 1 + 4, 1e-12, "assign-only: inertia against the given centroids");
    amass_kmeans_result_free(&result);
}

static void test_blobs(void)
{
    size_t n = 3000, dim = 8;
    int32_t *truth;
    float *data = make_blobs(n, dim, 5, 1.0, 7, &truth);
    amass_kmeans_options options;
    amass_kmeans_result lloyd, hamerly, again;
    amass_status status;

    amass_kmeans_options_default(&options);
    options.k = 5;
    options.n_init = 3;
    options.seed = 42;
    options.algorithm = AMASS_KMEANS_LLOYD;
    ok(amass_cluster_kmeans(data, n, dim, &options, &lloyd, &status) == AMASS_OK, "blobs: Lloyd runs");
    is_close(amass_cluster_adjusted_rand(lloyd.labels, truth, n), 1.0, 0, "blobs: Lloyd recovers the blobs (ARI 1)");

    options.algorithm = AMASS_KMEANS_HAMERLY;
    ok(amass_cluster_kmeans(data, n, dim, &options, &hamerly, &status) == AMASS_OK, "blobs: Hamerly runs");
    ok(memcmp(lloyd.labels, hamerly.labels, n * sizeof(int32_t)) == 0, "Hamerly gives Lloyd's labels");
    ok(memcmp(lloyd.centroids, hamerly.centroids, 5 * dim * sizeof(float)) == 0, "Hamerly gives Lloyd's centroids");
    is_close(hamerly.inertia, lloyd.inertia, 0, "Hamerly gives Lloyd's inertia");
    is_int(hamerly.iterations, lloyd.iterations, "Hamerly takes Lloyd's iterations");

    options.algorithm = AMASS_KMEANS_LLOYD;
    ok(amass_cluster_kmeans(data, n, dim, &options, &again, &status) == AMASS_OK && same_result(&lloyd, &again, n),
       "same seed: bit-identical result");
    amass_kmeans_result_free(&again);
    options.seed = 43;
    ok(amass_cluster_kmeans(data, n, dim, &options, &again, &status) == AMASS_OK, "another seed runs");
    is_close(again.inertia, lloyd.inertia, 1e-6, "another seed finds the same optimum on clear blobs");
    amass_kmeans_result_free(&again);

    amass_kmeans_result_free(&lloyd);
    amass_kmeans_result_free(&hamerly);
    free(data);
    free(truth);
}

/* Overlapping blobs, so near-ties exist and rounding could show. */
static void test_threads(void)
{
    size_t n = 40000, dim = 24;
    int32_t *truth;
    float *data = make_blobs(n, dim, 12, 6.0, 11, &truth);
    amass_kmeans_options options;
    amass_kmeans_result one, two;
    amass_status status;
    int code_one, code_two;

    amass_kmeans_options_default(&options);
    options.k = 12;
    options.n_init = 2;
    options.seed = 5;
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    code_one = amass_cluster_kmeans(data, n, dim, &options, &one, &status);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    code_two = amass_cluster_kmeans(data, n, dim, &options, &two, &status);
    ok(code_one == AMASS_OK && code_two == AMASS_OK, "1 and 2 threads run");
    ok(same_result(&one, &two, n), "1 and 2 threads give bit-identical results");
    amass_kmeans_result_free(&one);

    /* Overlapping blobs have rows nearly equidistant from two centres:
     * Hamerly still matches Lloyd because Lloyd settles near-ties exactly. */
    options.algorithm = AMASS_KMEANS_HAMERLY;
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    code_one = amass_cluster_kmeans(data, n, dim, &options, &one, &status);
    ok(code_one == AMASS_OK && memcmp(one.labels, two.labels, n * sizeof(int32_t)) == 0 &&
           one.inertia == two.inertia && one.iterations == two.iterations,
       "overlapping blobs: Hamerly gives Lloyd's labels, inertia and iterations");
    amass_kmeans_result_free(&two);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    code_two = amass_cluster_kmeans(data, n, dim, &options, &two, &status);
    ok(code_one == AMASS_OK && code_two == AMASS_OK && same_result(&one, &two, n),
       "Hamerly: 1 and 2 threads give bit-identical results");
    amass_kmeans_result_free(&one);
    amass_kmeans_result_free(&two);
    free(data);
    free(truth);
}

/* Dense 2-D data with many clusters: among 60000 rows some sit within
 * float rounding of two centres, where a float argmin and Hamerly's double
 * distances would disagree unless Lloyd settles near-ties exactly. */
static void test_near_ties(void)
{
    size_t n = 60000, dim = 2;
    int32_t *truth;
    float *data = make_blobs(n, dim, 40, 8.0, 19, &truth);
    amass_kmeans_options options;
    amass_kmeans_result lloyd, hamerly;
    amass_status status;
    int codes;

    amass_kmeans_options_default(&options);
    options.k = 32;
    options.seed = 3;
    options.algorithm = AMASS_KMEANS_LLOYD;
    codes = amass_cluster_kmeans(data, n, dim, &options, &lloyd, &status);
    options.algorithm = AMASS_KMEANS_HAMERLY;
    codes |= amass_cluster_kmeans(data, n, dim, &options, &hamerly, &status);
    ok(codes == AMASS_OK, "dense 2-D: Lloyd and Hamerly run");
    ok(memcmp(lloyd.labels, hamerly.labels, n * sizeof(int32_t)) == 0, "dense 2-D: Hamerly gives Lloyd's labels");
    is_close(hamerly.inertia, lloyd.inertia, 0, "dense 2-D: Hamerly gives Lloyd's inertia");
    is_int(hamerly.iterations, lloyd.iterations, "dense 2-D: same iterations");
    amass_kmeans_result_free(&lloyd);
    amass_kmeans_result_free(&hamerly);
    free(data);
    free(truth);
}

static void test_empty_cluster(void)
{
    /* Centroid 2 is far from every row: after the first assignment it is
     * empty and must take the row farthest from its centre, the 10. */
    const float data[] = {0, 1, 2, 7, 8, 10};
    const float init[] = {1, 8, 1000};
    amass_kmeans_options options;
    amass_kmeans_result result;
    amass_status status;

    amass_kmeans_options_default(&options);
    options.k = 3;
    options.init_centroids = init;
    options.algorithm = AMASS_KMEANS_LLOYD;
    ok(amass_cluster_kmeans(data, 6, 1, &options, &result, &status) == AMASS_OK, "empty cluster: runs");
    ok(result.empty_repaired >= 1, "empty cluster: repair counted");
    ok(result.sizes[0] > 0 && result.sizes[1] > 0 && result.sizes[2] > 0, "empty cluster: no cluster left empty");
    is_close(result.centroids[2], 10.0, 0, "empty cluster: far centroid moved to the farthest row");
    is_close(result.centroids[1], 7.5, 0, "empty cluster: the row left its old cluster");
    amass_kmeans_result_free(&result);

    options.algorithm = AMASS_KMEANS_HAMERLY;
    ok(amass_cluster_kmeans(data, 6, 1, &options, &result, &status) == AMASS_OK && result.empty_repaired >= 1 &&
           result.sizes[2] > 0,
       "empty cluster: Hamerly repairs it too");
    amass_kmeans_result_free(&result);
}

static void test_errors(void)
{
    const float data[] = {1, 2, 3, 4, 5};
    amass_kmeans_options options;
    amass_kmeans_result result;
    amass_status status;

    amass_kmeans_options_default(&options);
    options.k = 12;
    is_int(amass_cluster_kmeans(data, 5, 1, &options, &result, &status), AMASS_ERR_USAGE, "k > n is a usage error");
    is_str(status.message, "k=12 is more than the 5 vectors to cluster", "k > n: message names both numbers");
    ok(result.labels == NULL && result.centroids == NULL, "k > n: nothing allocated");
    options.k = 0;
    is_int(amass_cluster_kmeans(data, 5, 1, &options, &result, &status), AMASS_ERR_USAGE, "k < 1 is a usage error");
    ok(strstr(status.message, "k=0") != NULL, "k < 1: message names k");
    options.k = 2;
    is_int(amass_cluster_kmeans(data, 5, 0, &options, &result, &status), AMASS_ERR_USAGE, "dim 0 is a usage error");
    options.n_init = 0;
    is_int(amass_cluster_kmeans(data, 5, 1, &options, &result, &status), AMASS_ERR_USAGE, "n_init 0 is a usage error");
    options.n_init = 1;
    options.max_iter = -1;
    is_int(amass_cluster_kmeans(data, 5, 1, &options, &result, &status), AMASS_ERR_USAGE,
           "negative max_iter is a usage error");
    amass_kmeans_result_free(&result);
}

static void test_helpers(void)
{
    float rows[] = {3, 4, 0, 0, 1, 0};
    const float column[] = {1, 2, 3, 4};
    amass_cluster_normalize_rows(rows, 3, 2);
    is_close(rows[0], 0.6, 1e-7, "normalize: 3,4 -> 0.6,0.8");
    is_close(rows[1], 0.8, 1e-7, "normalize: second component");
    ok(rows[2] == 0 && rows[3] == 0, "normalize: a zero row stays zero");
    is_close(amass_cluster_mean_variance(column, 4, 1), 1.25, 1e-12, "mean variance of 1..4 is 1.25 (numpy var)");
}

static void test_rng(void)
{
    amass_rng a, b;
    int same = 1, in_range = 1;
    uint64_t counts[3] = {0, 0, 0};
    amass_rng_seed(&a, 99);
    amass_rng_seed(&b, 99);
    for (int i = 0; i < 1000; i++)
        same &= amass_rng_next(&a) == amass_rng_next(&b);
    ok(same, "rng: same seed, same stream");
    for (int i = 0; i < 30000; i++) {
        double u = amass_rng_uniform(&a);
        uint64_t r = amass_rng_below(&a, 3);
        in_range &= u >= 0 && u < 1 && r < 3;
        counts[r < 3 ? r : 0]++;
    }
    ok(in_range, "rng: uniform in [0,1), below(3) in 0..2");
    ok(counts[0] > 9500 && counts[1] > 9500 && counts[2] > 9500, "rng: below(3) roughly even");
    is_int(amass_rng_below(&a, 0), 0, "rng: below(0) is 0");
}

int main(void)
{
    test_tiny();
    test_blobs();
    test_threads();
    test_near_ties();
    test_empty_cluster();
    test_errors();
    test_helpers();
    test_rng();
    return done_testing();
}
