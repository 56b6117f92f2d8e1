/* A text encoder's configuration: Hugging Face's config.json (the BERT,
 * RoBERTa and DistilBERT spellings of the same sizes) and the
 * sentence-transformers files that say how to pool and normalise. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text_encoder_internal.h"

static char *join(const char *directory, const char *name)
{
    size_t length = strlen(directory) + strlen(name) + 2;
    char *path = malloc(length);
    if (path)
        snprintf(path, length, "%s/%s", directory, name);
    return path;
}

static int get_size(json_t *root, const char *key, const char *path, size_t *value, int required,
                    amass_status *status)
{
    json_t *member = json_object_get(root, key);
    if (!member && !required)
        return AMASS_OK;
    if (!json_is_integer(member) || json_integer_value(member) < 0 || json_integer_value(member) > (1 << 30))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: '%s' %s", path, key,
                          member ? "is not a size" : "is missing");
    *value = (size_t)json_integer_value(member);
    return AMASS_OK;
}

static int get_text(json_t *root, const char *key, char *value, size_t capacity)
{
    json_t *member = json_object_get(root, key);
    if (!json_is_string(member) || json_string_length(member) >= capacity)
        return 0;
    memcpy(value, json_string_value(member), json_string_length(member) + 1);
    return 1;
}

static int read_fields(json_t *root, const char *path, text_encoder_config *config, amass_status *status)
{
    if (!get_text(root, "model_type", config->model_type, sizeof config->model_type))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no 'model_type'", path);
    const char *type = config->model_type;
    int result = AMASS_OK;
    config->layer_norm_eps = 1e-12;
    strcpy(config->activation, "gelu");
    if (!strcmp(type, "distilbert")) {
        config->family = TEXT_ENCODER_DISTILBERT;
        json_t *sinusoidal = json_object_get(root, "sinusoidal_pos_embds");
        (void)sinusoidal; /* the table is saved with the weights either way */
        result = get_size(root, "dim", path, &config->hidden, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "n_layers", path, &config->layers, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "n_heads", path, &config->heads, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "hidden_dim", path, &config->intermediate, 1, status);
        get_text(root, "activation", config->activation, sizeof config->activation);
        config->type_vocab_size = 0;
    } else if (!strcmp(type, "bert") || !strcmp(type, "roberta") || !strcmp(type, "xlm-roberta")) {
        config->family = !strcmp(type, "bert") ? TEXT_ENCODER_BERT : TEXT_ENCODER_ROBERTA;
        char position_type[32] = "absolute";
        get_text(root, "position_embedding_type", position_type, sizeof position_type);
        if (strcmp(position_type, "absolute") != 0)
            return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                              "%s: position_embedding_type '%s' is not supported (absolute is)", path, position_type);
        result = get_size(root, "hidden_size", path, &config->hidden, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "num_hidden_layers", path, &config->layers, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "num_attention_heads", path, &config->heads, 1, status);
        if (result == AMASS_OK)
            result = get_size(root, "intermediate_size", path, &config->intermediate, 1, status);
        config->type_vocab_size = 2;
        if (result == AMASS_OK)
            result = get_size(root, "type_vocab_size", path, &config->type_vocab_size, 0, status);
        get_text(root, "hidden_act", config->activation, sizeof config->activation);
        json_t *eps = json_object_get(root, "layer_norm_eps");
        if (json_is_number(eps))
            config->layer_norm_eps = json_number_value(eps);
    } else {
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: model_type '%s' is not supported (bert, roberta, xlm-roberta and distilbert are)", path,
                          type);
    }
    if (result == AMASS_OK)
        result = get_size(root, "vocab_size", path, &config->vocab_size, 1, status);
    if (result == AMASS_OK)
        result = get_size(root, "max_position_embeddings", path, &config->max_positions, 1, status);
    config->pad_token_id = config->family == TEXT_ENCODER_ROBERTA ? 1 : 0;
    json_t *pad = json_object_get(root, "pad_token_id");
    if (json_is_integer(pad))
        config->pad_token_id = json_integer_value(pad);
    if (result != AMASS_OK)
        return result;
    if (config->hidden == 0 || config->heads == 0 || config->hidden % config->heads != 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: a hidden size of %zu does not split into %zu heads", path,
                          config->hidden, config->heads);
    if (config->layers == 0 || config->intermediate == 0 || config->vocab_size == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: layers, intermediate size and vocabulary must not be 0", path);
    if (text_encoder_max_length(config) < 2)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: max_position_embeddings %zu leaves no room for a sequence",
                          path, config->max_positions);
    if (!(config->layer_norm_eps > 0 && config->layer_norm_eps < 1))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: layer_norm_eps %g is out of range", path,
                          config->layer_norm_eps);
    return AMASS_OK;
}

size_t text_encoder_max_length(const text_encoder_config *config)
{
    /* RoBERTa numbers positions from padding_idx + 1: the first
     * pad_token_id + 1 rows of its table are never a real token's. */
    if (config->family == TEXT_ENCODER_ROBERTA) {
        size_t offset = config->pad_token_id >= 0 ? (size_t)config->pad_token_id + 1 : 0;
        return config->max_positions > offset ? config->max_positions - offset : 0;
    }
    return config->max_positions;
}

int text_encoder_read_config(const char *directory, text_encoder_config *config, amass_status *status)
{
    memset(config, 0, sizeof *config);
    char *path = join(directory, "config.json");
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    int result;
    if (!root)
        result = amass_fail(status, AMASS_ERR_INPUT, "%s: %s", path, error.text);
    else if (!json_is_object(root))
        result = amass_fail(status, AMASS_ERR_INPUT, "%s: not a JSON object", path);
    else
        result = read_fields(root, path, config, status);
    json_decref(root);
    free(path);
    return result;
}

/* 1_Pooling/config.json (or the module path modules.json names). */
static int read_pooling_config(const char *path, amass_embed_pooling *pooling, amass_status *status)
{
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (!root)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s", path, error.text);
    int cls = json_is_true(json_object_get(root, "pooling_mode_cls_token"));
    int mean = json_is_true(json_object_get(root, "pooling_mode_mean_tokens"));
    int max = json_is_true(json_object_get(root, "pooling_mode_max_tokens"));
    int others = json_is_true(json_object_get(root, "pooling_mode_mean_sqrt_len_tokens")) ||
                 json_is_true(json_object_get(root, "pooling_mode_weightedmean_tokens")) ||
                 json_is_true(json_object_get(root, "pooling_mode_lasttoken"));
    json_decref(root);
    if (cls + mean + max != 1 || others)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: the pooling must be exactly one of cls_token, mean_tokens, max_tokens", path);
    *pooling = cls ? AMASS_EMBED_POOLING_CLS : max ? AMASS_EMBED_POOLING_MAX : AMASS_EMBED_POOLING_MEAN;
    return AMASS_OK;
}

static int exists(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file)
        fclose(file);
    return file != NULL;
}

int text_encoder_read_pooling(const char *directory, amass_embed_pooling *pooling, int *normalize,
                              amass_status *status)
{
    *pooling = AMASS_EMBED_POOLING_MEAN;
    *normalize = 0;
    char *modules_path = join(directory, "modules.json");
    if (!modules_path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int result = AMASS_OK;
    if (exists(modules_path)) {
        json_error_t error;
        json_t *modules = json_load_file(modules_path, 0, &error);
        if (!modules || !json_is_array(modules))
            result = amass_fail(status, AMASS_ERR_INPUT, "%s: %s", modules_path,
                                modules ? "not a JSON array" : error.text);
        size_t index;
        json_t *module;
        json_array_foreach(modules, index, module)
        {
            const char *type = json_string_value(json_object_get(module, "type"));
            const char *where = json_string_value(json_object_get(module, "path"));
            if (result != AMASS_OK || !type)
                continue;
            if (strstr(type, "Normalize"))
                *normalize = 1;
            if (strstr(type, "Pooling") && where && !strstr(where, "..")) {
                char *sub = join(directory, where), *config = sub ? join(sub, "config.json") : NULL;
                if (config)
                    result = read_pooling_config(config, pooling, status);
                else
                    result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
                free(sub);
                free(config);
            }
        }
        json_decref(modules);
    } else {
        char *config = join(directory, "1_Pooling/config.json");
        if (!config)
            result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        else if (exists(config))
            result = read_pooling_config(config, pooling, status);
        free(config);
    }
    free(modules_path);
    return result;
}
