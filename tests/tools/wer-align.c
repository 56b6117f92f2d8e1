/* The word error rate's parts: word normalisation, the Levenshtein word alignment and transcript line parsing. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wer.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_word_byte(unsigned char c)
{
    /* Bytes of multi-byte UTF-8 characters count as letters: only ASCII
     * punctuation is dropped. */
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\'' || c >= 0x80;
}

/* Sphinx markers no reference transcript counts as words. */
static int is_marker(const char *token, size_t length)
{
    if (length >= 2 && token[0] == '<' && token[length - 1] == '>')
        return 1;
    if (length >= 2 && token[0] == '[' && token[length - 1] == ']')
        return 1;
    return length >= 4 && token[0] == '+' && token[1] == '+' && token[length - 1] == '+' && token[length - 2] == '+';
}

static int push_word(wer_words *words, size_t *capacity, const char *start, size_t length)
{
    char *word = malloc(length + 1);
    size_t n = 0;
    if (!word)
        return -1;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)start[i];
        if (!is_word_byte(c))
            continue;
        word[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    /* Apostrophes only count inside a word ("don't"), not as quotes. */
    size_t first = 0;
    while (first < n && word[first] == '\'')
        first++;
    while (n > first && word[n - 1] == '\'')
        n--;
    if (n == first) {
        free(word);
        return 0;
    }
    memmove(word, word + first, n - first);
    word[n - first] = '\0';
    if (words->n_words == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 16;
        char **bigger = realloc(words->words, grown * sizeof *bigger);
        if (!bigger) {
            free(word);
            return -1;
        }
        words->words = bigger;
        *capacity = grown;
    }
    words->words[words->n_words++] = word;
    return 0;
}

int wer_words_split(const char *text, wer_words *words)
{
    size_t capacity = 0;
    words->n_words = 0;
    words->words = NULL;
    const char *p = text;
    while (*p) {
        while (is_space((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !is_space((unsigned char)*p))
            p++;
        size_t length = (size_t)(p - start);
        if (is_marker(start, length))
            continue;
        /* "read(2)": the dictionary's second pronunciation of "read". */
        if (length >= 3 && start[length - 1] == ')') {
            size_t open = length - 1;
            while (open > 0 && start[open - 1] >= '0' && start[open - 1] <= '9')
                open--;
            if (open > 0 && open < length - 1 && start[open - 1] == '(')
                length = open - 1;
        }
        size_t piece = 0;
        for (size_t i = 0; i <= length; i++) {
            if (i < length && start[i] != '-')
                continue;
            if (push_word(words, &capacity, start + piece, i - piece) != 0) {
                wer_words_free(words);
                return -1;
            }
            piece = i + 1;
        }
    }
    return 0;
}

void wer_words_free(wer_words *words)
{
    if (!words)
        return;
    for (size_t i = 0; i < words->n_words; i++)
        free(words->words[i]);
    free(words->words);
    words->words = NULL;
    words->n_words = 0;
}

/* Backpointers of the alignment table, one byte a cell. */
enum { FROM_DIAGONAL, FROM_ABOVE, FROM_LEFT };

int wer_align(const wer_words *reference, const wer_words *hypothesis, wer_counts *counts, wer_edit **edits,
              size_t *n_edits)
{
    size_t n = reference->n_words, m = hypothesis->n_words;
    memset(counts, 0, sizeof *counts);
    counts->reference_words = n;
    if (edits) {
        *edits = NULL;
        *n_edits = 0;
    }
    /* Costs need two rows only; the backpointers need the whole table so
     * the path can be walked back. */
    size_t *previous = malloc((m + 1) * sizeof *previous), *current = malloc((m + 1) * sizeof *current);
    unsigned char *from = malloc((n + 1) * (m + 1));
    wer_edit *path = edits ? malloc((n + m + 1) * sizeof *path) : NULL;
    if (!previous || !current || !from || (edits && !path)) {
        free(previous);
        free(current);
        free(from);
        free(path);
        return -1;
    }
    for (size_t j = 0; j <= m; j++) {
        previous[j] = j;
        from[j] = FROM_LEFT;
    }
    for (size_t i = 1; i <= n; i++) {
        current[0] = i;
        from[i * (m + 1)] = FROM_ABOVE;
        for (size_t j = 1; j <= m; j++) {
            int same = strcmp(reference->words[i - 1], hypothesis->words[j - 1]) == 0;
            size_t diagonal = previous[j - 1] + (same ? 0 : 1);
            size_t above = previous[j] + 1, left = current[j - 1] + 1;
            /* Ties go to the diagonal: one substitution, not a deletion
             * and an insertion, as sclite and NIST count them. */
            size_t best = diagonal;
            unsigned char step = FROM_DIAGONAL;
            if (above < best) {
                best = above;
                step = FROM_ABOVE;
            }
            if (left < best) {
                best = left;
                step = FROM_LEFT;
            }
            current[j] = best;
            from[i * (m + 1) + j] = step;
        }
        size_t *swap = previous;
        previous = current;
        current = swap;
    }
    size_t i = n, j = m, length = 0;
    while (i > 0 || j > 0) {
        unsigned char step = from[i * (m + 1) + j];
        wer_edit edit = {WER_CORRECT, i ? i - 1 : 0, j ? j - 1 : 0};
        if (i > 0 && j > 0 && step == FROM_DIAGONAL) {
            if (strcmp(reference->words[i - 1], hypothesis->words[j - 1]) == 0) {
                counts->correct++;
            } else {
                edit.kind = WER_SUBSTITUTION;
                counts->substitutions++;
            }
            i--;
            j--;
        } else if (i > 0 && (j == 0 || step == FROM_ABOVE)) {
            edit.kind = WER_DELETION;
            counts->deletions++;
            i--;
        } else {
            edit.kind = WER_INSERTION;
            counts->insertions++;
            j--;
        }
        if (path)
            path[length++] = edit;
    }
    if (path) {
        for (size_t k = 0; k < length / 2; k++) {
            wer_edit swap = path[k];
            path[k] = path[length - 1 - k];
            path[length - 1 - k] = swap;
        }
        *edits = path;
        *n_edits = length;
    }
    free(previous);
    free(current);
    free(from);
    return 0;
}

void wer_counts_add(wer_counts *total, const wer_counts *counts)
{
    total->reference_words += counts->reference_words;
    total->correct += counts->correct;
    total->substitutions += counts->substitutions;
    total->deletions += counts->deletions;
    total->insertions += counts->insertions;
}

double wer_rate(const wer_counts *counts)
{
    size_t errors = counts->substitutions + counts->deletions + counts->insertions;
    if (counts->reference_words == 0)
        return errors ? INFINITY : 0.0;
    return (double)errors / (double)counts->reference_words;
}

static void set_error(char *error, size_t error_size, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, error_size, format, arguments);
    va_end(arguments);
}

static char *copy_span(const char *start, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, start, length);
        copy[length] = '\0';
    }
    return copy;
}

/* "dir/a.wav" -> "a": what a Sphinx transcription line calls the utterance. */
static char *id_of_input(const char *input)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    const char *dot = strrchr(base, '.');
    return copy_span(base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

static int parse_record(const char *line, char **id, char **text, char *error, size_t error_size)
{
    json_error_t json_error;
    json_t *record = json_loads(line, JSON_REJECT_DUPLICATES, &json_error);
    if (!record) {
        set_error(error, error_size, "not a JSON record: %s", json_error.text);
        return -1;
    }
    const char *input = json_string_value(json_object_get(record, "input"));
    const char *words = json_string_value(json_object_get(record, "text"));
    if (!json_is_object(record) || !input || !words) {
        set_error(error, error_size, "a record needs string fields \"input\" and \"text\"");
        json_decref(record);
        return -1;
    }
    *id = id_of_input(input);
    *text = copy_span(words, strlen(words));
    json_decref(record);
    if (!*id || !*text) {
        free(*id);
        free(*text);
        set_error(error, error_size, "out of memory");
        return -1;
    }
    return 1;
}

int wer_parse_line(const char *line, char **id, char **text, char *error, size_t error_size)
{
    *id = NULL;
    *text = NULL;
    size_t start = 0, end = strlen(line);
    while (start < end && is_space((unsigned char)line[start]))
        start++;
    while (end > start && is_space((unsigned char)line[end - 1]))
        end--;
    if (start == end)
        return 0;
    if (line[start] == '{')
        return parse_record(line + start, id, text, error, error_size);
    size_t text_end = end;
    if (line[end - 1] == ')') {
        size_t open = end - 1;
        while (open > start && line[open] != '(')
            open--;
        /* A trailing "(id)" is set off by a space; "word(2)" is a word. */
        if (line[open] == '(' && (open == start || is_space((unsigned char)line[open - 1]))) {
            size_t id_start = open + 1;
            while (id_start < end - 1 && is_space((unsigned char)line[id_start]))
                id_start++;
            size_t id_end = id_start;
            while (id_end < end - 1 && !is_space((unsigned char)line[id_end]))
                id_end++;
            if (id_end == id_start) {
                set_error(error, error_size, "an empty utterance id \"()\"");
                return -1;
            }
            *id = copy_span(line + id_start, id_end - id_start);
            text_end = open;
            if (!*id) {
                set_error(error, error_size, "out of memory");
                return -1;
            }
        }
    }
    *text = copy_span(line + start, text_end - start);
    if (!*text) {
        free(*id);
        *id = NULL;
        set_error(error, error_size, "out of memory");
        return -1;
    }
    return 1;
}
