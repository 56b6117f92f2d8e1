/* One file's transcript written as an NDJSON record, TSV rows (one per
 * utterance), SubRip or WebVTT cues, or plain text lines. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../io/subtitle.h"
#include "transcribe.h"

/* A cue is at most this long and this wide: two lines of about 42
 * characters is the usual subtitle guideline; one line keeps cues short. */
#define CUE_SECONDS 7.0
#define CUE_CHARACTERS 42

void amass_transcript_clear(amass_transcript *transcript)
{
    transcript->duration = 0;
    transcript->n_words = 0;
    transcript->n_utterances = 0;
}

void amass_transcript_free(amass_transcript *transcript)
{
    free(transcript->words);
    free(transcript->utterances);
    memset(transcript, 0, sizeof *transcript);
}

/* Times come in 1/100 s frames and confidences are estimates: printed
 * to that resolution unless --precision asks for significant digits. */
static double time_value(double seconds, int precision)
{
    return precision ? seconds : round(seconds * 100) / 100;
}

static float confidence_value(float confidence, int precision)
{
    return precision ? confidence : (float)(round(confidence * 1000.0) / 1000.0);
}

static void append_words_text(amass_buf *text, const amass_transcribe_word *words, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (text->length)
            amass_buf_append_char(text, ' ');
        amass_buf_append_str(text, words[i].word);
    }
}

static amass_code write_ndjson(const amass_transcript *transcript, const char *input,
                               const amass_transcribe_sink *sink, amass_buf *json, amass_status *status)
{
    amass_buf text;
    size_t i;
    amass_code code;
    amass_buf_init(&text);
    amass_buf_reset(json);
    append_words_text(&text, transcript->words, transcript->n_words);
    amass_buf_append_char(json, '[');
    for (i = 0; i < transcript->n_words; i++) {
        const amass_transcribe_word *word = &transcript->words[i];
        amass_buf_append_str(json, i ? ",{\"word\":" : "{\"word\":");
        amass_json_append_string(json, word->word, strlen(word->word));
        amass_buf_append_str(json, ",\"start\":");
        amass_json_append_double(json, time_value(word->start, sink->precision), sink->precision);
        amass_buf_append_str(json, ",\"end\":");
        amass_json_append_double(json, time_value(word->end, sink->precision), sink->precision);
        amass_buf_append_str(json, ",\"conf\":");
        amass_json_append_float(json, confidence_value(word->confidence, sink->precision), sink->precision);
        amass_buf_append_char(json, '}');
    }
    amass_buf_append_char(json, ']');
    if (json->failed || text.failed) {
        amass_buf_free(&text);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building a record");
    }
    amass_io_record_begin(sink->writer);
    amass_io_field_string(sink->writer, "input", input, strlen(input));
    amass_io_field_double(sink->writer, "duration", time_value(transcript->duration, sink->precision));
    amass_io_field_string(sink->writer, "text", text.length ? text.data : "", text.length);
    amass_io_field_json(sink->writer, "words", json->data, json->length);
    code = amass_io_record_end(sink->writer, status);
    amass_buf_free(&text);
    return code;
}

static amass_code write_tsv_row(const amass_transcribe_sink *sink, const char *input, double start, double end,
                                const amass_buf *text, amass_status *status)
{
    amass_io_record_begin(sink->writer);
    amass_io_field_string(sink->writer, "input", input, strlen(input));
    amass_io_field_double(sink->writer, "start", time_value(start, sink->precision));
    amass_io_field_double(sink->writer, "end", time_value(end, sink->precision));
    amass_io_field_string(sink->writer, "text", text->length ? text->data : "", text->length);
    return amass_io_record_end(sink->writer, status);
}

/* One row per utterance with words; a file without any still gets one
 * row (0, its duration, no text), so every input shows in the output and
 * --resume knows it was done. */
static amass_code write_tsv(const amass_transcript *transcript, const char *input, const amass_transcribe_sink *sink,
                            amass_buf *text, amass_status *status)
{
    size_t i, rows = 0;
    for (i = 0; i < transcript->n_utterances; i++) {
        const amass_transcribe_utterance *utterance = &transcript->utterances[i];
        const amass_transcribe_word *words = transcript->words + utterance->first_word;
        if (utterance->n_words == 0)
            continue;
        amass_buf_reset(text);
        append_words_text(text, words, utterance->n_words);
        if (text->failed)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building a record");
        if (write_tsv_row(sink, input, words[0].start, words[utterance->n_words - 1].end, text, status) != AMASS_OK)
            return status->code;
        rows++;
    }
    if (rows)
        return AMASS_OK;
    amass_buf_reset(text);
    return write_tsv_row(sink, input, 0, transcript->duration, text, status);
}

/* SubRip, WebVTT or plain text: a document rather than records. */
static amass_code write_document(const amass_transcript *transcript, const amass_transcribe_sink *sink,
                                 size_t *cue_number, amass_buf *out, amass_status *status)
{
    int webvtt = sink->format == AMASS_FORMAT_VTT;
    size_t i, j;
    amass_buf_reset(out);
    for (i = 0; i < transcript->n_utterances; i++) {
        const amass_transcribe_utterance *utterance = &transcript->utterances[i];
        const amass_transcribe_word *words = transcript->words + utterance->first_word;
        size_t n = utterance->n_words;
        if (n == 0)
            continue;
        if (sink->format == AMASS_FORMAT_TXT) {
            size_t before = out->length;
            for (j = 0; j < n; j++) {
                if (out->length > before)
                    amass_buf_append_char(out, ' ');
                amass_buf_append_str(out, words[j].word);
            }
            amass_buf_append_char(out, '\n');
            continue;
        }
        while (n > 0) {
            amass_subtitle_word cue[64];
            size_t count = n < 64 ? n : 64, taken;
            for (j = 0; j < count; j++) {
                cue[j].text = words[j].word;
                cue[j].length = strlen(words[j].word);
                cue[j].start = words[j].start;
                cue[j].end = words[j].end;
            }
            taken = amass_subtitle_next_cue(cue, count, CUE_SECONDS, CUE_CHARACTERS);
            ++*cue_number;
            if (!webvtt)
                amass_buf_printf(out, "%zu\n", *cue_number);
            amass_subtitle_append_time(out, words[0].start, webvtt);
            amass_buf_append_str(out, " --> ");
            amass_subtitle_append_time(out, words[taken - 1].end, webvtt);
            amass_buf_append_char(out, '\n');
            for (j = 0; j < taken; j++) {
                if (j)
                    amass_buf_append_char(out, ' ');
                amass_buf_append_str(out, words[j].word);
            }
            amass_buf_append_str(out, "\n\n");
            words += taken;
            n -= taken;
        }
    }
    if (out->failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory building subtitles");
    return out->length ? amass_io_output_write(sink->output, out->data, out->length, status) : AMASS_OK;
}

amass_code amass_transcript_write(const amass_transcript *transcript, const char *input,
                                  const amass_transcribe_sink *sink, size_t *cue_number, amass_buf *scratch,
                                  amass_status *status)
{
    switch (sink->format) {
    case AMASS_FORMAT_NDJSON: return write_ndjson(transcript, input, sink, scratch, status);
    case AMASS_FORMAT_TSV: return write_tsv(transcript, input, sink, scratch, status);
    case AMASS_FORMAT_SRT:
    case AMASS_FORMAT_VTT:
    case AMASS_FORMAT_TXT: return write_document(transcript, sink, cue_number, scratch, status);
    }
    return amass_fail(status, AMASS_ERR_USAGE, "transcribe: unknown output format");
}
