/* libamass text layer: the BERT tokenizer of Hugging Face (BertTokenizer /
 * tokenizers' BertNormalizer + BertPreTokenizer + WordPiece), from
 * vocab.txt or tokenizer.json, giving the token ids a BERT-family encoder
 * takes.
 *
 * The steps, in Hugging Face's order:
 *   added tokens   exact matches of the special tokens ([CLS], [SEP],
 *                  [MASK]... or tokenizer.json's added_tokens) in the raw
 *                  text become their ids and are never split
 *   clean text     NUL, U+FFFD and control characters (Cc Cf Co Cs, not
 *                  tab / newline / CR) dropped; whitespace becomes a space
 *   CJK            each CJK ideograph is a word of its own
 *   lower case     full Unicode lower-casing (final sigma included), then,
 *                  unless strip_accents says no, NFD with the nonspacing
 *                  marks (Mn) removed
 *   pre-tokenize   split at whitespace; each punctuation character (P* and
 *                  the ASCII symbols) is a word of its own
 *   WordPiece      greedy longest match first, continuations prefixed
 *                  "##"; a word with no match, or longer than
 *                  max_input_chars_per_word (100), is one [UNK]
 *   post-process   [CLS] ... [SEP], truncated to a maximum length
 *
 * Invalid UTF-8 in the input: each byte that does not start a valid
 * sequence reads as U+FFFD, as a decoder with replacement gives it to
 * Hugging Face; clean_text then drops it like any U+FFFD, so "ab\xFFcd"
 * tokenizes as "abcd".
 */
#ifndef AMASS_TEXT_H
#define AMASS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

typedef struct amass_text_tokenizer amass_text_tokenizer;

typedef struct {
    int clean_text;
    int handle_chinese_chars;
    int lowercase;
    int strip_accents;           /* resolved: 1 when accents are stripped */
    size_t max_length;           /* tokenizer_config.json model_max_length; 0 when it gives none */
    size_t vocab_size;           /* one past the largest id */
    size_t max_input_chars_per_word;
    int32_t unk_id;
    int32_t cls_id;              /* -1: the post-processor adds none */
    int32_t sep_id;
    int32_t pad_id;              /* -1 when the vocabulary has no [PAD]; 0 is what BERT uses */
    const char *source;          /* "vocab.txt" or "tokenizer.json" */
} amass_text_tokenizer_info;

/* path: a model directory (tokenizer.json if present, else vocab.txt, each
 * with tokenizer_config.json when present), or a vocab.txt or
 * tokenizer.json file. With vocab.txt the defaults are BertTokenizer's:
 * lower-casing on, accents stripped when lower-casing, CJK split, [UNK],
 * [CLS], [SEP]; tokenizer_config.json's do_lower_case, strip_accents,
 * tokenize_chinese_chars and model_max_length override them. A
 * tokenizer.json that is not a WordPiece tokenizer with a BERT normalizer
 * and pre-tokenizer fails with a message naming what it has. Immutable
 * after open: threads share it. */
int amass_text_tokenizer_open(const char *path, amass_text_tokenizer **tokenizer, amass_status *status);
void amass_text_tokenizer_close(amass_text_tokenizer *tokenizer);
void amass_text_tokenizer_get_info(const amass_text_tokenizer *tokenizer, amass_text_tokenizer_info *info);
/* The id of a token as the vocabulary spells it, -1 when absent. */
int32_t amass_text_tokenizer_token_id(const amass_text_tokenizer *tokenizer, const char *token, size_t length);
/* The token of an id (NUL-terminated), NULL when out of range or unused. */
const char *amass_text_tokenizer_token(const amass_text_tokenizer *tokenizer, int32_t id);

/* One encoded text, and the scratch space to make it: a caller (a worker
 * thread) keeps one and reuses it, so encoding allocates only while the
 * texts grow. */
typedef struct {
    int32_t *ids;
    size_t length;          /* ids kept, [CLS] and [SEP] included */
    size_t full_length;     /* ids before truncation; > length when it was cut
                             * (tokenizing stops soon after the limit, so then
                             * it is a lower bound) */
    size_t capacity;
    uint32_t *code_points;  /* scratch */
    uint32_t *normalized;   /* scratch */
    size_t code_point_capacity, normalized_capacity;
    char *word;             /* scratch: one candidate piece in UTF-8 */
    size_t word_capacity;
} amass_text_encoding;

void amass_text_encoding_init(amass_text_encoding *encoding);
void amass_text_encoding_free(amass_text_encoding *encoding);

/* Tokenizes text[0..length) (not NUL-terminated; any bytes) into
 * encoding->ids. max_length > 0 keeps at most that many ids, special
 * tokens included, cutting the text's tokens from the end as Hugging
 * Face's truncation=True does (max_length must leave room for the special
 * tokens); 0 keeps all. Fails only for lack of memory or a max_length of
 * fewer ids than the special tokens. */
int amass_text_tokenizer_encode(const amass_text_tokenizer *tokenizer, const char *text, size_t length,
                                size_t max_length, amass_text_encoding *encoding, amass_status *status);

#endif
