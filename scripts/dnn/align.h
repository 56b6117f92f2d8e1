/* Forced alignment for the DNN's training targets: which senone each frame
 * of an utterance spends in, on the best HMM path through words known to
 * have been spoken. */
#ifndef AMASS_SCRIPTS_DNN_ALIGN_H
#define AMASS_SCRIPTS_DNN_ALIGN_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "formats/sphinx.h"
#include "speech/acoustic.h"

/* words: space-separated, spelled as in dict (each word's first
 * pronunciation is used). The path may start and end in silence and
 * pause between words; cross-word triphones take the neighbouring word's
 * phone as their context. scores: n_frames rows of the model's n_senones
 * log-likelihoods, as its scorer writes them. senones[t] receives the
 * senone of frame t. AMASS_ERR_INPUT with the reason when a word is not
 * in the dictionary or the words need more frames than there are. */
amass_code align_words(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict, const char *words,
                       const float *scores, size_t n_frames, int32_t *senones, amass_status *status);

#endif
