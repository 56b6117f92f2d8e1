/* The text embed pipeline's items: each line of each input, each NDJSON
 * record's text field, or each whole file, named as DESIGN.md asks
 * ("file:LINE", the record's "input", or the file), with --shard and
 * --resume applied to those names. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed_text_internal.h"

struct amass_embed_item_reader {
    amass_input_list *inputs;
    const amass_embed_text_options *options;
    const amass_embed_sink *sink;
    amass_line_reader *lines;   /* the input being read */
    char *path;                 /* its name */
    amass_buf scratch;
};

amass_embed_item_reader *amass_embed_items_open(amass_input_list *inputs, const amass_embed_text_options *options,
                                                const amass_embed_sink *sink, amass_status *status)
{
    amass_embed_item_reader *reader = calloc(1, sizeof *reader);
    if (!reader) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    reader->inputs = inputs;
    reader->options = options;
    reader->sink = sink;
    amass_buf_init(&reader->scratch);
    return reader;
}

static void close_input(amass_embed_item_reader *reader)
{
    amass_io_lines_close(reader->lines);
    reader->lines = NULL;
    free(reader->path);
    reader->path = NULL;
}

void amass_embed_items_close(amass_embed_item_reader *reader)
{
    if (!reader)
        return;
    close_input(reader);
    amass_buf_free(&reader->scratch);
    free(reader);
}

void amass_embed_item_clear(amass_embed_item *item)
{
    free(item->input);
    free(item->text);
    free(item->error);
    memset(item, 0, sizeof *item);
}

static int set_input(amass_embed_item *item, const char *name, size_t length)
{
    item->input_length = length;
    return (item->input = amass_strndup(name, length)) ? 0 : -1;
}

static int set_error(amass_embed_item *item, const char *message)
{
    return (item->error = amass_strndup(message, strlen(message))) ? 0 : -1;
}

/* Whether this run keeps the item (--shard, --resume). */
static int keeps(const amass_embed_item_reader *reader, const amass_embed_item *item)
{
    const amass_embed_sink *sink = reader->sink;
    if (sink->shard && !amass_io_shard_keeps(sink->shard, item->input, item->input_length))
        return 0;
    return !(sink->done && amass_io_name_set_contains(sink->done, item->input, item->input_length));
}

/* An NDJSON record: its "input" names the item when it has one; a record
 * that is not JSON, or lacks the field, or holds a non-string there, is an
 * item with an error. */
static int record_item(amass_embed_item_reader *reader, const char *line, size_t length, const char *where,
                       amass_embed_item *item)
{
    const char *field = reader->options->field;
    json_error_t error;
    json_t *record = json_loadb(line, length, 0, &error), *input, *text;
    char message[AMASS_MESSAGE_MAX];
    int result = 0;
    if (!record || !json_is_object(record)) {
        if (set_input(item, where, strlen(where)) != 0)
            result = -1;
        else if (!record)
            snprintf(message, sizeof message, "%s: not a JSON record: %s", where, error.text);
        else
            snprintf(message, sizeof message, "%s: not a JSON object", where);
        json_decref(record);
        return result ? result : set_error(item, message);
    }
    input = json_object_get(record, "input");
    if (json_is_string(input))
        result = set_input(item, json_string_value(input), json_string_length(input));
    else
        result = set_input(item, where, strlen(where));
    text = json_object_get(record, field);
    if (result == 0 && !json_is_string(text)) {
        snprintf(message, sizeof message, "%s: %s: the record's \"%s\" is %s", item->input, where, field,
                 text ? "not a string" : "missing");
        result = set_error(item, message);
    } else if (result == 0) {
        item->text_length = json_string_length(text);
        item->text = amass_strndup(json_string_value(text), item->text_length);
        result = item->text ? 0 : -1;
    }
    json_decref(record);
    return result;
}

/* The whole file as one text, lines joined by "\n". */
static int whole_file_item(amass_embed_item_reader *reader, amass_embed_item *item, amass_status *status)
{
    char *line;
    size_t length;
    int got, first = 1;
    amass_buf_reset(&reader->scratch);
    while ((got = amass_io_lines_next(reader->lines, &line, &length, status)) == 1) {
        if (!first)
            amass_buf_append_char(&reader->scratch, '\n');
        amass_buf_append(&reader->scratch, line, length);
        first = 0;
    }
    if (got < 0)
        return set_error(item, status->message);
    if (reader->scratch.failed)
        return -1;
    item->text_length = reader->scratch.length;
    item->text = amass_strndup(reader->scratch.length ? reader->scratch.data : "", reader->scratch.length);
    return item->text ? 0 : -1;
}

/* The next item of the open input: 1 an item, 0 the input is done. */
static int next_in_input(amass_embed_item_reader *reader, amass_embed_item *item, amass_status *status)
{
    char where[AMASS_MESSAGE_MAX / 2];
    char *line;
    size_t length;
    int got;
    for (;;) {
        got = amass_io_lines_next(reader->lines, &line, &length, status);
        if (got == 0)
            return 0;
        snprintf(where, sizeof where, "%s:%ld", reader->path, amass_io_lines_number(reader->lines));
        if (got < 0) {
            /* a read error or a line past the limit: that item fails and
             * the reader is at the input's end */
            if (set_input(item, where, strlen(where)) != 0 || set_error(item, status->message) != 0)
                return -1;
            amass_status_clear(status);
            return 1;
        }
        if (reader->options->field) {
            size_t i = 0;
            while (i < length && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
            if (i == length)
                continue; /* blank lines between records */
            if (record_item(reader, line, length, where, item) != 0)
                return -1;
        } else {
            /* an empty line is an item too: it still gets a vector */
            if (set_input(item, where, strlen(where)) != 0 || !(item->text = amass_strndup(line, length)))
                return -1;
            item->text_length = length;
        }
        if (keeps(reader, item))
            return 1;
        amass_embed_item_clear(item);
    }
}

int amass_embed_items_next(amass_embed_item_reader *reader, amass_embed_item *item, amass_status *status)
{
    const char *name;
    int got;
    memset(item, 0, sizeof *item);
    for (;;) {
        if (reader->lines) {
            if ((got = next_in_input(reader, item, status)) < 0)
                goto out_of_memory;
            if (got == 1)
                return 1;
            close_input(reader);
        }
        got = amass_io_inputs_next(reader->inputs, &name, status);
        if (got == 0)
            return 0;
        if (got == -2)
            return -1;
        if (got == -1) {
            /* a bad list entry (a directory without -r): an item that failed */
            if (set_input(item, "", 0) != 0 || set_error(item, status->message) != 0)
                goto out_of_memory;
            amass_status_clear(status);
            return 1;
        }
        if (reader->options->whole_file) {
            if (set_input(item, name, strlen(name)) != 0)
                goto out_of_memory;
            if (!keeps(reader, item)) {
                amass_embed_item_clear(item);
                continue;
            }
        }
        if (!(reader->lines = amass_io_lines_open(name, status))) {
            if (!item->input && set_input(item, name, strlen(name)) != 0)
                goto out_of_memory;
            if (set_error(item, status->message) != 0)
                goto out_of_memory;
            amass_status_clear(status);
            return 1;
        }
        if (!(reader->path = amass_strndup(name, strlen(name))))
            goto out_of_memory;
        if (reader->options->whole_file) {
            got = whole_file_item(reader, item, status);
            amass_status_clear(status);
            close_input(reader);
            if (got != 0)
                goto out_of_memory;
            return 1;
        }
    }
out_of_memory:
    amass_embed_item_clear(item);
    return amass_fail(status, AMASS_ERR_NOMEM, "out of memory reading the inputs"), -1;
}
