/* Pieces the text embed pipeline's files share. Not public. */
#ifndef AMASS_MODELS_EMBED_TEXT_INTERNAL_H
#define AMASS_MODELS_EMBED_TEXT_INTERNAL_H

#include "embed_text.h"

/* One item: its name, its text (or why it has none), and where its tokens
 * and vector go in the chunk being processed. */
typedef struct {
    char *input;
    size_t input_length;
    char *text;
    size_t text_length;
    char *error;             /* a failure message for the reporter, or NULL */
    size_t token_start, n_tokens;
} amass_embed_item;

/* Turns inputs into items: lines, NDJSON records' field, or whole files;
 * shard and resume filters applied. */
typedef struct amass_embed_item_reader amass_embed_item_reader;

amass_embed_item_reader *amass_embed_items_open(amass_input_list *inputs, const amass_embed_text_options *options,
                                                const amass_embed_sink *sink, amass_status *status);
/* 1: *item filled (the reader's to free with amass_embed_item_clear),
 * 0: no more, -1: the run cannot go on (status says why). */
int amass_embed_items_next(amass_embed_item_reader *reader, amass_embed_item *item, amass_status *status);
void amass_embed_items_close(amass_embed_item_reader *reader);
void amass_embed_item_clear(amass_embed_item *item);

#endif
