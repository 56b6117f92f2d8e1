/* Large-vocabulary search: a lexicon tree built from the pronouncing
 * dictionary, the language model and the acoustic model's senone set, and
 * a Viterbi beam search over it with an n-gram language model.
 *
 * The lexicon is built once and shared read-only by threads; a decoder is
 * one thread's search state. Scores are natural logs throughout. */
#ifndef AMASS_SPEECH_SEARCH_H
#define AMASS_SPEECH_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../formats/sphinx.h"
#include "../formats/sphinx_lm.h"
#include "acoustic.h"

/* pocketsphinx's names and defaults in the comments; probabilities are
 * given as probabilities (as on pocketsphinx's command line) and turned
 * into logs inside. */
typedef struct {
    double beam;                   /* -beam 1e-48: HMMs within this ratio of the frame's best stay */
    double word_beam;              /* -wbeam 7e-29: word exits within this ratio of the best word exit */
    double phone_beam;             /* -pbeam 1e-48: entering the next phone */
    double language_weight;        /* -lw 6.5 */
    double word_insertion_penalty; /* -wip 0.65 */
    double phone_insertion_penalty;/* -pip 1.0 */
    double silence_probability;    /* -silprob 0.005 */
    double filler_probability;     /* -fillprob 1e-8 */
    int max_active;                /* -maxhmmpf 30000: histogram pruning of active HMMs a frame, 0 = no limit */
    int max_word_exits;            /* -maxwpf: word exits kept a frame, 0 = no limit */
} amass_speech_search_options;

void amass_speech_search_options_default(amass_speech_search_options *options);

typedef struct amass_speech_lexicon amass_speech_lexicon;

/* Words in both the dictionary and the LM (every pronunciation), the
 * noisedict's fillers and silence. Words of the dictionary missing from
 * the LM are left out (counted). The model, dictionary and LM must outlive
 * the lexicon. */
amass_code amass_speech_lexicon_open(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict,
                                     const amass_lm *lm, amass_speech_lexicon **lexicon, amass_status *status);
void amass_speech_lexicon_close(amass_speech_lexicon *lexicon);
size_t amass_speech_lexicon_n_words(const amass_speech_lexicon *lexicon);

/* A recognised word, fillers and silence included. */
typedef struct {
    const char *word;    /* points into the dictionary; base form without "(2)" */
    uint32_t start;      /* first frame */
    uint32_t end;        /* one past the last frame */
    float confidence;    /* posterior probability in [0, 1] */
    float acoustic;      /* acoustic log-likelihood over its frames (relative to each frame's best) */
    float language;      /* weighted LM log probability (with penalties) */
    int filler;          /* silence, noise, <s>, </s> */
} amass_speech_word;

typedef struct {
    amass_speech_word *words;
    size_t n_words;
    size_t capacity;
    double score;        /* total path score */
    uint32_t n_frames;
} amass_speech_hypothesis;

void amass_speech_hypothesis_init(amass_speech_hypothesis *hypothesis);
void amass_speech_hypothesis_free(amass_speech_hypothesis *hypothesis);

typedef struct amass_speech_decoder amass_speech_decoder;

amass_code amass_speech_decoder_open(const amass_speech_lexicon *lexicon, const amass_speech_search_options *options,
                                     amass_speech_decoder **decoder, amass_status *status);
void amass_speech_decoder_close(amass_speech_decoder *decoder);
/* Starts an utterance (history "<s>"). */
amass_code amass_speech_decoder_start(amass_speech_decoder *decoder, amass_status *status);
/* Advances by n_frames frames of n_senones scores each (as the scorer
 * writes them). */
amass_code amass_speech_decoder_step(amass_speech_decoder *decoder, const float *scores, size_t n_frames,
                                     amass_status *status);
/* Ends the utterance with "</s>" and writes the best path into hypothesis
 * (its previous words are replaced). An utterance with no frames or no
 * surviving path gives zero words and AMASS_OK. */
amass_code amass_speech_decoder_finish(amass_speech_decoder *decoder, amass_speech_hypothesis *hypothesis,
                                       amass_status *status);

#endif
