/* Scoring with the reversed trie: Katz backoff, the rule ARPA models and
 * Sphinx's ngram_model_score share. */
#include "config.h"

#include <stddef.h>

#include "formats/sphinx_lm_internal.h"

/* Child of node `index` (of level n) whose word is `word`, or -1: a binary
 * search, since the readers keep children sorted. */
static int64_t find_child(const amass_lm *model, int n, uint32_t index, uint32_t word)
{
    const lm_level *level = &model->levels[n - 1];
    const uint32_t *words = model->levels[n].words;
    uint32_t low = level->next[index], high = level->next[index + 1];
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (words[middle] < word)
            low = middle + 1;
        else if (words[middle] > word)
            high = middle;
        else
            return middle;
    }
    return -1;
}

/* P(w | h1..hk) = P(w | h1..hm) of the longest stored n-gram, plus the
 * backoffs of the contexts h1..hj for j = m+1..k that are stored (an
 * absent context backs off with weight 1). */
float lm_score(const amass_lm *model, uint32_t word, const uint32_t *history, int n_history, int max_level,
               int *matched)
{
    float prob = model->levels[0].probs[word], backoff = 0.0f;
    uint32_t index = word;
    int found = 0, depth;
    for (depth = 0; depth < n_history && depth + 2 <= max_level; depth++) {
        int64_t child = find_child(model, depth + 1, index, history[depth]);
        if (child < 0)
            break;
        index = (uint32_t)child;
        prob = model->levels[depth + 1].probs[index];
        found = depth + 1;
    }
    if (matched)
        *matched = found + 1;
    if (found < n_history) {
        /* The context h1..hj is the node at path h1 -> h2 -> ... -> hj. */
        index = history[0];
        if (found == 0)
            backoff += model->levels[0].backoffs[index];
        for (depth = 1; depth < n_history; depth++) {
            int64_t child = find_child(model, depth, index, history[depth]);
            if (child < 0)
                break;
            index = (uint32_t)child;
            if (depth + 1 > found)
                backoff += model->levels[depth].backoffs[index];
        }
    }
    return prob + backoff;
}

float amass_formats_lm_log10_probability(const amass_lm *model, int32_t word, const int32_t *history,
                                         int n_history, int *matched)
{
    uint32_t known[AMASS_LM_MAX_ORDER];
    int n_known = 0;
    if (word < 0 || (uint32_t)word >= model->n_words)
        word = model->unknown_id;
    if (word < 0) {
        if (matched)
            *matched = 0;
        return AMASS_LM_LOG10_ZERO;
    }
    if (n_history > model->order - 1)
        n_history = model->order - 1;
    while (n_known < n_history && history[n_known] >= 0 && (uint32_t)history[n_known] < model->n_words) {
        known[n_known] = (uint32_t)history[n_known];
        n_known++;
    }
    return lm_score(model, (uint32_t)word, known, n_known, model->order, matched);
}
