/* Centroid and stats files: what --centroids and --emit-stats write and
 * --init and --merge-stats read back. Read strictly: these files steer a
 * whole run, so any defect stops it rather than bending the result. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

/* A JSON array of finite numbers into out[dim]; dim fixed by the caller. */
static int read_number_array(json_t *array, double *out, size_t dim, const char *where, const char *name,
                             amass_status *status)
{
    size_t i;
    if (!json_is_array(array))
        return amass_fail(status, AMASS_ERR_FATAL, "%s: \"%s\" is missing or not an array", where, name);
    if (json_array_size(array) != dim)
        return amass_fail(status, AMASS_ERR_FATAL, "%s: \"%s\" has %zu numbers, expected %zu", where, name,
                          json_array_size(array), dim);
    for (i = 0; i < dim; i++) {
        json_t *value = json_array_get(array, i);
        if (!json_is_number(value) || !isfinite(json_number_value(value)))
            return amass_fail(status, AMASS_ERR_FATAL, "%s: \"%s\" value %zu is not a finite number", where, name,
                              i + 1);
        out[i] = json_number_value(value);
    }
    return AMASS_OK;
}

static int read_count(json_t *object, const char *name, double *out, int must_be_integer, const char *where,
                      amass_status *status)
{
    json_t *value = json_object_get(object, name);
    double number;
    if (!json_is_number(value))
        return amass_fail(status, AMASS_ERR_FATAL, "%s: \"%s\" is missing or not a number", where, name);
    number = json_number_value(value);
    if (!isfinite(number) || number < 0 || (must_be_integer && (!json_is_integer(value) || number > 9.0e15)))
        return amass_fail(status, AMASS_ERR_FATAL, "%s: \"%s\" must be a %s", where, name,
                          must_be_integer ? "whole number >= 0" : "finite number >= 0");
    *out = number;
    return AMASS_OK;
}

/* Each line an object with a "cluster" id; calls back with it. Blank
 * lines are skipped. */
typedef int (*record_fn)(void *context, json_t *record, long cluster, const char *where, amass_status *status);

static int read_records(const char *path, record_fn on_record, void *context, amass_status *status)
{
    amass_line_reader *lines = amass_io_lines_open(path, status);
    char *line;
    size_t length;
    int got = 0, result = AMASS_OK;
    if (!lines)
        return status->code = AMASS_ERR_FATAL;
    while (result == AMASS_OK && (got = amass_io_lines_next(lines, &line, &length, status)) == 1) {
        char where[512];
        json_error_t error;
        json_t *record, *cluster;
        if (strspn(line, " \t\r") == length)
            continue;
        snprintf(where, sizeof where, "%s:%ld", path, amass_io_lines_number(lines));
        record = json_loadb(line, length, JSON_REJECT_DUPLICATES, &error);
        if (!record) {
            result = amass_fail(status, AMASS_ERR_FATAL, "%s: not a JSON record: %s", where, error.text);
            break;
        }
        cluster = json_object_get(record, "cluster");
        if (!json_is_object(record))
            result = amass_fail(status, AMASS_ERR_FATAL, "%s: not a JSON object", where);
        else if (!json_is_integer(cluster) || json_integer_value(cluster) < 0 ||
                 json_integer_value(cluster) > 1000000)
            result = amass_fail(status, AMASS_ERR_FATAL, "%s: \"cluster\" must be a whole number from 0", where);
        else
            result = on_record(context, record, (long)json_integer_value(cluster), where, status);
        json_decref(record);
    }
    if (result == AMASS_OK && got < 0)
        result = status->code = AMASS_ERR_FATAL;
    amass_io_lines_close(lines);
    return result;
}

/* ---- centroids ------------------------------------------------------ */

typedef struct {
    double *values;      /* grows with the highest cluster id seen */
    unsigned char *seen;
    long capacity;       /* clusters allocated */
    long k;              /* highest id + 1 */
    size_t dim;
} centroid_table;

static int grow_table(centroid_table *table, long cluster, amass_status *status)
{
    long capacity = table->capacity ? table->capacity : 16;
    double *values;
    unsigned char *seen;
    while (capacity <= cluster)
        capacity *= 2;
    if (capacity == table->capacity)
        return AMASS_OK;
    values = amass_realloc_array(table->values, (size_t)capacity, table->dim * sizeof *values);
    if (values)
        table->values = values;
    seen = values ? realloc(table->seen, (size_t)capacity) : NULL;
    if (!values || !seen)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory reading centroids");
    memset(seen + table->capacity, 0, (size_t)(capacity - table->capacity));
    table->seen = seen;
    table->capacity = capacity;
    return AMASS_OK;
}

static int on_centroid(void *context, json_t *record, long cluster, const char *where, amass_status *status)
{
    centroid_table *table = context;
    json_t *centroid = json_object_get(record, "centroid");
    if (!json_is_array(centroid) || json_array_size(centroid) == 0)
        return amass_fail(status, AMASS_ERR_FATAL, "%s: \"centroid\" is missing or not a non-empty array", where);
    if (table->dim == 0)
        table->dim = json_array_size(centroid);
    if (grow_table(table, cluster, status) != AMASS_OK)
        return status->code;
    if (table->seen[cluster])
        return amass_fail(status, AMASS_ERR_FATAL, "%s: cluster %ld appears twice", where, cluster);
    table->seen[cluster] = 1;
    if (cluster + 1 > table->k)
        table->k = cluster + 1;
    return read_number_array(centroid, table->values + (size_t)cluster * table->dim, table->dim, where, "centroid",
                             status);
}

int amass_cluster_centroids_read(const char *path, float **centroids, int *k, size_t *dim, amass_status *status)
{
    centroid_table table;
    size_t i;
    long cluster;
    memset(&table, 0, sizeof table);
    if (read_records(path, on_centroid, &table, status) != AMASS_OK)
        goto fail;
    if (table.k == 0) {
        amass_fail(status, AMASS_ERR_FATAL, "%s: no centroids in the file", path);
        goto fail;
    }
    for (cluster = 0; cluster < table.k; cluster++)
        if (!table.seen[cluster]) {
            amass_fail(status, AMASS_ERR_FATAL, "%s: cluster %ld is missing (clusters go from 0 to %ld)", path,
                       cluster, table.k - 1);
            goto fail;
        }
    *centroids = amass_alloc_array((size_t)table.k * table.dim, sizeof **centroids);
    if (!*centroids) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory reading centroids");
        goto fail;
    }
    for (i = 0; i < (size_t)table.k * table.dim; i++) {
        (*centroids)[i] = (float)table.values[i];
        if (!isfinite((*centroids)[i])) {
            free(*centroids);
            *centroids = NULL;
            amass_fail(status, AMASS_ERR_FATAL, "%s: cluster %zu has a value too large for float", path,
                       i / table.dim);
            goto fail;
        }
    }
    *k = (int)table.k;
    *dim = table.dim;
    free(table.values);
    free(table.seen);
    return AMASS_OK;
fail:
    free(table.values);
    free(table.seen);
    return status->code;
}

int amass_cluster_centroids_write(amass_record_writer *writer, const float *centroids, const int64_t *sizes, int k,
                                  size_t dim, amass_status *status)
{
    int cluster;
    for (cluster = 0; cluster < k; cluster++) {
        amass_io_record_begin(writer);
        amass_io_field_int(writer, "cluster", cluster);
        amass_io_field_int(writer, "size", sizes ? sizes[cluster] : 0);
        amass_io_field_floats(writer, "centroid", centroids + (size_t)cluster * dim, dim);
        if (amass_io_record_end(writer, status) != AMASS_OK)
            return status->code;
    }
    return AMASS_OK;
}

int amass_cluster_centroids_save(const char *path, int gzip, int precision, const float *centroids,
                                 const int64_t *sizes, int k, size_t dim, amass_status *status)
{
    amass_output *out = amass_io_output_open(path, gzip, status);
    amass_record_writer *writer;
    int result;
    if (!out)
        return status->code;
    writer = amass_io_writer_new(out, AMASS_FORMAT_NDJSON, 0, precision);
    if (!writer) {
        amass_io_output_close(out, status);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    result = amass_cluster_centroids_write(writer, centroids, sizes, k, dim, status);
    amass_io_writer_free(writer);
    if (amass_io_output_close(out, result == AMASS_OK ? status : NULL) != AMASS_OK && result == AMASS_OK)
        result = status->code ? status->code : AMASS_ERR_IO;
    return result;
}

/* ---- stats ---------------------------------------------------------- */

int amass_cluster_stats_write(amass_record_writer *writer, const amass_cluster_stats *stats, amass_status *status)
{
    int cluster;
    for (cluster = 0; cluster < stats->k; cluster++) {
        amass_io_record_begin(writer);
        amass_io_field_int(writer, "cluster", cluster);
        amass_io_field_int(writer, "count", stats->counts[cluster]);
        amass_io_field_double(writer, "sse", stats->sse[cluster]);
        amass_io_field_double(writer, "sum_squares", stats->sum_squares[cluster]);
        amass_io_field_floats(writer, "centroid", stats->centroids + (size_t)cluster * stats->dim, stats->dim);
        amass_io_field_doubles(writer, "sum", stats->sums + (size_t)cluster * stats->dim, stats->dim);
        if (amass_io_record_end(writer, status) != AMASS_OK)
            return status->code;
    }
    return AMASS_OK;
}

/* One stats file is read whole into its own stats, then merged, so that
 * mismatched centroids are caught before anything is added. */
typedef struct {
    centroid_table centroids;
    double *sums;
    double *counts, *sse, *sum_squares;
    long capacity;
} stats_table;

static int on_stats(void *context, json_t *record, long cluster, const char *where, amass_status *status)
{
    stats_table *table = context;
    long old_capacity = table->centroids.capacity;
    if (on_centroid(&table->centroids, record, cluster, where, status) != AMASS_OK)
        return status->code;
    if (table->centroids.capacity != old_capacity) {
        long capacity = table->centroids.capacity;
        double *sums = amass_realloc_array(table->sums, (size_t)capacity, table->centroids.dim * sizeof *sums);
        double *counts, *sse, *sum_squares;
        if (sums)
            table->sums = sums;
        counts = sums ? amass_realloc_array(table->counts, (size_t)capacity, sizeof *counts) : NULL;
        if (counts)
            table->counts = counts;
        sse = counts ? amass_realloc_array(table->sse, (size_t)capacity, sizeof *sse) : NULL;
        if (sse)
            table->sse = sse;
        sum_squares = sse ? amass_realloc_array(table->sum_squares, (size_t)capacity, sizeof *sum_squares) : NULL;
        if (sum_squares)
            table->sum_squares = sum_squares;
        if (!sum_squares)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory reading stats");
    }
    if (read_count(record, "count", &table->counts[cluster], 1, where, status) != AMASS_OK ||
        read_count(record, "sse", &table->sse[cluster], 0, where, status) != AMASS_OK ||
        read_count(record, "sum_squares", &table->sum_squares[cluster], 0, where, status) != AMASS_OK)
        return status->code;
    return read_number_array(json_object_get(record, "sum"), table->sums + (size_t)cluster * table->centroids.dim,
                             table->centroids.dim, where, "sum", status);
}

static void stats_table_free(stats_table *table)
{
    free(table->centroids.values);
    free(table->centroids.seen);
    free(table->sums);
    free(table->counts);
    free(table->sse);
    free(table->sum_squares);
}

int amass_cluster_stats_read(const char *path, amass_cluster_stats *stats, amass_status *status)
{
    stats_table table;
    amass_cluster_stats file_stats;
    float *centroids = NULL;
    long cluster;
    size_t i, dim;
    int result = AMASS_OK;

    memset(&table, 0, sizeof table);
    memset(&file_stats, 0, sizeof file_stats);
    if (read_records(path, on_stats, &table, status) != AMASS_OK) {
        stats_table_free(&table);
        return status->code;
    }
    dim = table.centroids.dim;
    if (table.centroids.k == 0)
        result = amass_fail(status, AMASS_ERR_FATAL, "%s: no stats in the file", path);
    for (cluster = 0; result == AMASS_OK && cluster < table.centroids.k; cluster++)
        if (!table.centroids.seen[cluster])
            result = amass_fail(status, AMASS_ERR_FATAL, "%s: cluster %ld is missing", path, cluster);
    if (result == AMASS_OK && stats->k != 0 && (stats->k != table.centroids.k || stats->dim != dim))
        result = amass_fail(status, AMASS_ERR_FATAL, "%s: %ld clusters of %zu dimensions, but earlier stats have %d of %zu",
                            path, table.centroids.k, dim, stats->k, stats->dim);
    if (result == AMASS_OK) {
        centroids = amass_alloc_array((size_t)table.centroids.k * dim, sizeof *centroids);
        if (!centroids)
            result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory reading stats");
    }
    for (i = 0; result == AMASS_OK && i < (size_t)table.centroids.k * dim; i++)
        centroids[i] = (float)table.centroids.values[i];
    if (result == AMASS_OK && stats->k != 0 &&
        memcmp(centroids, stats->centroids, (size_t)stats->k * dim * sizeof *centroids) != 0)
        result = amass_fail(status, AMASS_ERR_FATAL,
                            "%s: its centroids differ from those of the earlier stats (made from another --init?)", path);
    if (result == AMASS_OK && stats->k == 0)
        result = amass_cluster_stats_init(stats, (int)table.centroids.k, dim, centroids, status);
    if (result == AMASS_OK)
        result = amass_cluster_stats_init(&file_stats, (int)table.centroids.k, dim, centroids, status);
    if (result == AMASS_OK) {
        for (cluster = 0; cluster < table.centroids.k; cluster++) {
            file_stats.counts[cluster] = (int64_t)table.counts[cluster];
            file_stats.sse[cluster] = table.sse[cluster];
            file_stats.sum_squares[cluster] = table.sum_squares[cluster];
        }
        memcpy(file_stats.sums, table.sums, (size_t)table.centroids.k * dim * sizeof *table.sums);
        result = amass_cluster_stats_merge(stats, &file_stats, status);
    }
    amass_cluster_stats_free(&file_stats);
    free(centroids);
    stats_table_free(&table);
    return result;
}
