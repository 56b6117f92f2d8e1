/* The search on real speech: word error rate on pocketsphinx's five LibriVox clips with the en-us model (pocketsphinx_continuous: about 30-37%), word confidences that rank right words above wrong ones, and pocketsphinx's short test clips. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech-search-helpers.h"
#include "tap.h"

#define MAX_WORDS 64

typedef struct {
    char id[64];
    char *words[MAX_WORDS];
    size_t n_words;
} reference;

/* "<s> he was ... </s> (clip-id)" lines. */
static size_t read_references(const char *path, reference *references, size_t capacity, char *storage,
                              size_t storage_size)
{
    FILE *file = fopen(path, "r");
    size_t n = 0, used = 0;
    char line[1024];
    if (!file)
        return 0;
    while (n < capacity && fgets(line, sizeof line, file)) {
        char *open = strrchr(line, '('), *close = strrchr(line, ')');
        if (!open || !close || close < open)
            continue;
        reference *ref = &references[n];
        *close = 0;
        snprintf(ref->id, sizeof ref->id, "%s", open + 1);
        *open = 0;
        ref->n_words = 0;
        for (char *word = strtok(line, " \t\n"); word && ref->n_words < MAX_WORDS; word = strtok(NULL, " \t\n")) {
            if (!strcmp(word, "<s>") || !strcmp(word, "</s>"))
                continue;
            size_t length = strlen(word) + 1;
            if (used + length > storage_size)
                break;
            memcpy(storage + used, word, length);
            ref->words[ref->n_words++] = storage + used;
            used += length;
        }
        n++;
    }
    fclose(file);
    return n;
}

/* Word-level Levenshtein distance; correct[i] marks hypothesis words the
 * best alignment matches to an equal reference word. */
static size_t word_errors(char *const *ref, size_t n_ref, const char *const *hyp, size_t n_hyp, int *correct)
{
    size_t cost[MAX_WORDS + 1][MAX_WORDS + 1];
    for (size_t i = 0; i <= n_ref; i++)
        for (size_t j = 0; j <= n_hyp; j++) {
            if (i == 0 || j == 0) {
                cost[i][j] = i + j;
                continue;
            }
            size_t best = cost[i - 1][j - 1] + (strcmp(ref[i - 1], hyp[j - 1]) != 0);
            if (cost[i - 1][j] + 1 < best)
                best = cost[i - 1][j] + 1;
            if (cost[i][j - 1] + 1 < best)
                best = cost[i][j - 1] + 1;
            cost[i][j] = best;
        }
    for (size_t j = 0; j < n_hyp; j++)
        correct[j] = 0;
    for (size_t i = n_ref, j = n_hyp; i > 0 && j > 0;) {
        int same = strcmp(ref[i - 1], hyp[j - 1]) == 0;
        if (cost[i][j] == cost[i - 1][j - 1] + !same) {
            correct[j - 1] = same;
            i--, j--;
        } else if (cost[i][j] == cost[i - 1][j] + 1) {
            i--;
        } else {
            j--;
        }
    }
    return cost[n_ref][n_hyp];
}

static void test_word_errors(void)
{
    char *ref[] = {"he", "was", "not", "an", "ill", "disposed"};
    const char *hyp[] = {"he", "was", "not", "an", "illness", "those", "young"};
    int correct[8];
    is_int(word_errors(ref, 6, hyp, 7, correct), 3, "Levenshtein over words: 2 substitutions and 1 insertion");
    ok(correct[3] && !correct[4], "alignment marks the matched words");
    is_int(word_errors(ref, 6, NULL, 0, correct), 6, "an empty hypothesis deletes every word");
}

int main(void)
{
    test_word_errors();
    if (access(EN_US "/mdef", R_OK) != 0 || access(LIBRIVOX "/transcription", R_OK) != 0) {
        printf("ok %d # skip pocketsphinx-en-us or pocketsphinx-testdata not installed\n", ++tap_count);
        return done_testing();
    }
    static char storage[8192];
    reference references[8];
    size_t n_references = read_references(LIBRIVOX "/transcription", references, 8, storage, sizeof storage);
    is_int(n_references, 5, "five LibriVox references");

    amass_status status;
    amass_status_clear(&status);
    amass_speech_acoustic_options acoustic_options;
    amass_speech_acoustic_options_default(&acoustic_options);
    amass_speech_acoustic_model *model = NULL;
    amass_speech_lexicon *lexicon = NULL;
    amass_speech_decoder *decoder = NULL;
    amass_speech_scorer *scorer = NULL;
    amass_sphinx_dict *dict = NULL;
    amass_lm *lm = NULL;
    if (amass_speech_acoustic_model_open(EN_US, &acoustic_options, &model, &status) != AMASS_OK ||
        !(dict = amass_sphinx_dict_open(EN_US_DIR "/cmudict-en-us.dict", amass_speech_acoustic_model_noisedict(model),
                                        amass_speech_acoustic_model_mdef(model), NULL, &status)) ||
        !(lm = amass_formats_lm_open(EN_US_DIR "/en-us.lm.bin", &status)) ||
        amass_speech_lexicon_open(model, dict, lm, &lexicon, &status) != AMASS_OK ||
        amass_speech_decoder_open(lexicon, NULL, &decoder, &status) != AMASS_OK ||
        amass_speech_scorer_open(model, &scorer, &status) != AMASS_OK) {
        ok(0, "en-us model, dictionary, LM, lexicon, decoder and scorer open");
        printf("# %s\n", status.message);
        return done_testing();
    }
    decode_timing timing = {0, 0, 0};
    amass_speech_hypothesis hypothesis;
    amass_speech_hypothesis_init(&hypothesis);
    size_t total_errors = 0, total_words = 0, n_right = 0, n_wrong = 0;
    double right_confidence = 0, wrong_confidence = 0;
    float right_values[4 * MAX_WORDS], wrong_values[4 * MAX_WORDS];
    int in_range = 1, ordered = 1;
    for (size_t r = 0; r < n_references; r++) {
        char path[256];
        snprintf(path, sizeof path, LIBRIVOX "/%.63s.wav", references[r].id);
        if (decode_file(model, scorer, decoder, path, &hypothesis, &timing, &status) != AMASS_OK) {
            ok(0, "clip decodes");
            printf("# %s\n", status.message);
            continue;
        }
        const char *words[MAX_WORDS];
        float confidence[MAX_WORDS];
        size_t n_words = 0;
        uint32_t previous_end = 0;
        for (size_t w = 0; w < hypothesis.n_words; w++) {
            const amass_speech_word *word = &hypothesis.words[w];
            if (!(word->confidence >= 0 && word->confidence <= 1))
                in_range = 0;
            if (word->start != previous_end || word->end <= word->start)
                ordered = 0;
            previous_end = word->end;
            if (!word->filler && n_words < MAX_WORDS) {
                confidence[n_words] = word->confidence;
                words[n_words++] = word->word;
            }
        }
        if (previous_end != hypothesis.n_frames)
            ordered = 0;
        int correct[MAX_WORDS];
        size_t errors = word_errors(references[r].words, references[r].n_words, words, n_words, correct);
        printf("# %s: %zu errors / %zu words:", references[r].id, errors, references[r].n_words);
        for (size_t w = 0; w < n_words; w++) {
            printf(" %s%s(%.2f)", correct[w] ? "" : "*", words[w], confidence[w]);
            if (correct[w]) {
                n_right++;
                right_confidence += confidence[w];
                if (n_right <= sizeof right_values / sizeof *right_values)
                    right_values[n_right - 1] = confidence[w];
            } else {
                n_wrong++;
                wrong_confidence += confidence[w];
                if (n_wrong <= sizeof wrong_values / sizeof *wrong_values)
                    wrong_values[n_wrong - 1] = confidence[w];
            }
        }
        printf("\n");
        total_errors += errors;
        total_words += references[r].n_words;
    }
    double wer = total_words ? (double)total_errors / (double)total_words : 1;
    printf("# WER %.1f%% (%zu / %zu); scoring %.2f s, search %.2f s for %.2f s of audio: realtime factor %.2f\n",
           100 * wer, total_errors, total_words, timing.scoring_seconds, timing.search_seconds, timing.audio_seconds,
           timing.audio_seconds / (timing.scoring_seconds + timing.search_seconds));
    ok(wer <= 0.35, "word error rate on the five LibriVox clips is at most 35%");
    ok(in_range, "every confidence lies in [0, 1]");
    ok(ordered, "words tile the utterance: each starts where the previous ended");
    /* The share of (right, wrong) word pairs the confidence ranks the
     * right way round (ties count half): the area under the ROC curve. */
    size_t capacity = sizeof right_values / sizeof *right_values;
    size_t n_right_kept = n_right < capacity ? n_right : capacity, n_wrong_kept = n_wrong < capacity ? n_wrong : capacity;
    double ranked = 0;
    for (size_t i = 0; i < n_right_kept; i++)
        for (size_t j = 0; j < n_wrong_kept; j++)
            ranked += right_values[i] > wrong_values[j] ? 1 : right_values[i] == wrong_values[j] ? 0.5 : 0;
    double area = n_right_kept && n_wrong_kept ? ranked / ((double)n_right_kept * (double)n_wrong_kept) : 0;
    /* Before the posterior was flattened (search_posterior.c): right 0.867,
     * wrong 0.817, area 0.65; after: 0.774, 0.519, 0.79. */
    ok(n_right > 0 && right_confidence / (double)n_right > 0.7, "right words have a mean confidence above 0.7");
    ok(n_right > 0 && n_wrong > 0 && right_confidence / (double)n_right > wrong_confidence / (double)n_wrong + 0.2,
       "right words are more confident than wrong ones by 0.2 on average");
    ok(area >= 0.75, "confidence ranks a right word above a wrong one in at least 75% of pairs");
    printf("# mean confidence: right %.3f (%zu), wrong %.3f (%zu); ranked right in %.3f of pairs\n",
           n_right ? right_confidence / (double)n_right : 0, n_right, n_wrong ? wrong_confidence / (double)n_wrong : 0,
           n_wrong, area);
    /* pocketsphinx's own short test clips, which it transcribes exactly. */
    const char *clips[][2] = {{"goforward.raw", "go forward ten meters"},
                              {"something.raw", "go somewhere and do something"}};
    for (size_t c = 0; c < sizeof clips / sizeof *clips; c++) {
        char path[256], text[256] = "";
        snprintf(path, sizeof path, "/usr/share/pocketsphinx/test/data/%s", clips[c][0]);
        if (access(path, R_OK) != 0) {
            printf("ok %d # skip %s not installed\n", ++tap_count, path);
            continue;
        }
        decode_timing clip_timing = {0, 0, 0};
        ok(decode_file(model, scorer, decoder, path, &hypothesis, &clip_timing, &status) == AMASS_OK,
           "pocketsphinx test clip decodes");
        for (size_t w = 0; w < hypothesis.n_words; w++)
            if (!hypothesis.words[w].filler) {
                if (text[0])
                    strncat(text, " ", sizeof text - strlen(text) - 1);
                strncat(text, hypothesis.words[w].word, sizeof text - strlen(text) - 1);
            }
        is_str(text, clips[c][1], "the clip's words are pocketsphinx's");
    }
    amass_speech_hypothesis_free(&hypothesis);
    amass_speech_scorer_close(scorer);
    amass_speech_decoder_close(decoder);
    amass_speech_lexicon_close(lexicon);
    amass_formats_lm_close(lm);
    amass_sphinx_dict_close(dict);
    amass_speech_acoustic_model_close(model);
    return done_testing();
}
