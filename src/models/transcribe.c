/* The transcribe pipeline's model (acoustic model, dictionary, language
 * model, lexicon, loaded once) and one worker's decoding of a file:
 * audio -> MFCC -> voice activity -> per utterance CMN, features,
 * scores and search -> words. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "transcribe_internal.h"

/* Samples read from the file at a time, and frames scored at a time: big
 * enough for the scorer's matrix products to run at speed, small enough
 * that the score block (frames x senones floats) stays a few MB. */
#define READ_BLOCK 8192
#define SCORE_BLOCK 128

void amass_transcribe_options_init(amass_transcribe_options *options)
{
    memset(options, 0, sizeof *options);
    amass_speech_acoustic_options_default(&options->acoustic);
    amass_speech_search_options_default(&options->search);
    options->vad_threshold = 10;
    options->max_utterance = 30;
    options->threads = 1;
}

static char *copy_string(const char *text)
{
    return text ? amass_strndup(text, strlen(text)) : NULL;
}

/* The last path component: the name a model without a manifest goes by. */
static char *last_component(const char *path)
{
    size_t end = strlen(path), start;
    while (end > 1 && path[end - 1] == '/')
        end--;
    start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    return amass_strndup(path + start, end - start);
}

/* The acoustic model, dictionary and LM paths: --hmm, --dict and --lm over
 * the manifest's. */
static amass_code resolve_parts(amass_transcriber *transcriber, char **acoustic, char **dict, char **lm,
                                amass_status *status)
{
    const amass_transcribe_options *options = &transcriber->options;
    amass_model_manifest manifest;
    memset(&manifest, 0, sizeof manifest);
    if (options->model_path) {
        if (amass_models_manifest_load(options->model_path, &manifest, status) != AMASS_OK)
            return status->code;
        if (strcmp(manifest.task, "transcribe") != 0 || strcmp(manifest.format, "sphinx") != 0) {
            amass_fail(status, AMASS_ERR_USAGE, "%s: a %s model in %s format; amass-transcribe runs transcribe models in sphinx format",
                       options->model_path, manifest.task, manifest.format);
            amass_models_manifest_free(&manifest);
            return status->code;
        }
        if (strcmp(manifest.scorer, "gmm") != 0 && strcmp(manifest.scorer, "dnn") != 0) {
            amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: scorer '%s' is not supported (gmm or dnn)",
                       options->model_path, manifest.scorer);
            amass_models_manifest_free(&manifest);
            return status->code;
        }
        /* The manifest names the scorer of its own acoustic model; --hmm's
         * directory and a caller's explicit choice go their own way. */
        if (!options->acoustic_path && !options->acoustic.kind)
            transcriber->options.acoustic.kind = strcmp(manifest.scorer, "dnn") == 0 ? "dnn" : "gmm";
    } else if (!options->acoustic_path || !options->dict_path || !options->lm_path) {
        return amass_fail(status, AMASS_ERR_USAGE, "no model: give --model, or all of --hmm, --dict and --lm");
    }
    *acoustic = copy_string(options->acoustic_path ? options->acoustic_path : manifest.acoustic_path);
    *dict = copy_string(options->dict_path ? options->dict_path : manifest.dict_path);
    *lm = copy_string(options->lm_path ? options->lm_path : manifest.lm_path);
    transcriber->name = manifest.name ? copy_string(manifest.name) : last_component(*acoustic ? *acoustic : "");
    amass_models_manifest_free(&manifest);
    if (!*acoustic || !*dict || !*lm || !transcriber->name)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    return AMASS_OK;
}

/* The front end and features the model was trained with, as far as
 * amass computes them. */
static amass_code check_front_end(amass_transcriber *transcriber, const char *acoustic, amass_status *status)
{
    amass_speech_params *params = &transcriber->params;
    amass_speech_vad *vad;
    *params = *amass_speech_acoustic_model_params(transcriber->model);
    /* sphinx_fe's own silence removal is not done: amass cuts utterances
     * itself (vad.h), which keeps the word times in file time. */
    params->remove_silence = 0;
    if (strcmp(params->feature_type, "1s_c_d_dd") != 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: feature type '%s' is not supported (only 1s_c_d_dd)",
                          acoustic, params->feature_type);
    transcriber->feature_dim = amass_speech_acoustic_model_feature_dim(transcriber->model);
    transcriber->n_senones = (int)amass_speech_acoustic_model_n_senones(transcriber->model);
    if (transcriber->feature_dim != 3 * params->n_cepstra || transcriber->n_senones < 1)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                          "%s: the model takes %d features a frame; 1s_c_d_dd on %d cepstra gives %d", acoustic,
                          transcriber->feature_dim, params->n_cepstra, 3 * params->n_cepstra);
    if (!(params->sample_rate >= 8000 && params->sample_rate <= 192000))
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: sample rate %g Hz is not supported", acoustic,
                          params->sample_rate);
    amass_speech_vad_options_default(&transcriber->vad, params);
    transcriber->vad.start_threshold = transcriber->options.vad_threshold;
    transcriber->vad.stop_threshold = transcriber->options.vad_threshold * 0.6;
    transcriber->vad.max_utterance = transcriber->options.max_utterance;
    transcriber->vad.whole_stream = transcriber->options.no_vad;
    /* Options out of range fail now rather than on the first file. */
    if (amass_speech_vad_open(&transcriber->vad, &vad, status) != AMASS_OK)
        return status->code;
    amass_speech_vad_close(vad);
    return AMASS_OK;
}

amass_code amass_transcriber_open(const amass_transcribe_options *options, amass_transcriber **result,
                                  amass_status *status)
{
    amass_transcriber *transcriber;
    char *acoustic = NULL, *dict = NULL, *lm = NULL;
    amass_code code;
    *result = NULL;
    if (options->threads < 1)
        return amass_fail(status, AMASS_ERR_USAGE, "transcribe: at least one thread is needed");
    if (!(transcriber = calloc(1, sizeof *transcriber)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    transcriber->options = *options;
    atomic_init(&transcriber->warned_band_limited, 0);
    code = resolve_parts(transcriber, &acoustic, &dict, &lm, status);
    /* Paths are only used while loading: the caller's strings may go after. */
    transcriber->options.model_path = transcriber->options.acoustic_path = NULL;
    transcriber->options.dict_path = transcriber->options.lm_path = NULL;
    if (code == AMASS_OK)
        code = amass_speech_acoustic_model_open(acoustic, &transcriber->options.acoustic, &transcriber->model, status);
    if (code == AMASS_OK)
        code = check_front_end(transcriber, acoustic, status);
    if (code == AMASS_OK &&
        !(transcriber->dict = amass_sphinx_dict_open(dict, amass_speech_acoustic_model_noisedict(transcriber->model),
                                                     amass_speech_acoustic_model_mdef(transcriber->model), NULL,
                                                     status)))
        code = status->code;
    if (code == AMASS_OK && !(transcriber->lm = amass_formats_lm_open(lm, status)))
        code = status->code;
    if (code == AMASS_OK)
        code = amass_speech_lexicon_open(transcriber->model, transcriber->dict, transcriber->lm,
                                         &transcriber->lexicon, status);
    free(acoustic);
    free(dict);
    free(lm);
    if (code != AMASS_OK) {
        amass_transcriber_close(transcriber);
        return code;
    }
    *result = transcriber;
    return AMASS_OK;
}

void amass_transcriber_close(amass_transcriber *transcriber)
{
    if (!transcriber)
        return;
    amass_speech_lexicon_close(transcriber->lexicon);
    amass_formats_lm_close(transcriber->lm);
    amass_sphinx_dict_close(transcriber->dict);
    amass_speech_acoustic_model_close(transcriber->model);
    free(transcriber->name);
    free(transcriber);
}

const char *amass_transcriber_model_name(const amass_transcriber *transcriber)
{
    return transcriber->name;
}

/* ---- one worker ---------------------------------------------------------- */

amass_code transcribe_worker_open(const amass_transcriber *transcriber, transcribe_worker *worker,
                                  amass_status *status)
{
    const amass_speech_params *params = &transcriber->params;
    memset(worker, 0, sizeof *worker);
    worker->transcriber = transcriber;
    amass_speech_hypothesis_init(&worker->hypothesis);
    amass_speech_frames_init(&worker->cepstra, params->n_cepstra);
    if (amass_speech_frontend_open(params, &worker->frontend, status) != AMASS_OK ||
        (params->cmn != AMASS_SPEECH_CMN_NONE && amass_speech_cmn_open(params, &worker->cmn, status) != AMASS_OK) ||
        amass_speech_vad_open(&transcriber->vad, &worker->vad, status) != AMASS_OK ||
        amass_speech_scorer_open(transcriber->model, &worker->scorer, status) != AMASS_OK ||
        amass_speech_decoder_open(transcriber->lexicon, &transcriber->options.search, &worker->decoder, status) !=
            AMASS_OK)
        return status->code;
    worker->samples = amass_alloc_array(READ_BLOCK, sizeof *worker->samples);
    worker->scores = amass_alloc_array(SCORE_BLOCK, (size_t)transcriber->n_senones * sizeof *worker->scores);
    if (!worker->samples || !worker->scores)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for a decoder");
    return AMASS_OK;
}

void transcribe_worker_close(transcribe_worker *worker)
{
    amass_speech_decoder_close(worker->decoder);
    amass_speech_scorer_close(worker->scorer);
    amass_speech_vad_close(worker->vad);
    amass_speech_cmn_close(worker->cmn);
    amass_speech_frontend_close(worker->frontend);
    amass_speech_hypothesis_free(&worker->hypothesis);
    amass_speech_frames_free(&worker->cepstra);
    amass_transcript_free(&worker->transcript);
    free(worker->samples);
    free(worker->scores);
    free(worker->utterance);
    free(worker->features);
    memset(worker, 0, sizeof *worker);
}

static amass_code grow_utterance(transcribe_worker *worker, size_t n_frames, amass_status *status)
{
    size_t n_cepstra = (size_t)worker->transcriber->params.n_cepstra, capacity;
    float *utterance, *features;
    if (n_frames <= worker->utterance_capacity)
        return AMASS_OK;
    capacity = n_frames + n_frames / 2;
    utterance = amass_realloc_array(worker->utterance, capacity, n_cepstra * sizeof *utterance);
    if (utterance)
        worker->utterance = utterance;
    features = amass_realloc_array(worker->features, capacity, 3 * n_cepstra * sizeof *features);
    if (features)
        worker->features = features;
    if (!utterance || !features)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for an utterance of %zu frames", n_frames);
    worker->utterance_capacity = capacity;
    return AMASS_OK;
}

static amass_code add_word(amass_transcript *transcript, const amass_speech_word *word, double offset,
                           double frame_rate, amass_status *status)
{
    amass_transcribe_word *added;
    if (transcript->n_words == transcript->words_capacity) {
        size_t capacity = transcript->words_capacity ? 2 * transcript->words_capacity : 64;
        amass_transcribe_word *grown = amass_realloc_array(transcript->words, capacity, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        transcript->words = grown;
        transcript->words_capacity = capacity;
    }
    added = &transcript->words[transcript->n_words++];
    added->word = word->word;
    added->start = offset + word->start / frame_rate;
    added->end = offset + word->end / frame_rate;
    added->confidence = word->confidence >= 0 ? (word->confidence <= 1 ? word->confidence : 1) : 0;
    return AMASS_OK;
}

static amass_code add_utterance(amass_transcript *transcript, size_t first_word, double start, double end,
                                amass_status *status)
{
    amass_transcribe_utterance *added;
    if (transcript->n_utterances == transcript->utterances_capacity) {
        size_t capacity = transcript->utterances_capacity ? 2 * transcript->utterances_capacity : 16;
        amass_transcribe_utterance *grown = amass_realloc_array(transcript->utterances, capacity, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        transcript->utterances = grown;
        transcript->utterances_capacity = capacity;
    }
    added = &transcript->utterances[transcript->n_utterances++];
    added->first_word = first_word;
    added->n_words = transcript->n_words - first_word;
    added->start = start;
    added->end = end;
    return AMASS_OK;
}

/* c0 of frame t of the file, still in the cepstra buffer. */
static float frame_c0(const transcribe_worker *worker, uint64_t t)
{
    return worker->cepstra.data[(size_t)(t - worker->cepstra_first) * (size_t)worker->transcriber->params.n_cepstra];
}

/* Frames [start, end) of the file, still in the cepstra buffer, as one
 * utterance: normalised, extended to 1s_c_d_dd, scored block by block
 * into the search; its words go into the transcript. */
static amass_code decode_segment(transcribe_worker *worker, const amass_speech_segment *segment,
                                 amass_status *status)
{
    const amass_transcriber *transcriber = worker->transcriber;
    int n_cepstra = transcriber->params.n_cepstra;
    double frame_rate = transcriber->params.frame_rate, offset = (double)segment->start / frame_rate;
    size_t n, first, i, first_word = worker->transcript.n_words;
    uint64_t start = segment->start, end = segment->end;
    /* Digital silence (exact zeros: files padded with them, gaps between
     * joined recordings) gives frames with c0 < 0, Sphinx's mark of zero
     * energy, far below any silence the model was trained on; at an
     * utterance's edges the search explains them with a spurious word.
     * They carry nothing to decode, so the utterance leaves them out. */
    while (start < end && frame_c0(worker, start) < 0)
        start++;
    while (end > start && frame_c0(worker, end - 1) < 0)
        end--;
    if (start == end)
        return AMASS_OK;
    n = (size_t)(end - start);
    offset = (double)start / frame_rate;
    if (grow_utterance(worker, n, status) != AMASS_OK)
        return status->code;
    memcpy(worker->utterance, worker->cepstra.data + (size_t)(start - worker->cepstra_first) * (size_t)n_cepstra,
           n * (size_t)n_cepstra * sizeof *worker->utterance);
    if (worker->cmn) {
        amass_speech_cmn_apply(worker->cmn, worker->utterance, n);
        if (transcriber->params.cmn == AMASS_SPEECH_CMN_LIVE)
            amass_speech_cmn_end_utterance(worker->cmn);
    }
    amass_speech_features_1s_c_d_dd(worker->utterance, n, n_cepstra, worker->features);
    if (amass_speech_decoder_start(worker->decoder, status) != AMASS_OK)
        return status->code;
    for (first = 0; first < n; first += SCORE_BLOCK) {
        size_t count = n - first < SCORE_BLOCK ? n - first : SCORE_BLOCK;
        if (amass_speech_scorer_score(worker->scorer, worker->features, n, first, count, worker->scores, status) !=
                AMASS_OK ||
            amass_speech_decoder_step(worker->decoder, worker->scores, count, status) != AMASS_OK)
            return status->code;
    }
    if (amass_speech_decoder_finish(worker->decoder, &worker->hypothesis, status) != AMASS_OK)
        return status->code;
    for (i = 0; i < worker->hypothesis.n_words; i++) {
        const amass_speech_word *word = &worker->hypothesis.words[i];
        if (word->filler || !word->word || word->word[0] == '<')
            continue;
        if (add_word(&worker->transcript, word, offset, frame_rate, status) != AMASS_OK)
            return status->code;
    }
    return add_utterance(&worker->transcript, first_word, offset, (double)end / frame_rate, status);
}

/* Gives the frames the front end added to the segmenter, decodes the
 * utterances that completed, and drops the frames no utterance will need. */
static amass_code advance(transcribe_worker *worker, int at_end, amass_status *status)
{
    int n_cepstra = worker->transcriber->params.n_cepstra;
    uint64_t available = worker->cepstra_first + worker->cepstra.n_frames, first_needed, drop;
    amass_speech_segment segment;
    for (; worker->n_pushed < available; worker->n_pushed++) {
        float c0 = worker->cepstra.data[(size_t)(worker->n_pushed - worker->cepstra_first) * (size_t)n_cepstra];
        if (amass_speech_vad_push(worker->vad, c0, status) != AMASS_OK)
            return status->code;
    }
    if (at_end && amass_speech_vad_finish(worker->vad, status) != AMASS_OK)
        return status->code;
    while (amass_speech_vad_next(worker->vad, &segment))
        if (decode_segment(worker, &segment, status) != AMASS_OK)
            return status->code;
    first_needed = amass_speech_vad_first_needed(worker->vad);
    if (first_needed > available)
        first_needed = available;
    if (first_needed > worker->cepstra_first) {
        drop = first_needed - worker->cepstra_first;
        memmove(worker->cepstra.data, worker->cepstra.data + (size_t)drop * (size_t)n_cepstra,
                (size_t)(worker->cepstra.n_frames - drop) * (size_t)n_cepstra * sizeof *worker->cepstra.data);
        worker->cepstra.n_frames -= (size_t)drop;
        worker->cepstra_first = first_needed;
    }
    return AMASS_OK;
}

/* The model hears 16 kHz speech: audio recorded at a lower rate and
 * resampled up has nothing above its old Nyquist frequency, which the
 * upper mel filters expect. Said once a run, not per file. */
static void warn_band_limited(transcribe_worker *worker, const char *path, const amass_audio_info *info)
{
    amass_transcriber *transcriber = (amass_transcriber *)worker->transcriber;
    if (info->source_rate <= 0 || info->source_rate >= info->sample_rate ||
        atomic_exchange(&transcriber->warned_band_limited, 1))
        return;
    amass_log(AMASS_LOG_WARN,
              "%s: %d Hz audio is band-limited for a model of %d Hz speech: expect more errors (said once)", path,
              info->source_rate, info->sample_rate);
}

static amass_code read_file(transcribe_worker *worker, amass_audio_reader *reader, amass_status *status)
{
    size_t count;
    for (;;) {
        if (amass_media_audio_read(reader, worker->samples, READ_BLOCK, &count, status) != AMASS_OK)
            return status->code;
        if (count == 0)
            break;
        if (amass_speech_frontend_feed_float(worker->frontend, worker->samples, count, &worker->cepstra, status) !=
                AMASS_OK ||
            advance(worker, 0, status) != AMASS_OK)
            return status->code;
    }
    /* The front end pads the last window as sphinx_fe does, but an empty
     * file has no frames at all. */
    if (amass_media_audio_samples_read(reader) > 0 &&
        amass_speech_frontend_finish(worker->frontend, &worker->cepstra, status) != AMASS_OK)
        return status->code;
    return advance(worker, 1, status);
}

amass_code transcribe_worker_file(transcribe_worker *worker, const char *path, amass_status *status)
{
    const amass_transcriber *transcriber = worker->transcriber;
    amass_audio_options audio_options = {0};
    amass_audio_reader *reader;
    amass_audio_info info;
    amass_status ignored;
    amass_code code;
    size_t i;
    amass_transcript_clear(&worker->transcript);
    worker->cepstra.n_frames = 0;
    worker->cepstra_first = worker->n_pushed = 0;
    amass_speech_vad_reset(worker->vad);
    /* Live CMN carries its mean from utterance to utterance, but not from
     * file to file: which files a thread did before must not matter. */
    if (transcriber->params.cmn == AMASS_SPEECH_CMN_LIVE) {
        amass_speech_cmn_close(worker->cmn);
        worker->cmn = NULL;
        if (amass_speech_cmn_open(&transcriber->params, &worker->cmn, status) != AMASS_OK)
            return status->code == AMASS_ERR_NOMEM ? AMASS_ERR_NOMEM : AMASS_ERR_FATAL;
    }
    audio_options.sample_rate = (int)transcriber->params.sample_rate;
    audio_options.raw_rate = transcriber->options.raw_rate;
    if (amass_media_audio_open(path, &audio_options, &reader, status) != AMASS_OK)
        return status->code;
    amass_media_audio_get_info(reader, &info);
    warn_band_limited(worker, path, &info);
    code = read_file(worker, reader, status);
    worker->transcript.duration = (double)amass_media_audio_samples_read(reader) / info.sample_rate;
    amass_media_audio_close(reader);
    if (code != AMASS_OK) {
        /* Leave the front end clean for the next file. */
        amass_status_clear(&ignored);
        worker->cepstra.n_frames = 0;
        amass_speech_frontend_finish(worker->frontend, &worker->cepstra, &ignored);
        worker->cepstra.n_frames = 0;
        return code;
    }
    /* The padded last window may reach past the last sample. */
    for (i = 0; i < worker->transcript.n_words; i++) {
        amass_transcribe_word *word = &worker->transcript.words[i];
        if (word->end > worker->transcript.duration)
            word->end = worker->transcript.duration;
        if (word->start > word->end)
            word->start = word->end;
    }
    return AMASS_OK;
}
