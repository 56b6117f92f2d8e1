/* amass-cluster --mini-batch: k-means for inputs larger than memory.
 * Vectors stream once from the inputs into a spool file (stdin cannot be
 * read twice), mini-batches are drawn from the spool at random, and a last
 * sequential pass writes the records. Memory holds one batch, a seeding
 * sample and the centroids, whatever the input size. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"

#define ASSIGN_BLOCK 4096
/* scikit-learn's MiniBatchKMeans stops when the smoothed batch inertia has
 * not improved for this many steps (max_no_improvement). */
#define MAX_NO_IMPROVEMENT 10

typedef struct {
    FILE *vectors;      /* n x dim float32 */
    FILE *names;        /* per row: uint32 length, bytes, one skip byte */
    size_t n, dim;
    float *sample;      /* reservoir for k-means++ seeding */
    float *row;         /* the record being spooled, unit length for cosine */
    size_t sample_size, sample_capacity;
} spool;

static void spool_close(spool *s)
{
    if (s->vectors)
        fclose(s->vectors);
    if (s->names)
        fclose(s->names);
    free(s->sample);
    free(s->row);
}

static int spool_fill(amass_cluster_job *job, amass_vector_stream *stream, spool *s, amass_rng *rng,
                      amass_status *status)
{
    amass_vector_record record;
    int got;
    s->vectors = tmpfile();
    s->names = tmpfile();
    if (!s->vectors || !s->names)
        return amass_fail(status, AMASS_ERR_IO, "cannot create a spool file in $TMPDIR: %s", strerror(errno));
    while ((got = amass_cluster_stream_next(stream, &record, status)) == 1) {
        uint32_t length = record.input_length > UINT32_MAX ? UINT32_MAX : (uint32_t)record.input_length;
        unsigned char skip = job->done && amass_io_name_set_contains(job->done, record.input, record.input_length);
        float *row;
        if (s->n == 0) {
            s->dim = record.dim;
            s->sample = amass_alloc_array(s->sample_capacity, s->dim * sizeof *s->sample);
            s->row = amass_alloc_array(s->dim, sizeof *s->row);
            if (!s->sample || !s->row)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the seeding sample");
        }
        /* Reservoir sampling (Vitter's algorithm R) keeps a uniform sample
         * of everything seen, so sorted inputs still seed well. */
        row = NULL;
        if (s->sample_size < s->sample_capacity)
            row = s->sample + s->sample_size++ * s->dim;
        else {
            uint64_t slot = amass_rng_below(rng, s->n + 1);
            if (slot < s->sample_capacity)
                row = s->sample + slot * s->dim;
        }
        memcpy(s->row, record.values, s->dim * sizeof *s->row);
        if (job->cosine)
            amass_cluster_normalize_rows(s->row, 1, s->dim);
        if (row)
            memcpy(row, s->row, s->dim * sizeof *row);
        if (fwrite(s->row, sizeof(float), s->dim, s->vectors) != s->dim ||
            fwrite(&length, sizeof length, 1, s->names) != 1 ||
            fwrite(record.input, 1, length, s->names) != length || fwrite(&skip, 1, 1, s->names) != 1)
            return amass_fail(status, AMASS_ERR_IO, "writing the spool file: %s", strerror(errno));
        s->n++;
        if ((s->n & 4095) == 0)
            amass_report_progress(job->reporter, "reading vectors", s->n, 0);
    }
    if (got < 0)
        return status->code;
    if (fflush(s->vectors) != 0 || fflush(s->names) != 0)
        return amass_fail(status, AMASS_ERR_IO, "writing the spool file: %s", strerror(errno));
    return AMASS_OK;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads rows rows[0..count) of the spool into out, in sorted order. */
static int read_rows(const spool *s, size_t *rows, size_t count, float *out, amass_status *status)
{
    size_t i, row_bytes = s->dim * sizeof(float);
    int fd = fileno(s->vectors);
    qsort(rows, count, sizeof *rows, compare_size);
    for (i = 0; i < count; i++) {
        ssize_t got = pread(fd, out + i * s->dim, row_bytes, (off_t)(rows[i] * row_bytes));
        if (got != (ssize_t)row_bytes)
            return amass_fail(status, AMASS_ERR_IO, "reading the spool file: %s",
                              got < 0 ? strerror(errno) : "short read");
    }
    return AMASS_OK;
}

static int train(amass_cluster_job *job, const spool *s, amass_minibatch *mb, amass_rng *rng, amass_status *status)
{
    size_t batch = job->mini_batch < s->n ? job->mini_batch : s->n;
    size_t steps_per_epoch = (s->n + batch - 1) / batch, step, total_steps;
    size_t *rows = amass_alloc_array(batch, sizeof *rows);
    float *data = amass_alloc_array(batch, s->dim * sizeof *data);
    double ewa = 0, ewa_min = INFINITY, alpha = 2.0 * (double)batch / ((double)s->n + 1);
    int no_improvement = 0, code = AMASS_OK;
    if (!rows || !data) {
        free(rows);
        free(data);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a batch of %zu rows", batch);
    }
    if (alpha > 1)
        alpha = 1;
    total_steps = (size_t)job->kmeans.max_iter * steps_per_epoch;
    job->summary.converged = 0;
    for (step = 0; step < total_steps; step++) {
        double batch_inertia;
        size_t i;
        for (i = 0; i < batch; i++)
            rows[i] = (size_t)amass_rng_below(rng, s->n);
        code = read_rows(s, rows, batch, data, status);
        if (code == AMASS_OK)
            code = amass_cluster_minibatch_step(mb, data, batch, &batch_inertia, status);
        if (code != AMASS_OK)
            break;
        batch_inertia /= (double)batch;
        ewa = step == 0 ? batch_inertia : ewa * (1 - alpha) + batch_inertia * alpha;
        if (ewa < ewa_min) {
            ewa_min = ewa;
            no_improvement = 0;
        } else if (++no_improvement >= MAX_NO_IMPROVEMENT) {
            job->summary.converged = 1;
            step++;
            break;
        }
        amass_report_progress(job->reporter, "mini-batch steps", step + 1, total_steps);
    }
    job->summary.iterations = (int)((step + steps_per_epoch - 1) / steps_per_epoch);
    free(rows);
    free(data);
    return code;
}

static int read_name(FILE *names, amass_buf *name, int *skip, amass_status *status)
{
    uint32_t length;
    unsigned char skip_byte;
    amass_buf_reset(name);
    if (fread(&length, sizeof length, 1, names) != 1 || amass_buf_reserve(name, length) != 0 ||
        fread(name->data, 1, length, names) != length || fread(&skip_byte, 1, 1, names) != 1)
        return amass_fail(status, AMASS_ERR_IO, "reading the spool file back failed");
    name->length = length;
    *skip = skip_byte;
    return AMASS_OK;
}

/* Numbers the clusters in the order their first vector appears, as the
 * in-memory run does; this costs one assignment pass over the spool. */
static int order_by_first_appearance(amass_cluster_job *job, const spool *s, float *centroids, amass_status *status)
{
    size_t dim = s->dim, done = 0, i;
    int k = job->k, next = 0, cluster, code = AMASS_OK;
    float *block = amass_alloc_array(ASSIGN_BLOCK, dim * sizeof *block);
    float *distances = amass_alloc_array(ASSIGN_BLOCK, sizeof *distances);
    int32_t *labels = amass_alloc_array(ASSIGN_BLOCK, sizeof *labels);
    int *new_id = amass_alloc_array((size_t)k, sizeof *new_id);
    float *ordered = amass_alloc_array((size_t)k, dim * sizeof *ordered);
    if (!block || !distances || !labels || !new_id || !ordered)
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK && fseeko(s->vectors, 0, SEEK_SET) != 0)
        code = amass_fail(status, AMASS_ERR_IO, "rewinding the spool file: %s", strerror(errno));
    for (cluster = 0; code == AMASS_OK && cluster < k; cluster++)
        new_id[cluster] = -1;
    while (code == AMASS_OK && done < s->n && next < k) {
        size_t count = s->n - done < ASSIGN_BLOCK ? s->n - done : ASSIGN_BLOCK;
        if (fread(block, sizeof(float) * dim, count, s->vectors) != count) {
            code = amass_fail(status, AMASS_ERR_IO, "reading the spool file back failed");
            break;
        }
        code = amass_cluster_assign(block, count, dim, centroids, k, labels, distances, status);
        for (i = 0; code == AMASS_OK && i < count; i++)
            if (new_id[labels[i]] < 0)
                new_id[labels[i]] = next++;
        done += count;
    }
    if (code == AMASS_OK) {
        for (cluster = 0; cluster < k; cluster++)
            if (new_id[cluster] < 0)
                new_id[cluster] = next++;
        for (cluster = 0; cluster < k; cluster++)
            memcpy(ordered + (size_t)new_id[cluster] * dim, centroids + (size_t)cluster * dim, dim * sizeof *ordered);
        memcpy(centroids, ordered, (size_t)k * dim * sizeof *centroids);
    }
    free(block);
    free(distances);
    free(labels);
    free(new_id);
    free(ordered);
    return code;
}

/* Sequential pass: nearest centroid of every row, records in input order. */
static int assign_and_write(amass_cluster_job *job, const spool *s, const float *centroids, int64_t *sizes,
                            amass_status *status)
{
    float *block = amass_alloc_array(ASSIGN_BLOCK, s->dim * sizeof *block);
    float *distances = amass_alloc_array(ASSIGN_BLOCK, sizeof *distances);
    int32_t *labels = amass_alloc_array(ASSIGN_BLOCK, sizeof *labels);
    amass_buf name;
    size_t done = 0;
    int code = AMASS_OK;
    amass_buf_init(&name);
    job->summary.inertia = 0;
    if (!block || !distances || !labels)
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK && (fseeko(s->vectors, 0, SEEK_SET) != 0 || fseeko(s->names, 0, SEEK_SET) != 0))
        code = amass_fail(status, AMASS_ERR_IO, "rewinding the spool file: %s", strerror(errno));
    while (code == AMASS_OK && done < s->n) {
        size_t count = s->n - done < ASSIGN_BLOCK ? s->n - done : ASSIGN_BLOCK, i;
        if (fread(block, sizeof(float) * s->dim, count, s->vectors) != count) {
            code = amass_fail(status, AMASS_ERR_IO, "reading the spool file back failed");
            break;
        }
        code = amass_cluster_assign(block, count, s->dim, centroids, job->summary.k, labels, distances, status);
        for (i = 0; code == AMASS_OK && i < count; i++) {
            int skip = 0;
            float distance = distances[i];
            job->summary.inertia += (double)distance * distance;
            sizes[labels[i]]++;
            code = read_name(s->names, &name, &skip, status);
            if (code != AMASS_OK || skip)
                continue;
            if (job->cosine) {
                /* rows are unit length: |x - c|^2 = 1 - 2 x.c + |c|^2 */
                const float *c = centroids + (size_t)labels[i] * s->dim;
                double norm = 0;
                size_t j;
                for (j = 0; j < s->dim; j++)
                    norm += (double)c[j] * c[j];
                distance = norm > 0 ? (float)(1.0 - (1.0 + norm - (double)distance * distance) / 2 / sqrt(norm))
                                    : 1.0f;
            }
            amass_io_record_begin(job->writer);
            amass_io_field_string(job->writer, "input", name.data, name.length);
            amass_io_field_int(job->writer, "cluster", labels[i]);
            amass_io_field_float(job->writer, "distance", distance);
            code = amass_io_record_end(job->writer, status);
        }
        done += count;
        amass_report_progress(job->reporter, "writing records", done, s->n);
    }
    amass_buf_free(&name);
    free(block);
    free(distances);
    free(labels);
    return code;
}

int amass_cluster_run_minibatch(amass_cluster_job *job, amass_input_list *inputs, amass_status *status)
{
    spool s;
    amass_rng rng;
    amass_minibatch *mb = NULL;
    amass_vector_stream *stream;
    int64_t *sizes = NULL;
    float *centroids = NULL;
    int code;
    double started = amass_seconds_now();

    if (job->k == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "--mini-batch needs a fixed -k");
    memset(&s, 0, sizeof s);
    amass_rng_seed(&rng, job->kmeans.seed);
    /* scikit-learn seeds on init_size = 3 * batch_size rows, at least 3k. */
    s.sample_capacity = 3 * job->mini_batch > 3 * (size_t)job->k ? 3 * job->mini_batch : 3 * (size_t)job->k;
    stream = amass_cluster_stream_open(inputs, job->field, job->shard, 0, job->reporter, status);
    code = stream ? spool_fill(job, stream, &s, &rng, status) : (int)status->code;
    amass_cluster_stream_close(stream);
    job->summary.read_seconds = amass_seconds_now() - started;
    job->summary.n = s.n;
    job->summary.dim = s.dim;
    job->summary.k = job->k;
    if (code == AMASS_OK && amass_report_stop_requested(job->reporter))
        goto done;
    if (code == AMASS_OK && s.n == 0)
        code = amass_fail(status, AMASS_ERR_FATAL, "no vectors to cluster");
    if (code == AMASS_OK && (size_t)job->k > s.n)
        code = amass_fail(status, AMASS_ERR_FATAL, "k=%d is more than the %zu vectors to cluster", job->k, s.n);
    if (code != AMASS_OK)
        goto done;
    started = amass_seconds_now();
    mb = amass_cluster_minibatch_new(job->k, s.dim, job->kmeans.seed, status);
    code = mb ? amass_cluster_minibatch_seed(mb, s.sample, s.sample_size, status) : (int)status->code;
    if (code == AMASS_OK)
        code = train(job, &s, mb, &rng, status);
    job->summary.fit_seconds = amass_seconds_now() - started;
    sizes = code == AMASS_OK ? calloc((size_t)job->k, sizeof *sizes) : NULL;
    if (code == AMASS_OK && !sizes)
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK && !(centroids = amass_alloc_array((size_t)job->k, s.dim * sizeof *centroids)))
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (code == AMASS_OK) {
        memcpy(centroids, amass_cluster_minibatch_centroids(mb), (size_t)job->k * s.dim * sizeof *centroids);
        code = order_by_first_appearance(job, &s, centroids, status);
    }
    if (code == AMASS_OK)
        code = assign_and_write(job, &s, centroids, sizes, status);
    if (code == AMASS_OK && job->centroids_path)
        code = amass_cluster_centroids_save(job->centroids_path, job->gzip_centroids, job->precision, centroids,
                                            sizes, job->k, s.dim, status);
done:
    free(centroids);
    free(sizes);
    amass_cluster_minibatch_free(mb);
    spool_close(&s);
    return code;
}
