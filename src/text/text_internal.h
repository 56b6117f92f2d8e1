/* Pieces the text layer's files share: the generated Unicode tables, the
 * tokenizer object and the vocabulary's hash table. Not public. */
#ifndef AMASS_TEXT_INTERNAL_H
#define AMASS_TEXT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "text.h"

/* Character class bits (unicode_tables.c). */
enum {
    AMASS_TEXT_CONTROL = 1,        /* Cc Cf Co Cs except tab, newline, CR */
    AMASS_TEXT_PUNCTUATION = 2,    /* P* (the ASCII symbols are added in code) */
    AMASS_TEXT_MARK = 4,           /* Mn */
    AMASS_TEXT_CASED = 8,
    AMASS_TEXT_CASE_IGNORABLE = 16
};

typedef struct {
    uint32_t start;   /* the class holds from here to the next range's start */
    uint8_t flags;
} amass_text_class_range;

typedef struct {
    uint32_t code_point;
    uint16_t offset;  /* into amass_text_mapping_pool */
    uint8_t length;
} amass_text_mapping;

extern const amass_text_class_range amass_text_class_ranges[];
extern const size_t amass_text_n_class_ranges;
extern const uint8_t amass_text_ascii_classes[128];
extern const amass_text_mapping amass_text_lower_map[];
extern const size_t amass_text_lower_map_count;
extern const amass_text_mapping amass_text_strip_map[];
extern const size_t amass_text_strip_map_count;
extern const uint32_t amass_text_mapping_pool[];

/* normalize.c */
unsigned amass_text_class(uint32_t code_point);
int amass_text_is_whitespace(uint32_t code_point);
int amass_text_is_punctuation(uint32_t code_point);
int amass_text_is_chinese(uint32_t code_point);

typedef struct {
    int clean_text;
    int handle_chinese_chars;
    int lowercase;
    int strip_accents;
} amass_text_normalizer;

/* Decodes UTF-8 (invalid bytes -> U+FFFD each) into *out; returns the
 * count, or (size_t)-1 when out of memory. */
size_t amass_text_decode(const char *text, size_t length, uint32_t **out, size_t *capacity);
/* Normalizes in[0..n) into *out as the BERT normalizer does; returns the
 * count or (size_t)-1 when out of memory. */
size_t amass_text_normalize(const amass_text_normalizer *normalizer, const uint32_t *in, size_t n, uint32_t **out,
                            size_t *capacity);
/* Appends code point cp as UTF-8; returns bytes written (1-4). */
size_t amass_text_encode_utf8(uint32_t cp, char *out);

/* A special token matched in raw text before normalization. */
typedef struct {
    uint32_t *code_points;
    size_t length;
    int32_t id;
} amass_text_added_token;

#define AMASS_TEXT_MAX_SPECIALS 4

struct amass_text_tokenizer {
    /* vocabulary: token text pool, per-id offsets, open-addressing table of ids */
    char *pool;
    size_t pool_length, pool_capacity;
    size_t *token_offset;     /* by id; SIZE_MAX for an unused id */
    size_t vocab_size;
    int32_t *slots;           /* -1 empty */
    size_t n_slots;           /* power of two */
    amass_text_normalizer normalizer;
    size_t max_length;
    size_t max_input_chars_per_word;
    char *continuing_prefix;
    size_t continuing_prefix_length;
    int32_t unk_id, pad_id;
    /* what the post-processor puts around a text: [CLS] and [SEP] for BERT */
    int32_t prefix_ids[AMASS_TEXT_MAX_SPECIALS], suffix_ids[AMASS_TEXT_MAX_SPECIALS];
    size_t n_prefix, n_suffix;
    amass_text_added_token *added;
    size_t n_added;
    const char *source;
};

/* vocab.c: adds token (id = its place) to the vocabulary being built. */
int amass_text_vocab_add(amass_text_tokenizer *tokenizer, const char *token, size_t length, size_t id,
                         const char *where, amass_status *status);
/* Builds the hash table once all tokens are in. */
int amass_text_vocab_finish(amass_text_tokenizer *tokenizer, const char *where, amass_status *status);
int amass_text_add_special(amass_text_tokenizer *tokenizer, const char *content, size_t length, int32_t id);

/* config.c: reading a directory or file into a tokenizer. */
int amass_text_load_vocab_txt(amass_text_tokenizer *tokenizer, const char *path, amass_status *status);
int amass_text_load_tokenizer_json(amass_text_tokenizer *tokenizer, const char *path, amass_status *status);
int amass_text_load_tokenizer_config(amass_text_tokenizer *tokenizer, const char *path, int has_tokenizer_json,
                                     amass_status *status);

#endif
