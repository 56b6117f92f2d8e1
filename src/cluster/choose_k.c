/* Choosing k: k-means for each candidate k on one sample of the rows, and
 * the k whose labelling has the highest mean silhouette. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Keeps the sample's stream apart from the streams k-means draws from the
 * same seed. */
#define SAMPLE_STREAM UINT64_C(0x5851F42D4C957F2D)

int amass_cluster_choose_k(const float *data, size_t n, size_t dim, int k_min, int k_max, size_t sample,
                           const amass_kmeans_options *options, int *chosen_k, double *scores,
                           amass_status *status)
{
    size_t m = sample < n ? sample : n;
    size_t *rows = NULL;
    float *sample_data = NULL;
    const float *rows_data = data;
    amass_kmeans_options run;
    amass_rng rng;
    double best = -INFINITY;
    int code = AMASS_OK;

    if (k_min < 2)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d..%d: the silhouette needs at least 2 clusters", k_min,
                          k_max);
    if (k_max < k_min)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d..%d: the range is empty", k_min, k_max);
    if (dim == 0 || m == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "no vectors to choose k on");
    if ((size_t)k_max >= m)
        return amass_fail(status, AMASS_ERR_USAGE, "k=%d is too many for the %zu vectors sampled to choose k", k_max,
                          m);
    if (m < n) {
        rows = amass_alloc_array(m, sizeof *rows);
        sample_data = amass_alloc_array(m * dim, sizeof *sample_data);
        if (!rows || !sample_data) {
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a sample of %zu vectors", m);
            goto done;
        }
        amass_rng_seed(&rng, options->seed ^ SAMPLE_STREAM);
        amass_cluster_sample_rows(n, m, &rng, rows);
        for (size_t i = 0; i < m; i++)
            memcpy(sample_data + i * dim, data + rows[i] * dim, dim * sizeof *sample_data);
        rows_data = sample_data;
    }
    run = *options;
    run.init_centroids = NULL;
    *chosen_k = k_min;
    for (int k = k_min; k <= k_max; k++) {
        amass_kmeans_result result;
        double score;
        run.k = k;
        if ((code = amass_cluster_kmeans(rows_data, m, dim, &run, &result, status)) != AMASS_OK)
            goto done;
        score = amass_cluster_silhouette_all(rows_data, m, dim, result.labels, k, status);
        amass_kmeans_result_free(&result);
        if (isnan(score) && status->code != AMASS_ERR_USAGE) {
            code = status->code;
            goto done;
        }
        if (isnan(score)) {
            /* Identical rows can leave fewer clusters than k: score that
             * k as no structure rather than failing the whole choice. */
            score = -1;
            amass_status_clear(status);
        }
        if (scores)
            scores[k - k_min] = score;
        /* The smaller k wins a tie. */
        if (score > best) {
            best = score;
            *chosen_k = k;
        }
    }
done:
    free(rows);
    free(sample_data);
    return code;
}
