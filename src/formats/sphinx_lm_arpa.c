/* The ARPA n-gram text reader: \data\ counts, then \N-grams: sections of
 * "log10prob word... [log10backoff]", then \end\; plain or gzip. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/sphinx_lm_internal.h"
#include "io/io.h"

#define FIELDS_MAX (AMASS_LM_MAX_ORDER + 2)

typedef struct {
    const char *path;
    amass_line_reader *lines;
    amass_status *status;
    amass_lm *model;
    uint32_t counts[AMASS_LM_MAX_ORDER];
    lm_ngram *ngrams[AMASS_LM_MAX_ORDER];   /* orders 2.. at [n-2] */
    amass_buf word_text;
} arpa_reader;

static amass_code fail_at(arpa_reader *reader, const char *format, const char *detail)
{
    char reason[512];
    snprintf(reason, sizeof reason, format, detail);
    return amass_fail(reader->status, AMASS_ERR_INPUT, "%s:%ld: %s", reader->path,
                      amass_io_lines_number(reader->lines), reason);
}

/* Next line that is not blank: 1, 0 at end of input, -1 on a read error. */
static int next_line(arpa_reader *reader, char **line)
{
    size_t length;
    int got;
    while ((got = amass_io_lines_next(reader->lines, line, &length, reader->status)) == 1) {
        size_t start = strspn(*line, " \t\r");
        if ((*line)[start] != '\0')
            return 1;
    }
    return got;
}

/* Splits at blanks in place (strtok is not thread-safe). */
static int split_fields(char *line, char **fields)
{
    int count = 0;
    for (;;) {
        line += strspn(line, " \t\r");
        if (*line == '\0')
            return count;
        if (count == FIELDS_MAX)
            return FIELDS_MAX + 1;
        fields[count++] = line;
        line += strcspn(line, " \t\r");
        if (*line)
            *line++ = '\0';
    }
}

static int parse_number(const char *text, float *value)
{
    char *end;
    double parsed;
    errno = 0;
    parsed = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(parsed))
        return -1;
    *value = (float)parsed;
    return 0;
}

static int is_header(const char *line, int *order)
{
    int n, used = 0;
    if (sscanf(line, "\\%d-grams:%n", &n, &used) == 1 && used > 0 && line[used + strspn(line + used, " \t\r")] == '\0') {
        *order = n;
        return 1;
    }
    return 0;
}

static amass_code read_counts(arpa_reader *reader, char **line)
{
    int got, order = 0;
    while ((got = next_line(reader, line)) == 1 && strncmp(*line, "\\data\\", 6) != 0)
        ;
    if (got < 0)
        return reader->status->code;
    if (got == 0)
        return amass_fail(reader->status, AMASS_ERR_INPUT, "%s: no \\data\\ section (not an ARPA language model)",
                          reader->path);
    while ((got = next_line(reader, line)) == 1) {
        unsigned long n, count;
        int used = 0;
        if (sscanf(*line, "ngram %lu=%lu%n", &n, &count, &used) != 2 || (*line)[used + strspn(*line + used, " \t\r")])
            break;
        if (n != (unsigned long)order + 1 || n > AMASS_LM_MAX_ORDER)
            return fail_at(reader, "%s", n > AMASS_LM_MAX_ORDER ? "n-gram order above 8"
                                                                : "ngram counts must be listed for orders 1, 2, 3...");
        if (count > UINT32_MAX / 2 || (n == 1 && count == 0))
            return fail_at(reader, "%s", count ? "n-gram count too large" : "no 1-grams");
        reader->counts[order++] = (uint32_t)count;
    }
    if (got < 0)
        return reader->status->code;
    if (order == 0)
        return got ? fail_at(reader, "%s", "expected 'ngram 1=COUNT' after \\data\\")
                   : amass_fail(reader->status, AMASS_ERR_INPUT, "%s: no n-gram counts after \\data\\", reader->path);
    reader->model->order = order;
    return AMASS_OK;
}

static amass_code read_word(arpa_reader *reader, const char *word, uint32_t *id)
{
    int32_t found = amass_formats_lm_word_id(reader->model, word, strlen(word));
    if (found < 0)
        return fail_at(reader, "word '%s' is not among the 1-grams", word);
    *id = (uint32_t)found;
    return AMASS_OK;
}

/* Reads the entries of section n; *line is its header on entry and the
 * line after its last entry (or NULL at end of input) on return. */
static amass_code read_section(arpa_reader *reader, int n, char **line)
{
    uint32_t count = reader->counts[n - 1], i;
    int order = reader->model->order;
    char *fields[FIELDS_MAX + 1];
    char expected[64];
    snprintf(expected, sizeof expected, "%d", n);
    if (n == 1) {
        if (lm_level_allocate(reader->model, 1, count) ||
            !(reader->model->word_offsets = amass_calloc_array(count, sizeof(uint32_t))))
            return amass_fail(reader->status, AMASS_ERR_NOMEM, "%s: out of memory for 1-grams", reader->path);
    } else if (!(reader->ngrams[n - 2] = amass_calloc_array(count ? count : 1, sizeof(lm_ngram)))) {
        return amass_fail(reader->status, AMASS_ERR_NOMEM, "%s: out of memory for %d-grams", reader->path, n);
    }
    for (i = 0;; i++) {
        float prob, backoff = 0.0f;
        int got = next_line(reader, line), n_fields, w;
        if (got < 0)
            return reader->status->code;
        if (got == 0 || (*line)[0] == '\\') {
            if (i != count) {
                char detail[160];
                snprintf(detail, sizeof detail, "\\%d-grams: has %u entries, \\data\\ says %u", n, i, count);
                return got ? fail_at(reader, "%s", detail)
                           : amass_fail(reader->status, AMASS_ERR_INPUT, "%s: %s", reader->path, detail);
            }
            if (got == 0)
                *line = NULL;
            return AMASS_OK;
        }
        if (i == count)
            return fail_at(reader, "more %s-grams than \\data\\ declares", expected);
        if (!amass_utf8_is_valid(*line, strlen(*line)))
            return fail_at(reader, "%s", "not valid UTF-8");
        n_fields = split_fields(*line, fields);
        if (n_fields != n + 1 && !(n < order && n_fields == n + 2))
            return fail_at(reader, n < order ? "expected log10 probability, %s words and optional backoff"
                                             : "expected log10 probability and %s words",
                           expected);
        if (parse_number(fields[0], &prob))
            return fail_at(reader, "probability '%s' is not a number", fields[0]);
        if (n_fields == n + 2 && parse_number(fields[n + 1], &backoff))
            return fail_at(reader, "backoff '%s' is not a number", fields[n + 1]);
        if (n == 1) {
            amass_lm *model = reader->model;
            if (amass_formats_lm_word_id(model, fields[1], strlen(fields[1])) >= 0)
                return fail_at(reader, "duplicate 1-gram '%s'", fields[1]);
            model->levels[0].probs[i] = prob;
            if (model->levels[0].backoffs)
                model->levels[0].backoffs[i] = backoff;
            /* Index as we go, so later n-grams can look words up. */
            model->word_offsets[i] = (uint32_t)reader->word_text.length;
            amass_buf_append(&reader->word_text, fields[1], strlen(fields[1]) + 1);
            if (reader->word_text.failed)
                return amass_fail(reader->status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
            if (reader->word_text.length > UINT32_MAX)
                return fail_at(reader, "%s", "1-gram words too long");
            model->word_text = reader->word_text.data;
            model->n_words = i + 1;
            if (i + 1 == count || model->hash_size == 0 || 2 * (uint64_t)(i + 1) >= model->hash_size) {
                free(model->hash_slots);
                model->hash_slots = NULL;
                model->hash_size = 0;
                if (lm_index_words(model) == -2)
                    return amass_fail(reader->status, AMASS_ERR_NOMEM, "%s: out of memory", reader->path);
            } else {
                /* Insert just this word; the table has room. */
                uint32_t slot = (uint32_t)amass_hash_bytes(fields[1], strlen(fields[1])) & (model->hash_size - 1);
                while (model->hash_slots[slot])
                    slot = (slot + 1) & (model->hash_size - 1);
                model->hash_slots[slot] = i + 1;
            }
        } else {
            lm_ngram *ngram = &reader->ngrams[n - 2][i];
            for (w = 0; w < n; w++)
                if (read_word(reader, fields[1 + w], &ngram->words[n - 1 - w]))
                    return reader->status->code;
            ngram->prob = prob;
            ngram->backoff = backoff;
            ngram->line = amass_io_lines_number(reader->lines);
        }
    }
}

static amass_code read_arpa(arpa_reader *reader)
{
    char *line = NULL;
    int n, header_order;
    if (read_counts(reader, &line))
        return reader->status->code;
    for (n = 1; n <= reader->model->order; n++) {
        char wanted[32];
        snprintf(wanted, sizeof wanted, "\\%d-grams:", n);
        if (!line)
            return amass_fail(reader->status, AMASS_ERR_INPUT, "%s: missing %s section", reader->path, wanted);
        if (!is_header(line, &header_order) || header_order != n)
            return fail_at(reader, "expected %s", wanted);
        if (read_section(reader, n, &line))
            return reader->status->code;
    }
    if (!line || strncmp(line, "\\end\\", 5) != 0)
        return line ? fail_at(reader, "%s", "expected \\end\\")
                    : amass_fail(reader->status, AMASS_ERR_INPUT, "%s: missing \\end\\", reader->path);
    return lm_build_trie(reader->model, reader->ngrams, reader->counts + 1, reader->path, reader->status);
}

amass_lm *amass_formats_arpa_open(const char *path, amass_status *status)
{
    arpa_reader reader;
    amass_code code;
    int n;
    memset(&reader, 0, sizeof reader);
    reader.path = path;
    reader.status = status;
    amass_buf_init(&reader.word_text);
    reader.model = calloc(1, sizeof *reader.model);
    if (!reader.model) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    reader.model->unknown_id = reader.model->start_id = reader.model->end_id = AMASS_LM_NO_WORD;
    reader.lines = amass_io_lines_open(path, status);
    if (!reader.lines) {
        amass_buf_free(&reader.word_text);
        amass_formats_lm_close(reader.model);
        return NULL;
    }
    code = read_arpa(&reader);
    amass_io_lines_close(reader.lines);
    for (n = 0; n < AMASS_LM_MAX_ORDER; n++)
        free(reader.ngrams[n]);
    /* The model owns the text buffer from the first 1-gram on. */
    reader.model->word_text = reader.word_text.data;
    if (code) {
        amass_formats_lm_close(reader.model);
        return NULL;
    }
    return reader.model;
}
