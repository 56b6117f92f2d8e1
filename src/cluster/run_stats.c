/* One Lloyd iteration as map and reduce, for data spread over machines:
 *   map     amass-cluster --init C --emit-stats PART   -> per-cluster sums
 *   reduce  amass-cluster --merge-stats STATS...       -> new centroids
 * The mapper keeps one block of rows in memory; the reducer only sums. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cluster.h"

#define MAP_BLOCK 4096

int amass_cluster_run_emit_stats(amass_cluster_job *job, amass_input_list *inputs, amass_status *status)
{
    amass_cluster_stats stats;
    amass_vector_stream *stream = NULL;
    amass_vector_record record;
    float *init = NULL, *block = NULL;
    size_t dim = 0, in_block = 0;
    int k = 0, got = 0, code;
    double started = amass_seconds_now();

    memset(&stats, 0, sizeof stats);
    if (!job->init_path)
        return amass_fail(status, AMASS_ERR_USAGE, "--emit-stats needs --init FILE, the centroids to assign to");
    code = amass_cluster_centroids_read(job->init_path, &init, &k, &dim, status);
    if (code == AMASS_OK && job->k && job->k != k)
        code = amass_fail(status, AMASS_ERR_USAGE, "-k %d, but %s holds %d centroids", job->k, job->init_path, k);
    if (code == AMASS_OK)
        code = amass_cluster_stats_init(&stats, k, dim, init, status);
    if (code == AMASS_OK && !(block = amass_alloc_array(MAP_BLOCK, dim * sizeof *block)))
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK && !(stream = amass_cluster_stream_open(inputs, job->field, job->shard, dim, job->reporter,
                                                                 status)))
        code = status->code;
    while (code == AMASS_OK && (got = amass_cluster_stream_next(stream, &record, status)) >= 0) {
        if (got == 1) {
            memcpy(block + in_block * dim, record.values, dim * sizeof *block);
            if (job->cosine)
                amass_cluster_normalize_rows(block + in_block * dim, 1, dim);
            in_block++;
            job->summary.n++;
        }
        if (in_block == MAP_BLOCK || (got == 0 && in_block > 0)) {
            code = amass_cluster_stats_accumulate(&stats, block, in_block, status);
            in_block = 0;
            amass_report_progress(job->reporter, "assigning vectors", job->summary.n, 0);
        }
        if (got == 0)
            break;
    }
    if (code == AMASS_OK && got < 0)
        code = status->code;
    job->summary.dim = dim;
    job->summary.k = k;
    job->summary.fit_seconds = amass_seconds_now() - started;
    if (code == AMASS_OK && !amass_report_stop_requested(job->reporter)) {
        int cluster;
        for (cluster = 0; cluster < k; cluster++)
            job->summary.inertia += stats.sse[cluster];
        code = amass_cluster_stats_write(job->writer, &stats, status);
    }
    amass_cluster_stream_close(stream);
    amass_cluster_stats_free(&stats);
    free(block);
    free(init);
    return code;
}

int amass_cluster_run_merge_stats(amass_cluster_job *job, amass_input_list *inputs, amass_status *status)
{
    amass_cluster_stats stats;
    const char *name;
    float *centroids = NULL;
    int got, code = AMASS_OK, cluster;
    double started = amass_seconds_now();

    memset(&stats, 0, sizeof stats);
    /* Every stats file is needed for a right answer, so the first bad one
     * ends the run (exit 2) instead of being skipped. */
    while (code == AMASS_OK && (got = amass_io_inputs_next(inputs, &name, status)) != 0) {
        if (got < 0)
            code = status->code = AMASS_ERR_FATAL;
        else
            code = amass_cluster_stats_read(name, &stats, status);
    }
    if (code == AMASS_OK && stats.k == 0)
        code = amass_fail(status, AMASS_ERR_FATAL, "no stats to merge");
    if (code == AMASS_OK && !(centroids = amass_alloc_array((size_t)stats.k, stats.dim * sizeof *centroids)))
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK)
        code = amass_cluster_stats_update(&stats, job->kmeans.tol, centroids, &job->summary.shift,
                                          &job->summary.converged, status);
    if (code == AMASS_OK) {
        job->summary.k = stats.k;
        job->summary.dim = stats.dim;
        job->summary.iterations = 1;
        for (cluster = 0; cluster < stats.k; cluster++) {
            job->summary.n += (size_t)stats.counts[cluster];
            job->summary.inertia += stats.sse[cluster];
        }
        job->summary.fit_seconds = amass_seconds_now() - started;
        code = amass_cluster_centroids_write(job->writer, centroids, stats.counts, stats.k, stats.dim, status);
    }
    if (code == AMASS_OK && job->centroids_path)
        code = amass_cluster_centroids_save(job->centroids_path, job->gzip_centroids, job->precision, centroids,
                                            stats.counts, stats.k, stats.dim, status);
    amass_cluster_stats_free(&stats);
    free(centroids);
    return code;
}
