/* Unit tests of the lexicon tree and the beam search: options, bad input, lexicon contents on the en-us model, and decoding synthetic senone scores that plant a known path. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/search.h"
#include "speech/search_internal.h"
#include "tap.h"

#define EN_US_DIR "/usr/share/pocketsphinx/model/en-us"
#define EN_US EN_US_DIR "/en-us"

static char scratch[64];

static void skip(const char *why)
{
    printf("ok %d # skip %s\n", ++tap_count, why);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *file = fopen(path, "w");
    if (file) {
        fputs(text, file);
        fclose(file);
    }
    return path;
}

static void test_options(void)
{
    amass_speech_search_options options;
    amass_speech_search_options_default(&options);
    is_close(options.beam, 1e-48, 1e-9, "default beam is pocketsphinx's 1e-48");
    is_close(options.word_beam, 7e-29, 1e-9, "default word beam 7e-29");
    is_close(options.phone_beam, 1e-48, 1e-9, "default phone beam 1e-48");
    is_close(options.language_weight, 6.5, 1e-9, "default language weight 6.5");
    is_close(options.word_insertion_penalty, 0.65, 1e-9, "default word insertion penalty 0.65");
    is_close(options.phone_insertion_penalty, 1.0, 1e-9, "default phone insertion penalty 1");
    is_close(options.silence_probability, 0.005, 1e-9, "default silence probability 0.005");
    is_close(options.filler_probability, 1e-8, 1e-9, "default filler probability 1e-8");
    is_int(options.max_active, 30000, "default max_active 30000");
    ok(options.max_word_exits >= 0, "default max_word_exits is a limit or none");
}

static const char *tiny_lm =
    "\\data\\\nngram 1=7\nngram 2=2\n\n\\1-grams:\n"
    "-1.0 </s>\n-99 <s> -0.5\n-1.2 hello -0.3\n-1.2 world -0.3\n-1.2 yellow -0.3\n-1.2 word -0.3\n"
    "-1.5 <unk>\n\n\\2-grams:\n-0.5 hello world\n-0.5 yellow word\n\n\\end\\\n";
static const char *tiny_dict = "hello HH AH L OW\nhello(2) HH EH L OW\nworld W ER L D\nyellow Y EH L OW\n"
                               "word W ER D\nnotinlm N AA T\n";

/* Frame scores that favour, frame by frame, the senones of a phone
 * sequence (3 frames a state), as a perfect acoustic match would. */
typedef struct {
    const char *phone;
    const char *left, *right;
    amass_sphinx_word_position position;
} planted_phone;

static float *plant(const amass_speech_acoustic_model *model, const planted_phone *phones, size_t n_phones,
                    size_t *n_frames)
{
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    int n_states = amass_speech_acoustic_model_n_states(model);
    size_t frames = n_phones * (size_t)n_states * 3;
    float *scores = malloc(frames * (size_t)n_senones * sizeof *scores);
    if (!scores)
        return NULL;
    for (size_t i = 0; i < frames * (size_t)n_senones; i++)
        scores[i] = -30.0f - 0.001f * (float)(i % 97);
    size_t frame = 0;
    for (size_t p = 0; p < n_phones; p++) {
        int32_t base = amass_sphinx_mdef_ciphone_id(mdef, phones[p].phone);
        int32_t left = phones[p].left ? amass_sphinx_mdef_ciphone_id(mdef, phones[p].left) : -1;
        int32_t right = phones[p].right ? amass_sphinx_mdef_ciphone_id(mdef, phones[p].right) : -1;
        int32_t pid = amass_sphinx_mdef_triphone_nearest(mdef, base, left, right, phones[p].position);
        const int32_t *senones = amass_sphinx_mdef_phone_senones(mdef, pid);
        for (int s = 0; s < n_states; s++)
            for (int k = 0; k < 3; k++, frame++)
                scores[frame * (size_t)n_senones + (size_t)senones[s]] = 100.0f;
    }
    *n_frames = frames;
    return scores;
}

static void words_of(const amass_speech_hypothesis *hypothesis, char *text, size_t size)
{
    text[0] = 0;
    for (size_t w = 0; w < hypothesis->n_words; w++)
        if (!hypothesis->words[w].filler) {
            if (text[0])
                strncat(text, " ", size - strlen(text) - 1);
            strncat(text, hypothesis->words[w].word, size - strlen(text) - 1);
        }
}

static const amass_speech_word *find_word(const amass_speech_hypothesis *hypothesis, const char *word)
{
    for (size_t w = 0; w < hypothesis->n_words; w++)
        if (!strcmp(hypothesis->words[w].word, word))
            return &hypothesis->words[w];
    return NULL;
}

static void test_synthetic(const amass_speech_acoustic_model *model)
{
    amass_status status;
    amass_status_clear(&status);
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    char dict_path[128], lm_path[128];
    snprintf(dict_path, sizeof dict_path, "%s", write_file("tiny.dict", tiny_dict));
    snprintf(lm_path, sizeof lm_path, "%s", write_file("tiny.arpa", tiny_lm));
    amass_sphinx_dict *dict = amass_sphinx_dict_open(dict_path, amass_speech_acoustic_model_noisedict(model), mdef,
                                                     NULL, &status);
    amass_lm *lm = amass_formats_arpa_open(lm_path, &status);
    amass_speech_lexicon *lexicon = NULL;
    amass_speech_decoder *decoder = NULL;
    ok(dict && lm, "tiny dictionary and LM load");
    if (!dict || !lm) {
        printf("# %s\n", status.message);
        return;
    }
    ok(amass_speech_lexicon_open(model, dict, lm, &lexicon, &status) == AMASS_OK, "lexicon of the tiny dictionary");
    /* hello (2 pronunciations), world, yellow, word; <sil>, [NOISE], [SPEECH] */
    is_int(amass_speech_lexicon_n_words(lexicon), 8, "pronunciations in the dictionary and the LM, fillers included");
    is_int(lexicon->n_dict_only, 1, "the word missing from the LM is left out and counted");
    ok(amass_speech_decoder_open(lexicon, NULL, &decoder, &status) == AMASS_OK, "decoder with default options");

    amass_speech_hypothesis hypothesis;
    amass_speech_hypothesis_init(&hypothesis);
    ok(amass_speech_decoder_step(decoder, NULL, 0, &status) != AMASS_OK, "step before start is refused");
    ok(amass_speech_decoder_start(decoder, &status) == AMASS_OK &&
           amass_speech_decoder_finish(decoder, &hypothesis, &status) == AMASS_OK && hypothesis.n_words == 0,
       "an utterance of zero frames gives zero words");

    const planted_phone hello_world[] = {
        {"SIL", NULL, NULL, AMASS_SPHINX_WORD_POSITIONS},   {"HH", "SIL", "AH", AMASS_SPHINX_WORD_BEGIN},
        {"AH", "HH", "L", AMASS_SPHINX_WORD_INTERNAL},     {"L", "AH", "OW", AMASS_SPHINX_WORD_INTERNAL},
        {"OW", "L", "W", AMASS_SPHINX_WORD_END},           {"W", "OW", "ER", AMASS_SPHINX_WORD_BEGIN},
        {"ER", "W", "L", AMASS_SPHINX_WORD_INTERNAL},      {"L", "ER", "D", AMASS_SPHINX_WORD_INTERNAL},
        {"D", "L", "SIL", AMASS_SPHINX_WORD_END},          {"SIL", NULL, NULL, AMASS_SPHINX_WORD_POSITIONS},
    };
    const planted_phone yellow_word[] = {
        {"SIL", NULL, NULL, AMASS_SPHINX_WORD_POSITIONS},   {"Y", "SIL", "EH", AMASS_SPHINX_WORD_BEGIN},
        {"EH", "Y", "L", AMASS_SPHINX_WORD_INTERNAL},      {"L", "EH", "OW", AMASS_SPHINX_WORD_INTERNAL},
        {"OW", "L", "W", AMASS_SPHINX_WORD_END},           {"W", "OW", "ER", AMASS_SPHINX_WORD_BEGIN},
        {"ER", "W", "D", AMASS_SPHINX_WORD_INTERNAL},      {"D", "ER", "SIL", AMASS_SPHINX_WORD_END},
        {"SIL", NULL, NULL, AMASS_SPHINX_WORD_POSITIONS},
    };
    struct {
        const planted_phone *phones;
        size_t n_phones;
        const char *want;
        const char *second;
        uint32_t second_start, second_end;
    } cases[] = {
        {hello_world, sizeof hello_world / sizeof *hello_world, "hello world", "world", 9 * 5, 9 * 9},
        {yellow_word, sizeof yellow_word / sizeof *yellow_word, "yellow word", "word", 9 * 5, 9 * 8},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t n_frames = 0;
        float *scores = plant(model, cases[c].phones, cases[c].n_phones, &n_frames);
        char text[256];
        ok(amass_speech_decoder_start(decoder, &status) == AMASS_OK &&
               amass_speech_decoder_step(decoder, scores, n_frames / 2, &status) == AMASS_OK &&
               amass_speech_decoder_step(decoder, scores + n_frames / 2 * (size_t)amass_speech_acoustic_model_n_senones(model),
                                         n_frames - n_frames / 2, &status) == AMASS_OK &&
               amass_speech_decoder_finish(decoder, &hypothesis, &status) == AMASS_OK,
           "decoding planted scores in two blocks");
        words_of(&hypothesis, text, sizeof text);
        is_str(text, cases[c].want, "the decoder finds the planted words");
        is_int(hypothesis.n_frames, n_frames, "the hypothesis counts the frames");
        const amass_speech_word *second = find_word(&hypothesis, cases[c].second);
        ok(second && second->start == cases[c].second_start && second->end == cases[c].second_end,
           "the second word's frames are the planted ones");
        if (second)
            printf("#   %s: frames %u-%u, confidence %.3f\n", second->word, second->start, second->end,
                   second->confidence);
        int confident = 1;
        for (size_t w = 0; w < hypothesis.n_words; w++)
            if (!hypothesis.words[w].filler && !(hypothesis.words[w].confidence > 0.8f &&
                                                 hypothesis.words[w].confidence <= 1.0f))
                confident = 0;
        ok(confident, "planted words get confidence in (0.8, 1]");
        free(scores);
    }
    /* Tight histogram pruning and one word exit a frame keep a clear path. */
    {
        amass_speech_search_options tight;
        amass_speech_search_options_default(&tight);
        tight.max_active = 8;
        tight.max_word_exits = 1;
        amass_speech_decoder *narrow = NULL;
        size_t n_frames = 0;
        float *scores = plant(model, hello_world, sizeof hello_world / sizeof *hello_world, &n_frames);
        char text[256] = "";
        ok(amass_speech_decoder_open(lexicon, &tight, &narrow, &status) == AMASS_OK &&
               amass_speech_decoder_start(narrow, &status) == AMASS_OK &&
               amass_speech_decoder_step(narrow, scores, n_frames, &status) == AMASS_OK &&
               amass_speech_decoder_finish(narrow, &hypothesis, &status) == AMASS_OK,
           "decoding with max_active 8 and max_word_exits 1");
        words_of(&hypothesis, text, sizeof text);
        is_str(text, "hello world", "histogram pruning keeps the planted path");
        /* The scores that favour nothing leave a decoder that still ends. */
        for (size_t i = 0; i < n_frames * (size_t)amass_speech_acoustic_model_n_senones(model); i++)
            scores[i] = -1.0f;
        ok(amass_speech_decoder_start(narrow, &status) == AMASS_OK &&
               amass_speech_decoder_step(narrow, scores, n_frames, &status) == AMASS_OK &&
               amass_speech_decoder_finish(narrow, &hypothesis, &status) == AMASS_OK &&
               hypothesis.n_frames == n_frames,
           "flat scores decode to some path without error");
        amass_speech_decoder_close(narrow);
        free(scores);
    }
    amass_speech_decoder_start(decoder, &status);
    ok(amass_speech_decoder_step(decoder, NULL, 3, &status) == AMASS_ERR_USAGE, "frames without scores are refused");
    /* A frame without one finite score is bad input. */
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    float *nan_frame = malloc((size_t)n_senones * sizeof *nan_frame);
    for (int32_t s = 0; s < n_senones; s++)
        nan_frame[s] = NAN;
    amass_speech_decoder_start(decoder, &status);
    ok(amass_speech_decoder_step(decoder, nan_frame, 1, &status) != AMASS_OK && strstr(status.message, "frame 0"),
       "a frame of NaN scores is refused, naming the frame");
    for (int32_t s = 0; s < n_senones; s++)
        nan_frame[s] = s % 7 ? -1.0f : NAN;
    amass_speech_decoder_start(decoder, &status);
    ok(amass_speech_decoder_step(decoder, nan_frame, 1, &status) == AMASS_OK &&
           amass_speech_decoder_finish(decoder, &hypothesis, &status) == AMASS_OK,
       "a frame with some NaN scores decodes (they lose)");
    free(nan_frame);
    {
        /* The decoder starts clean after a failed utterance. */
        size_t n_frames = 0;
        float *scores = plant(model, hello_world, sizeof hello_world / sizeof *hello_world, &n_frames);
        char text[256];
        ok(amass_speech_decoder_start(decoder, &status) == AMASS_OK &&
               amass_speech_decoder_step(decoder, scores, n_frames, &status) == AMASS_OK &&
               amass_speech_decoder_finish(decoder, &hypothesis, &status) == AMASS_OK,
           "decoding again after a refused frame");
        words_of(&hypothesis, text, sizeof text);
        is_str(text, "hello world", "the next utterance is not disturbed by the failed one");
        free(scores);
    }

    amass_speech_search_options options;
    amass_speech_search_options_default(&options);
    amass_speech_decoder *bad = NULL;
    options.beam = 0;
    ok(amass_speech_decoder_open(lexicon, &options, &bad, &status) == AMASS_ERR_USAGE && !bad, "beam 0 is refused");
    amass_speech_search_options_default(&options);
    options.language_weight = -1;
    ok(amass_speech_decoder_open(lexicon, &options, &bad, &status) == AMASS_ERR_USAGE &&
           strstr(status.message, "language weight"),
       "a negative language weight is refused");
    amass_speech_search_options_default(&options);
    options.max_active = -5;
    ok(amass_speech_decoder_open(lexicon, &options, &bad, &status) == AMASS_ERR_USAGE, "negative max_active is refused");
    amass_speech_search_options_default(&options);
    options.word_insertion_penalty = NAN;
    ok(amass_speech_decoder_open(lexicon, &options, &bad, &status) == AMASS_ERR_USAGE, "a NaN penalty is refused");

    amass_speech_hypothesis_free(&hypothesis);
    amass_speech_decoder_close(decoder);
    amass_speech_lexicon_close(lexicon);
    amass_sphinx_dict_close(dict);

    /* A dictionary sharing no word with the LM gives no lexicon. */
    snprintf(dict_path, sizeof dict_path, "%s", write_file("none.dict", "notinlm N AA T\nalso AO L S OW\n"));
    dict = amass_sphinx_dict_open(dict_path, NULL, mdef, NULL, &status);
    lexicon = NULL;
    amass_status_clear(&status);
    ok(dict && amass_speech_lexicon_open(model, dict, lm, &lexicon, &status) == AMASS_ERR_INPUT && !lexicon &&
           strstr(status.message, "no word"),
       "a lexicon with no words is a clear error");
    printf("#   %s\n", status.message);
    amass_sphinx_dict_close(dict);
    amass_formats_lm_close(lm);
}

/* The whole en-us dictionary against en-us.lm.bin. */
static void test_en_us_lexicon(const amass_speech_acoustic_model *model)
{
    amass_status status;
    amass_status_clear(&status);
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    amass_sphinx_dict *dict = amass_sphinx_dict_open(EN_US_DIR "/cmudict-en-us.dict",
                                                     amass_speech_acoustic_model_noisedict(model), mdef, NULL, &status);
    amass_lm *lm = dict ? amass_formats_lm_open(EN_US_DIR "/en-us.lm.bin", &status) : NULL;
    amass_speech_lexicon *lexicon = NULL;
    if (!lm || amass_speech_lexicon_open(model, dict, lm, &lexicon, &status) != AMASS_OK) {
        ok(0, "en-us lexicon opens");
        printf("# %s\n", status.message);
        amass_sphinx_dict_close(dict);
        amass_formats_lm_close(lm);
        return;
    }
    size_t want = 0;
    for (size_t i = 0; i < amass_sphinx_dict_n_entries(dict); i++) {
        const amass_sphinx_pronunciation *p = amass_sphinx_dict_entry(dict, i);
        if (p->filler) {
            want += strcmp(p->word, "<s>") && strcmp(p->word, "</s>");
            continue;
        }
        int32_t id = amass_formats_lm_word_id(lm, p->word, strlen(p->word));
        want += id != AMASS_LM_NO_WORD && id != amass_formats_lm_unknown_id(lm) &&
                id != amass_formats_lm_sentence_start_id(lm) && id != amass_formats_lm_sentence_end_id(lm);
    }
    is_int(amass_speech_lexicon_n_words(lexicon), want, "en-us: every pronunciation of dict words in the LM");
    printf("#   %zu pronunciations, %zu tree nodes, %zu word-final HMMs, %zu dictionary words not in the LM\n",
           amass_speech_lexicon_n_words(lexicon), lexicon->n_nodes, lexicon->n_leaves, lexicon->n_dict_only);
    ok(lexicon->n_nodes + lexicon->n_leaves > want, "every word has at least one HMM of its own");

    /* "dashwood" D AE SH W UH D: its last phone fans out over right
     * contexts, each group a distinct word-end triphone of D after UH. */
    const search_word *dashwood = NULL;
    for (size_t w = 2; w < lexicon->n_words; w++)
        if (!strcmp(lexicon->words[w].text, "dashwood"))
            dashwood = &lexicon->words[w];
    ok(dashwood != NULL, "dashwood is in the en-us lexicon");
    if (dashwood) {
        int32_t d = amass_sphinx_mdef_ciphone_id(mdef, "D"), uh = amass_sphinx_mdef_ciphone_id(mdef, "UH");
        int all_match = dashwood->n_groups > 1;
        for (int32_t right = 0; right < lexicon->n_ciphones; right++) {
            int32_t group = lexicon->rc_groups[(size_t)dashwood->rc_row * (size_t)lexicon->n_ciphones + (size_t)right];
            int32_t leaf = dashwood->leaf_first + group;
            int32_t pid = amass_sphinx_mdef_triphone_nearest(mdef, d, uh, right, AMASS_SPHINX_WORD_END);
            const amass_sphinx_phone *want_phone = amass_sphinx_mdef_phone(mdef, pid);
            const amass_sphinx_phone *got_phone = amass_sphinx_mdef_phone(mdef, search_leaf_pid(lexicon, leaf));
            if ((size_t)leaf < lexicon->n_nodes || lexicon->leaf_word[(size_t)leaf - lexicon->n_nodes] != dashwood - lexicon->words ||
                got_phone->senone_sequence != want_phone->senone_sequence)
                all_match = 0;
        }
        ok(all_match, "dashwood's final D has one HMM per distinct right-context triphone");
        printf("#   dashwood: %d right-context groups\n", dashwood->n_groups);
    }
    amass_speech_lexicon_close(lexicon);
    amass_formats_lm_close(lm);
    amass_sphinx_dict_close(dict);
}

int main(void)
{
    test_options();
    ok(amass_speech_lexicon_n_words(NULL) == 0, "a NULL lexicon has no words");
    amass_speech_lexicon_close(NULL);
    amass_speech_decoder_close(NULL);
    if (access(EN_US "/mdef", R_OK) != 0) {
        skip("the pocketsphinx-en-us model is not installed");
        return done_testing();
    }
    snprintf(scratch, sizeof scratch, "/tmp/amass-search-XXXXXX");
    if (!mkdtemp(scratch)) {
        ok(0, "scratch directory");
        return done_testing();
    }
    amass_status status;
    amass_status_clear(&status);
    amass_speech_acoustic_options acoustic_options;
    amass_speech_acoustic_options_default(&acoustic_options);
    amass_speech_acoustic_model *model = NULL;
    if (amass_speech_acoustic_model_open(EN_US, &acoustic_options, &model, &status) != AMASS_OK) {
        ok(0, "en-us acoustic model opens");
        printf("# %s\n", status.message);
        return done_testing();
    }
    amass_speech_lexicon *lexicon = NULL;
    ok(amass_speech_lexicon_open(model, NULL, NULL, &lexicon, &status) == AMASS_ERR_USAGE && !lexicon,
       "a lexicon without dictionary and LM is refused");
    test_synthetic(model);
    test_en_us_lexicon(model);
    amass_speech_acoustic_model_close(model);
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", scratch);
    if (system(command) != 0)
        printf("# could not remove %s\n", scratch);
    return done_testing();
}
