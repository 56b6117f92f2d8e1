/* End of an utterance: the best path into "</s>" through the back-pointer table, word times and scores, and hypothesis storage. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

void amass_speech_hypothesis_init(amass_speech_hypothesis *hypothesis)
{
    memset(hypothesis, 0, sizeof *hypothesis);
}

void amass_speech_hypothesis_free(amass_speech_hypothesis *hypothesis)
{
    if (!hypothesis)
        return;
    free(hypothesis->words);
    amass_speech_hypothesis_init(hypothesis);
}

static int reserve_words(amass_speech_hypothesis *hypothesis, size_t n)
{
    if (n <= hypothesis->capacity)
        return 0;
    amass_speech_word *words = realloc(hypothesis->words, n * sizeof *words);
    if (!words)
        return -1;
    hypothesis->words = words;
    hypothesis->capacity = n;
    return 0;
}

amass_code amass_speech_decoder_finish(amass_speech_decoder *decoder, amass_speech_hypothesis *hypothesis,
                                       amass_status *status)
{
    hypothesis->n_words = 0;
    hypothesis->score = 0;
    hypothesis->n_frames = decoder->frame;
    if (!decoder->started || decoder->frame == 0 || decoder->n_exits < 2) {
        decoder->started = 0;
        return AMASS_OK;
    }
    decoder->started = 0;
    /* The last frame any word ended in; normally the utterance's last. */
    uint32_t end = decoder->exits[decoder->n_exits - 1].end;
    int32_t best = -1;
    float best_score = -INFINITY;
    for (size_t e = decoder->n_exits; e-- > 1 && decoder->exits[e].end == end;) {
        int32_t lm_history[2];
        float score = decoder->exits[e].score + search_language_score(decoder, 1, (int32_t)e, lm_history);
        if (score > best_score) {
            best_score = score;
            best = (int32_t)e;
        }
    }
    if (best < 0)
        return AMASS_OK;
    size_t n = 0;
    for (int32_t e = best; e > 0; e = decoder->exits[e].prev)
        n++;
    if (reserve_words(hypothesis, n))
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    size_t i = n;
    for (int32_t e = best; e > 0; e = decoder->exits[e].prev) {
        const search_exit *exit = &decoder->exits[e];
        const search_exit *before = &decoder->exits[exit->prev < 0 ? 0 : exit->prev];
        const search_word *word = &decoder->lexicon->words[exit->word];
        amass_speech_word *out = &hypothesis->words[--i];
        out->word = word->text;
        out->start = before->end;
        out->end = exit->end;
        out->language = exit->language;
        out->acoustic = exit->score - before->score - exit->language;
        out->filler = word->kind != SEARCH_WORD;
        out->confidence = 1;
    }
    hypothesis->n_words = n;
    hypothesis->score = best_score;
    int32_t *path = NULL;
    float *language = NULL;
    size_t n_path = 0;
    float path_score = 0;
    int rescored = search_bestpath(decoder, &path, &language, &n_path, &path_score);
    if (rescored < 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    if (rescored == 0 && reserve_words(hypothesis, n_path) == 0) {
        for (size_t w = 0; w < n_path; w++) {
            const search_exit *exit = &decoder->exits[path[w]];
            const search_exit *before = &decoder->exits[exit->prev];
            const search_word *word = &decoder->lexicon->words[exit->word];
            amass_speech_word *out = &hypothesis->words[w];
            out->word = word->text;
            out->start = before->end;
            out->end = exit->end;
            out->language = language[w];
            out->acoustic = exit->score - before->score - exit->language;
            out->filler = word->kind != SEARCH_WORD;
            out->confidence = 1;
        }
        hypothesis->n_words = n_path;
        hypothesis->score = path_score;
    }
    free(path);
    free(language);
    if (search_word_posteriors(decoder, best, hypothesis))
        return amass_fail(status, AMASS_ERR_NOMEM, "decoder: out of memory");
    return AMASS_OK;
}
