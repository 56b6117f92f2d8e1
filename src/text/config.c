/* Reading a tokenizer's files: vocab.txt, tokenizer.json (WordPiece with
 * the BERT normalizer, pre-tokenizer and post-processor) and
 * tokenizer_config.json, into the tokenizer object. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "text_internal.h"

int amass_text_load_vocab_txt(amass_text_tokenizer *tokenizer, const char *path, amass_status *status)
{
    amass_line_reader *reader = amass_io_lines_open(path, status);
    char *line;
    size_t length, id = 0;
    int got;
    if (!reader)
        return status->code;
    /* id = line number from 0; an empty line is a token too, as in BertTokenizer */
    while ((got = amass_io_lines_next(reader, &line, &length, status)) == 1) {
        if (amass_text_vocab_add(tokenizer, line, length, id++, path, status) != AMASS_OK) {
            amass_io_lines_close(reader);
            return status->code;
        }
    }
    amass_io_lines_close(reader);
    if (got < 0)
        return status->code;
    if (id == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: empty vocabulary", path);
    return AMASS_OK;
}

/* A special token in a config: "[CLS]" or {"content":"[CLS]",...}. */
static const char *token_text(json_t *value)
{
    if (json_is_string(value))
        return json_string_value(value);
    if (json_is_object(value) && json_is_string(json_object_get(value, "content")))
        return json_string_value(json_object_get(value, "content"));
    return NULL;
}

static int lookup_special(amass_text_tokenizer *tokenizer, const char *token, int32_t *id, const char *path,
                          amass_status *status)
{
    *id = amass_text_tokenizer_token_id(tokenizer, token, strlen(token));
    if (*id < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: special token '%s' is not in the vocabulary", path, token);
    return AMASS_OK;
}

static int flag(json_t *object, const char *name, int fallback)
{
    json_t *value = json_object_get(object, name);
    return json_is_boolean(value) ? json_is_true(value) : fallback;
}

static int read_normalizer(amass_text_tokenizer *tokenizer, json_t *normalizer, const char *path, amass_status *status)
{
    amass_text_normalizer *settings = &tokenizer->normalizer;
    const char *type;
    json_t *strip;
    memset(settings, 0, sizeof *settings);
    if (!normalizer || json_is_null(normalizer))
        return AMASS_OK;
    type = json_string_value(json_object_get(normalizer, "type"));
    if (!type || strcmp(type, "BertNormalizer") != 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: normalizer '%s' is not supported (only BertNormalizer)",
                          path, type ? type : "(no type)");
    settings->clean_text = flag(normalizer, "clean_text", 1);
    settings->handle_chinese_chars = flag(normalizer, "handle_chinese_chars", 1);
    settings->lowercase = flag(normalizer, "lowercase", 1);
    strip = json_object_get(normalizer, "strip_accents");
    /* null: strip when lower-casing, as the tokenizers crate does */
    settings->strip_accents = json_is_boolean(strip) ? json_is_true(strip) : settings->lowercase;
    return AMASS_OK;
}

static int special_id(amass_text_tokenizer *tokenizer, json_t *pair, int32_t *id, const char *path,
                      amass_status *status)
{
    /* BertProcessing: ["[SEP]", 102] */
    json_t *number = json_array_get(pair, 1);
    if (!json_is_array(pair) || !json_is_string(json_array_get(pair, 0)) || !json_is_integer(number) ||
        json_integer_value(number) < 0 || (size_t)json_integer_value(number) >= tokenizer->vocab_size)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: post_processor: a special token is not [\"token\", id]", path);
    *id = (int32_t)json_integer_value(number);
    return AMASS_OK;
}

static int read_template(amass_text_tokenizer *tokenizer, json_t *processor, const char *path, amass_status *status)
{
    json_t *single = json_object_get(processor, "single"), *specials = json_object_get(processor, "special_tokens");
    size_t i, j;
    int seen_sequence = 0;
    if (!json_is_array(single))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: post_processor: TemplateProcessing without \"single\"", path);
    for (i = 0; i < json_array_size(single); i++) {
        json_t *piece = json_array_get(single, i), *special = json_object_get(piece, "SpecialToken"), *ids;
        const char *name;
        if (json_object_get(piece, "Sequence")) {
            if (seen_sequence++)
                return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: post_processor: two sequences in \"single\"", path);
            continue;
        }
        name = json_string_value(json_object_get(special, "id"));
        ids = json_object_get(json_object_get(specials, name ? name : ""), "ids");
        if (!name || !json_is_array(ids))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: post_processor: a template piece names no special token",
                              path);
        for (j = 0; j < json_array_size(ids); j++) {
            json_t *id = json_array_get(ids, j);
            int32_t *list = seen_sequence ? tokenizer->suffix_ids : tokenizer->prefix_ids;
            size_t *count = seen_sequence ? &tokenizer->n_suffix : &tokenizer->n_prefix;
            if (!json_is_integer(id) || json_integer_value(id) < 0 ||
                (size_t)json_integer_value(id) >= tokenizer->vocab_size)
                return amass_fail(status, AMASS_ERR_INPUT, "%s: post_processor: special token '%s' has a bad id", path,
                                  name);
            if (*count == AMASS_TEXT_MAX_SPECIALS)
                return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: post_processor: too many special tokens", path);
            list[(*count)++] = (int32_t)json_integer_value(id);
        }
    }
    if (!seen_sequence)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: post_processor: \"single\" has no sequence", path);
    return AMASS_OK;
}

static int read_post_processor(amass_text_tokenizer *tokenizer, json_t *processor, const char *path,
                               amass_status *status)
{
    const char *type;
    tokenizer->n_prefix = tokenizer->n_suffix = 0;
    if (!processor || json_is_null(processor))
        return AMASS_OK;
    type = json_string_value(json_object_get(processor, "type"));
    if (type && strcmp(type, "TemplateProcessing") == 0)
        return read_template(tokenizer, processor, path, status);
    if (type && (strcmp(type, "BertProcessing") == 0 || strcmp(type, "RobertaProcessing") == 0)) {
        tokenizer->n_prefix = tokenizer->n_suffix = 1;
        if (special_id(tokenizer, json_object_get(processor, "cls"), &tokenizer->prefix_ids[0], path, status) != AMASS_OK)
            return status->code;
        return special_id(tokenizer, json_object_get(processor, "sep"), &tokenizer->suffix_ids[0], path, status);
    }
    return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: post_processor '%s' is not supported", path,
                      type ? type : "(no type)");
}

static int read_model(amass_text_tokenizer *tokenizer, json_t *model, const char *path, amass_status *status)
{
    json_t *vocab = json_object_get(model, "vocab"), *value, *limit;
    const char *type = json_string_value(json_object_get(model, "type")), *token, *prefix, *unk;
    if (type && strcmp(type, "WordPiece") != 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: model type '%s' is not supported (only WordPiece)", path,
                          type);
    if (!json_is_object(vocab) || json_object_size(vocab) == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: model: no \"vocab\" object of tokens", path);
    json_object_foreach(vocab, token, value) {
        if (!json_is_integer(value) || json_integer_value(value) < 0)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: vocab: token '%s' has no id", path, token);
        if (amass_text_vocab_add(tokenizer, token, strlen(token), (size_t)json_integer_value(value), path, status) !=
            AMASS_OK)
            return status->code;
    }
    if (amass_text_vocab_finish(tokenizer, path, status) != AMASS_OK)
        return status->code;
    prefix = json_string_value(json_object_get(model, "continuing_subword_prefix"));
    if (!(tokenizer->continuing_prefix = strdup(prefix ? prefix : "##")))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    tokenizer->continuing_prefix_length = strlen(tokenizer->continuing_prefix);
    limit = json_object_get(model, "max_input_chars_per_word");
    if (json_is_integer(limit) && json_integer_value(limit) > 0)
        tokenizer->max_input_chars_per_word = (size_t)json_integer_value(limit);
    unk = json_string_value(json_object_get(model, "unk_token"));
    return lookup_special(tokenizer, unk ? unk : "[UNK]", &tokenizer->unk_id, path, status);
}

int amass_text_load_tokenizer_json(amass_text_tokenizer *tokenizer, const char *path, amass_status *status)
{
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error), *added, *pre;
    const char *type;
    size_t i;
    int code;
    if (!root)
        return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: not JSON: %s", path, error.line, error.text);
    if (!json_is_object(root) || !json_is_object(json_object_get(root, "model"))) {
        json_decref(root);
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no \"model\" object: not a tokenizers file", path);
    }
    if ((code = read_model(tokenizer, json_object_get(root, "model"), path, status)) != AMASS_OK ||
        (code = read_normalizer(tokenizer, json_object_get(root, "normalizer"), path, status)) != AMASS_OK ||
        (code = read_post_processor(tokenizer, json_object_get(root, "post_processor"), path, status)) != AMASS_OK) {
        json_decref(root);
        return code;
    }
    pre = json_object_get(root, "pre_tokenizer");
    type = json_string_value(json_object_get(pre, "type"));
    if (pre && !json_is_null(pre) && (!type || strcmp(type, "BertPreTokenizer") != 0)) {
        code = amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: pre_tokenizer '%s' is not supported (only BertPreTokenizer)", path,
                          type ? type : "(no type)");
        json_decref(root);
        return code;
    }
    added = json_object_get(root, "added_tokens");
    for (i = 0; i < json_array_size(added); i++) {
        json_t *entry = json_array_get(added, i), *id = json_object_get(entry, "id");
        const char *content = json_string_value(json_object_get(entry, "content"));
        if (!content || !json_is_integer(id) || json_integer_value(id) < 0 ||
            (size_t)json_integer_value(id) >= tokenizer->vocab_size) {
            json_decref(root);
            return amass_fail(status, AMASS_ERR_INPUT, "%s: added_tokens[%zu]: no content or a bad id", path, i);
        }
        if (amass_text_add_special(tokenizer, content, strlen(content), (int32_t)json_integer_value(id)) != 0) {
            json_decref(root);
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        }
    }
    json_decref(root);
    return AMASS_OK;
}

int amass_text_load_tokenizer_config(amass_text_tokenizer *tokenizer, const char *path, int has_tokenizer_json,
                                     amass_status *status)
{
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error), *value;
    amass_text_normalizer *settings = &tokenizer->normalizer;
    if (!root)
        return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: not JSON: %s", path, error.line, error.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return amass_fail(status, AMASS_ERR_INPUT, "%s: not a JSON object", path);
    }
    /* tokenizer.json's normalizer is the fast tokenizer's truth; these
     * settings are the slow BertTokenizer's, for vocab.txt */
    if (!has_tokenizer_json) {
        static const char *const names[] = {"unk_token", "cls_token", "sep_token", "pad_token"};
        settings->lowercase = flag(root, "do_lower_case", settings->lowercase);
        settings->handle_chinese_chars = flag(root, "tokenize_chinese_chars", settings->handle_chinese_chars);
        value = json_object_get(root, "strip_accents");
        settings->strip_accents = json_is_boolean(value) ? json_is_true(value) : settings->lowercase;
        for (size_t i = 0; i < 4; i++) {
            const char *token = token_text(json_object_get(root, names[i]));
            int32_t id;
            if (!token)
                continue;
            if (lookup_special(tokenizer, token, &id, path, status) != AMASS_OK) {
                json_decref(root);
                return status->code;
            }
            if (i == 0)
                tokenizer->unk_id = id;
            else if (i == 1)
                tokenizer->prefix_ids[0] = id;
            else if (i == 2)
                tokenizer->suffix_ids[0] = id;
            else
                tokenizer->pad_id = id;
            if (amass_text_add_special(tokenizer, token, strlen(token), id) != 0) {
                json_decref(root);
                return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
            }
        }
    }
    value = json_object_get(root, "model_max_length");
    /* transformers writes 1e30 when a model sets no limit */
    if (json_is_number(value) && json_number_value(value) >= 2 && json_number_value(value) <= 1e7)
        tokenizer->max_length = (size_t)json_number_value(value);
    json_decref(root);
    return AMASS_OK;
}
