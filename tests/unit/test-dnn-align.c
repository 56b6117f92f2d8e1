/* Unit tests of the forced aligner behind the DNN's training targets
 * (scripts/dnn/align.c) on the en-us model: goforward.raw aligned to its
 * words walks their phones in order, and words it cannot align fail with
 * the reason. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../scripts/dnn/align.h"
#include "speech-gmm-helpers.h"

#define DICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

/* The CI phones the frames pass through, each run of frames named once. */
static void phone_runs(const amass_sphinx_mdef *mdef, const int32_t *senones, size_t n_frames, char *out,
                       size_t size, size_t *shortest)
{
    int32_t previous = -2;
    size_t used = 0, run = 0;
    out[0] = '\0';
    *shortest = n_frames;
    for (size_t t = 0; t <= n_frames; t++) {
        int32_t phone = t < n_frames ? amass_sphinx_mdef_senone_ciphone(mdef, senones[t]) : -3;
        if (phone == previous) {
            run++;
            continue;
        }
        if (previous != -2 && run < *shortest)
            *shortest = run;
        if (t < n_frames)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "",
                                     amass_sphinx_mdef_ciphone_name(mdef, phone));
        if (used >= size)
            return;
        previous = phone;
        run = 1;
    }
}

static void test_goforward(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict,
                           const float *scores, size_t n_frames)
{
    int32_t *senones = calloc(n_frames, sizeof *senones);
    char phones[512];
    size_t shortest;
    amass_status status;
    amass_status_clear(&status);
    is_int(align_words(model, dict, "go forward ten meters", scores, n_frames, senones, &status), AMASS_OK,
           "goforward.raw aligns to its words");
    phone_runs(amass_speech_acoustic_model_mdef(model), senones, n_frames, phones, sizeof phones, &shortest);
    /* The clip has silence before and after the words; each phone holds
     * at least one frame per emitting state unless its HMM may skip. */
    is_str(phones, "SIL G OW F AO R W ER D T EH N M IY T ER Z SIL", "the frames pass through the words' phones");
    ok(shortest >= 2, "no phone is passed in a single frame");
    /* Extra spaces and tabs separate words as one space does. */
    int32_t *again = calloc(n_frames, sizeof *again);
    is_int(align_words(model, dict, "  go\tforward  ten meters ", scores, n_frames, again, &status), AMASS_OK,
           "runs of blanks separate words");
    ok(memcmp(senones, again, n_frames * sizeof *senones) == 0, "the same path either way");
    free(again);
    free(senones);
}

static void test_refusals(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict,
                          const float *scores, size_t n_frames)
{
    int32_t *senones = calloc(n_frames, sizeof *senones);
    char long_word[400];
    amass_status status;
    amass_status_clear(&status);
    is_int(align_words(model, dict, "go forwardzz ten", scores, n_frames, senones, &status), AMASS_ERR_INPUT,
           "a word the dictionary lacks is refused");
    ok(strstr(status.message, "'forwardzz' is not in the dictionary") != NULL, "the message names the word");
    amass_status_clear(&status);
    is_int(align_words(model, dict, " \t ", scores, n_frames, senones, &status), AMASS_ERR_INPUT,
           "no words is refused");
    amass_status_clear(&status);
    is_int(align_words(model, dict, "go forward ten meters", scores, 20, senones, &status), AMASS_ERR_INPUT,
           "16 phones do not fit 20 frames");
    ok(strstr(status.message, "do not fit 20 frames") != NULL, "the message says why");
    memset(long_word, 'a', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    amass_status_clear(&status);
    is_int(align_words(model, dict, long_word, scores, n_frames, senones, &status), AMASS_ERR_INPUT,
           "a word longer than any in a dictionary is refused");
    free(senones);
}

int main(void)
{
    amass_speech_acoustic_options options;
    amass_speech_acoustic_model *model = NULL;
    amass_sphinx_dict *dict = NULL;
    amass_status status;
    size_t n_frames = 0;
    float *features, *scores;
    if (!file_exists(EN_US "/mdef") || !file_exists(DICT) || !file_exists(GOFORWARD)) {
        skip("pocketsphinx-en-us or pocketsphinx-testdata is not installed");
        return done_testing();
    }
    amass_status_clear(&status);
    amass_speech_acoustic_options_default(&options);
    options.kind = "gmm";
    if (amass_speech_acoustic_model_open(EN_US, &options, &model, &status) != AMASS_OK ||
        !(dict = amass_sphinx_dict_open(DICT, amass_speech_acoustic_model_noisedict(model),
                                        amass_speech_acoustic_model_mdef(model), NULL, &status))) {
        ok(0, status.message);
        return done_testing();
    }
    features = utterance_features(model, GOFORWARD, &n_frames);
    scores = features ? score_all(model, features, n_frames, 256, NULL) : NULL;
    ok(scores != NULL, "goforward.raw scored");
    if (scores) {
        test_goforward(model, dict, scores, n_frames);
        test_refusals(model, dict, scores, n_frames);
    }
    free(features);
    free(scores);
    amass_sphinx_dict_close(dict);
    amass_speech_acoustic_model_close(model);
    return done_testing();
}
