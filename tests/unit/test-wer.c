/* The word error rate the speech tests judge decoders by: known alignments, normalisation, transcript lines. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wer.h"

/* Aligns two texts; returns the counts and, in picture, one letter per
 * edit (C S D I) in reading order. */
static wer_counts align_texts(const char *reference_text, const char *hypothesis_text, char *picture,
                              size_t picture_size)
{
    wer_words reference, hypothesis;
    wer_counts counts = {0};
    wer_edit *edits = NULL;
    size_t n_edits = 0;
    picture[0] = '\0';
    if (wer_words_split(reference_text, &reference) != 0 || wer_words_split(hypothesis_text, &hypothesis) != 0 ||
        wer_align(&reference, &hypothesis, &counts, &edits, &n_edits) != 0) {
        ok(0, "out of memory");
        return counts;
    }
    for (size_t k = 0; k < n_edits && k + 1 < picture_size; k++) {
        picture[k] = "CSDI"[edits[k].kind];
        picture[k + 1] = '\0';
    }
    free(edits);
    wer_words_free(&reference);
    wer_words_free(&hypothesis);
    return counts;
}

static void check_alignment(const char *reference, const char *hypothesis, size_t n_reference, size_t correct,
                            size_t substitutions, size_t deletions, size_t insertions, const char *want_picture,
                            const char *name)
{
    char picture[64], label[200];
    wer_counts c = align_texts(reference, hypothesis, picture, sizeof picture);
    snprintf(label, sizeof label, "%s: reference words", name);
    is_int(c.reference_words, n_reference, label);
    snprintf(label, sizeof label, "%s: C S D I", name);
    char got[80], want[80];
    snprintf(got, sizeof got, "%zu %zu %zu %zu", c.correct, c.substitutions, c.deletions, c.insertions);
    snprintf(want, sizeof want, "%zu %zu %zu %zu", correct, substitutions, deletions, insertions);
    is_str(got, want, label);
    snprintf(label, sizeof label, "%s: edit path", name);
    is_str(picture, want_picture, label);
}

static void check_split(const char *text, const char *want, const char *name)
{
    wer_words words;
    char joined[256] = "";
    if (wer_words_split(text, &words) != 0) {
        ok(0, name);
        return;
    }
    for (size_t i = 0; i < words.n_words; i++) {
        if (i)
            strcat(joined, "|");
        strcat(joined, words.words[i]);
    }
    is_str(joined, want, name);
    wer_words_free(&words);
}

static void check_line(const char *line, int want_status, const char *want_id, const char *want_text,
                       const char *name)
{
    char *id = NULL, *text = NULL, error[200] = "", label[200];
    int status = wer_parse_line(line, &id, &text, error, sizeof error);
    snprintf(label, sizeof label, "%s: status", name);
    is_int(status, want_status, label);
    if (want_status == 1) {
        snprintf(label, sizeof label, "%s: id", name);
        if (want_id)
            is_str(id, want_id, label);
        else
            ok(id == NULL, label);
        snprintf(label, sizeof label, "%s: text", name);
        is_str(text, want_text, label);
    } else if (want_status < 0) {
        snprintf(label, sizeof label, "%s: says why", name);
        ok(error[0] != '\0', label);
        if (error[0])
            printf("#   %s\n", error);
    }
    free(id);
    free(text);
}

int main(void)
{
    check_alignment("a b c", "a b c", 3, 3, 0, 0, 0, "CCC", "identical");
    check_alignment("a b c", "a x c", 3, 2, 1, 0, 0, "CSC", "one substitution");
    check_alignment("a b c", "a c", 3, 2, 0, 1, 0, "CDC", "one deletion");
    check_alignment("a b c", "a b x c", 3, 3, 0, 0, 1, "CCIC", "one insertion");
    check_alignment("", "a b", 0, 0, 0, 0, 2, "II", "empty reference");
    check_alignment("a b c", "", 3, 0, 0, 3, 0, "DDD", "empty hypothesis");
    check_alignment("", "", 0, 0, 0, 0, 0, "", "both empty");
    /* Two wrong words of equal cost either way: two substitutions, not
     * two deletions and two insertions. */
    check_alignment("a b", "c d", 2, 0, 2, 0, 0, "SS", "substitutions beat deletion plus insertion");
    /* pocketsphinx's hypothesis for librivox 0880 (testdata's test-lm.match). */
    check_alignment("he was not an ill disposed young man", "he was not an illness those young man", 8, 6, 2, 0, 0,
                    "CCCCSSCC", "librivox 0880");
    check_alignment("had he married a more a amiable woman", "had he married a more amiable woman", 8, 7, 0, 1, 0,
                    "CCCCCDCC", "a repeated word dropped");
    check_alignment("one two three", "zero one two three four", 3, 3, 0, 0, 2, "ICCCI", "insertions at both ends");
    check_alignment("a b c d", "x a b c", 4, 3, 0, 1, 1, "ICCCD", "a shift costs one insertion and one deletion");

    wer_counts counts = {10, 7, 1, 2, 0}, total = {0};
    is_close(wer_rate(&counts), 0.3, 1e-12, "rate is (S + D + I) / N");
    wer_counts_add(&total, &counts);
    wer_counts_add(&total, &(wer_counts){5, 5, 0, 0, 3});
    is_close(wer_rate(&total), 6.0 / 15.0, 1e-12, "totals add counts, not rates");
    ok(isinf(wer_rate(&(wer_counts){0, 0, 0, 0, 1})), "insertions against an empty reference: infinite rate");
    is_close(wer_rate(&(wer_counts){0, 0, 0, 0, 0}), 0.0, 0, "nothing against nothing: 0");

    check_split("<s> He WAS, not(2) [NOISE] ++UM++ ill-disposed. </s>", "he|was|not|ill|disposed",
                "markers, case, punctuation, variants and hyphens");
    check_split("don't 'quoted' <sil> MR. smith's", "don't|quoted|mr|smith's", "inner apostrophes stay");
    check_split("caf\xc3\xa9 -- ... na\xc3\xafve", "caf\xc3\xa9|na\xc3\xafve",
                "UTF-8 letters stay, lone punctuation goes");
    check_split("  \t ", "", "blank text has no words");

    check_line("<s> he was not an ill disposed young man </s> (sense_and_sensibility_01_austen_64kb-0880)\n", 1,
               "sense_and_sensibility_01_austen_64kb-0880", "<s> he was not an ill disposed young man </s> ",
               "Sphinx transcription line");
    check_line("he was not an illness those young man (sense_and_sensibility_01_austen_64kb-0880 -11423)", 1,
               "sense_and_sensibility_01_austen_64kb-0880", "he was not an illness those young man ",
               "pocketsphinx hypothesis line with a score");
    check_line("{\"input\":\"clips/a.b.wav\",\"duration\":7.1,\"text\":\"he was\",\"words\":[]}", 1, "a.b", "he was",
               "NDJSON record: id from the input's base name");
    check_line("{\"input\":\"noext\",\"text\":\"\"}", 1, "noext", "", "NDJSON record with empty text");
    check_line("read(2) it", 1, NULL, "read(2) it", "no id: a variant marker is not an id");
    check_line("just words\n", 1, NULL, "just words", "bare words");
    check_line(" \r\n", 0, NULL, NULL, "blank line");
    check_line("(utt1)", 1, "utt1", "", "an id alone: empty text");
    check_line("words ()", -1, NULL, NULL, "empty id");
    check_line("{\"input\":\"a.wav\",", -1, NULL, NULL, "truncated JSON");
    check_line("{\"input\":\"a.wav\"}", -1, NULL, NULL, "record without text");
    check_line("{\"input\":3,\"text\":\"x\"}", -1, NULL, NULL, "record with a non-string input");
    check_line("[1,2]", 1, NULL, "[1,2]", "a JSON array is not a record: words");
    return done_testing();
}
