/* The text embed pipeline: items read a chunk at a time, tokenized,
 * sorted by token count so each batch pads little, run through the
 * network, pooled, and written back in input order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_text_internal.h"

/* Items held at once: enough for many batches to sort among, few enough
 * that records keep flowing. */
#define CHUNK_ITEMS_PER_BATCH 16
#define CHUNK_TEXT_BYTES ((size_t)64 << 20)

typedef struct {
    const amass_text_tokenizer *tokenizer;
    const amass_embed_network *network;
    const amass_embed_text_options *options;
    const amass_embed_sink *sink;
    size_t max_length, batch;
    int32_t pad_id;
    amass_embed_item *items;
    size_t n_items, capacity;
    size_t *order;
    int32_t *tokens;            /* every item's ids, end to end */
    size_t n_tokens, token_capacity;
    float *vectors;             /* n_items x hidden */
    int32_t *batch_ids;
    uint8_t *batch_mask;
    float *hidden;
    amass_text_encoding encoding;
    uint64_t n_done;
} pipeline;

static int grow(void **array, size_t *capacity, size_t needed, size_t size)
{
    size_t new_capacity;
    void *grown;
    if (needed <= *capacity)
        return 0;
    new_capacity = *capacity ? *capacity : 64;
    while (new_capacity < needed)
        new_capacity *= 2;
    if (!(grown = amass_realloc_array(*array, new_capacity, size)))
        return -1;
    *array = grown;
    *capacity = new_capacity;
    return 0;
}

static int tokenize_items(pipeline *run, amass_status *status)
{
    run->n_tokens = 0;
    for (size_t i = 0; i < run->n_items; i++) {
        amass_embed_item *item = &run->items[i];
        amass_text_encoding *encoding = &run->encoding;
        size_t capacity = run->token_capacity;
        if (item->error)
            continue;
        if (amass_text_tokenizer_encode(run->tokenizer, item->text, item->text_length, run->max_length, encoding,
                                        status) != AMASS_OK)
            return status->code;
        if (encoding->full_length > encoding->length)
            amass_log(AMASS_LOG_WARN, "%.*s: more than %zu tokens, truncated", (int)item->input_length, item->input,
                      run->max_length);
        if (grow((void **)&run->tokens, &capacity, run->n_tokens + encoding->length, sizeof *run->tokens) != 0)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        run->token_capacity = capacity;
        memcpy(run->tokens + run->n_tokens, encoding->ids, encoding->length * sizeof *run->tokens);
        item->token_start = run->n_tokens;
        item->n_tokens = encoding->length;
        run->n_tokens += encoding->length;
    }
    return AMASS_OK;
}

typedef struct {
    size_t n_tokens, index;
} sort_key;

/* by token count, then input order: the same input always gives the same
 * batches, so a run repeats exactly */
static int by_length(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    if (x->n_tokens != y->n_tokens)
        return x->n_tokens < y->n_tokens ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Runs order[from..to) as one padded batch and pools each item's states. */
static int run_batch(pipeline *run, const size_t *order, size_t count, amass_status *status)
{
    size_t hidden = run->network->hidden, length = 0, b, t;
    for (b = 0; b < count; b++)
        if (run->items[order[b]].n_tokens > length)
            length = run->items[order[b]].n_tokens;
    for (b = 0; b < count; b++) {
        const amass_embed_item *item = &run->items[order[b]];
        for (t = 0; t < length; t++) {
            int kept = t < item->n_tokens;
            run->batch_ids[b * length + t] = kept ? run->tokens[item->token_start + t] : run->pad_id;
            run->batch_mask[b * length + t] = (uint8_t)kept;
        }
    }
    if (run->network->run(run->network->context, count, length, run->batch_ids, run->batch_mask, NULL, run->hidden,
                          status) != AMASS_OK)
        return status->code;
    for (b = 0; b < count; b++)
        amass_embed_pool(run->hidden + b * length * hidden, run->batch_mask + b * length, length, hidden,
                         run->options->pooling, run->options->normalize, run->vectors + order[b] * hidden);
    return AMASS_OK;
}

static int write_items(pipeline *run, amass_status *status)
{
    const amass_embed_sink *sink = run->sink;
    size_t hidden = run->network->hidden;
    const char *model = run->options->model_name ? run->options->model_name : "";
    for (size_t i = 0; i < run->n_items; i++) {
        const amass_embed_item *item = &run->items[i];
        if (item->error) {
            amass_report_failure(sink->reporter, item->input, item->input_length, item->error);
            /* --fail-fast: nothing after the first failure */
            if (amass_report_stop_requested(sink->reporter))
                return AMASS_OK;
            continue;
        }
        amass_io_record_begin(sink->writer);
        amass_io_field_string(sink->writer, "input", item->input, item->input_length);
        if (sink->format == AMASS_FORMAT_NDJSON) {
            amass_io_field_string(sink->writer, "model", model, strlen(model));
            amass_io_field_int(sink->writer, "dim", (long long)hidden);
            amass_io_field_floats(sink->writer, "embedding", run->vectors + i * hidden, hidden);
        } else {
            amass_io_field_floats(sink->writer, "v", run->vectors + i * hidden, hidden);
        }
        if (amass_io_record_end(sink->writer, status) != AMASS_OK)
            return status->code;
        run->n_done++;
    }
    amass_report_progress(sink->reporter, "embed", run->n_done, 0);
    return AMASS_OK;
}

static int process_chunk(pipeline *run, amass_status *status)
{
    size_t hidden = run->network->hidden, n_good = 0, i;
    sort_key *keys;
    if (tokenize_items(run, status) != AMASS_OK)
        return status->code;
    free(run->order);
    free(run->vectors);
    run->order = amass_alloc_array(run->n_items ? run->n_items : 1, sizeof *run->order);
    run->vectors = amass_alloc_array(run->n_items ? run->n_items * hidden : 1, sizeof *run->vectors);
    keys = amass_alloc_array(run->n_items ? run->n_items : 1, sizeof *keys);
    if (!run->order || !run->vectors || !keys) {
        free(keys);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (i = 0; i < run->n_items; i++) {
        if (run->items[i].error)
            continue;
        keys[n_good].n_tokens = run->items[i].n_tokens;
        keys[n_good++].index = i;
    }
    qsort(keys, n_good, sizeof *keys, by_length);
    for (i = 0; i < n_good; i++)
        run->order[i] = keys[i].index;
    free(keys);
    for (i = 0; i < n_good; i += run->batch) {
        size_t count = n_good - i < run->batch ? n_good - i : run->batch;
        if (run_batch(run, run->order + i, count, status) != AMASS_OK)
            return status->code;
    }
    return write_items(run, status);
}

static void clear_items(pipeline *run)
{
    for (size_t i = 0; i < run->n_items; i++)
        amass_embed_item_clear(&run->items[i]);
    run->n_items = 0;
}

static void free_pipeline(pipeline *run)
{
    clear_items(run);
    free(run->items);
    free(run->order);
    free(run->tokens);
    free(run->vectors);
    free(run->batch_ids);
    free(run->batch_mask);
    free(run->hidden);
    amass_text_encoding_free(&run->encoding);
}

static int setup(pipeline *run, amass_status *status)
{
    amass_text_tokenizer_info info;
    size_t batch = run->batch, length = run->max_length;
    amass_text_tokenizer_get_info(run->tokenizer, &info);
    run->pad_id = info.pad_id >= 0 ? info.pad_id : 0;
    run->capacity = batch * CHUNK_ITEMS_PER_BATCH;
    run->items = amass_calloc_array(run->capacity, sizeof *run->items);
    run->batch_ids = amass_alloc_array(batch * length, sizeof *run->batch_ids);
    run->batch_mask = amass_alloc_array(batch * length, sizeof *run->batch_mask);
    if (batch * length > SIZE_MAX / (run->network->hidden ? run->network->hidden : 1))
        return amass_fail(status, AMASS_ERR_NOMEM, "batch of %zu x %zu tokens is too large", batch, length);
    run->hidden = amass_alloc_array(batch * length * run->network->hidden, sizeof *run->hidden);
    if (!run->items || !run->batch_ids || !run->batch_mask || !run->hidden)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for batches of %zu x %zu tokens", batch, length);
    return AMASS_OK;
}

int amass_embed_text_run(const amass_text_tokenizer *tokenizer, const amass_embed_network *network,
                         const amass_embed_text_options *options, amass_input_list *inputs,
                         const amass_embed_sink *sink, amass_status *status)
{
    pipeline run;
    amass_embed_item_reader *reader;
    size_t text_bytes = 0;
    int got, code = AMASS_OK;
    memset(&run, 0, sizeof run);
    run.tokenizer = tokenizer;
    run.network = network;
    run.options = options;
    run.sink = sink;
    run.batch = options->batch ? options->batch : 32;
    run.max_length = options->max_length ? options->max_length : network->max_length;
    if (network->max_length && run.max_length > network->max_length)
        run.max_length = network->max_length;
    if (run.max_length < 3)
        return amass_fail(status, AMASS_ERR_USAGE, "a maximum length of %zu tokens leaves no room for text",
                          run.max_length);
    amass_text_encoding_init(&run.encoding);
    if (setup(&run, status) != AMASS_OK || !(reader = amass_embed_items_open(inputs, options, sink, status))) {
        free_pipeline(&run);
        return status->code;
    }
    for (;;) {
        if ((got = amass_embed_items_next(reader, &run.items[run.n_items], status)) < 0) {
            code = status->code;
            break;
        }
        if (got == 1) {
            text_bytes += run.items[run.n_items].text_length;
            run.n_items++;
        }
        if (got == 0 || run.n_items == run.capacity || text_bytes >= CHUNK_TEXT_BYTES) {
            if ((code = process_chunk(&run, status)) != AMASS_OK)
                break;
            clear_items(&run);
            text_bytes = 0;
            if (got == 0 || amass_report_stop_requested(sink->reporter))
                break;
        }
    }
    amass_embed_items_close(reader);
    free_pipeline(&run);
    return code;
}
