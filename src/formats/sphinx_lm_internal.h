/* The in-memory n-gram model shared by the ARPA reader, the Sphinx trie
 * reader and the query (see sphinx_lm.h for the reversed-trie layout). */
#ifndef AMASS_SPHINX_LM_INTERNAL_H
#define AMASS_SPHINX_LM_INTERNAL_H

#include <stdint.h>

#include "formats/sphinx_lm.h"

/* One trie level; level 1 is indexed by word id and has no words array.
 * Children of node i of a level are nodes next[i] .. next[i+1]-1 of the
 * level below, sorted by word id (strictly increasing). */
typedef struct {
    uint32_t count;
    uint32_t *words;    /* NULL at level 1 */
    float *probs;       /* log10 */
    float *backoffs;    /* log10; NULL at the top level */
    uint32_t *next;     /* count + 1 entries; NULL at the top level */
} lm_level;

struct amass_lm {
    int order;
    lm_level levels[AMASS_LM_MAX_ORDER];    /* levels[0] holds 1-grams */
    char *word_text;                        /* words, each NUL-terminated */
    uint32_t *word_offsets;                 /* n_words entries into word_text */
    uint32_t n_words;
    uint32_t *hash_slots;                   /* word id + 1, 0 when empty */
    uint32_t hash_size;                     /* a power of two */
    int32_t unknown_id, start_id, end_id;
};

/* Builds the word hash from word_text/word_offsets/n_words and finds <unk>,
 * <s>, </s>. Returns the id of the first repeated word, or -1 when all are
 * distinct, or -2 when memory ran out. */
int64_t lm_index_words(amass_lm *model);

/* Allocates level n's arrays (n 1-based) for count nodes. */
int lm_level_allocate(amass_lm *model, int n, uint32_t count);

/* Scores like amass_formats_lm_log10_probability but matches n-grams only
 * up to level max_level (the trie builder scores blanks before the levels
 * above them exist). history holds valid word ids. */
float lm_score(const amass_lm *model, uint32_t word, const uint32_t *history, int n_history, int max_level,
               int *matched);

/* An n-gram read from a text file, words reversed (words[0] is the
 * predicted word), unused words zero so records compare as a whole. */
typedef struct {
    uint32_t words[AMASS_LM_MAX_ORDER];
    float prob, backoff;
    long line;
} lm_ngram;

/* Turns the n-grams of orders 2..order (ngrams[n-2], counts[n-2]; the
 * arrays are sorted and may be reordered) into levels 2..order of a model
 * whose 1-grams are already set, adding blanks for missing suffixes.
 * Fails with "path:line: duplicate N-gram ..." on a repeated n-gram. */
amass_code lm_build_trie(amass_lm *model, lm_ngram **ngrams, const uint32_t *counts, const char *path,
                         amass_status *status);

#endif
