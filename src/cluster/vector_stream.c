/* Vector records from all the inputs of a run, checked for one dimension
 * and filtered by shard, with every bad file or record reported and
 * skipped. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"

struct amass_vector_stream {
    amass_input_list *inputs;
    const char *field;
    const amass_shard *shard;
    const amass_reporter *reporter;
    amass_vector_reader *reader;
    char *path;             /* the input being read */
    size_t dim;
    char dim_origin[256];   /* where the dimension was fixed, for messages */
    int ended;
};

amass_vector_stream *amass_cluster_stream_open(amass_input_list *inputs, const char *field, const amass_shard *shard,
                                               size_t expected_dim, const amass_reporter *reporter,
                                               amass_status *status)
{
    amass_vector_stream *stream = calloc(1, sizeof *stream);
    if (!stream) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    stream->inputs = inputs;
    stream->field = field;
    stream->shard = shard;
    stream->reporter = reporter;
    stream->dim = expected_dim;
    if (expected_dim)
        snprintf(stream->dim_origin, sizeof stream->dim_origin, "each --init centroid");
    return stream;
}

size_t amass_cluster_stream_dim(const amass_vector_stream *stream)
{
    return stream->dim;
}

/* Opens the next input; 1 when one is open, 0 at the end, -1 fatal. */
static int open_next_input(amass_vector_stream *stream, amass_status *status)
{
    for (;;) {
        const char *name;
        amass_status item_status;
        int got;
        if (amass_report_stop_requested(stream->reporter))
            return 0;
        amass_status_clear(&item_status);
        got = amass_io_inputs_next(stream->inputs, &name, &item_status);
        if (got == 0)
            return 0;
        if (got == -2) {
            *status = item_status;
            return -1;
        }
        if (got == -1) {
            amass_report_failure(stream->reporter, "", 0, item_status.message);
            continue;
        }
        stream->reader = amass_io_vectors_open(name, stream->field, &item_status);
        if (stream->reader) {
            free(stream->path);
            stream->path = strdup(name);
            if (stream->path)
                return 1;
            amass_io_vectors_close(stream->reader);
            stream->reader = NULL;
            amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            return -1;
        }
        if (item_status.code == AMASS_ERR_NOMEM) {
            *status = item_status;
            return -1;
        }
        amass_report_failure(stream->reporter, name, strlen(name), item_status.message);
    }
}

/* The reader's message starts "path:line: "; the --errors record names
 * the input as "path:line" so it points at the very record. */
static void report_bad_record(amass_vector_stream *stream, const char *message)
{
    size_t path_length = strlen(stream->path);
    if (strncmp(message, stream->path, path_length) == 0 && message[path_length] == ':') {
        size_t digits = strspn(message + path_length + 1, "0123456789");
        amass_report_failure(stream->reporter, message, path_length + (digits ? 1 + digits : 0), message);
        return;
    }
    amass_report_failure(stream->reporter, stream->path, path_length, message);
}

int amass_cluster_stream_next(amass_vector_stream *stream, amass_vector_record *record, amass_status *status)
{
    while (!stream->ended) {
        amass_status record_status;
        amass_read_result result;
        if (!stream->reader) {
            int opened = open_next_input(stream, status);
            if (opened <= 0) {
                stream->ended = 1;
                return opened;
            }
        }
        if (amass_report_stop_requested(stream->reporter)) {
            stream->ended = 1;
            return 0;
        }
        amass_status_clear(&record_status);
        result = amass_io_vectors_next(stream->reader, record, &record_status);
        switch (result) {
        case AMASS_READ_RECORD:
            if (stream->shard && !amass_io_shard_keeps(stream->shard, record->input, record->input_length))
                continue;
            if (stream->dim == 0) {
                stream->dim = record->dim;
                snprintf(stream->dim_origin, sizeof stream->dim_origin, "the first vector (%.*s)",
                         (int)(record->input_length < 200 ? record->input_length : 200), record->input);
            } else if (record->dim != stream->dim) {
                char message[AMASS_MESSAGE_MAX];
                snprintf(message, sizeof message, "%s:%ld: %zu number%s where %s has %zu", stream->path,
                         record->line, record->dim, record->dim == 1 ? "" : "s", stream->dim_origin, stream->dim);
                amass_report_failure(stream->reporter, record->input, record->input_length, message);
                continue;
            }
            return 1;
        case AMASS_READ_BAD:
            report_bad_record(stream, record_status.message);
            continue;
        case AMASS_READ_FATAL:
            /* what was read before the damage stands; the file ends here */
            report_bad_record(stream, record_status.message);
            amass_io_vectors_close(stream->reader);
            stream->reader = NULL;
            continue;
        case AMASS_READ_END:
            amass_io_vectors_close(stream->reader);
            stream->reader = NULL;
            continue;
        }
    }
    return 0;
}

void amass_cluster_stream_close(amass_vector_stream *stream)
{
    if (!stream)
        return;
    amass_io_vectors_close(stream->reader);
    free(stream->path);
    free(stream);
}
