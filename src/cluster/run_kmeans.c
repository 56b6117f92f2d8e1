/* amass-cluster's default run: every vector in memory as one float32
 * matrix, k-means on it, then one record per vector in input order. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

/* The vectors of a run. Names live in one buffer so that a million short
 * names cost a few MB rather than a million allocations. */
typedef struct {
    float *data;
    size_t n, capacity, dim;
    amass_buf names;
    size_t *name_ends;        /* n: end offset of each name in names */
    unsigned char *skip;      /* n: already written by an earlier run (--resume) */
} vector_table;

static void vector_table_free(vector_table *table)
{
    free(table->data);
    amass_buf_free(&table->names);
    free(table->name_ends);
    free(table->skip);
}

static int vector_table_add(vector_table *table, const amass_vector_record *record, int skip, amass_status *status)
{
    if (table->n == table->capacity) {
        /* Grow by half: large realloc()s are mremap()s in glibc, so the
         * matrix is not copied and peak memory stays near the data size. */
        size_t capacity = table->capacity < 1024 ? 1024 : table->capacity + table->capacity / 2;
        float *data = amass_realloc_array(table->data, capacity, table->dim * sizeof *data);
        size_t *ends;
        unsigned char *skips;
        if (data)
            table->data = data;
        ends = data ? amass_realloc_array(table->name_ends, capacity, sizeof *ends) : NULL;
        if (ends)
            table->name_ends = ends;
        skips = ends ? realloc(table->skip, capacity) : NULL;
        if (!skips)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory after %zu vectors of %zu dimensions", table->n,
                              table->dim);
        table->skip = skips;
        table->capacity = capacity;
    }
    memcpy(table->data + table->n * table->dim, record->values, table->dim * sizeof *table->data);
    amass_buf_append(&table->names, record->input, record->input_length);
    if (table->names.failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory storing input names");
    table->name_ends[table->n] = table->names.length;
    table->skip[table->n] = (unsigned char)skip;
    table->n++;
    return AMASS_OK;
}

static int read_all(amass_cluster_job *job, amass_vector_stream *stream, vector_table *table, amass_status *status)
{
    amass_vector_record record;
    int got;
    while ((got = amass_cluster_stream_next(stream, &record, status)) == 1) {
        int skip = job->done && amass_io_name_set_contains(job->done, record.input, record.input_length);
        table->dim = record.dim;
        if (vector_table_add(table, &record, skip, status) != AMASS_OK)
            return status->code;
        if ((table->n & 1023) == 0)
            amass_report_progress(job->reporter, "reading vectors", table->n, 0);
    }
    return got < 0 ? status->code : AMASS_OK;
}

/* 1 - cos(x, c) for a unit-length x; 1 when either vector is zero. */
static float cosine_distance(const float *x, const float *centroid, size_t dim)
{
    double dot = 0, norm = 0;
    size_t j;
    for (j = 0; j < dim; j++) {
        dot += (double)x[j] * centroid[j];
        norm += (double)centroid[j] * centroid[j];
    }
    return norm > 0 ? (float)(1.0 - dot / sqrt(norm)) : 1.0f;
}

static int write_records(amass_cluster_job *job, const vector_table *table, const amass_kmeans_result *result,
                         amass_status *status)
{
    size_t i, start = 0;
    for (i = 0; i < table->n; start = table->name_ends[i], i++) {
        float distance = result->distances[i];
        if (table->skip[i])
            continue;
        if (job->cosine)
            distance = cosine_distance(table->data + i * table->dim,
                                       result->centroids + (size_t)result->labels[i] * table->dim, table->dim);
        amass_io_record_begin(job->writer);
        amass_io_field_string(job->writer, "input", table->names.data + start, table->name_ends[i] - start);
        amass_io_field_int(job->writer, "cluster", result->labels[i]);
        amass_io_field_float(job->writer, "distance", distance);
        if (amass_io_record_end(job->writer, status) != AMASS_OK)
            return status->code;
    }
    return AMASS_OK;
}

/* Numbers clusters in the order their first vector appears in the input,
 * so that the same grouping prints the same ids whatever the seeding drew
 * first. Runs from --init keep the file's ids instead. */
static int renumber_by_first_appearance(amass_kmeans_result *result, size_t n, amass_status *status)
{
    size_t dim = result->dim, i;
    int k = result->k, next = 0, cluster;
    int *new_id = malloc((size_t)k * sizeof *new_id);
    float *centroids = amass_alloc_array((size_t)k, dim * sizeof *centroids);
    int64_t *sizes = malloc((size_t)k * sizeof *sizes);
    if (!new_id || !centroids || !sizes) {
        free(new_id);
        free(centroids);
        free(sizes);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (cluster = 0; cluster < k; cluster++)
        new_id[cluster] = -1;
    for (i = 0; i < n && next < k; i++)
        if (new_id[result->labels[i]] < 0)
            new_id[result->labels[i]] = next++;
    for (cluster = 0; cluster < k; cluster++) /* empty clusters go last */
        if (new_id[cluster] < 0)
            new_id[cluster] = next++;
    for (cluster = 0; cluster < k; cluster++) {
        memcpy(centroids + (size_t)new_id[cluster] * dim, result->centroids + (size_t)cluster * dim,
               dim * sizeof *centroids);
        sizes[new_id[cluster]] = result->sizes[cluster];
    }
    for (i = 0; i < n; i++)
        result->labels[i] = new_id[result->labels[i]];
    free(result->centroids);
    free(result->sizes);
    result->centroids = centroids;
    result->sizes = sizes;
    free(new_id);
    return AMASS_OK;
}

static int fit(amass_cluster_job *job, const vector_table *table, const float *init, amass_kmeans_result *result,
               amass_status *status)
{
    amass_kmeans_options options = job->kmeans;
    if (init)
        options.init_centroids = init;
    if (job->k == 0) {
        double *scores;
        int chosen;
        /* a silhouette needs k below n: shrink the range to fit the data */
        if ((size_t)job->k_max >= table->n)
            job->k_max = table->n > 2 ? (int)table->n - 1 : 2;
        if ((size_t)job->k_max >= table->n || job->k_min > job->k_max)
            return amass_fail(status, AMASS_ERR_FATAL, "-k %d..%d: only %zu vectors, too few to choose k", job->k_min,
                              job->k_max, table->n);
        scores = calloc((size_t)(job->k_max - job->k_min + 1), sizeof *scores);
        if (!scores)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        amass_report_progress(job->reporter, "choosing k", 0, 0);
        if (amass_cluster_choose_k(table->data, table->n, table->dim, job->k_min, job->k_max, job->sample, &options,
                                   &chosen, scores, status) != AMASS_OK) {
            free(scores);
            return status->code;
        }
        job->summary.silhouette = scores[chosen - job->k_min];
        free(scores);
        options.k = chosen;
    }
    amass_report_progress(job->reporter, "clustering", 0, 0);
    return amass_cluster_kmeans(table->data, table->n, table->dim, &options, result, status);
}

int amass_cluster_run_kmeans(amass_cluster_job *job, amass_input_list *inputs, amass_status *status)
{
    vector_table table;
    amass_kmeans_result result;
    amass_vector_stream *stream = NULL;
    float *init = NULL;
    size_t init_dim = 0;
    int init_k = 0, code;
    double started = amass_seconds_now();

    memset(&table, 0, sizeof table);
    memset(&result, 0, sizeof result);
    amass_buf_init(&table.names);
    if (job->init_path) {
        if (amass_cluster_centroids_read(job->init_path, &init, &init_k, &init_dim, status) != AMASS_OK)
            return status->code;
        if (job->k && job->k != init_k) {
            free(init);
            return amass_fail(status, AMASS_ERR_USAGE, "-k %d, but %s holds %d centroids", job->k, job->init_path,
                              init_k);
        }
        job->k = job->kmeans.k = init_k;
    }
    stream = amass_cluster_stream_open(inputs, job->field, job->shard, init_dim, job->reporter, status);
    code = stream ? read_all(job, stream, &table, status) : (int)status->code;
    amass_cluster_stream_close(stream);
    job->summary.read_seconds = amass_seconds_now() - started;
    job->summary.n = table.n;
    job->summary.dim = table.dim;
    if (code == AMASS_OK && amass_report_stop_requested(job->reporter))
        goto done; /* --fail-fast: a bad input was reported; write nothing */
    if (code == AMASS_OK && table.n == 0)
        code = amass_fail(status, AMASS_ERR_FATAL, "no vectors to cluster");
    if (code != AMASS_OK)
        goto done;
    /* --init centroids are used as they are: a later run from the
     * centroids of a cosine run must land where that run did. */
    if (job->cosine)
        amass_cluster_normalize_rows(table.data, table.n, table.dim);
    started = amass_seconds_now();
    code = fit(job, &table, init, &result, status);
    job->summary.fit_seconds = amass_seconds_now() - started;
    if (code != AMASS_OK)
        goto done;
    job->summary.k = result.k;
    job->summary.inertia = result.inertia;
    job->summary.iterations = result.iterations;
    job->summary.converged = result.converged;
    if (!init)
        code = renumber_by_first_appearance(&result, table.n, status);
    if (code == AMASS_OK)
        code = write_records(job, &table, &result, status);
    if (code == AMASS_OK && job->centroids_path)
        code = amass_cluster_centroids_save(job->centroids_path, job->gzip_centroids, job->precision,
                                            result.centroids, result.sizes, result.k, table.dim, status);
done:
    amass_kmeans_result_free(&result);
    vector_table_free(&table);
    free(init);
    return code;
}
