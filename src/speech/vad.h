/* Voice-activity segmentation: a stream of front-end frames cut into
 * utterances by their energy (c0), so a long recording is decoded one
 * utterance at a time in bounded memory.
 *
 * A frame is loud when its c0 stands start_threshold dB above the noise
 * floor (a running estimate taken from the quiet frames). Speech starts
 * after min_speech seconds of loud frames and goes on until min_silence
 * seconds stay below stop_threshold dB (hysteresis: stop < start, and the
 * pause is the hangover that keeps words of one sentence together).
 * padding seconds are kept on both sides so the decoder sees the silence
 * around the speech. An utterance reaching max_utterance seconds is cut
 * at its quietest frame in the second half, so memory stays bounded and a
 * word is rarely split. */
#ifndef AMASS_SPEECH_VAD_H
#define AMASS_SPEECH_VAD_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "speech.h"

typedef struct {
    double frame_rate;      /* frames per second (feat.params -frate) */
    double c0_per_db;       /* how much c0 moves for 1 dB of energy (amass_speech_vad_c0_per_db) */
    double start_threshold; /* dB above the noise floor that starts speech, 10 */
    double stop_threshold;  /* dB above the noise floor that keeps it going, 6 */
    double min_speech;      /* seconds of loud frames before speech counts, 0.1 */
    double min_silence;     /* seconds of quiet that end an utterance, 0.5 */
    double padding;         /* seconds kept before and after the speech, 0.25 */
    double max_utterance;   /* seconds; longer speech is cut, 30 */
    int whole_stream;       /* no segmentation (--no-vad): every frame is speech, cut only at max_utterance */
} amass_speech_vad_options;

/* The defaults above for a front end with these parameters. */
void amass_speech_vad_options_default(amass_speech_vad_options *options, const amass_speech_params *params);
/* c0 change for a 1 dB change of every mel energy, which depends on the
 * front end's DCT: 1/10 ln 10 times 1 (legacy), sqrt(nfilt) (dct) or
 * sqrt(2 nfilt) (htk). */
double amass_speech_vad_c0_per_db(const amass_speech_params *params);

/* An utterance: frames [start, end) of the stream. */
typedef struct {
    uint64_t start, end;
} amass_speech_segment;

typedef struct amass_speech_vad amass_speech_vad;

/* Fails with AMASS_ERR_USAGE naming the option when a value is out of
 * range (thresholds, durations, stop above start). One per thread. */
amass_code amass_speech_vad_open(const amass_speech_vad_options *options, amass_speech_vad **vad,
                                 amass_status *status);
void amass_speech_vad_close(amass_speech_vad *vad);
/* Forgets the stream: the next frame is frame 0 of a new one. */
void amass_speech_vad_reset(amass_speech_vad *vad);
/* The next frame's c0. Utterances it completes become available to
 * amass_speech_vad_next. AMASS_ERR_NOMEM is the only failure. */
amass_code amass_speech_vad_push(amass_speech_vad *vad, float c0, amass_status *status);
/* The end of the stream: an utterance still open ends here. */
amass_code amass_speech_vad_finish(amass_speech_vad *vad, amass_status *status);
/* 1 and the oldest completed utterance not yet taken, else 0. Utterances
 * come in stream order and never overlap. */
int amass_speech_vad_next(amass_speech_vad *vad, amass_speech_segment *segment);
/* Frames before this one will never be part of a future utterance: the
 * caller may drop them. */
uint64_t amass_speech_vad_first_needed(const amass_speech_vad *vad);
/* Frames pushed so far. */
uint64_t amass_speech_vad_n_frames(const amass_speech_vad *vad);

#endif
