/* N-gram language models: the ARPA text format and the CMU Sphinx trie
 * binary ("Trie Language Model", as sphinx_lm_convert writes en-us.lm.bin),
 * both loaded into one in-memory model with one query.
 *
 * The model is a reversed trie, the layout Sphinx's binary uses: level 1
 * holds one node per word; a node at level k is reached from the word being
 * predicted back through its k-1 previous words, so the node for the
 * n-gram "a b c" sits at path c -> b -> a. Every node keeps the n-gram's
 * log10 probability and backoff. N-grams whose shorter suffix is absent
 * (pruned models) get a "blank" node holding the backed-off probability and
 * backoff 0, so the longer n-gram stays reachable; queries are unaffected.
 *
 * All probabilities are log10, as in ARPA files (multiply by M_LN10 for
 * natural log). The binary stores values in Sphinx's log base 1.0001 units
 * and quantizes bigram+ values to 16 bits; they are converted at load.
 * The model is immutable after load and may be shared by threads. */
#ifndef AMASS_SPHINX_LM_H
#define AMASS_SPHINX_LM_H

#include <stdint.h>

#include "base/base.h"

typedef struct amass_lm amass_lm;

/* Highest n-gram order either reader accepts. */
#define AMASS_LM_MAX_ORDER 8
/* A word the model does not know. */
#define AMASS_LM_NO_WORD (-1)
/* log10 probability given to a word the model cannot score (ARPA's -99). */
#define AMASS_LM_LOG10_ZERO (-99.0f)

/* ARPA text, plain or gzip. N-grams may appear in any order within their
 * section; a duplicate n-gram, an n-gram using a word missing from the
 * 1-grams, a count that does not match \data\, a missing section, a field
 * that is not a number or a word that is not UTF-8 fails with "path:line:
 * reason". */
amass_lm *amass_formats_arpa_open(const char *path, amass_status *status);
/* The Sphinx trie binary. Every count, pointer and word id is checked
 * against the file's size and the model's counts before use. */
amass_lm *amass_formats_sphinx_lm_open(const char *path, amass_status *status);
/* Either format, told apart by the binary's header. */
amass_lm *amass_formats_lm_open(const char *path, amass_status *status);
void amass_formats_lm_close(amass_lm *model);

int amass_formats_lm_order(const amass_lm *model);
/* Number of stored n-grams of order n (1-based), blanks included. */
uint32_t amass_formats_lm_count(const amass_lm *model, int n);
uint32_t amass_formats_lm_vocabulary_size(const amass_lm *model);
/* Word id of word (length bytes), or AMASS_LM_NO_WORD. */
int32_t amass_formats_lm_word_id(const amass_lm *model, const char *word, size_t length);
const char *amass_formats_lm_word(const amass_lm *model, int32_t word_id);
/* Id of "<unk>", "<s>" and "</s>", or AMASS_LM_NO_WORD when absent. */
int32_t amass_formats_lm_unknown_id(const amass_lm *model);
int32_t amass_formats_lm_sentence_start_id(const amass_lm *model);
int32_t amass_formats_lm_sentence_end_id(const amass_lm *model);

/* log10 P(word | history) with Katz backoff. history[0] is the word just
 * before `word`, history[1] the one before that, and so on; only the first
 * order-1 are used, and the history stops at the first AMASS_LM_NO_WORD
 * (nothing is known past an unknown word). An unknown `word` scores as
 * "<unk>" when the model has one, else AMASS_LM_LOG10_ZERO. *matched
 * (may be NULL) receives the length of the longest n-gram found. */
float amass_formats_lm_log10_probability(const amass_lm *model, int32_t word, const int32_t *history,
                                         int n_history, int *matched);

/* Walks every stored n-gram of order n (blanks included), words in
 * forward order (words[0] earliest); backoff is 0 for the top order.
 * Stops early when visit returns nonzero. For tests and conversions. */
typedef int (*amass_lm_visit_fn)(const int32_t *words, int n, float log10_probability, float log10_backoff,
                                 void *user);
void amass_formats_lm_each(const amass_lm *model, int n, amass_lm_visit_fn visit, void *user);

#endif
