/* libamass models layer: the text embed pipeline (amass-embed on text).
 * Items come from the inputs one per line, one per NDJSON record (--field)
 * or one per file (--whole-file); they are tokenized, batched by token
 * length so that little padding is computed, encoded, pooled and written
 * as vector records in input order (DESIGN.md, "embed"). The network is
 * reached through amass_embed_network so the pipeline can be tested
 * without a model; amass_text_embedder wires it to a model directory. */
#ifndef AMASS_MODELS_EMBED_TEXT_H
#define AMASS_MODELS_EMBED_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../io/io.h"
#include "../text/text.h"
#include "embed.h"

/* The encoder as the pipeline sees it: run is amass_text_encoder_run's
 * contract (padded batch in, hidden states out). */
typedef struct {
    int (*run)(void *context, size_t batch, size_t length, const int32_t *ids, const uint8_t *mask,
               const int32_t *type_ids, float *hidden, amass_status *status);
    void *context;
    size_t hidden;
    size_t max_length;          /* positions the network holds */
} amass_embed_network;

typedef struct {
    const char *field;          /* NDJSON member holding each item's text; NULL: one item per line */
    int whole_file;             /* one item per input file */
    size_t batch;               /* sequences per network run; 0: 32 */
    amass_embed_pooling pooling; /* resolved: not DEFAULT */
    int normalize;
    size_t max_length;          /* tokens per item, [CLS] and [SEP] included; 0: the network's */
    const char *model_name;     /* the records' "model" */
    int bf16;                   /* matrix products in bfloat16 (amass_nn_session_set_bf16); model runs only */
} amass_embed_text_options;

/* Where records and failures go. */
typedef struct {
    amass_record_writer *writer;
    amass_format format;        /* NDJSON: input, model, dim, embedding; TSV: input v1..vd */
    const amass_reporter *reporter;
    const amass_shard *shard;   /* NULL: keep every item */
    const amass_name_set *done; /* --resume: items already written, or NULL */
} amass_embed_sink;

/* Embeds every item of inputs. A bad item (unreadable file, a record that
 * is not JSON or lacks the field) is reported through sink->reporter and
 * the run goes on; an item cut to max_length tokens gets a warning through
 * amass_log naming it. Returns AMASS_OK, or an error that ends the run
 * (the input list or a write failed, the network failed, out of memory). */
int amass_embed_text_run(const amass_text_tokenizer *tokenizer, const amass_embed_network *network,
                         const amass_embed_text_options *options, amass_input_list *inputs,
                         const amass_embed_sink *sink, amass_status *status);

/* ---- a model directory ----------------------------------------------- */

typedef struct amass_text_embedder amass_text_embedder;

typedef struct {
    size_t dim;
    size_t max_length;
    amass_embed_pooling pooling;  /* resolved from the option and the model */
    int normalize;
    const char *format;           /* "onnx" or "safetensors" */
    const char *tokenizer_source; /* "vocab.txt" or "tokenizer.json" */
} amass_text_embedder_info;

/* Opens the encoder and the tokenizer of the model at path (a directory,
 * see embed.h). pooling DEFAULT and normalize 0 take the model's. */
int amass_text_embedder_open(const char *path, amass_embed_pooling pooling, int normalize,
                             amass_text_embedder **embedder, amass_status *status);
void amass_text_embedder_close(amass_text_embedder *embedder);
void amass_text_embedder_get_info(const amass_text_embedder *embedder, amass_text_embedder_info *info);
/* options->pooling, normalize and max_length 0 / DEFAULT take the embedder's. */
int amass_text_embedder_run(amass_text_embedder *embedder, const amass_embed_text_options *options,
                            amass_input_list *inputs, const amass_embed_sink *sink, amass_status *status);

#endif
