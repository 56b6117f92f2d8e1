/* libamass models layer: text encoders (BERT-family Transformers from ONNX
 * or safetensors + config.json) and the embed pipeline that turns text
 * items into vector records (DESIGN.md, "embed"). The tokenizer is the
 * text layer's (src/text/text.h). */
#ifndef AMASS_MODELS_EMBED_H
#define AMASS_MODELS_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

typedef enum {
    AMASS_EMBED_POOLING_DEFAULT = 0, /* the model's (sentence-transformers 1_Pooling/config.json), else MEAN */
    AMASS_EMBED_POOLING_MEAN,        /* mean over the tokens the mask keeps ([CLS] and [SEP] included) */
    AMASS_EMBED_POOLING_CLS,         /* the first token's state */
    AMASS_EMBED_POOLING_MAX          /* per dimension, the maximum over the kept tokens */
} amass_embed_pooling;

/* ---- text encoder --------------------------------------------------------
 * A model directory holds the network as model.onnx (or onnx/model.onnx)
 * or as model.safetensors + config.json (BertModel layout: embeddings,
 * encoder.layer.N..., optionally a "bert." prefix), and the tokenizer as
 * vocab.txt or tokenizer.json (+ tokenizer_config.json). The network maps
 * input_ids, attention_mask and (when it takes them) token_type_ids, each
 * [batch, length], to the last hidden state [batch, length, hidden]. */
typedef struct amass_text_encoder amass_text_encoder;

typedef struct {
    size_t hidden;            /* width of a token state (the vector's dimension) */
    size_t max_length;        /* tokens the position table holds, [CLS] and [SEP] included */
    size_t vocab_size;
    int takes_token_types;    /* the network has a token_type_ids input */
    amass_embed_pooling pooling; /* the model's own pooling: MEAN unless its config says otherwise */
    int normalize;            /* the model's config asks for L2-normalised vectors (sentence-transformers Normalize) */
    const char *format;       /* "onnx" or "safetensors" */
} amass_text_encoder_info;

/* Opens path: a model directory as above, or a .onnx file. Any problem
 * (missing file, config that does not match the weights, an op the engine
 * cannot run) fails here with a message naming the file. Immutable after
 * open: threads share it, each with its own session. */
int amass_text_encoder_open(const char *path, amass_text_encoder **encoder, amass_status *status);
void amass_text_encoder_close(amass_text_encoder *encoder);
void amass_text_encoder_get_info(const amass_text_encoder *encoder, amass_text_encoder_info *info);

typedef struct amass_text_encoder_session amass_text_encoder_session;

amass_text_encoder_session *amass_text_encoder_session_open(const amass_text_encoder *encoder, amass_status *status);
void amass_text_encoder_session_close(amass_text_encoder_session *session);
/* Runs batch sequences of length tokens each (row-major [batch, length]):
 * ids, mask (1 keep, 0 padding) and type_ids (NULL: all 0). Writes
 * hidden[batch * length * info.hidden]. A padded position's state is
 * whatever the network gives; the kept positions' states do not depend on
 * the padding (the mask is applied in attention), so a sequence gives the
 * same states alone or in a padded batch. length <= max_length. */
int amass_text_encoder_run(amass_text_encoder_session *session, size_t batch, size_t length, const int32_t *ids,
                           const uint8_t *mask, const int32_t *type_ids, float *hidden, amass_status *status);
/* Lets the session's matrix products compute in bfloat16 on a CPU with
 * AVX512-BF16 (about twice the speed; token states within about 1e-2,
 * pooled vectors' cosine with float32 about 0.999). Off by default. */
void amass_text_encoder_session_set_bf16(amass_text_encoder_session *session, int enabled);

/* Pools one sequence's states (length x hidden, mask as above) into
 * out[hidden], then L2-normalises it when normalize is set (a zero vector
 * stays zero). */
void amass_embed_pool(const float *states, const uint8_t *mask, size_t length, size_t hidden,
                      amass_embed_pooling pooling, int normalize, float *out);

#endif
