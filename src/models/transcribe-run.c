/* The transcribe run: a few threads, each with its own decoder, take the
 * next input, transcribe it and write its record when its turn in input
 * order comes (or at once with --unordered), so the output does not
 * depend on the timing and a long file holds up only the records after it. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/nn.h"
#include "transcribe_internal.h"

typedef struct {
    amass_transcriber *transcriber;
    amass_input_list *inputs;
    const amass_transcribe_sink *sink;
    pthread_mutex_t lock;
    pthread_cond_t turn;       /* next_write moved, or stopping */
    uint64_t next_claim;       /* sequence number of the next input taken */
    uint64_t next_write;       /* the input whose record goes out next */
    uint64_t n_done;
    int input_over;
    int stopping;
    int failed;                /* fatal holds why the run ends */
    amass_status fatal;
    size_t cue_number;
    amass_buf scratch;
} transcribe_run;

typedef enum { CLAIM_FILE, CLAIM_BAD_ENTRY, CLAIM_NONE } claim_kind;

/* The next input after --shard and --resume, with the lock held (the
 * input list is not thread-safe). */
static claim_kind claim(transcribe_run *run, char **name, uint64_t *sequence, amass_status *problem)
{
    const amass_transcribe_sink *sink = run->sink;
    const char *next;
    for (;;) {
        int result = amass_io_inputs_next(run->inputs, &next, problem);
        if (result == 0 || result == -2) {
            run->input_over = 1;
            if (result == -2 && !run->failed) {
                run->fatal = *problem;
                run->failed = 1;
                run->stopping = 1;
            }
            return CLAIM_NONE;
        }
        *sequence = run->next_claim++;
        if (result == -1) {
            *name = NULL;
            return CLAIM_BAD_ENTRY;
        }
        if ((sink->shard && !amass_io_shard_keeps(sink->shard, next, strlen(next))) ||
            (sink->done && amass_io_name_set_contains(sink->done, next, strlen(next)))) {
            run->next_claim--;
            continue;
        }
        if (!(*name = amass_strndup(next, strlen(next)))) {
            run->next_claim--;
            amass_fail(problem, AMASS_ERR_NOMEM, "out of memory");
            run->fatal = *problem;
            run->failed = run->stopping = 1;
            return CLAIM_NONE;
        }
        return CLAIM_FILE;
    }
}

static void fail_run(transcribe_run *run, const amass_status *status)
{
    if (!run->failed) {
        run->fatal = *status;
        run->failed = 1;
    }
    run->stopping = 1;
    pthread_cond_broadcast(&run->turn);
}

/* With the lock held and the input's turn come: its record, or its
 * failure on stderr and in --errors. */
static void finish_input(transcribe_run *run, transcribe_worker *worker, const char *name, amass_code code,
                         const amass_status *problem)
{
    const amass_transcribe_sink *sink = run->sink;
    amass_status status;
    amass_status_clear(&status);
    if (code == AMASS_ERR_NOMEM || code == AMASS_ERR_FATAL) {
        fail_run(run, problem);
        return;
    }
    if (code != AMASS_OK) {
        amass_report_failure(sink->reporter, name ? name : "", name ? strlen(name) : 0, problem->message);
        if (amass_report_stop_requested(sink->reporter))
            run->stopping = 1;
    } else if (amass_transcript_write(&worker->transcript, name, sink, &run->cue_number, &run->scratch, &status) !=
               AMASS_OK) {
        fail_run(run, &status);
        return;
    }
    run->n_done++;
    amass_report_progress(sink->reporter, "files", run->n_done, 0);
}

static void *thread_main(void *argument)
{
    transcribe_run *run = argument;
    transcribe_worker worker;
    amass_status status;
    amass_status_clear(&status);
    /* Threads decode files side by side; each keeps oneDNN to itself, as
     * N teams of N OpenMP threads would fight over N cores. */
    amass_nn_set_threads(1);
    if (transcribe_worker_open(run->transcriber, &worker, &status) != AMASS_OK) {
        transcribe_worker_close(&worker);
        pthread_mutex_lock(&run->lock);
        fail_run(run, &status);
        pthread_mutex_unlock(&run->lock);
        return NULL;
    }
    pthread_mutex_lock(&run->lock);
    while (!run->stopping && !run->input_over) {
        char *name = NULL;
        uint64_t sequence = 0;
        amass_code code = AMASS_OK;
        claim_kind kind;
        amass_status_clear(&status);
        kind = claim(run, &name, &sequence, &status);
        if (kind == CLAIM_NONE)
            break;
        if (kind == CLAIM_FILE) {
            pthread_mutex_unlock(&run->lock);
            code = transcribe_worker_file(&worker, name, &status);
            pthread_mutex_lock(&run->lock);
        } else {
            code = status.code != AMASS_OK ? status.code : AMASS_ERR_INPUT;
        }
        while (!run->transcriber->options.unordered && !run->stopping && run->next_write != sequence)
            pthread_cond_wait(&run->turn, &run->lock);
        if (!run->stopping)
            finish_input(run, &worker, name, code, &status);
        run->next_write++;
        pthread_cond_broadcast(&run->turn);
        free(name);
    }
    pthread_cond_broadcast(&run->turn);
    pthread_mutex_unlock(&run->lock);
    transcribe_worker_close(&worker);
    return NULL;
}

amass_code amass_transcriber_run(amass_transcriber *transcriber, amass_input_list *inputs,
                                 const amass_transcribe_sink *sink, amass_status *status)
{
    transcribe_run run;
    pthread_t *threads;
    int n_threads = transcriber->options.threads, started, error = 0, i;
    memset(&run, 0, sizeof run);
    run.transcriber = transcriber;
    run.inputs = inputs;
    run.sink = sink;
    amass_buf_init(&run.scratch);
    if (sink->format == AMASS_FORMAT_VTT && amass_io_output_write(sink->output, "WEBVTT\n\n", 8, status) != AMASS_OK)
        return status->code;
    if (!(threads = amass_calloc_array((size_t)n_threads, sizeof *threads)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&run.lock, NULL);
    pthread_cond_init(&run.turn, NULL);
    for (started = 0; started < n_threads; started++)
        if ((error = pthread_create(&threads[started], NULL, thread_main, &run)) != 0)
            break;
    if (error) {
        amass_status failure;
        amass_fail(&failure, AMASS_ERR_FATAL, "cannot start a decoding thread: %s", strerror(error));
        pthread_mutex_lock(&run.lock);
        fail_run(&run, &failure);
        pthread_mutex_unlock(&run.lock);
    }
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_cond_destroy(&run.turn);
    pthread_mutex_destroy(&run.lock);
    amass_buf_free(&run.scratch);
    if (run.failed) {
        *status = run.fatal;
        return status->code != AMASS_OK ? status->code : AMASS_ERR_FATAL;
    }
    return AMASS_OK;
}
