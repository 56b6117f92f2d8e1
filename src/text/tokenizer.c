/* The WordPiece tokenizer: opening a tokenizer from a model directory or
 * file, and encoding text into ids (added tokens, normalizer,
 * pre-tokenizer, greedy longest-match WordPiece, [CLS]/[SEP], truncation). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text_internal.h"

static int is_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* BertTokenizer's special tokens, never split when they appear in text. */
static int add_default_specials(amass_text_tokenizer *tokenizer, const char *path, amass_status *status)
{
    static const char *const names[] = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};
    int32_t id;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if ((id = amass_text_tokenizer_token_id(tokenizer, names[i], strlen(names[i]))) < 0)
            continue;
        if (amass_text_add_special(tokenizer, names[i], strlen(names[i]), id) != 0)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    tokenizer->unk_id = amass_text_tokenizer_token_id(tokenizer, "[UNK]", 5);
    tokenizer->prefix_ids[0] = amass_text_tokenizer_token_id(tokenizer, "[CLS]", 5);
    tokenizer->suffix_ids[0] = amass_text_tokenizer_token_id(tokenizer, "[SEP]", 5);
    tokenizer->n_prefix = tokenizer->n_suffix = 1;
    return AMASS_OK;
}

static int check_vocab_specials(amass_text_tokenizer *tokenizer, const char *path, amass_status *status)
{
    if (tokenizer->unk_id < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the vocabulary has no [UNK] token", path);
    if (tokenizer->prefix_ids[0] < 0 || tokenizer->suffix_ids[0] < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the vocabulary has no [CLS] or no [SEP] token", path);
    return AMASS_OK;
}

static int load(amass_text_tokenizer *tokenizer, const char *path, amass_status *status)
{
    char json_path[4096], vocab_path[4096], config_path[4096];
    struct stat info;
    int directory = stat(path, &info) == 0 && S_ISDIR(info.st_mode), has_json;
    if (directory) {
        snprintf(json_path, sizeof json_path, "%s/tokenizer.json", path);
        snprintf(vocab_path, sizeof vocab_path, "%s/vocab.txt", path);
        snprintf(config_path, sizeof config_path, "%s/tokenizer_config.json", path);
        if (!is_file(json_path) && !is_file(vocab_path))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: no tokenizer.json or vocab.txt in the directory", path);
        has_json = is_file(json_path);
    } else {
        if (!is_file(path))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: no such tokenizer file", path);
        has_json = ends_with(path, ".json");
        snprintf(has_json ? json_path : vocab_path, sizeof json_path, "%s", path);
        config_path[0] = '\0';
    }
    if (strlen(path) > 4000)
        return amass_fail(status, AMASS_ERR_INPUT, "%.100s...: path too long", path);
    tokenizer->max_input_chars_per_word = 100;
    tokenizer->pad_id = -1;
    if (has_json) {
        tokenizer->source = "tokenizer.json";
        if (amass_text_load_tokenizer_json(tokenizer, json_path, status) != AMASS_OK)
            return status->code;
    } else {
        tokenizer->source = "vocab.txt";
        tokenizer->normalizer.clean_text = 1;
        tokenizer->normalizer.handle_chinese_chars = 1;
        tokenizer->normalizer.lowercase = 1;
        tokenizer->normalizer.strip_accents = 1;
        if (!(tokenizer->continuing_prefix = strdup("##")))
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        tokenizer->continuing_prefix_length = 2;
        if (amass_text_load_vocab_txt(tokenizer, vocab_path, status) != AMASS_OK ||
            amass_text_vocab_finish(tokenizer, vocab_path, status) != AMASS_OK ||
            add_default_specials(tokenizer, vocab_path, status) != AMASS_OK)
            return status->code;
    }
    tokenizer->pad_id = amass_text_tokenizer_token_id(tokenizer, "[PAD]", 5);
    if (config_path[0] && is_file(config_path) &&
        amass_text_load_tokenizer_config(tokenizer, config_path, has_json, status) != AMASS_OK)
        return status->code;
    if (!has_json)
        return check_vocab_specials(tokenizer, vocab_path, status);
    return AMASS_OK;
}

int amass_text_tokenizer_open(const char *path, amass_text_tokenizer **tokenizer, amass_status *status)
{
    amass_text_tokenizer *made = calloc(1, sizeof *made);
    *tokenizer = NULL;
    if (!made)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    if (load(made, path, status) != AMASS_OK) {
        amass_text_tokenizer_close(made);
        return status->code;
    }
    *tokenizer = made;
    return AMASS_OK;
}

void amass_text_tokenizer_close(amass_text_tokenizer *tokenizer)
{
    if (!tokenizer)
        return;
    for (size_t i = 0; i < tokenizer->n_added; i++)
        free(tokenizer->added[i].code_points);
    free(tokenizer->added);
    free(tokenizer->pool);
    free(tokenizer->token_offset);
    free(tokenizer->slots);
    free(tokenizer->continuing_prefix);
    free(tokenizer);
}

void amass_text_tokenizer_get_info(const amass_text_tokenizer *tokenizer, amass_text_tokenizer_info *info)
{
    memset(info, 0, sizeof *info);
    info->clean_text = tokenizer->normalizer.clean_text;
    info->handle_chinese_chars = tokenizer->normalizer.handle_chinese_chars;
    info->lowercase = tokenizer->normalizer.lowercase;
    info->strip_accents = tokenizer->normalizer.strip_accents;
    info->max_length = tokenizer->max_length;
    info->vocab_size = tokenizer->vocab_size;
    info->max_input_chars_per_word = tokenizer->max_input_chars_per_word;
    info->unk_id = tokenizer->unk_id;
    info->cls_id = tokenizer->n_prefix ? tokenizer->prefix_ids[0] : -1;
    info->sep_id = tokenizer->n_suffix ? tokenizer->suffix_ids[tokenizer->n_suffix - 1] : -1;
    info->pad_id = tokenizer->pad_id;
    info->source = tokenizer->source;
}

void amass_text_encoding_init(amass_text_encoding *encoding)
{
    memset(encoding, 0, sizeof *encoding);
}

void amass_text_encoding_free(amass_text_encoding *encoding)
{
    if (!encoding)
        return;
    free(encoding->ids);
    free(encoding->code_points);
    free(encoding->normalized);
    free(encoding->word);
    amass_text_encoding_init(encoding);
}

static int push_id(amass_text_encoding *encoding, int32_t id)
{
    if (encoding->length == encoding->capacity) {
        size_t capacity = encoding->capacity ? encoding->capacity * 2 : 64;
        int32_t *grown = amass_realloc_array(encoding->ids, capacity, sizeof *grown);
        if (!grown)
            return -1;
        encoding->ids = grown;
        encoding->capacity = capacity;
    }
    encoding->ids[encoding->length++] = id;
    return 0;
}

/* Words longer than this are [UNK] whatever tokenizer.json says (its
 * default and BERT's is 100). */
#define WORD_CHARS_MAX 256

/* One word by WordPiece: greedy longest match from the left, pieces after
 * the first carrying the continuing prefix; if some rest matches nothing
 * the whole word is one [UNK] (BERT's rule, not a partial word). */
static int encode_word(const amass_text_tokenizer *tokenizer, const uint32_t *word, size_t n,
                       amass_text_encoding *encoding)
{
    size_t prefix = tokenizer->continuing_prefix_length, start = 0, first = encoding->length, i;
    size_t offsets[WORD_CHARS_MAX + 1];
    char *bytes;
    if (n > tokenizer->max_input_chars_per_word || n > WORD_CHARS_MAX)
        return push_id(encoding, tokenizer->unk_id);
    if (prefix + 4 * n + 1 > encoding->word_capacity) {
        char *grown = realloc(encoding->word, prefix + 4 * WORD_CHARS_MAX + 1);
        if (!grown)
            return -1;
        encoding->word = grown;
        encoding->word_capacity = prefix + 4 * WORD_CHARS_MAX + 1;
    }
    /* The word in UTF-8 after room for the prefix. A continuation piece
     * gets the prefix written just before it, over characters already
     * consumed, so every candidate is one contiguous string. */
    bytes = encoding->word;
    offsets[0] = prefix;
    for (i = 0; i < n; i++)
        offsets[i + 1] = offsets[i] + amass_text_encode_utf8(word[i], bytes + offsets[i]);
    while (start < n) {
        int32_t id = -1;
        size_t end, from = offsets[start] - (start ? prefix : 0);
        if (start)
            memcpy(bytes + from, tokenizer->continuing_prefix, prefix);
        for (end = n; end > start; end--)
            if ((id = amass_text_tokenizer_token_id(tokenizer, bytes + from, offsets[end] - from)) >= 0)
                break;
        if (id < 0) {
            encoding->length = first;
            return push_id(encoding, tokenizer->unk_id);
        }
        if (push_id(encoding, id) != 0)
            return -1;
        start = end;
    }
    return 0;
}

/* Pre-tokenizes normalized text (whitespace splits, each punctuation
 * character stands alone) and WordPieces each word. */
static int encode_words(const amass_text_tokenizer *tokenizer, const uint32_t *text, size_t n,
                        amass_text_encoding *encoding)
{
    size_t i = 0;
    while (i < n) {
        size_t start;
        if (amass_text_is_whitespace(text[i])) {
            i++;
            continue;
        }
        if (amass_text_is_punctuation(text[i])) {
            if (encode_word(tokenizer, text + i, 1, encoding) != 0)
                return -1;
            i++;
            continue;
        }
        for (start = i; i < n && !amass_text_is_whitespace(text[i]) && !amass_text_is_punctuation(text[i]); i++)
            ;
        if (encode_word(tokenizer, text + start, i - start, encoding) != 0)
            return -1;
    }
    return 0;
}

/* The added token that starts at text[at], the longest when several do. */
static const amass_text_added_token *added_at(const amass_text_tokenizer *tokenizer, const uint32_t *text, size_t n,
                                              size_t at)
{
    const amass_text_added_token *best = NULL;
    for (size_t k = 0; k < tokenizer->n_added; k++) {
        const amass_text_added_token *added = &tokenizer->added[k];
        if (added->length <= n - at && added->code_points[0] == text[at] &&
            memcmp(added->code_points, text + at, added->length * sizeof *text) == 0 &&
            (!best || added->length > best->length))
            best = added;
    }
    return best;
}

/* The normalizer's scratch grows with the text it gets, so long texts go
 * through it in pieces of about this many code points. */
#define PIECE_CODE_POINTS 65536

/* Whether the text may be cut before text[at] without changing a token:
 * ASCII whitespace always separates words, and so does ASCII punctuation
 * that the final-sigma rule does not look through. */
static int is_cut_point(uint32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
        return 1;
    return cp < 0x80 && amass_text_is_punctuation(cp) && !(amass_text_class(cp) & AMASS_TEXT_CASE_IGNORABLE);
}

static int encode_section(const amass_text_tokenizer *tokenizer, size_t from, size_t to, size_t max_length,
                          amass_text_encoding *encoding)
{
    const uint32_t *text = encoding->code_points;
    while (from < to) {
        size_t end = to, n;
        if (to - from > PIECE_CODE_POINTS) {
            for (end = from + PIECE_CODE_POINTS; end < to && !is_cut_point(text[end]); end++)
                ;
        }
        n = amass_text_normalize(&tokenizer->normalizer, text + from, end - from, &encoding->normalized,
                                 &encoding->normalized_capacity);
        if (n == (size_t)-1 || encode_words(tokenizer, encoding->normalized, n, encoding) != 0)
            return -1;
        from = end;
        /* past the limit the rest would be cut anyway */
        if (max_length && encoding->length + tokenizer->n_suffix > max_length)
            return 1;
    }
    return 0;
}

int amass_text_tokenizer_encode(const amass_text_tokenizer *tokenizer, const char *text, size_t length,
                                size_t max_length, amass_text_encoding *encoding, amass_status *status)
{
    size_t n, i, section = 0, n_special = tokenizer->n_prefix + tokenizer->n_suffix, keep;
    int done = 0;
    encoding->length = encoding->full_length = 0;
    if (max_length && max_length <= n_special)
        return amass_fail(status, AMASS_ERR_USAGE, "maximum length %zu leaves no room for text between %zu special tokens",
                          max_length, n_special);
    n = amass_text_decode(text, length, &encoding->code_points, &encoding->code_point_capacity);
    if (n == (size_t)-1)
        goto out_of_memory;
    for (i = 0; i < tokenizer->n_prefix; i++)
        if (push_id(encoding, tokenizer->prefix_ids[i]) != 0)
            goto out_of_memory;
    /* added tokens are found in the raw text first, so normalizing never
     * changes them; the text between is tokenized section by section */
    for (i = 0; i < n && done == 0;) {
        const amass_text_added_token *added = tokenizer->n_added ? added_at(tokenizer, encoding->code_points, n, i) : NULL;
        if (!added) {
            i++;
            continue;
        }
        if ((done = encode_section(tokenizer, section, i, max_length, encoding)) < 0 ||
            (done == 0 && push_id(encoding, added->id) != 0))
            goto out_of_memory;
        i += added->length;
        section = i;
    }
    if (done == 0 && (done = encode_section(tokenizer, section, n, max_length, encoding)) < 0)
        goto out_of_memory;
    encoding->full_length = encoding->length + tokenizer->n_suffix;
    keep = encoding->length;
    if (max_length && encoding->full_length > max_length)
        keep = max_length - tokenizer->n_suffix;
    encoding->length = keep;
    for (i = 0; i < tokenizer->n_suffix; i++)
        if (push_id(encoding, tokenizer->suffix_ids[i]) != 0)
            goto out_of_memory;
    return AMASS_OK;
out_of_memory:
    return amass_fail(status, AMASS_ERR_NOMEM, "out of memory tokenizing %zu bytes", length);
}
