/* Viterbi forced alignment of known words through an utterance's senone scores. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"

#define MAX_WORD 256

/* One HMM of the chain: a phone of a word, or a pause that may be skipped. */
typedef struct {
    const int32_t *senones;
    const float *transitions; /* n_states x (n_states + 1), the last column the exit */
    int optional;
} chain_hmm;

typedef struct {
    chain_hmm *hmms;
    size_t n_hmms, capacity;
} chain;

static int chain_add(chain *c, const amass_speech_acoustic_model *model, int32_t pid, int optional)
{
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    const amass_sphinx_phone *phone = amass_sphinx_mdef_phone(mdef, pid);
    if (c->n_hmms == c->capacity) {
        size_t capacity = c->capacity ? 2 * c->capacity : 64;
        chain_hmm *grown = realloc(c->hmms, capacity * sizeof *grown);
        if (!grown)
            return -1;
        c->hmms = grown;
        c->capacity = capacity;
    }
    c->hmms[c->n_hmms].senones = amass_sphinx_mdef_phone_senones(mdef, pid);
    c->hmms[c->n_hmms].transitions = amass_speech_acoustic_model_transitions(model, phone->transition_matrix);
    c->hmms[c->n_hmms].optional = optional;
    c->n_hmms++;
    return 0;
}

static amass_sphinx_word_position position_in_word(int32_t k, int32_t n)
{
    if (n == 1)
        return AMASS_SPHINX_WORD_SINGLE;
    if (k == 0)
        return AMASS_SPHINX_WORD_BEGIN;
    return k == n - 1 ? AMASS_SPHINX_WORD_END : AMASS_SPHINX_WORD_INTERNAL;
}

/* The words' pronunciations, looked up in order. */
static amass_code pronounce(const amass_sphinx_dict *dict, const char *words,
                            const amass_sphinx_pronunciation ***found, size_t *n_found, amass_status *status)
{
    const amass_sphinx_pronunciation **list = NULL;
    size_t n = 0, capacity = 0;
    const char *at = words;
    while (*at) {
        char word[MAX_WORD];
        size_t length = strcspn(at, " \t");
        if (length == 0) {
            at++;
            continue;
        }
        if (length >= sizeof word) {
            free(list);
            return amass_fail(status, AMASS_ERR_INPUT, "a word of %zu bytes", length);
        }
        memcpy(word, at, length);
        word[length] = '\0';
        at += length;
        if (n == capacity) {
            capacity = capacity ? 2 * capacity : 32;
            const amass_sphinx_pronunciation **grown = realloc(list, capacity * sizeof *grown);
            if (!grown) {
                free(list);
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            }
            list = grown;
        }
        if (amass_sphinx_dict_lookup(dict, word, &list[n]) == 0 || list[n]->n_phones == 0) {
            free(list);
            return amass_fail(status, AMASS_ERR_INPUT, "'%s' is not in the dictionary", word);
        }
        n++;
    }
    if (n == 0) {
        free(list);
        return amass_fail(status, AMASS_ERR_INPUT, "no words");
    }
    *found = list;
    *n_found = n;
    return AMASS_OK;
}

/* Pause, word, pause, word ... pause; every pause optional. */
static amass_code build_chain(const amass_speech_acoustic_model *model, const amass_sphinx_pronunciation **words,
                              size_t n_words, chain *c, amass_status *status)
{
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    int32_t silence = amass_sphinx_mdef_silence(mdef);
    int32_t pause;
    if (silence < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "the model has no SIL phone");
    pause = amass_sphinx_mdef_triphone_nearest(mdef, silence, -1, -1, AMASS_SPHINX_WORD_SINGLE);
    if (chain_add(c, model, pause, 1) != 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t w = 0; w < n_words; w++) {
        const amass_sphinx_pronunciation *word = words[w];
        for (int32_t k = 0; k < word->n_phones; k++) {
            int32_t left = k > 0 ? word->phones[k - 1]
                                 : w > 0 ? words[w - 1]->phones[words[w - 1]->n_phones - 1] : silence;
            int32_t right = k + 1 < word->n_phones ? word->phones[k + 1] : w + 1 < n_words ? words[w + 1]->phones[0]
                                                                                          : silence;
            int32_t pid = amass_sphinx_mdef_triphone_nearest(mdef, word->phones[k], left, right,
                                                             position_in_word(k, word->n_phones));
            if (chain_add(c, model, pid, 0) != 0)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        }
        if (chain_add(c, model, pause, 1) != 0)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (size_t h = 0; h < c->n_hmms; h++)
        if (!c->hmms[h].senones || !c->hmms[h].transitions)
            return amass_fail(status, AMASS_ERR_INPUT, "a phone of the words has no senones or transitions");
    return AMASS_OK;
}

/* The best way out of HMM h at this frame: its score, and the state it
 * leaves from (global index) in *from. */
static double exit_score(const chain_hmm *hmm, const double *score, size_t first, int n_states, int32_t *from)
{
    double best = -INFINITY;
    for (int i = 0; i < n_states; i++) {
        double value = score[first + (size_t)i] + hmm->transitions[i * (n_states + 1) + n_states];
        if (value > best) {
            best = value;
            *from = (int32_t)(first + (size_t)i);
        }
    }
    return best;
}

/* Fills back (n_frames x states: each state's best predecessor) and
 * returns the buffer holding the last frame's path scores. */
static const double *viterbi(const chain *c, int n_states, const float *scores, size_t n_frames, int32_t n_senones,
                             double *previous, double *current, int32_t *back)
{
    size_t n = c->n_hmms * (size_t)n_states;
    for (size_t s = 0; s < n; s++)
        previous[s] = -INFINITY;
    /* The first frame enters the first HMM, or any one the optional ones before it lead to. */
    for (size_t h = 0; h < c->n_hmms; h++) {
        size_t s = h * (size_t)n_states;
        previous[s] = scores[c->hmms[h].senones[0]];
        back[s] = -1;
        if (!c->hmms[h].optional)
            break;
    }
    for (size_t t = 1; t < n_frames; t++) {
        const float *frame = scores + t * (size_t)n_senones;
        int32_t *frame_back = back + t * n;
        double entry = -INFINITY;
        int32_t entry_from = -1;
        for (size_t h = 0; h < c->n_hmms; h++) {
            const chain_hmm *hmm = &c->hmms[h];
            size_t first = h * (size_t)n_states;
            int32_t leave_from = -1;
            double leave;
            for (int j = 0; j < n_states; j++) {
                double best = j == 0 ? entry : -INFINITY;
                int32_t from = j == 0 ? entry_from : -1;
                for (int i = 0; i <= j; i++) {
                    double value = previous[first + (size_t)i] + hmm->transitions[i * (n_states + 1) + j];
                    if (value > best) {
                        best = value;
                        from = (int32_t)(first + (size_t)i);
                    }
                }
                current[first + (size_t)j] = best + frame[hmm->senones[j]];
                frame_back[first + (size_t)j] = from;
            }
            /* What leaves this HMM at t - 1 enters the next at t; a pause
             * may be passed over, so the best way in carries on through it. */
            leave = exit_score(hmm, previous, first, n_states, &leave_from);
            if (hmm->optional) {
                if (leave > entry) {
                    entry = leave;
                    entry_from = leave_from;
                }
            } else {
                entry = leave;
                entry_from = leave_from;
            }
        }
        double *swap = previous;
        previous = current;
        current = swap;
    }
    return previous;
}

amass_code align_words(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict, const char *words,
                       const float *scores, size_t n_frames, int32_t *senones, amass_status *status)
{
    const amass_sphinx_pronunciation **pronunciations = NULL;
    size_t n_words = 0, n;
    int n_states = amass_speech_acoustic_model_n_states(model);
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    chain c = {0};
    double *previous = NULL, *current = NULL, best = -INFINITY;
    const double *last;
    int32_t *back = NULL, state = -1;
    amass_code code;
    if ((code = pronounce(dict, words, &pronunciations, &n_words, status)) != AMASS_OK)
        return code;
    if ((code = build_chain(model, pronunciations, n_words, &c, status)) != AMASS_OK)
        goto done;
    n = c.n_hmms * (size_t)n_states;
    previous = amass_alloc_array(n, sizeof *previous);
    current = amass_alloc_array(n, sizeof *current);
    back = amass_alloc_array(n_frames, n * sizeof *back);
    if (!previous || !current || !back) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %zu frames x %zu states", n_frames, n);
        goto done;
    }
    last = viterbi(&c, n_states, scores, n_frames, n_senones, previous, current, back);
    /* The path ends leaving the last HMM, or one the optional ones after it follow. */
    for (size_t h = c.n_hmms; h-- > 0;) {
        int32_t from = -1;
        double value = exit_score(&c.hmms[h], last, h * (size_t)n_states, n_states, &from);
        if (value > best) {
            best = value;
            state = from;
        }
        if (!c.hmms[h].optional)
            break;
    }
    if (state < 0 || !isfinite(best)) {
        code = amass_fail(status, AMASS_ERR_INPUT, "%zu words do not fit %zu frames", n_words, n_frames);
        goto done;
    }
    for (size_t t = n_frames; t-- > 0;) {
        senones[t] = c.hmms[(size_t)state / (size_t)n_states].senones[state % n_states];
        state = back[t * n + (size_t)state];
    }
    code = AMASS_OK;
done:
    free(pronunciations);
    free(c.hmms);
    free(previous);
    free(current);
    free(back);
    return code;
}
