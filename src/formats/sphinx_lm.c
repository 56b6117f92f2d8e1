/* The in-memory n-gram model: vocabulary, the reversed trie built from
 * text n-grams (with blanks for missing suffixes), accessors and the
 * format dispatch. The readers fill it; sphinx_lm_query.c scores with it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/sphinx_lm_internal.h"

int lm_level_allocate(amass_lm *model, int n, uint32_t count)
{
    lm_level *level = &model->levels[n - 1];
    size_t nodes = count ? count : 1;
    level->count = count;
    level->probs = amass_calloc_array(nodes, sizeof(float));
    if (!level->probs)
        return -1;
    if (n > 1) {
        level->words = amass_calloc_array(nodes, sizeof(uint32_t));
        if (!level->words)
            return -1;
    }
    if (n < model->order) {
        level->backoffs = amass_calloc_array(nodes, sizeof(float));
        level->next = amass_calloc_array((size_t)count + 1, sizeof(uint32_t));
        if (!level->backoffs || !level->next)
            return -1;
    }
    return 0;
}

static uint32_t word_hash(const char *word, size_t length)
{
    return (uint32_t)amass_hash_bytes(word, length);
}

int64_t lm_index_words(amass_lm *model)
{
    uint32_t size = 16, id;
    while (size < 2 * (uint64_t)model->n_words)
        size *= 2;
    model->hash_slots = amass_calloc_array(size, sizeof(uint32_t));
    if (!model->hash_slots)
        return -2;
    model->hash_size = size;
    for (id = 0; id < model->n_words; id++) {
        const char *word = model->word_text + model->word_offsets[id];
        size_t length = strlen(word);
        uint32_t slot = word_hash(word, length) & (size - 1);
        while (model->hash_slots[slot]) {
            if (strcmp(model->word_text + model->word_offsets[model->hash_slots[slot] - 1], word) == 0)
                return id;
            slot = (slot + 1) & (size - 1);
        }
        model->hash_slots[slot] = id + 1;
    }
    model->unknown_id = amass_formats_lm_word_id(model, "<unk>", 5);
    model->start_id = amass_formats_lm_word_id(model, "<s>", 3);
    model->end_id = amass_formats_lm_word_id(model, "</s>", 4);
    return -1;
}

int32_t amass_formats_lm_word_id(const amass_lm *model, const char *word, size_t length)
{
    uint32_t slot;
    if (!model->hash_size)
        return AMASS_LM_NO_WORD;
    slot = word_hash(word, length) & (model->hash_size - 1);
    while (model->hash_slots[slot]) {
        uint32_t id = model->hash_slots[slot] - 1;
        const char *known = model->word_text + model->word_offsets[id];
        if (strncmp(known, word, length) == 0 && known[length] == '\0')
            return (int32_t)id;
        slot = (slot + 1) & (model->hash_size - 1);
    }
    return AMASS_LM_NO_WORD;
}

const char *amass_formats_lm_word(const amass_lm *model, int32_t word_id)
{
    if (word_id < 0 || (uint32_t)word_id >= model->n_words)
        return NULL;
    return model->word_text + model->word_offsets[word_id];
}

int amass_formats_lm_order(const amass_lm *model) { return model->order; }

uint32_t amass_formats_lm_count(const amass_lm *model, int n)
{
    return n >= 1 && n <= model->order ? model->levels[n - 1].count : 0;
}

uint32_t amass_formats_lm_vocabulary_size(const amass_lm *model) { return model->n_words; }
int32_t amass_formats_lm_unknown_id(const amass_lm *model) { return model->unknown_id; }
int32_t amass_formats_lm_sentence_start_id(const amass_lm *model) { return model->start_id; }
int32_t amass_formats_lm_sentence_end_id(const amass_lm *model) { return model->end_id; }

void amass_formats_lm_close(amass_lm *model)
{
    int n;
    if (!model)
        return;
    for (n = 0; n < AMASS_LM_MAX_ORDER; n++) {
        free(model->levels[n].words);
        free(model->levels[n].probs);
        free(model->levels[n].backoffs);
        free(model->levels[n].next);
    }
    free(model->word_text);
    free(model->word_offsets);
    free(model->hash_slots);
    free(model);
}

amass_lm *amass_formats_lm_open(const char *path, amass_status *status)
{
    static const char header[] = "Trie Language Model";
    char start[sizeof header - 1];
    FILE *file = fopen(path, "rb");
    size_t got;
    if (!file) {
        amass_fail(status, AMASS_ERR_IO, "%s: cannot open", path);
        return NULL;
    }
    got = fread(start, 1, sizeof start, file);
    fclose(file);
    if (got == sizeof start && memcmp(start, header, sizeof start) == 0)
        return amass_formats_sphinx_lm_open(path, status);
    return amass_formats_arpa_open(path, status);
}

/* ---- walking the trie ------------------------------------------------- */

/* Depth-first from node `index` of level n, path[0..n-1] reversed words. */
static int each_below(const amass_lm *model, int n, uint32_t index, uint32_t *path, int target,
                      amass_lm_visit_fn visit, void *user)
{
    const lm_level *level = &model->levels[n - 1];
    uint32_t child;
    if (n == target) {
        int32_t words[AMASS_LM_MAX_ORDER];
        int i;
        for (i = 0; i < n; i++)
            words[i] = (int32_t)path[n - 1 - i];
        return visit(words, n, level->probs[index], level->backoffs ? level->backoffs[index] : 0.0f, user);
    }
    for (child = level->next[index]; child < level->next[index + 1]; child++) {
        path[n] = model->levels[n].words[child];
        if (each_below(model, n + 1, child, path, target, visit, user))
            return 1;
    }
    return 0;
}

void amass_formats_lm_each(const amass_lm *model, int n, amass_lm_visit_fn visit, void *user)
{
    uint32_t path[AMASS_LM_MAX_ORDER], word;
    if (n < 1 || n > model->order)
        return;
    for (word = 0; word < model->n_words; word++) {
        path[0] = word;
        if (each_below(model, 1, word, path, n, visit, user))
            return;
    }
}

/* ---- building from text n-grams --------------------------------------- */

static int compare_ngrams(const void *a, const void *b)
{
    const lm_ngram *x = a, *y = b;
    int i;
    for (i = 0; i < AMASS_LM_MAX_ORDER; i++)
        if (x->words[i] != y->words[i])
            return x->words[i] < y->words[i] ? -1 : 1;
    /* Stated n-grams (line > 0) before blanks (line 0), then file order. */
    if ((x->line == 0) != (y->line == 0))
        return x->line == 0 ? 1 : -1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Node sets top-down: level n's nodes are its stated n-grams plus the
 * reversed prefixes of level n+1's nodes (the suffixes a longer n-gram
 * needs to be reachable); then values bottom-up, since a blank's
 * backed-off probability needs the levels below it. */
amass_code lm_build_trie(amass_lm *model, lm_ngram **ngrams, const uint32_t *counts, const char *path,
                         amass_status *status)
{
    lm_ngram *nodes[AMASS_LM_MAX_ORDER] = {0};
    uint32_t node_counts[AMASS_LM_MAX_ORDER] = {0};
    amass_code code = AMASS_OK;
    int n;
    for (n = model->order; n >= 2; n--) {
        size_t total = (size_t)counts[n - 2] + (n < model->order ? node_counts[n] : 0), used = 0, i, kept = 0;
        lm_ngram *list = amass_calloc_array(total ? total : 1, sizeof *list);
        if (!list) {
            code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d-grams", path, n);
            goto done;
        }
        if (counts[n - 2])
            memcpy(list, ngrams[n - 2], (size_t)counts[n - 2] * sizeof *list);
        used = counts[n - 2];
        if (n < model->order)
            for (i = 0; i < node_counts[n]; i++) {
                lm_ngram *blank = &list[used++];
                memcpy(blank->words, nodes[n][i].words, sizeof blank->words);
                blank->words[n] = 0;
                blank->line = 0;
            }
        qsort(list, used, sizeof *list, compare_ngrams);
        for (i = 0; i < used; i++) {
            if (kept && memcmp(list[kept - 1].words, list[i].words, sizeof list[i].words) == 0) {
                if (list[i].line) {
                    code = amass_fail(status, AMASS_ERR_INPUT, "%s:%ld: duplicate %d-gram (first on line %ld)",
                                      path, list[i].line, n, list[kept - 1].line);
                    free(list);
                    goto done;
                }
                continue;
            }
            list[kept++] = list[i];
        }
        nodes[n - 1] = list;
        node_counts[n - 1] = (uint32_t)kept;
    }
    for (n = 2; n <= model->order; n++) {
        lm_level *parent = &model->levels[n - 2], *level;
        uint32_t i, parent_index = 0;
        if (lm_level_allocate(model, n, node_counts[n - 1])) {
            code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d-grams", path, n);
            goto done;
        }
        level = &model->levels[n - 1];
        for (i = 0; i < level->count; i++) {
            const lm_ngram *node = &nodes[n - 1][i];
            if (n == 2) {
                parent_index = node->words[0];
            } else {
                /* Both levels are sorted, so the parent is found by walking. */
                while (parent_index + 1 < parent->count &&
                       memcmp(nodes[n - 2][parent_index].words, node->words, (size_t)(n - 1) * sizeof(uint32_t)))
                    parent_index++;
            }
            parent->next[parent_index + 1] = i + 1;
            level->words[i] = node->words[n - 1];
            if (node->line) {
                level->probs[i] = node->prob;
                if (level->backoffs)
                    level->backoffs[i] = node->backoff;
            } else {
                level->probs[i] = lm_score(model, node->words[0], node->words + 1, n - 1, n - 1, NULL);
            }
        }
        /* Parents without children point at the end of the one before. */
        for (i = 1; i <= parent->count; i++)
            if (parent->next[i] < parent->next[i - 1])
                parent->next[i] = parent->next[i - 1];
    }
done:
    for (n = 0; n < AMASS_LM_MAX_ORDER; n++)
        free(nodes[n]);
    return code;
}
