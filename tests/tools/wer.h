/* Word error rate for the speech tests and the transcribe benchmark: text
 * normalised to the lowercase words both amass-transcribe and pocketsphinx
 * print, a minimum-edit alignment over words, and the transcript line
 * formats the two tools and the Sphinx test data use. */
#ifndef AMASS_TESTS_WER_H
#define AMASS_TESTS_WER_H

#include <stddef.h>

typedef struct {
    size_t n_words;
    char **words;
} wer_words;

/* Splits text into normalised words: ASCII letters lowercased, hyphens
 * separate words, punctuation other than inner apostrophes dropped, a
 * pronunciation variant's "(2)" removed, and Sphinx's markers ("<s>",
 * "</s>", "<sil>", "[NOISE]", "++UM++") skipped. Returns 0, or -1 when out
 * of memory. */
int wer_words_split(const char *text, wer_words *words);
void wer_words_free(wer_words *words);

typedef enum { WER_CORRECT, WER_SUBSTITUTION, WER_DELETION, WER_INSERTION } wer_edit_kind;

typedef struct {
    wer_edit_kind kind;
    size_t reference_index;  /* unused for an insertion */
    size_t hypothesis_index; /* unused for a deletion */
} wer_edit;

typedef struct {
    size_t reference_words;
    size_t correct, substitutions, deletions, insertions;
} wer_counts;

/* Levenshtein alignment with unit costs. Where steps tie, the diagonal
 * (match or substitution) wins, so a wrong word counts as one substitution
 * rather than a deletion plus an insertion, as sclite counts it. counts is
 * set (not added to); edits, when not NULL, receives a malloc'ed list in
 * reading order (free it) and n_edits its length. Returns 0, or -1 when out
 * of memory. */
int wer_align(const wer_words *reference, const wer_words *hypothesis, wer_counts *counts, wer_edit **edits,
              size_t *n_edits);
void wer_counts_add(wer_counts *total, const wer_counts *counts);
/* (substitutions + deletions + insertions) / reference words; with no
 * reference words, 0 when the hypothesis is empty too, else infinity. */
double wer_rate(const wer_counts *counts);

/* One line of a transcript file, split into its utterance id and its text.
 *   {"input":"dir/a.wav","text":"..."}   an amass-transcribe NDJSON record:
 *                                          id "a" (the input's base name
 *                                          less its extension)
 *   words words (id)                     Sphinx transcription lines
 *   words words (id -12345)              pocketsphinx hypothesis lines
 *   words words                          no id (*id NULL)
 * Returns 1 with malloc'ed *id and *text, 0 for a blank line, or -1 with a
 * message in error (size error_size) for a malformed line. */
int wer_parse_line(const char *line, char **id, char **text, char *error, size_t error_size);

#endif
