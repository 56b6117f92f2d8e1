/* Second pass: the best path through the lattice of word exits with exact trigram histories (pocketsphinx's "bestpath"), correcting the first pass's one-history-per-HMM approximation. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "search_internal.h"

/* Histories kept per exit: the first pass already ranks them, so a few
 * distinct (previous word, word before) pairs are enough. */
#define BESTPATH_STATES 4

typedef struct {
    float score;
    int32_t history[2];  /* the last two LM words after this exit */
    int32_t back;        /* exit before, -1 at <s> */
    int32_t back_state;
    float language;
} path_state;

static void offer(path_state *states, const path_state *candidate)
{
    int worst = 0;
    for (int k = 0; k < BESTPATH_STATES; k++) {
        if (states[k].score > -INFINITY && states[k].history[0] == candidate->history[0] &&
            states[k].history[1] == candidate->history[1]) {
            if (candidate->score > states[k].score)
                states[k] = *candidate;
            return;
        }
        if (states[k].score < states[worst].score)
            worst = k;
    }
    if (candidate->score > states[worst].score)
        states[worst] = *candidate;
}

int search_bestpath(amass_speech_decoder *decoder, int32_t **path_out, float **language_out, size_t *n_path,
                    float *score_out)
{
    const search_exit *exits = decoder->exits;
    size_t n = decoder->n_exits;
    uint32_t n_ends = exits[n - 1].end + 1;
    path_state *states = malloc(n * BESTPATH_STATES * sizeof *states);
    size_t *range_first = malloc(n_ends * sizeof *range_first);
    size_t *range_last = malloc(n_ends * sizeof *range_last);
    *path_out = NULL;
    *language_out = NULL;
    if (!states || !range_first || !range_last) {
        free(states), free(range_first), free(range_last);
        return -1;
    }
    for (uint32_t f = 0; f < n_ends; f++)
        range_first[f] = range_last[f] = 0;
    for (size_t e = n; e-- > 0;) {
        range_first[exits[e].end] = e;
        if (range_last[exits[e].end] == 0)
            range_last[exits[e].end] = e + 1;
    }
    for (size_t i = 0; i < n * BESTPATH_STATES; i++)
        states[i].score = -INFINITY;
    states[0].score = 0;
    states[0].history[0] = decoder->lexicon->lm_start;
    states[0].history[1] = AMASS_LM_NO_WORD;
    states[0].back = -1;
    states[0].back_state = 0;
    states[0].language = 0;
    for (size_t e = 1; e < n; e++) {
        /* The exit's acoustic score over its frames, as the first pass found it. */
        float acoustic = exits[e].score - exits[exits[e].prev].score - exits[e].language;
        uint32_t start = exits[exits[e].prev].end;
        for (size_t p = range_first[start]; p < range_last[start]; p++)
            for (int k = 0; k < BESTPATH_STATES; k++) {
                const path_state *from = &states[p * BESTPATH_STATES + (size_t)k];
                if (from->score == -INFINITY)
                    continue;
                path_state candidate;
                candidate.language = search_language_score_after(decoder, exits[e].word, from->history,
                                                                 candidate.history);
                candidate.score = from->score + acoustic + candidate.language;
                candidate.back = (int32_t)p;
                candidate.back_state = k;
                offer(&states[e * BESTPATH_STATES], &candidate);
            }
    }
    uint32_t last_end = exits[n - 1].end;
    float best_score = -INFINITY;
    int32_t best_exit = -1, best_state = 0;
    for (size_t e = n; e-- > 1 && exits[e].end == last_end;)
        for (int k = 0; k < BESTPATH_STATES; k++) {
            const path_state *state = &states[e * BESTPATH_STATES + (size_t)k];
            if (state->score == -INFINITY)
                continue;
            int32_t unused[2];
            float score = state->score + search_language_score_after(decoder, 1, state->history, unused);
            if (score > best_score) {
                best_score = score;
                best_exit = (int32_t)e;
                best_state = k;
            }
        }
    int result = 1;
    if (best_exit > 0) {
        size_t count = 0;
        for (int32_t e = best_exit, k = best_state; e > 0;) {
            const path_state *state = &states[(size_t)e * BESTPATH_STATES + (size_t)k];
            count++;
            e = state->back;
            k = state->back_state;
        }
        int32_t *path = malloc(count * sizeof *path);
        float *language = malloc(count * sizeof *language);
        if (!path || !language) {
            free(path), free(language);
            result = -1;
        } else {
            size_t i = count;
            for (int32_t e = best_exit, k = best_state; e > 0;) {
                const path_state *state = &states[(size_t)e * BESTPATH_STATES + (size_t)k];
                path[--i] = e;
                language[i] = state->language;
                e = state->back;
                k = state->back_state;
            }
            *path_out = path;
            *language_out = language;
            *n_path = count;
            *score_out = best_score;
            result = 0;
        }
    }
    free(states), free(range_first), free(range_last);
    return result;
}
