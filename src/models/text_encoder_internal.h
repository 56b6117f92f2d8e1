/* Internal pieces of the text encoder (text_encoder*.c): the Hugging Face
 * config.json it reads, the sentence-transformers pooling files, and the
 * BERT-family graph it builds from safetensors weights. */
#ifndef AMASS_TEXT_ENCODER_INTERNAL_H
#define AMASS_TEXT_ENCODER_INTERNAL_H

#include "embed.h"
#include "../formats/safetensors.h"
#include "../nn/nn.h"

typedef enum { TEXT_ENCODER_BERT, TEXT_ENCODER_ROBERTA, TEXT_ENCODER_DISTILBERT } text_encoder_family;

typedef struct {
    text_encoder_family family;
    char model_type[32];
    size_t hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size;
    double layer_norm_eps;
    char activation[32];
    int64_t pad_token_id;
} text_encoder_config;

/* path/config.json (path a directory); fails naming the file and field,
 * and refuses model types other than bert, roberta (xlm-roberta) and
 * distilbert by name. */
int text_encoder_read_config(const char *directory, text_encoder_config *config, amass_status *status);
/* The sentence-transformers pooling and Normalize modules of directory
 * (modules.json, 1_Pooling/config.json), MEAN and 0 when absent. */
int text_encoder_read_pooling(const char *directory, amass_embed_pooling *pooling, int *normalize,
                              amass_status *status);
/* The encoder network from safetensors weights named as Hugging Face's
 * BertModel / RobertaModel / DistilBertModel write them (with or without
 * the "bert." / "roberta." / "distilbert." prefix): inputs input_ids,
 * attention_mask (and token_type_ids for BERT with two token types), int32
 * [batch, length]; output last_hidden_state. Prepared. */
int text_encoder_build_graph(const amass_safetensors *weights, const text_encoder_config *config,
                             amass_nn_graph **graph, amass_status *status);
/* Tokens a sequence may hold: the position table less RoBERTa's offset. */
size_t text_encoder_max_length(const text_encoder_config *config);

#endif
