/* Frame-synchronous Viterbi beam search over the lexicon tree: HMM evaluation, beam and histogram pruning, word exits scored by the n-gram LM, cross-word entry. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

void amass_speech_search_options_default(amass_speech_search_options *options)
{
    options->beam = 1e-48;
    options->word_beam = 7e-29;
    options->phone_beam = 1e-48;
    options->language_weight = 6.5;
    options->word_insertion_penalty = 0.65;
    options->phone_insertion_penalty = 1.0;
    options->silence_probability = 0.005;
    options->filler_probability = 1e-8;
    options->max_active = 30000;
    /* pocketsphinx keeps every word exit (-maxwpf -1); 20 a frame gives
     * the same LibriVox words with a smaller lattice and a faster search. */
    options->max_word_exits = 20;
}

static int probability_ok(double value)
{
    return value > 0 && value <= 1e300 && isfinite(value);
}

amass_code amass_speech_decoder_open(const amass_speech_lexicon *lexicon, const amass_speech_search_options *options,
                                     amass_speech_decoder **out, amass_status *status)
{
    *out = NULL;
    amass_speech_search_options defaults;
    if (!lexicon)
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: no lexicon");
    if (!options) {
        amass_speech_search_options_default(&defaults);
        options = &defaults;
    }
    if (!probability_ok(options->beam) || options->beam > 1 || !probability_ok(options->word_beam) ||
        options->word_beam > 1 || !probability_ok(options->phone_beam) || options->phone_beam > 1)
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: beams must be probabilities in (0, 1]");
    if (!(options->language_weight > 0) || !isfinite(options->language_weight))
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: language weight must be positive, not %g",
                          options->language_weight);
    if (!probability_ok(options->word_insertion_penalty) || !probability_ok(options->phone_insertion_penalty) ||
        !probability_ok(options->silence_probability) || !probability_ok(options->filler_probability))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "decoder: insertion penalties and filler probabilities must be positive");
    if (options->max_active < 0 || options->max_word_exits < 0)
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: max_active and max_word_exits must not be negative");
    amass_speech_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder)
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    decoder->lexicon = lexicon;
    decoder->options = *options;
    decoder->log_beam = (float)log(options->beam);
    decoder->log_word_beam = (float)log(options->word_beam);
    decoder->log_phone_beam = (float)log(options->phone_beam);
    decoder->log_wip = (float)log(options->word_insertion_penalty);
    decoder->log_pip = (float)log(options->phone_insertion_penalty);
    decoder->log_last_phone_beam = (float)log(1e-40);
    decoder->lm_scale = (float)(M_LN10 * options->language_weight);
    decoder->word_penalty[SEARCH_WORD] = decoder->log_wip;
    decoder->word_penalty[SEARCH_SILENCE] = (float)log(options->silence_probability);
    decoder->word_penalty[SEARCH_FILLER] = (float)log(options->filler_probability);
    decoder->word_penalty[SEARCH_SENTENCE_MARK] = 0;
    decoder->n_senones = amass_speech_acoustic_model_n_senones(lexicon->model);
    size_t n_nodes = lexicon->n_nodes + lexicon->n_leaves, n_ci = (size_t)lexicon->n_ciphones;
    decoder->slot = malloc(n_nodes * sizeof *decoder->slot);
    decoder->active = malloc(n_nodes * sizeof *decoder->active);
    decoder->next_active = malloc(n_nodes * sizeof *decoder->next_active);
    decoder->word_exit = malloc(lexicon->n_words * sizeof *decoder->word_exit);
    decoder->word_exit_frame = calloc(lexicon->n_words, sizeof *decoder->word_exit_frame);
    decoder->phone_best = malloc(n_ci * sizeof *decoder->phone_best);
    decoder->phone_best_exit = malloc(n_ci * sizeof *decoder->phone_best_exit);
    decoder->normalised = malloc((size_t)decoder->n_senones * sizeof *decoder->normalised + 1);
    decoder->lm_cache = malloc(((size_t)1 << SEARCH_LM_CACHE_BITS) * sizeof *decoder->lm_cache);
    for (size_t i = 0; decoder->lm_cache && i < (size_t)1 << SEARCH_LM_CACHE_BITS; i++)
        decoder->lm_cache[i].word = AMASS_LM_NO_WORD;
    if (!decoder->slot || !decoder->active || !decoder->next_active || !decoder->word_exit ||
        !decoder->word_exit_frame || !decoder->phone_best || !decoder->phone_best_exit || !decoder->normalised ||
        !decoder->lm_cache) {
        amass_speech_decoder_close(decoder);
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    }
    for (size_t i = 0; i < n_nodes; i++)
        decoder->slot[i] = -1;
    *out = decoder;
    return AMASS_OK;
}

void amass_speech_decoder_close(amass_speech_decoder *decoder)
{
    if (!decoder)
        return;
    free(decoder->slot);
    free(decoder->pool);
    free(decoder->free_slots);
    free(decoder->active);
    free(decoder->next_active);
    free(decoder->exits);
    free(decoder->rc_scores);
    free(decoder->candidates);
    free(decoder->word_exit);
    free(decoder->word_exit_frame);
    free(decoder->phone_best);
    free(decoder->phone_best_exit);
    free(decoder->normalised);
    free(decoder->lm_cache);
    free(decoder);
}

static int enter_words(amass_speech_decoder *decoder, size_t first, float threshold);

static void reset_hmm(search_hmm *hmm)
{
    for (int i = 0; i < SEARCH_MAX_STATES; i++) {
        hmm->score[i] = -INFINITY;
        hmm->history[i] = -1;
    }
    hmm->entry = -INFINITY;
    hmm->entry_history = -1;
    hmm->entry_pid = -1;
    hmm->best = hmm->exit = -INFINITY;
    hmm->next_frame = 0;
}

/* The look-ahead as the LM will score it at word exit. */
static inline float lookahead(const amass_speech_decoder *decoder, const search_node *node)
{
    if (node->filler_kind == SEARCH_WORD)
        return decoder->lm_scale * node->lookahead + decoder->log_wip;
    return decoder->word_penalty[node->filler_kind];
}

static inline search_hmm *hmm_of(amass_speech_decoder *decoder, int32_t node)
{
    return &decoder->pool[decoder->slot[node]];
}

static void set_phone(const amass_speech_decoder *decoder, search_hmm *hmm, int32_t pid)
{
    const amass_sphinx_phone *phone = amass_sphinx_mdef_phone(decoder->lexicon->mdef, pid);
    const int32_t *senones = amass_sphinx_mdef_phone_senones(decoder->lexicon->mdef, pid);
    for (int i = 0; i < decoder->lexicon->n_states; i++)
        hmm->senones[i] = senones[i];
    hmm->transitions = amass_speech_acoustic_model_transitions(decoder->lexicon->model, phone->transition_matrix);
}

/* A fresh HMM for a node entering the beam, its phone set when static. */
static search_hmm *activate(amass_speech_decoder *decoder, int32_t node_id)
{
    int32_t slot;
    if (decoder->n_free > 0) {
        slot = decoder->free_slots[--decoder->n_free];
    } else {
        if (decoder->pool_used == decoder->pool_capacity) {
            size_t grown = decoder->pool_capacity ? decoder->pool_capacity * 2 : 4096;
            search_hmm *pool = realloc(decoder->pool, grown * sizeof *pool);
            if (!pool)
                return NULL;
            decoder->pool = pool;
            int32_t *free_slots = realloc(decoder->free_slots, grown * sizeof *free_slots);
            if (!free_slots)
                return NULL;
            decoder->free_slots = free_slots;
            decoder->pool_capacity = grown;
        }
        slot = (int32_t)decoder->pool_used++;
    }
    decoder->slot[node_id] = slot;
    search_hmm *hmm = &decoder->pool[slot];
    reset_hmm(hmm);
    hmm->transitions = NULL;
    const amass_speech_lexicon *lexicon = decoder->lexicon;
    int32_t pid = (size_t)node_id < lexicon->n_nodes ? lexicon->nodes[node_id].pid : search_leaf_pid(lexicon, node_id);
    if (pid >= 0)
        set_phone(decoder, hmm, pid);
    return hmm;
}

static void deactivate(amass_speech_decoder *decoder, int32_t node_id)
{
    decoder->free_slots[decoder->n_free++] = decoder->slot[node_id];
    decoder->slot[node_id] = -1;
}

static int grow(void **array, size_t *capacity, size_t needed, size_t size)
{
    if (needed <= *capacity)
        return 0;
    size_t grown = *capacity ? *capacity : 256;
    while (grown < needed)
        grown *= 2;
    void *bigger = realloc(*array, grown * size);
    if (!bigger)
        return -1;
    *array = bigger;
    *capacity = grown;
    return 0;
}

/* A new back pointer with its right-context scores, all -inf. */
static int32_t new_exit(amass_speech_decoder *decoder, int32_t word, uint32_t end)
{
    int32_t n_groups = decoder->lexicon->words[word].n_groups;
    if (grow((void **)&decoder->exits, &decoder->exits_capacity, decoder->n_exits + 1, sizeof *decoder->exits) ||
        grow((void **)&decoder->rc_scores, &decoder->rc_capacity, decoder->n_rc_scores + (size_t)n_groups,
             sizeof *decoder->rc_scores))
        return -1;
    search_exit *exit = &decoder->exits[decoder->n_exits];
    memset(exit, 0, sizeof *exit);
    exit->word = word;
    exit->prev = -1;
    exit->end = end;
    exit->score = -INFINITY;
    exit->rc_offset = decoder->n_rc_scores;
    for (int32_t g = 0; g < n_groups; g++)
        decoder->rc_scores[decoder->n_rc_scores++] = -INFINITY;
    return (int32_t)decoder->n_exits++;
}

/* Weighted LM score of word after the path ending in history_exit, with
 * the word insertion penalty; fillers take their fixed penalty and are
 * transparent to the LM history. lm_history receives the two LM words
 * the next word will see. */
float search_language_score(amass_speech_decoder *decoder, int32_t word, int32_t history_exit,
                            int32_t *lm_history)
{
    int32_t history[2] = {decoder->lexicon->lm_start, AMASS_LM_NO_WORD};
    if (history_exit >= 0) {
        history[0] = decoder->exits[history_exit].history[0];
        history[1] = decoder->exits[history_exit].history[1];
    }
    return search_language_score_after(decoder, word, history, lm_history);
}

float search_language_score_after(amass_speech_decoder *decoder, int32_t word, const int32_t *history,
                                  int32_t *lm_history)
{
    const amass_speech_lexicon *lexicon = decoder->lexicon;
    const search_word *entry = &lexicon->words[word];
    if (entry->kind == SEARCH_SILENCE || entry->kind == SEARCH_FILLER) {
        lm_history[0] = history[0];
        lm_history[1] = history[1];
        return decoder->word_penalty[entry->kind];
    }
    int32_t h0 = history[0], h1 = history[1];
    lm_history[0] = entry->lm_id;
    lm_history[1] = h0;
    uint32_t hash = ((uint32_t)entry->lm_id * 2654435761u) ^ ((uint32_t)h0 * 40503u) ^ ((uint32_t)h1 * 2246822519u);
    search_lm_memo *memo = &decoder->lm_cache[(hash ^ hash >> 16) & ((1u << SEARCH_LM_CACHE_BITS) - 1)];
    if (memo->word != entry->lm_id || memo->history[0] != h0 || memo->history[1] != h1) {
        int32_t query[2] = {h0, h1};
        int n_history = h1 == AMASS_LM_NO_WORD ? 1 : 2;
        memo->word = entry->lm_id;
        memo->history[0] = h0;
        memo->history[1] = h1;
        memo->log10_probability = amass_formats_lm_log10_probability(lexicon->lm, entry->lm_id, query, n_history, NULL);
    }
    return decoder->lm_scale * memo->log10_probability + decoder->log_wip;
}

amass_code amass_speech_decoder_start(amass_speech_decoder *decoder, amass_status *status)
{
    const amass_speech_lexicon *lexicon = decoder->lexicon;
    for (size_t i = 0; i < lexicon->n_nodes + lexicon->n_leaves; i++)
        decoder->slot[i] = -1;
    decoder->pool_used = decoder->n_free = 0;
    for (size_t i = 0; i < lexicon->n_words; i++) {
        decoder->word_exit[i] = -1;
        decoder->word_exit_frame[i] = 0;
    }
    decoder->n_active = decoder->n_next = 0;
    decoder->n_exits = decoder->n_rc_scores = 0;
    decoder->frame = 0;
    /* <s> ends before frame 0; every word may start there. */
    int32_t start = new_exit(decoder, 0, 0);
    if (start < 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    decoder->exits[start].score = 0;
    decoder->exits[start].history[0] = lexicon->lm_start;
    decoder->exits[start].history[1] = AMASS_LM_NO_WORD;
    decoder->rc_scores[decoder->exits[start].rc_offset] = 0;
    decoder->next_stamp = 1;
    if (enter_words(decoder, (size_t)start, -INFINITY))
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    decoder->started = 1;
    return AMASS_OK;
}

/* Puts entry score into a node for the next frame; dynamic nodes choose
 * their phone for the entering word's last phone. */
static int enter(amass_speech_decoder *decoder, int32_t node_id, float score, int32_t history, int32_t left)
{
    search_hmm *hmm = decoder->slot[node_id] >= 0 ? hmm_of(decoder, node_id) : activate(decoder, node_id);
    if (!hmm)
        return -1;
    if (score <= hmm->entry)
        return 0;
    hmm->entry = score;
    hmm->entry_history = history;
    int32_t dynamic = (size_t)node_id < decoder->lexicon->n_nodes
                          ? search_node_dynamic(&decoder->lexicon->nodes[node_id]) : -1;
    if (dynamic >= 0)
        hmm->entry_pid = decoder->lexicon->dynamic_pids[(size_t)dynamic * (size_t)decoder->lexicon->n_ciphones +
                                                        (size_t)left];
    if (hmm->next_frame != decoder->next_stamp) {
        hmm->next_frame = decoder->next_stamp;
        decoder->next_active[decoder->n_next++] = node_id;
    }
    return 0;
}

/* Enters the roots of every word from the word exits of the frame just
 * ended (exits first..n_exits), each root from the exit whose fanned-out
 * last phone fits its first phone best. */
static int enter_words(amass_speech_decoder *decoder, size_t first, float threshold)
{
    const amass_speech_lexicon *lexicon = decoder->lexicon;
    int32_t n = lexicon->n_ciphones;
    for (int32_t p = 0; p < n; p++) {
        decoder->phone_best[p] = -INFINITY;
        decoder->phone_best_exit[p] = -1;
    }
    for (size_t e = first; e < decoder->n_exits; e++) {
        const search_exit *exit = &decoder->exits[e];
        if (exit->score == -INFINITY)
            continue;
        const search_word *word = &lexicon->words[exit->word];
        const float *rc = decoder->rc_scores + exit->rc_offset;
        const uint8_t *groups = lexicon->rc_groups + (size_t)word->rc_row * (size_t)n;
        for (int32_t p = 0; p < n; p++) {
            float score = rc[groups[p]];
            if (score > decoder->phone_best[p]) {
                decoder->phone_best[p] = score;
                decoder->phone_best_exit[p] = (int32_t)e;
            }
        }
    }
    for (size_t i = 0; i < lexicon->n_entries; i++) {
        int32_t node = lexicon->entries[i];
        int32_t base = lexicon->entry_base[i];
        float score = decoder->phone_best[base];
        if (score == -INFINITY)
            continue;
        score += decoder->log_pip + lookahead(decoder, &lexicon->nodes[node]);
        if (score < threshold)
            continue;
        int32_t exit = decoder->phone_best_exit[base];
        if (enter(decoder, node, score, exit, lexicon->words[decoder->exits[exit].word].last_phone))
            return -1;
    }
    return 0;
}

/* One Viterbi step of an HMM over the frame's normalised senone scores. */
static void evaluate(amass_speech_decoder *decoder, search_hmm *hmm, int32_t node_id, int n_states)
{
    (void)node_id;
    if (hmm->entry > -INFINITY && hmm->entry_pid >= 0 && (hmm->best == -INFINITY || hmm->entry >= hmm->score[0])) {
        /* A dynamic node follows the left context of its best entry. */
        set_phone(decoder, hmm, hmm->entry_pid);
    }
    const float *t = hmm->transitions;
    const float *emission = decoder->normalised;
    float fresh[SEARCH_MAX_STATES];
    int32_t history[SEARCH_MAX_STATES];
    int width = n_states + 1;
    float best = -INFINITY;
    for (int j = 0; j < n_states; j++) {
        float value = -INFINITY;
        int32_t from = -1;
        if (j == 0) {
            value = hmm->entry;
            from = hmm->entry_history;
        }
        for (int i = 0; i <= j; i++) {
            float candidate = hmm->score[i] + t[i * width + j];
            if (candidate > value) {
                value = candidate;
                from = hmm->history[i];
            }
        }
        if (value > -INFINITY)
            value += emission[hmm->senones[j]];
        fresh[j] = value;
        history[j] = from;
        if (value > best)
            best = value;
    }
    float exit = -INFINITY;
    int32_t exit_history = -1;
    for (int i = 0; i < n_states; i++) {
        hmm->score[i] = fresh[i];
        hmm->history[i] = history[i];
        float candidate = fresh[i] + t[i * width + n_states];
        if (candidate > exit) {
            exit = candidate;
            exit_history = history[i];
        }
    }
    hmm->best = best;
    hmm->exit = exit;
    hmm->exit_history = exit_history;
    hmm->entry = -INFINITY;
    hmm->entry_history = -1;
    hmm->entry_pid = -1;
}

/* The score the max_active best HMMs reach, from a bucket histogram of
 * the scores between the beam threshold and the best. */
static float histogram_threshold(amass_speech_decoder *decoder, float best, float threshold)
{
    size_t max_active = (size_t)decoder->options.max_active;
    if (max_active == 0 || decoder->n_active <= max_active)
        return threshold;
    uint32_t *buckets = decoder->histogram;
    memset(decoder->histogram, 0, sizeof decoder->histogram);
    float width = (best - threshold) / 256.0f;
    if (!(width > 0))
        return threshold;
    for (size_t i = 0; i < decoder->n_active; i++) {
        float score = hmm_of(decoder, decoder->active[i])->best;
        if (score < threshold)
            continue;
        int bucket = (int)((best - score) / width);
        buckets[bucket > 255 ? 255 : bucket]++;
    }
    size_t kept = 0;
    for (int bucket = 0; bucket < 256; bucket++) {
        kept += buckets[bucket];
        if (kept >= max_active)
            return best - width * (float)(bucket + 1);
    }
    return threshold;
}

static int compare_exit_scores(const void *a, const void *b)
{
    float x = ((const search_exit *)a)->score, y = ((const search_exit *)b)->score;
    return (x < y) - (x > y);
}

/* Turns the frame's word-end candidates into back pointers, one per word,
 * keeping those within the word beam and at most max_word_exits. */
static int make_exits(amass_speech_decoder *decoder)
{
    size_t first = decoder->n_exits;
    float best = -INFINITY;
    for (size_t c = 0; c < decoder->n_candidates; c++) {
        const search_candidate *candidate = &decoder->candidates[c];
        int32_t exit_id;
        if (decoder->word_exit_frame[candidate->word] == decoder->frame + 1) {
            exit_id = decoder->word_exit[candidate->word];
        } else {
            exit_id = new_exit(decoder, candidate->word, decoder->frame + 1);
            if (exit_id < 0)
                return -1;
            decoder->word_exit[candidate->word] = exit_id;
            decoder->word_exit_frame[candidate->word] = decoder->frame + 1;
        }
        search_exit *exit = &decoder->exits[exit_id];
        int32_t lm_history[2];
        float language = search_language_score(decoder, candidate->word, candidate->history, lm_history);
        float score = candidate->score + language;
        float *rc = decoder->rc_scores + exit->rc_offset;
        if (score > rc[candidate->group])
            rc[candidate->group] = score;
        if (score > exit->score) {
            exit->score = score;
            exit->prev = candidate->history;
            exit->language = language;
            exit->history[0] = lm_history[0];
            exit->history[1] = lm_history[1];
        }
        if (score > best)
            best = score;
    }
    decoder->n_candidates = 0;
    size_t n = decoder->n_exits - first;
    if (n == 0)
        return 0;
    float threshold = best + decoder->log_word_beam;
    size_t limit = decoder->options.max_word_exits > 0 ? (size_t)decoder->options.max_word_exits : n;
    size_t kept = 0;
    for (size_t e = first; e < decoder->n_exits; e++)
        kept += decoder->exits[e].score >= threshold;
    if (kept > limit || kept < n) {
        /* Dropped exits keep their rc scores in the pool: back pointers
         * only move, the pool is reset per utterance. */
        qsort(decoder->exits + first, n, sizeof *decoder->exits, compare_exit_scores);
        if (kept > limit)
            kept = limit;
        decoder->n_exits = first + kept;
        for (size_t e = first; e < decoder->n_exits; e++)
            decoder->word_exit[decoder->exits[e].word] = (int32_t)e;
    }
    return 0;
}

static int add_candidate(amass_speech_decoder *decoder, int32_t word, int32_t group, float score, int32_t history)
{
    if (grow((void **)&decoder->candidates, &decoder->candidates_capacity, decoder->n_candidates + 1,
             sizeof *decoder->candidates))
        return -1;
    search_candidate *candidate = &decoder->candidates[decoder->n_candidates++];
    candidate->word = word;
    candidate->group = group;
    candidate->score = score;
    candidate->history = history;
    return 0;
}

static amass_code step_frame(amass_speech_decoder *decoder, const float *scores, amass_status *status)
{
    const amass_speech_lexicon *lexicon = decoder->lexicon;
    int n_states = lexicon->n_states;
    /* The previous frame's entries and survivors become this frame's HMMs. */
    int32_t *swap = decoder->active;
    decoder->active = decoder->next_active;
    decoder->next_active = swap;
    decoder->n_active = decoder->n_next;
    decoder->n_next = 0;

    float top = -INFINITY;
    for (int32_t s = 0; s < decoder->n_senones; s++)
        if (scores[s] > top)
            top = scores[s];
    if (!isfinite(top))
        return amass_fail(status, AMASS_ERR_INPUT, "decoder: frame %u has no finite senone score", decoder->frame);
    /* A NaN score (a broken scorer) must lose, not poison comparisons. */
    for (int32_t s = 0; s < decoder->n_senones; s++) {
        float value = scores[s] - top;
        decoder->normalised[s] = value == value ? value : -INFINITY;
    }

    float best = -INFINITY;
    for (size_t i = 0; i < decoder->n_active; i++) {
        int32_t id = decoder->active[i];
        /* Active HMMs sit anywhere in the pool: fetch ahead. */
        if (i + 16 < decoder->n_active)
            __builtin_prefetch(&decoder->slot[decoder->active[i + 16]]);
        if (i + 8 < decoder->n_active)
            __builtin_prefetch(hmm_of(decoder, decoder->active[i + 8]), 1);
        search_hmm *hmm = hmm_of(decoder, id);
        evaluate(decoder, hmm, id, n_states);
        decoder->n_evaluated++;
        if (hmm->best > best)
            best = hmm->best;
    }
    if (best == -INFINITY) {
        decoder->frame++;
        return AMASS_OK;
    }
    float threshold = histogram_threshold(decoder, best, best + decoder->log_beam);
    float phone_threshold = best + decoder->log_phone_beam;
    float word_threshold = best + decoder->log_word_beam;
    float last_phone_threshold = best + decoder->log_last_phone_beam;
    if (last_phone_threshold < threshold)
        last_phone_threshold = threshold;
    if (phone_threshold < threshold)
        phone_threshold = threshold;
    uint32_t next = decoder->frame + 2;
    decoder->next_stamp = next;
    for (size_t i = 0; i < decoder->n_active; i++) {
        int32_t id = decoder->active[i];
        search_hmm *hmm = hmm_of(decoder, id);
        if (hmm->best < threshold)
            continue;
        if (hmm->next_frame != next) {
            hmm->next_frame = next;
            decoder->next_active[decoder->n_next++] = id;
        }
        float exit = hmm->exit;
        int32_t exit_history = hmm->exit_history;
        if ((size_t)id >= lexicon->n_nodes) {
            int32_t word = lexicon->leaf_word[(size_t)id - lexicon->n_nodes];
            float bound = decoder->lm_scale * lexicon->words[word].unigram + decoder->log_wip;
            if (exit > word_threshold &&
                add_candidate(decoder, word, id - lexicon->words[word].leaf_first, exit - bound, exit_history))
                return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
            continue;
        }
        const search_node *node = &lexicon->nodes[id];
        if (node->word >= 0) {
            if (exit > word_threshold &&
                add_candidate(decoder, node->word, 0, exit - lookahead(decoder, node), exit_history))
                return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
            continue;
        }
        if (exit < phone_threshold)
            continue;
        /* enter() may move the pool: hmm is not used past here. */
        /* Children are in the same subtree, word or filler, as their parent. */
        float base = exit + decoder->log_pip - lookahead(decoder, node);
        float scale = node->filler_kind == SEARCH_WORD ? decoder->lm_scale : 0;
        float offset = node->filler_kind == SEARCH_WORD ? decoder->log_wip : decoder->word_penalty[node->filler_kind];
        for (int32_t c = node->first_child; c < node->first_child + node->n_children; c++) {
            float score = base + scale * lexicon->child_lookahead[c] + offset;
            decoder->n_entered++;
            if (score < (lexicon->child_ends_word[c] ? last_phone_threshold : threshold))
                continue;
            if (enter(decoder, lexicon->children[c], score, exit_history, 0))
                return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
        }
    }
    /* HMMs that fell out of the beam give their slots back. */
    for (size_t i = 0; i < decoder->n_active; i++) {
        int32_t id = decoder->active[i];
        if (hmm_of(decoder, id)->next_frame != next)
            deactivate(decoder, id);
    }
    size_t first_exit = decoder->n_exits;
    if (make_exits(decoder))
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    if (enter_words(decoder, first_exit, threshold))
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    decoder->frame++;
    return AMASS_OK;
}

amass_code amass_speech_decoder_step(amass_speech_decoder *decoder, const float *scores, size_t n_frames,
                                     amass_status *status)
{
    if (!decoder->started)
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: step before start");
    if (!scores && n_frames > 0)
        return amass_fail(status, AMASS_ERR_USAGE, "decoder: %zu frames without scores", n_frames);
    for (size_t f = 0; f < n_frames; f++) {
        amass_code code = step_frame(decoder, scores + f * (size_t)decoder->n_senones, status);
        if (code != AMASS_OK)
            return code;
    }
    return AMASS_OK;
}
