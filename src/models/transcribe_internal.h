/* What the transcribe pipeline's files share: the transcriber and one
 * worker thread's state. */
#ifndef AMASS_MODELS_TRANSCRIBE_INTERNAL_H
#define AMASS_MODELS_TRANSCRIBE_INTERNAL_H

#include <stdatomic.h>

#include "../formats/sphinx_lm.h"
#include "../media/media.h"
#include "transcribe.h"

struct amass_transcriber {
    amass_transcribe_options options;
    char *name;
    amass_speech_acoustic_model *model;
    amass_sphinx_dict *dict;
    amass_lm *lm;
    amass_speech_lexicon *lexicon;
    amass_speech_params params;      /* the model's front end */
    amass_speech_vad_options vad;
    int n_senones, feature_dim;
    atomic_int warned_band_limited;  /* the narrowband warning is given once a run */
};

/* One thread's state; reused file after file. */
typedef struct {
    const amass_transcriber *transcriber;
    amass_speech_frontend *frontend;
    amass_speech_cmn_state *cmn;
    amass_speech_vad *vad;
    amass_speech_scorer *scorer;
    amass_speech_decoder *decoder;
    amass_speech_hypothesis hypothesis;
    float *samples;                  /* one block read from the file */
    amass_speech_frames cepstra;     /* frames [cepstra_first, cepstra_first + n_frames) of the file */
    uint64_t cepstra_first;
    uint64_t n_pushed;               /* frames given to the voice-activity segmenter */
    float *utterance;                /* its cepstra, then normalised */
    float *features;
    size_t utterance_capacity;       /* frames */
    float *scores;                   /* SCORE_BLOCK x n_senones */
    amass_transcript transcript;
} transcribe_worker;

amass_code transcribe_worker_open(const amass_transcriber *transcriber, transcribe_worker *worker,
                                  amass_status *status);
void transcribe_worker_close(transcribe_worker *worker);
/* Transcribes one file into worker->transcript. A failure is the file's
 * (AMASS_ERR_INPUT and others, message naming it) unless it is
 * AMASS_ERR_NOMEM or AMASS_ERR_FATAL. */
amass_code transcribe_worker_file(transcribe_worker *worker, const char *path, amass_status *status);

#endif
