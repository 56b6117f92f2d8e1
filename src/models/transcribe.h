/* The transcribe pipeline: audio files in, text with word times out.
 *
 * A transcriber holds what threads share read-only (the acoustic model,
 * the dictionary, the language model and the lexicon tree); each worker
 * thread owns a front end, CMN state, voice-activity segmenter, scorer
 * and decoder. Per file: audio decoded and resampled to the model's rate
 * -> MFCC frames -> utterances cut by voice activity -> CMN and 1s_c_d_dd
 * per utterance -> senone scores in blocks -> beam search -> words. Only
 * the utterance being decoded is held, so memory does not grow with the
 * file's length. */
#ifndef AMASS_MODELS_TRANSCRIBE_H
#define AMASS_MODELS_TRANSCRIBE_H

#include <stddef.h>

#include "../base/base.h"
#include "../io/io.h"
#include "../speech/acoustic.h"
#include "../speech/search.h"
#include "../speech/vad.h"

typedef struct {
    const char *model_path;     /* a directory with a transcribe manifest; NULL when --hmm, --dict, --lm say it all */
    const char *acoustic_path;  /* --hmm: over the manifest's */
    const char *dict_path;      /* --dict */
    const char *lm_path;        /* --lm */
    amass_speech_acoustic_options acoustic;
    amass_speech_search_options search;
    int raw_rate;               /* --raw RATE: headerless s16le mono; 0: files with headers */
    int no_vad;                 /* decode each file as one utterance (still cut at max_utterance) */
    double vad_threshold;       /* dB above the noise floor that starts speech */
    double max_utterance;       /* seconds */
    int threads;                /* files decoded at once, at least 1 */
    int unordered;              /* write records as files finish */
} amass_transcribe_options;

void amass_transcribe_options_init(amass_transcribe_options *options);

typedef struct amass_transcriber amass_transcriber;

/* Loads the model's parts and builds the lexicon. Any problem (a missing
 * part, a manifest that is not a transcribe model, a front end the model
 * asks for that amass does not do) fails here, before any input is read. */
amass_code amass_transcriber_open(const amass_transcribe_options *options, amass_transcriber **transcriber,
                                  amass_status *status);
void amass_transcriber_close(amass_transcriber *transcriber);
const char *amass_transcriber_model_name(const amass_transcriber *transcriber);

typedef struct {
    amass_record_writer *writer;  /* ndjson, tsv */
    amass_output *output;         /* srt, vtt, txt */
    amass_format format;
    const amass_reporter *reporter;
    const amass_shard *shard;     /* NULL: keep every input */
    const amass_name_set *done;   /* --resume: skip these; NULL for none */
    int precision;                /* 0: times to 1/100 s, conf to 3 decimals; N: N significant digits */
} amass_transcribe_sink;

/* Transcribes every input on options.threads threads and writes their
 * records, in input order unless unordered. A file that cannot be read
 * or decoded is reported through the reporter and gets no record; audio
 * with no speech gets a record with empty text. Returns AMASS_OK, or an
 * error that ends the run (the input list failed, a write failed, out of
 * memory). */
amass_code amass_transcriber_run(amass_transcriber *transcriber, amass_input_list *inputs,
                                 const amass_transcribe_sink *sink, amass_status *status);

/* ---- what one file gave (transcribe-write.c) ------------------------- */

typedef struct {
    const char *word;
    double start, end;          /* seconds from the start of the file */
    float confidence;
} amass_transcribe_word;

typedef struct {
    size_t first_word, n_words;
    double start, end;          /* the utterance's extent in seconds */
} amass_transcribe_utterance;

typedef struct {
    double duration;            /* seconds of audio */
    amass_transcribe_word *words;
    size_t n_words, words_capacity;
    amass_transcribe_utterance *utterances;
    size_t n_utterances, utterances_capacity;
} amass_transcript;

void amass_transcript_clear(amass_transcript *transcript);
void amass_transcript_free(amass_transcript *transcript);
/* Writes one input's transcript in sink->format. cue_number counts SubRip
 * cues across calls (start it at 0). */
amass_code amass_transcript_write(const amass_transcript *transcript, const char *input,
                                  const amass_transcribe_sink *sink, size_t *cue_number, amass_buf *scratch,
                                  amass_status *status);

#endif
