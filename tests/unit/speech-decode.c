/* Developer driver, not installed: decodes audio files with the en-us model (front end, batch CMN, 1s_c_d_dd, GMM scorer, search) and prints the words and the speed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "speech-search-helpers.h"
#include "speech/search_internal.h"

int main(int argc, char **argv)
{
    const char *directory = EN_US;
    const char *dict_path = EN_US_DIR "/cmudict-en-us.dict";
    const char *lm_path = EN_US_DIR "/en-us.lm.bin";
    amass_status status;
    amass_status_clear(&status);
    amass_speech_acoustic_options acoustic_options;
    amass_speech_acoustic_options_default(&acoustic_options);
    amass_speech_acoustic_model *model = NULL;
    amass_speech_lexicon *lexicon = NULL;
    amass_speech_decoder *decoder = NULL;
    amass_speech_scorer *scorer = NULL;
    amass_speech_search_options options;
    amass_speech_search_options_default(&options);
    int first = 1;
    while (first < argc && argv[first][0] == '-' && first + 1 < argc) {
        const char *name = argv[first] + 1;
        double value = atof(argv[first + 1]);
        if (!strcmp(name, "hmm")) directory = argv[first + 1];
        else if (!strcmp(name, "dict")) dict_path = argv[first + 1];
        else if (!strcmp(name, "lm")) lm_path = argv[first + 1];
        else if (!strcmp(name, "beam")) options.beam = value;
        else if (!strcmp(name, "wbeam")) options.word_beam = value;
        else if (!strcmp(name, "pbeam")) options.phone_beam = value;
        else if (!strcmp(name, "lw")) options.language_weight = value;
        else if (!strcmp(name, "wip")) options.word_insertion_penalty = value;
        else if (!strcmp(name, "pip")) options.phone_insertion_penalty = value;
        else if (!strcmp(name, "silprob")) options.silence_probability = value;
        else if (!strcmp(name, "fillprob")) options.filler_probability = value;
        else if (!strcmp(name, "maxhmmpf")) options.max_active = (int)value;
        else if (!strcmp(name, "maxwpf")) options.max_word_exits = (int)value;
        else { fprintf(stderr, "unknown option -%s\n", name); return 2; }
        first += 2;
    }
    if (amass_speech_acoustic_model_open(directory, &acoustic_options, &model, &status) != AMASS_OK) {
        fprintf(stderr, "speech-decode: %s\n", status.message);
        return 1;
    }
    amass_sphinx_dict *dict = amass_sphinx_dict_open(dict_path, amass_speech_acoustic_model_noisedict(model),
                                                     amass_speech_acoustic_model_mdef(model), NULL, &status);
    amass_lm *lm = dict ? amass_formats_lm_open(lm_path, &status) : NULL;
    double load_start = cpu_seconds();
    if (!lm || amass_speech_lexicon_open(model, dict, lm, &lexicon, &status) != AMASS_OK ||
        amass_speech_decoder_open(lexicon, &options, &decoder, &status) != AMASS_OK ||
        amass_speech_scorer_open(model, &scorer, &status) != AMASS_OK) {
        fprintf(stderr, "speech-decode: %s\n", status.message);
        return 1;
    }
    fprintf(stderr, "lexicon: %zu words, %.2f s\n", amass_speech_lexicon_n_words(lexicon),
            cpu_seconds() - load_start);
    decode_timing timing = {0, 0, 0};
    amass_speech_hypothesis hypothesis;
    amass_speech_hypothesis_init(&hypothesis);
    for (int a = first; a < argc; a++) {
        if (decode_file(model, scorer, decoder, argv[a], &hypothesis, &timing, &status) != AMASS_OK) {
            fprintf(stderr, "speech-decode: %s\n", status.message);
            return 1;
        }
        const char *name = strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1 : argv[a];
        printf("%s\t", name);
        for (size_t w = 0; w < hypothesis.n_words; w++)
            if (!hypothesis.words[w].filler)
                printf("%s ", hypothesis.words[w].word);
        printf("\n");
        if (getenv("SPEECH_DECODE_VERBOSE"))
            for (size_t w = 0; w < hypothesis.n_words; w++)
                fprintf(stderr, "  %-12s %5u %5u conf %.3f ac %.1f lm %.1f\n", hypothesis.words[w].word,
                        hypothesis.words[w].start, hypothesis.words[w].end, hypothesis.words[w].confidence,
                        hypothesis.words[w].acoustic, hypothesis.words[w].language);
    }
    fprintf(stderr, "audio %.2f s, scoring %.2f s, search %.2f s, realtime factor %.2f\n", timing.audio_seconds,
            timing.scoring_seconds, timing.search_seconds,
            timing.audio_seconds / (timing.scoring_seconds + timing.search_seconds));
    fprintf(stderr, "HMM evaluations %llu, child entries tried %llu\n", (unsigned long long)decoder->n_evaluated,
            (unsigned long long)decoder->n_entered);
    amass_speech_hypothesis_free(&hypothesis);
    amass_speech_scorer_close(scorer);
    amass_speech_decoder_close(decoder);
    amass_speech_lexicon_close(lexicon);
    amass_formats_lm_close(lm);
    amass_sphinx_dict_close(dict);
    amass_speech_acoustic_model_close(model);
    return 0;
}
