/* A text embedding model directory: its encoder (embed.h) and tokenizer
 * (text.h) opened together, the pooling and length settled between the
 * model and the user's options, and the pipeline run over them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed_text.h"

struct amass_text_embedder {
    amass_text_encoder *encoder;
    amass_text_encoder_session *session;
    amass_text_tokenizer *tokenizer;
    amass_text_encoder_info encoder_info;
    amass_text_embedder_info info;
};

static int run_encoder(void *context, size_t batch, size_t length, const int32_t *ids, const uint8_t *mask,
                       const int32_t *type_ids, float *hidden, amass_status *status)
{
    return amass_text_encoder_run(context, batch, length, ids, mask, type_ids, hidden, status);
}

/* The tokenizer lives in the model directory; for a bare .onnx file, in
 * the directory holding it. */
static char *tokenizer_directory(const char *path)
{
    struct stat info;
    const char *slash;
    if (stat(path, &info) == 0 && S_ISDIR(info.st_mode))
        return amass_strndup(path, strlen(path));
    slash = strrchr(path, '/');
    if (!slash)
        return amass_strndup(".", 1);
    return amass_strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int amass_text_embedder_open(const char *path, amass_embed_pooling pooling, int normalize,
                             amass_text_embedder **embedder, amass_status *status)
{
    amass_text_embedder *made = calloc(1, sizeof *made);
    amass_text_tokenizer_info tokenizer_info;
    char *directory = NULL;
    *embedder = NULL;
    if (!made || !(directory = tokenizer_directory(path))) {
        free(made);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    if (amass_text_encoder_open(path, &made->encoder, status) != AMASS_OK ||
        amass_text_tokenizer_open(directory, &made->tokenizer, status) != AMASS_OK ||
        !(made->session = amass_text_encoder_session_open(made->encoder, status))) {
        free(directory);
        amass_text_embedder_close(made);
        return status->code;
    }
    free(directory);
    amass_text_encoder_get_info(made->encoder, &made->encoder_info);
    amass_text_tokenizer_get_info(made->tokenizer, &tokenizer_info);
    if (made->encoder_info.vocab_size && tokenizer_info.vocab_size > made->encoder_info.vocab_size) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: the tokenizer's %zu tokens do not fit the network's %zu embeddings",
                   path, tokenizer_info.vocab_size, made->encoder_info.vocab_size);
        amass_text_embedder_close(made);
        return status->code;
    }
    made->info.dim = made->encoder_info.hidden;
    made->info.max_length = made->encoder_info.max_length;
    if (tokenizer_info.max_length && (!made->info.max_length || tokenizer_info.max_length < made->info.max_length))
        made->info.max_length = tokenizer_info.max_length;
    made->info.pooling = pooling != AMASS_EMBED_POOLING_DEFAULT ? pooling
                         : made->encoder_info.pooling != AMASS_EMBED_POOLING_DEFAULT ? made->encoder_info.pooling
                                                                                       : AMASS_EMBED_POOLING_MEAN;
    made->info.normalize = normalize || made->encoder_info.normalize;
    made->info.format = made->encoder_info.format;
    made->info.tokenizer_source = tokenizer_info.source;
    *embedder = made;
    return AMASS_OK;
}

void amass_text_embedder_close(amass_text_embedder *embedder)
{
    if (!embedder)
        return;
    amass_text_encoder_session_close(embedder->session);
    amass_text_encoder_close(embedder->encoder);
    amass_text_tokenizer_close(embedder->tokenizer);
    free(embedder);
}

void amass_text_embedder_get_info(const amass_text_embedder *embedder, amass_text_embedder_info *info)
{
    *info = embedder->info;
}

int amass_text_embedder_run(amass_text_embedder *embedder, const amass_embed_text_options *options,
                            amass_input_list *inputs, const amass_embed_sink *sink, amass_status *status)
{
    amass_embed_network network;
    amass_embed_text_options settled = *options;
    network.run = run_encoder;
    network.context = embedder->session;
    network.hidden = embedder->info.dim;
    network.max_length = embedder->info.max_length;
    if (settled.pooling == AMASS_EMBED_POOLING_DEFAULT)
        settled.pooling = embedder->info.pooling;
    settled.normalize = settled.normalize || embedder->info.normalize;
    amass_text_encoder_session_set_bf16(embedder->session, options->bf16);
    return amass_embed_text_run(embedder->tokenizer, &network, &settled, inputs, sink, status);
}
