/* Sphinx pronouncing dictionaries (cmudict format) and noisedicts, checked against a model's phone set, hashed by word. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sphinx.h"
#include "sphinx_internal.h"

/* Refused lines past this many are counted but not reported one by one. */
#define REPORTS_MAX 20
/* No word has more phones than a line has room for, but keep a sane cap. */
#define PHONES_MAX 256

typedef struct {
    char *word;
    int32_t alternate;
    size_t first_phone;  /* into phones; pointers are fixed once the storage stops moving */
    int32_t n_phones;
    int filler;
} entry_build;

struct amass_sphinx_dict {
    amass_sphinx_pronunciation *entries;
    size_t n_entries;
    int32_t *phones;
    size_t *slots;      /* open addressing: index + 1 of a word's first entry, 0 empty */
    size_t n_slots;
    size_t n_skipped;
};

typedef struct {
    entry_build *entries;
    size_t n_entries, entries_capacity;
    int32_t *phones;
    size_t n_phones, phones_capacity;
    size_t n_skipped, n_reported;
    const amass_sphinx_mdef *mdef;
    const amass_reporter *reporter;
} builder;

static void refuse(builder *b, const char *path, long line, const char *format, const char *detail)
{
    b->n_skipped++;
    if (b->n_reported >= REPORTS_MAX)
        return;
    b->n_reported++;
    char input[1024], message[AMASS_MESSAGE_MAX];
    int length = snprintf(input, sizeof input, "%s:%ld", path, line);
    char reason[512];
    snprintf(reason, sizeof reason, format, detail);
    snprintf(message, sizeof message, "%s:%ld: %s; line skipped", path, line, reason);
    amass_report_failure(b->reporter, input, length < 0 ? 0 : (size_t)length, message);
}

/* "word(2)" -> "word", 2; anything else is alternate 1. */
static int32_t split_alternate(char *word)
{
    size_t n = strlen(word);
    char *open = strrchr(word, '(');
    if (n < 4 || word[n - 1] != ')' || !open || open == word || open + 1 == word + n - 1)
        return 1;
    long alternate = 0;
    for (char *c = open + 1; c < word + n - 1; c++) {
        if (*c < '0' || *c > '9' || alternate > 1000000)
            return 1;
        alternate = alternate * 10 + (*c - '0');
    }
    if (alternate < 1)
        return 1;
    *open = 0;
    return (int32_t)alternate;
}

static amass_code add_line(builder *b, const char *path, long line, char *text, size_t length, int filler,
                           amass_status *status)
{
    if (length > AMASS_SPHINX_DICT_LINE_MAX) {
        refuse(b, path, line, "line longer than %s bytes", "4096");
        return AMASS_OK;
    }
    if (!amass_utf8_is_valid(text, length)) {
        refuse(b, path, line, "%snot valid UTF-8", "");
        return AMASS_OK;
    }
    if (memchr(text, 0, length)) {
        refuse(b, path, line, "%scontains a NUL byte", "");
        return AMASS_OK;
    }
    text[length] = 0;
    char *save = NULL;
    char *word = strtok_r(text, " \t\r", &save);
    if (!word || (word[0] == ';' && word[1] == ';') || word[0] == '#')
        return AMASS_OK;
    int32_t alternate = split_alternate(word);
    size_t first = b->n_phones;
    int32_t n_phones = 0;
    for (char *phone = strtok_r(NULL, " \t\r", &save); phone; phone = strtok_r(NULL, " \t\r", &save)) {
        if (phone[0] == '#')  /* a trailing comment, as in newer cmudict files */
            break;
        int32_t id = amass_sphinx_mdef_ciphone_id(b->mdef, phone);
        if (id < 0) {
            b->n_phones = first;
            char detail[300];
            snprintf(detail, sizeof detail, "word '%.100s': phone '%.100s'", word, phone);
            refuse(b, path, line, "%s is not in the model's phone set", detail);
            return AMASS_OK;
        }
        if (n_phones >= PHONES_MAX) {
            b->n_phones = first;
            refuse(b, path, line, "word '%.100s' has too many phones", word);
            return AMASS_OK;
        }
        if (b->n_phones == b->phones_capacity) {
            size_t capacity = b->phones_capacity ? 2 * b->phones_capacity : 4096;
            int32_t *grown = amass_realloc_array(b->phones, capacity, sizeof *grown);
            if (!grown)
                return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
            b->phones = grown;
            b->phones_capacity = capacity;
        }
        b->phones[b->n_phones++] = id;
        n_phones++;
    }
    if (n_phones == 0) {
        refuse(b, path, line, "word '%.100s' has no pronunciation", word);
        return AMASS_OK;
    }
    if (b->n_entries == b->entries_capacity) {
        size_t capacity = b->entries_capacity ? 2 * b->entries_capacity : 1024;
        entry_build *grown = amass_realloc_array(b->entries, capacity, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        b->entries = grown;
        b->entries_capacity = capacity;
    }
    char *copy = amass_strndup(word, strlen(word));
    if (!copy)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    b->entries[b->n_entries++] = (entry_build){copy, alternate, first, n_phones, filler};
    return AMASS_OK;
}

static amass_code add_file(builder *b, const char *path, int filler, amass_status *status)
{
    sphinx_file file;
    if (sphinx_file_read(&file, path, status))
        return status->code;
    long line = 0;
    while (file.position < file.length) {
        char *text = (char *)file.data + file.position;
        char *end = memchr(text, '\n', file.length - file.position);
        size_t length = end ? (size_t)(end - text) : file.length - file.position;
        file.position += length + (end ? 1 : 0);
        line++;
        if (add_line(b, path, line, text, length, filler, status)) {
            sphinx_file_free(&file);
            return status->code;
        }
    }
    sphinx_file_free(&file);
    return AMASS_OK;
}

static int compare_entries(const void *a, const void *b)
{
    const entry_build *x = a, *y = b;
    int c = strcmp(x->word, y->word);
    if (c)
        return c;
    if (x->alternate != y->alternate)
        return (x->alternate > y->alternate) - (x->alternate < y->alternate);
    /* Phones are stored in load order, so duplicates keep their file order. */
    return (x->first_phone > y->first_phone) - (x->first_phone < y->first_phone);
}

static size_t word_slot(const amass_sphinx_dict *dict, const char *word)
{
    return (size_t)amass_hash_bytes(word, strlen(word)) & (dict->n_slots - 1);
}

static void free_builder(builder *b)
{
    for (size_t i = 0; i < b->n_entries; i++)
        free(b->entries[i].word);
    free(b->entries);
    free(b->phones);
}

amass_sphinx_dict *amass_sphinx_dict_open(const char *path, const char *noisedict_path,
                                          const amass_sphinx_mdef *mdef, const amass_reporter *reporter,
                                          amass_status *status)
{
    builder b = {.mdef = mdef, .reporter = reporter};
    amass_sphinx_dict *dict = NULL;
    if (add_file(&b, path, 0, status) || (noisedict_path && add_file(&b, noisedict_path, 1, status)))
        goto fail;
    if (b.n_entries == 0) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: no usable pronunciations (%zu lines skipped)", path, b.n_skipped);
        goto fail;
    }
    qsort(b.entries, b.n_entries, sizeof *b.entries, compare_entries);
    dict = calloc(1, sizeof *dict);
    if (!dict || !(dict->entries = calloc(b.n_entries, sizeof *dict->entries))) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    dict->n_slots = 16;
    while (dict->n_slots < 2 * b.n_entries)
        dict->n_slots *= 2;
    if (!(dict->slots = calloc(dict->n_slots, sizeof *dict->slots))) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    dict->phones = b.phones;
    b.phones = NULL;
    dict->n_skipped = b.n_skipped;
    size_t kept = 0;
    for (size_t i = 0; i < b.n_entries; i++) {
        entry_build *e = &b.entries[i];
        int same_word = kept > 0 && strcmp(dict->entries[kept - 1].word, e->word) == 0;
        if (same_word && dict->entries[kept - 1].alternate == e->alternate) {
            /* The same pronunciation slot twice (e.g. a filler also in the
             * main dictionary): the first loaded wins, as in pocketsphinx. */
            dict->n_skipped++;
            free(e->word);
            e->word = NULL;
            continue;
        }
        dict->entries[kept] = (amass_sphinx_pronunciation){e->word, e->alternate, e->n_phones,
                                                           dict->phones + e->first_phone, e->filler};
        e->word = NULL;
        if (!same_word) {
            size_t slot = word_slot(dict, dict->entries[kept].word);
            while (dict->slots[slot])
                slot = (slot + 1) & (dict->n_slots - 1);
            dict->slots[slot] = kept + 1;
        }
        kept++;
    }
    dict->n_entries = kept;
    free_builder(&b);
    return dict;
fail:
    free_builder(&b);
    amass_sphinx_dict_close(dict);
    return NULL;
}

void amass_sphinx_dict_close(amass_sphinx_dict *dict)
{
    if (!dict)
        return;
    for (size_t i = 0; i < dict->n_entries; i++)
        free((char *)dict->entries[i].word);
    free(dict->entries);
    free(dict->phones);
    free(dict->slots);
    free(dict);
}

size_t amass_sphinx_dict_n_entries(const amass_sphinx_dict *dict) { return dict->n_entries; }
size_t amass_sphinx_dict_n_skipped(const amass_sphinx_dict *dict) { return dict->n_skipped; }

size_t amass_sphinx_dict_lookup(const amass_sphinx_dict *dict, const char *word,
                                const amass_sphinx_pronunciation **first)
{
    *first = NULL;
    for (size_t slot = word_slot(dict, word); dict->slots[slot]; slot = (slot + 1) & (dict->n_slots - 1)) {
        size_t index = dict->slots[slot] - 1;
        if (strcmp(dict->entries[index].word, word) != 0)
            continue;
        size_t n = 1;
        while (index + n < dict->n_entries && strcmp(dict->entries[index + n].word, word) == 0)
            n++;
        *first = &dict->entries[index];
        return n;
    }
    return 0;
}

const amass_sphinx_pronunciation *amass_sphinx_dict_entry(const amass_sphinx_dict *dict, size_t index)
{
    return index < dict->n_entries ? &dict->entries[index] : NULL;
}
