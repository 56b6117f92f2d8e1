/* Developer driver, not installed: decodes audio files with the en-us model (front end, batch CMN, 1s_c_d_dd, GMM scorer, search) and prints the words and the speed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/media.h"
#include "speech/search.h"

static double cpu_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static float *features_of(const amass_speech_acoustic_model *model, const float *samples, size_t n_samples,
                          size_t *n_frames, amass_status *status)
{
    const amass_speech_params *params = amass_speech_acoustic_model_params(model);
    amass_speech_frontend *frontend = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_speech_frames cepstra;
    float *features = NULL;
    if (amass_speech_frontend_open(params, &frontend, status) != AMASS_OK)
        return NULL;
    amass_speech_frames_init(&cepstra, params->n_cepstra);
    amass_speech_frontend_feed_float(frontend, samples, n_samples, &cepstra, status);
    amass_speech_frontend_finish(frontend, &cepstra, status);
    amass_speech_frontend_close(frontend);
    if (amass_speech_cmn_open(params, &cmn, status) == AMASS_OK) {
        amass_speech_cmn_apply(cmn, cepstra.data, cepstra.n_frames);
        amass_speech_cmn_close(cmn);
        features = malloc(cepstra.n_frames * 3 * (size_t)params->n_cepstra * sizeof *features + 1);
        if (features)
            amass_speech_features_1s_c_d_dd(cepstra.data, cepstra.n_frames, params->n_cepstra, features);
        *n_frames = cepstra.n_frames;
    }
    amass_speech_frames_free(&cepstra);
    return features;
}

int main(int argc, char **argv)
{
    const char *directory = "/usr/share/pocketsphinx/model/en-us/en-us";
    const char *dict_path = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
    const char *lm_path = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin";
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
        if (!strcmp(name, "beam")) options.beam = value;
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
    fprintf(stderr, "lexicon: %zu words, %zu nodes, %.2f s\n", amass_speech_lexicon_n_words(lexicon),
            lexicon ? (size_t)0 : (size_t)0, cpu_seconds() - load_start);
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    double total_audio = 0, total_score = 0, total_search = 0;
    amass_speech_hypothesis hypothesis;
    amass_speech_hypothesis_init(&hypothesis);
    for (int a = first; a < argc; a++) {
        float *samples = NULL;
        size_t n_samples = 0, n_frames = 0;
        if (amass_media_audio_load(argv[a], NULL, &samples, &n_samples, &status) != AMASS_OK) {
            fprintf(stderr, "speech-decode: %s\n", status.message);
            return 1;
        }
        float *features = features_of(model, samples, n_samples, &n_frames, &status);
        float *scores = malloc(n_frames * (size_t)n_senones * sizeof *scores + 1);
        double t0 = cpu_seconds();
        amass_speech_scorer_score(scorer, features, n_frames, 0, n_frames, scores, &status);
        double t1 = cpu_seconds();
        amass_speech_decoder_start(decoder, &status);
        if (amass_speech_decoder_step(decoder, scores, n_frames, &status) != AMASS_OK ||
            amass_speech_decoder_finish(decoder, &hypothesis, &status) != AMASS_OK) {
            fprintf(stderr, "speech-decode: %s\n", status.message);
            return 1;
        }
        double t2 = cpu_seconds();
        total_audio += (double)n_samples / 16000.0;
        total_score += t1 - t0;
        total_search += t2 - t1;
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
        free(samples);
        free(features);
        free(scores);
    }
    fprintf(stderr, "audio %.2f s, scoring %.2f s, search %.2f s, realtime factor %.2f\n", total_audio, total_score,
            total_search, total_audio / (total_score + total_search));
    amass_speech_hypothesis_free(&hypothesis);
    amass_speech_scorer_close(scorer);
    amass_speech_decoder_close(decoder);
    amass_speech_lexicon_close(lexicon);
    amass_formats_lm_close(lm);
    amass_sphinx_dict_close(dict);
    amass_speech_acoustic_model_close(model);
    return 0;
}
