/* wer: the word error rate of hypothesis transcripts against a reference, per utterance and in total. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wer.h"

static const char usage_text[] =
    "usage: wer [--alignment] [--max-wer RATE] REFERENCE HYPOTHESIS\n"
    "\n"
    "Word error rate of HYPOTHESIS against REFERENCE ('-' reads stdin). Each line of\n"
    "either file is an amass-transcribe NDJSON record (the utterance id is the input's\n"
    "base name less its extension), a Sphinx line \"words (id)\" or \"words (id score)\",\n"
    "or bare words. With ids in the reference, hypothesis lines are matched by id\n"
    "(several lines of one id are joined, a missing id counts as all deletions);\n"
    "without, line by line.\n"
    "\n"
    "Prints TSV: id, reference words, correct, substitutions, deletions, insertions,\n"
    "WER; then the total row.\n"
    "  --alignment     before each row, '#' lines aligning the words (errors in CAPITALS)\n"
    "  --max-wer RATE  exit 1 when the total WER is above RATE (e.g. 0.4)\n"
    "Exit status: 0, 1 (WER above --max-wer), 2 (usage or unreadable input).\n";

typedef struct {
    char *id;
    char *text;
} utterance;

typedef struct {
    size_t n_utterances, capacity;
    utterance *utterances;
    int with_ids; /* every line had an id */
} transcript;

static void transcript_free(transcript *t)
{
    for (size_t i = 0; i < t->n_utterances; i++) {
        free(t->utterances[i].id);
        free(t->utterances[i].text);
    }
    free(t->utterances);
}

static int transcript_push(transcript *t, char *id, char *text)
{
    if (t->n_utterances == t->capacity) {
        size_t grown = t->capacity ? t->capacity * 2 : 16;
        utterance *bigger = realloc(t->utterances, grown * sizeof *bigger);
        if (!bigger)
            return -1;
        t->utterances = bigger;
        t->capacity = grown;
    }
    t->utterances[t->n_utterances++] = (utterance){id, text};
    return 0;
}

static int transcript_read(const char *path, transcript *t)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    memset(t, 0, sizeof *t);
    if (!in) {
        fprintf(stderr, "wer: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL, error[256];
    size_t size = 0, line_number = 0, with_id = 0;
    int status = 0;
    while (getline(&line, &size, in) >= 0) {
        line_number++;
        char *id, *text;
        int parsed = wer_parse_line(line, &id, &text, error, sizeof error);
        if (parsed < 0) {
            fprintf(stderr, "wer: %s:%zu: %s\n", path, line_number, error);
            status = -1;
            break;
        }
        if (parsed == 0)
            continue;
        with_id += id != NULL;
        if (transcript_push(t, id, text) != 0) {
            free(id);
            free(text);
            fprintf(stderr, "wer: %s: out of memory\n", path);
            status = -1;
            break;
        }
    }
    if (status == 0 && ferror(in)) {
        fprintf(stderr, "wer: %s: %s\n", path, strerror(errno));
        status = -1;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    if (status == 0 && with_id != 0 && with_id != t->n_utterances) {
        fprintf(stderr, "wer: %s: some lines have an utterance id and some do not\n", path);
        status = -1;
    }
    t->with_ids = t->n_utterances > 0 && with_id == t->n_utterances;
    if (status != 0)
        transcript_free(t);
    return status;
}

/* hypotheses[i]: the hypothesis text for reference utterance i (joined
 * from every line of its id), NULL when there was none. */
static int match_hypotheses(const transcript *reference, const transcript *hypothesis, const char *hypothesis_path,
                            char **hypotheses)
{
    if (!reference->with_ids) {
        if (hypothesis->n_utterances > reference->n_utterances) {
            fprintf(stderr, "wer: %s: %zu lines for %zu reference lines\n", hypothesis_path,
                    hypothesis->n_utterances, reference->n_utterances);
            return -1;
        }
        for (size_t i = 0; i < hypothesis->n_utterances; i++)
            if (!(hypotheses[i] = strdup(hypothesis->utterances[i].text))) {
                fprintf(stderr, "wer: out of memory\n");
                return -1;
            }
        return 0;
    }
    if (hypothesis->n_utterances > 0 && !hypothesis->with_ids) {
        fprintf(stderr, "wer: %s: the reference has utterance ids; these lines have none\n", hypothesis_path);
        return -1;
    }
    for (size_t h = 0; h < hypothesis->n_utterances; h++) {
        const utterance *u = &hypothesis->utterances[h];
        size_t r = 0;
        while (r < reference->n_utterances && strcmp(reference->utterances[r].id, u->id) != 0)
            r++;
        if (r == reference->n_utterances) {
            fprintf(stderr, "wer: %s: utterance '%s' is not in the reference\n", hypothesis_path, u->id);
            return -1;
        }
        size_t old = hypotheses[r] ? strlen(hypotheses[r]) : 0, extra = strlen(u->text);
        char *joined = realloc(hypotheses[r], old + extra + 2);
        if (!joined) {
            fprintf(stderr, "wer: out of memory\n");
            return -1;
        }
        if (old)
            joined[old++] = ' ';
        memcpy(joined + old, u->text, extra + 1);
        hypotheses[r] = joined;
    }
    return 0;
}

static void print_upper(const char *word)
{
    for (const char *p = word; *p; p++)
        putchar(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
}

/* sclite's picture: matching words in lowercase, errors in capitals,
 * '*' filling the other side of a deletion or insertion. */
static void print_alignment(const wer_words *reference, const wer_words *hypothesis, const wer_edit *edits,
                            size_t n_edits)
{
    for (int side = 0; side < 2; side++) {
        fputs(side == 0 ? "# REF:" : "# HYP:", stdout);
        for (size_t k = 0; k < n_edits; k++) {
            const wer_edit *e = &edits[k];
            const char *ref = e->kind == WER_INSERTION ? NULL : reference->words[e->reference_index];
            const char *hyp = e->kind == WER_DELETION ? NULL : hypothesis->words[e->hypothesis_index];
            size_t width = strlen(ref ? ref : "*");
            if (hyp && strlen(hyp) > width)
                width = strlen(hyp);
            const char *word = side == 0 ? ref : hyp;
            putchar(' ');
            if (!word)
                fputs("*", stdout);
            else if (e->kind == WER_CORRECT)
                fputs(word, stdout);
            else
                print_upper(word);
            for (size_t pad = strlen(word ? word : "*"); pad < width; pad++)
                putchar(' ');
        }
        putchar('\n');
    }
}

static void print_row(const char *id, const wer_counts *c)
{
    printf("%s\t%zu\t%zu\t%zu\t%zu\t%zu\t%.4f\n", id, c->reference_words, c->correct, c->substitutions, c->deletions,
           c->insertions, wer_rate(c));
}

int main(int argc, char **argv)
{
    int alignment = 0;
    double max_wer = -1;
    int arg = 1;
    for (; arg < argc && argv[arg][0] == '-' && argv[arg][1]; arg++) {
        if (strcmp(argv[arg], "--alignment") == 0) {
            alignment = 1;
        } else if (strcmp(argv[arg], "--max-wer") == 0 && arg + 1 < argc) {
            char *end;
            errno = 0;
            max_wer = strtod(argv[++arg], &end);
            if (errno || end == argv[arg] || *end || !(max_wer >= 0)) {
                fprintf(stderr, "wer: --max-wer: '%s' is not a rate >= 0\n", argv[arg]);
                return 2;
            }
        } else if (strcmp(argv[arg], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else {
            fprintf(stderr, "wer: unknown option '%s'\n%s", argv[arg], usage_text);
            return 2;
        }
    }
    if (argc - arg != 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *reference_path = argv[arg], *hypothesis_path = argv[arg + 1];
    transcript reference, hypothesis;
    if (transcript_read(reference_path, &reference) != 0)
        return 2;
    if (transcript_read(hypothesis_path, &hypothesis) != 0) {
        transcript_free(&reference);
        return 2;
    }
    int status = 0;
    char **hypotheses = calloc(reference.n_utterances + 1, sizeof *hypotheses);
    if (!hypotheses) {
        fprintf(stderr, "wer: out of memory\n");
        status = 2;
    } else if (match_hypotheses(&reference, &hypothesis, hypothesis_path, hypotheses) != 0) {
        status = 2;
    }

    wer_counts total = {0};
    if (status == 0)
        printf("id\twords\tcorrect\tsubstitutions\tdeletions\tinsertions\twer\n");
    for (size_t i = 0; status == 0 && i < reference.n_utterances; i++) {
        char number[32];
        const char *id = reference.utterances[i].id;
        if (!id) {
            snprintf(number, sizeof number, "%zu", i + 1);
            id = number;
        }
        if (!hypotheses[i] && reference.with_ids)
            fprintf(stderr, "wer: no hypothesis for '%s': counted as all deletions\n", id);
        wer_words ref_words, hyp_words;
        wer_counts counts;
        wer_edit *edits = NULL;
        size_t n_edits = 0;
        if (wer_words_split(reference.utterances[i].text, &ref_words) != 0) {
            fprintf(stderr, "wer: out of memory\n");
            status = 2;
            break;
        }
        if (wer_words_split(hypotheses[i] ? hypotheses[i] : "", &hyp_words) != 0 ||
            wer_align(&ref_words, &hyp_words, &counts, alignment ? &edits : NULL, &n_edits) != 0) {
            wer_words_free(&ref_words);
            wer_words_free(&hyp_words);
            fprintf(stderr, "wer: out of memory\n");
            status = 2;
            break;
        }
        if (alignment)
            print_alignment(&ref_words, &hyp_words, edits, n_edits);
        print_row(id, &counts);
        wer_counts_add(&total, &counts);
        free(edits);
        wer_words_free(&ref_words);
        wer_words_free(&hyp_words);
    }
    if (status == 0) {
        print_row("total", &total);
        if (max_wer >= 0 && wer_rate(&total) > max_wer) {
            fprintf(stderr, "wer: total WER %.4f is above %g\n", wer_rate(&total), max_wer);
            status = 1;
        }
    }
    for (size_t i = 0; hypotheses && i < reference.n_utterances; i++)
        free(hypotheses[i]);
    free(hypotheses);
    transcript_free(&reference);
    transcript_free(&hypothesis);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "wer: writing the output: %s\n", strerror(errno));
        return 2;
    }
    return status;
}
