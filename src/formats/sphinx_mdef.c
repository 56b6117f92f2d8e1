/* Sphinx model definitions (mdef), binary "BMDF" and text 0.3: phones, triphones, senone sequences, triphone lookup. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sphinx.h"
#include "sphinx_internal.h"

/* The binary format's byte-order marker, "BMDF" read as a native int32. */
#define BINARY_MAGIC "BMDF"
#define BINARY_VERSION_MAX 1
/* The binary phone table holds contexts in single bytes. */
#define BINARY_CIPHONES_MAX 255
/* Text models name phones in 16 bits of the lookup key. */
#define CIPHONES_MAX 32767
/* No Sphinx topology has more emitting states than this. */
#define STATES_MAX 64

struct amass_sphinx_mdef {
    int32_t n_ciphones, n_phones, n_states, n_ci_senones, n_senones, n_transition_matrices, n_sequences;
    int32_t silence;
    char **ciphone_names;          /* n_ciphones pointers into name_text */
    char *name_text;
    amass_sphinx_phone *phones;    /* n_phones */
    int32_t *sequences;            /* n_sequences * n_states senone ids */
    int32_t *senone_ciphones;      /* n_senones: the base phone of the first phone using each */
    uint64_t *keys;                /* open-addressing table of triphone keys */
    int32_t *key_phones;
    size_t n_slots;                /* a power of two */
};

static uint64_t triphone_key(int32_t base, int32_t left, int32_t right, int position)
{
    /* +1 keeps every key nonzero, so 0 marks an empty slot. */
    return ((uint64_t)(position + 1) << 48) | ((uint64_t)base << 32) | ((uint64_t)left << 16) | (uint64_t)right;
}

static size_t key_slot(const amass_sphinx_mdef *m, uint64_t key)
{
    return (size_t)amass_hash_bytes(&key, sizeof key) & (m->n_slots - 1);
}

static amass_code build_index(amass_sphinx_mdef *m, const char *path, amass_status *status)
{
    m->n_slots = 16;
    while (m->n_slots < 2 * (size_t)m->n_phones)
        m->n_slots *= 2;
    m->keys = calloc(m->n_slots, sizeof *m->keys);
    m->key_phones = calloc(m->n_slots, sizeof *m->key_phones);
    if (!m->keys || !m->key_phones)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    for (int32_t pid = m->n_ciphones; pid < m->n_phones; pid++) {
        const amass_sphinx_phone *p = &m->phones[pid];
        uint64_t key = triphone_key(p->base, p->left, p->right, (int)p->position);
        size_t slot = key_slot(m, key);
        while (m->keys[slot] && m->keys[slot] != key)
            slot = (slot + 1) & (m->n_slots - 1);
        if (m->keys[slot])
            return amass_fail(status, AMASS_ERR_INPUT, "%s: triphone %s(%s,%s) at position %d is defined twice", path,
                              m->ciphone_names[p->base], m->ciphone_names[p->left], m->ciphone_names[p->right],
                              (int)p->position);
        m->keys[slot] = key;
        m->key_phones[slot] = pid;
    }
    m->silence = amass_sphinx_mdef_ciphone_id(m, "SIL");
    return AMASS_OK;
}

/* The checks both formats share once the tables are filled. */
static amass_code check_tables(amass_sphinx_mdef *m, const char *path, amass_status *status)
{
    for (int32_t pid = 0; pid < m->n_phones; pid++) {
        amass_sphinx_phone *p = &m->phones[pid];
        if (p->senone_sequence < 0 || p->senone_sequence >= m->n_sequences)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: phone %d: senone sequence %d out of range 0..%d", path,
                              (int)pid, (int)p->senone_sequence, (int)m->n_sequences - 1);
        if (p->transition_matrix < 0 || p->transition_matrix >= m->n_transition_matrices)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: phone %d: transition matrix %d out of range 0..%d", path,
                              (int)pid, (int)p->transition_matrix, (int)m->n_transition_matrices - 1);
        if (pid >= m->n_ciphones)
            p->filler = m->phones[p->base].filler;
    }
    for (size_t i = 0; i < (size_t)m->n_sequences * (size_t)m->n_states; i++)
        if (m->sequences[i] < 0 || m->sequences[i] >= m->n_senones)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: senone id %d out of range 0..%d", path,
                              (int)m->sequences[i], (int)m->n_senones - 1);
    /* A PTM model keeps one codebook per CI phone; a senone scores with
     * the codebook of the base phone it belongs to (pocketsphinx takes the
     * first phone that uses it, as here). */
    m->senone_ciphones = amass_alloc_array((size_t)m->n_senones, sizeof *m->senone_ciphones);
    if (!m->senone_ciphones)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d senones", path, (int)m->n_senones);
    for (int32_t s = 0; s < m->n_senones; s++)
        m->senone_ciphones[s] = -1;
    for (int32_t pid = 0; pid < m->n_phones; pid++) {
        const int32_t *senones = m->sequences + (size_t)m->phones[pid].senone_sequence * (size_t)m->n_states;
        for (int32_t state = 0; state < m->n_states; state++)
            if (m->senone_ciphones[senones[state]] < 0)
                m->senone_ciphones[senones[state]] = m->phones[pid].base;
    }
    return build_index(m, path, status);
}

static amass_code binary_count(sphinx_file *file, int32_t *value, const char *what, int32_t minimum,
                               amass_status *status)
{
    if (sphinx_file_int32(file, value, what, status))
        return status->code;
    if (*value < minimum)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s is %d", file->path, what, (int)*value);
    return AMASS_OK;
}

static amass_code read_binary(amass_sphinx_mdef *m, sphinx_file *file, amass_status *status)
{
    const char *path = file->path;
    int32_t version, description, n_context, n_tree, file_silence;
    file->position = 4;
    /* "BMDF" in the file's first bytes marks a little-endian file. */
    const uint32_t one = 1;
    unsigned char host_first;
    memcpy(&host_first, &one, 1);
    int file_little = memcmp(file->data, BINARY_MAGIC, 4) == 0;
    file->swap = file_little != (host_first == 1);
    if (sphinx_file_int32(file, &version, "the version", status))
        return status->code;
    if (version < 0 || version > BINARY_VERSION_MAX)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: binary mdef version %d (this reader knows up to %d)", path,
                          (int)version, BINARY_VERSION_MAX);
    if (binary_count(file, &description, "the description length", 0, status))
        return status->code;
    const unsigned char *skip = NULL;
    if (sphinx_file_bytes(file, &skip, (size_t)description, "the format description", status) ||
        binary_count(file, &m->n_ciphones, "the CI phone count", 1, status) ||
        binary_count(file, &m->n_phones, "the phone count", 1, status) ||
        binary_count(file, &m->n_states, "the state count", 0, status) ||
        binary_count(file, &m->n_ci_senones, "the CI senone count", 1, status) ||
        binary_count(file, &m->n_senones, "the senone count", 1, status) ||
        binary_count(file, &m->n_transition_matrices, "the transition matrix count", 1, status) ||
        binary_count(file, &m->n_sequences, "the senone sequence count", 1, status) ||
        binary_count(file, &n_context, "the context count", 1, status) ||
        binary_count(file, &n_tree, "the cd tree size", 0, status) ||
        sphinx_file_int32(file, &file_silence, "the silence phone", status))
        return status->code;
    if (m->n_states == 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: phones with differing state counts are not supported",
                          path);
    if (m->n_states > STATES_MAX || m->n_ciphones > BINARY_CIPHONES_MAX || m->n_phones < m->n_ciphones ||
        m->n_ci_senones > m->n_senones || n_context != 3)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: inconsistent header: %d CI phones, %d phones, %d states, %d/%d senones, %d contexts",
                          path, (int)m->n_ciphones, (int)m->n_phones, (int)m->n_states, (int)m->n_ci_senones,
                          (int)m->n_senones, (int)n_context);
    /* The names, then padding to 4 bytes counted from the first name. */
    size_t names_start = file->position;
    m->ciphone_names = calloc((size_t)m->n_ciphones, sizeof *m->ciphone_names);
    if (!m->ciphone_names)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    for (int32_t i = 0; i < m->n_ciphones; i++) {
        const unsigned char *name = file->data + file->position;
        const unsigned char *end = memchr(name, 0, sphinx_file_left(file));
        if (!end || end == name)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: truncated or empty CI phone name %d", path, (int)i);
        m->ciphone_names[i] = (char *)name;
        file->position = (size_t)(end - file->data) + 1;
    }
    size_t padded = names_start + ((file->position - names_start + 3) & ~(size_t)3);
    if (padded > file->length)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: truncated after the phone names", path);
    file->position = padded;
    /* The cd tree duplicates the contexts the phone table holds; skip it. */
    if ((uint64_t)n_tree * 8 > sphinx_file_left(file) ||
        (uint64_t)m->n_phones * 12 > sphinx_file_left(file) - (size_t)n_tree * 8)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the header promises %d tree nodes and %d phones but only %zu bytes follow",
                          path, (int)n_tree, (int)m->n_phones, sphinx_file_left(file));
    file->position += (size_t)n_tree * 8;
    m->phones = calloc((size_t)m->n_phones, sizeof *m->phones);
    if (!m->phones)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d phones", path, (int)m->n_phones);
    for (int32_t pid = 0; pid < m->n_phones; pid++) {
        amass_sphinx_phone *p = &m->phones[pid];
        const unsigned char *attributes = NULL;
        if (sphinx_file_int32(file, &p->senone_sequence, "a phone", status) ||
            sphinx_file_int32(file, &p->transition_matrix, "a phone", status) ||
            sphinx_file_bytes(file, &attributes, 4, "a phone", status))
            return status->code;
        if (pid < m->n_ciphones) {
            p->base = pid;
            p->left = p->right = -1;
            p->position = AMASS_SPHINX_WORD_POSITIONS;
            p->filler = attributes[0] != 0;
            continue;
        }
        if (attributes[0] >= AMASS_SPHINX_WORD_POSITIONS || attributes[1] >= m->n_ciphones ||
            attributes[2] >= m->n_ciphones || attributes[3] >= m->n_ciphones)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: phone %d: word position or context out of range", path,
                              (int)pid);
        p->position = (amass_sphinx_word_position)attributes[0];
        p->base = attributes[1];
        p->left = attributes[2];
        p->right = attributes[3];
    }
    int32_t n_values;
    if (sphinx_file_int32(file, &n_values, "the senone sequence size", status))
        return status->code;
    if ((int64_t)n_values != (int64_t)m->n_sequences * m->n_states)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %d senone sequence values, want %d x %d", path, (int)n_values,
                          (int)m->n_sequences, (int)m->n_states);
    if ((uint64_t)n_values * 2 != sphinx_file_left(file))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %d senone sequence values need %llu bytes, %zu remain", path,
                          (int)n_values, (unsigned long long)n_values * 2, sphinx_file_left(file));
    m->sequences = amass_alloc_array((size_t)n_values, sizeof *m->sequences);
    if (!m->sequences)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    for (int32_t i = 0; i < n_values; i++) {
        int16_t v;
        if (sphinx_file_int16(file, &v, "the senone sequences", status))
            return status->code;
        m->sequences[i] = (uint16_t)v;
    }
    /* The names point into the file's buffer; keep them by moving it here. */
    m->name_text = (char *)file->data;
    file->data = NULL;
    return check_tables(m, path, status);
}

void amass_sphinx_mdef_close(amass_sphinx_mdef *mdef)
{
    if (!mdef)
        return;
    free(mdef->ciphone_names);
    free(mdef->name_text);
    free(mdef->phones);
    free(mdef->sequences);
    free(mdef->senone_ciphones);
    free(mdef->keys);
    free(mdef->key_phones);
    free(mdef);
}

/* Next line of a text mdef that is not blank or a comment, split into at
 * most max tokens in place; returns the token count, -1 at the end. */
static int text_tokens(sphinx_file *file, char **tokens, int max, long *line_number)
{
    while (file->position < file->length) {
        char *line = (char *)file->data + file->position;
        char *end = memchr(line, '\n', file->length - file->position);
        if (end) {
            *end = 0;
            file->position = (size_t)(end - (char *)file->data) + 1;
        } else {
            file->position = file->length;
        }
        ++*line_number;
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
            if (n == 0 && t[0] == '#')
                break;
            if (n < max)
                tokens[n] = t;
            n++;
        }
        if (n > 0)
            return n;
    }
    return -1;
}

static int parse_count(const char *text, int32_t *value)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || end == text || v < 0 || v > INT32_MAX)
        return 0;
    *value = (int32_t)v;
    return 1;
}

static amass_code read_text(amass_sphinx_mdef *m, sphinx_file *file, amass_status *status)
{
    const char *path = file->path;
    static const char *const count_names[6] = {"n_base", "n_tri", "n_state_map", "n_tied_state",
                                               "n_tied_ci_state", "n_tied_tmat"};
    int32_t counts[6];
    char *tokens[6 + STATES_MAX + 1];
    long line = 0;
    int n = text_tokens(file, tokens, 1, &line);
    if (n != 1 || strcmp(tokens[0], "0.3") != 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: not a Sphinx model definition (neither \"BMDF\" nor text version 0.3)",
                          path);
    for (int i = 0; i < 6; i++) {
        n = text_tokens(file, tokens, 2, &line);
        if (n != 2 || strcmp(tokens[1], count_names[i]) != 0 || !parse_count(tokens[0], &counts[i]))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: want \"N %s\"", path, line, count_names[i]);
    }
    m->n_ciphones = counts[0];
    int64_t n_phones = (int64_t)counts[0] + counts[1];
    /* A phone line is at least 16 bytes; a count the file cannot hold is a lie. */
    if (m->n_ciphones < 1 || m->n_ciphones > CIPHONES_MAX || n_phones > (int64_t)(file->length / 16))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %d base phones and %d triphones do not fit in %zu bytes", path,
                          (int)counts[0], (int)counts[1], file->length);
    m->n_phones = (int32_t)n_phones;
    if (counts[2] % m->n_phones != 0 || counts[2] / m->n_phones < 2 || counts[2] / m->n_phones > STATES_MAX + 1)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: n_state_map %d is not a state count times %d phones", path,
                          (int)counts[2], (int)m->n_phones);
    m->n_states = counts[2] / m->n_phones - 1;
    m->n_senones = counts[3];
    m->n_ci_senones = counts[4];
    m->n_transition_matrices = counts[5];
    m->n_sequences = m->n_phones;
    if (m->n_senones < 1 || m->n_ci_senones > m->n_senones || m->n_transition_matrices < 1)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %d senones (%d CI), %d transition matrices", path,
                          (int)m->n_senones, (int)m->n_ci_senones, (int)m->n_transition_matrices);
    m->ciphone_names = calloc((size_t)m->n_ciphones, sizeof *m->ciphone_names);
    m->phones = calloc((size_t)m->n_phones, sizeof *m->phones);
    m->sequences = amass_alloc_array((size_t)m->n_phones * (size_t)m->n_states, sizeof *m->sequences);
    if (!m->ciphone_names || !m->phones || !m->sequences)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %d phones", path, (int)m->n_phones);
    int want = 6 + m->n_states + 1;
    for (int32_t pid = 0; pid < m->n_phones; pid++) {
        n = text_tokens(file, tokens, want, &line);
        if (n < 0)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: %d phones promised, the file ends after %d", path,
                              (int)m->n_phones, (int)pid);
        if (n != want || strcmp(tokens[want - 1], "N") != 0)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: want %d fields ending in N, got %d", path, line,
                              want, n);
        amass_sphinx_phone *p = &m->phones[pid];
        if (!parse_count(tokens[5], &p->transition_matrix))
            return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: bad transition matrix \"%s\"", path, line,
                              tokens[5]);
        for (int s = 0; s < m->n_states; s++)
            if (!parse_count(tokens[6 + s], &m->sequences[(size_t)pid * (size_t)m->n_states + (size_t)s]))
                return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: bad senone id \"%s\"", path, line,
                                  tokens[6 + s]);
        p->senone_sequence = pid;
        if (pid < m->n_ciphones) {
            if (strcmp(tokens[1], "-") || strcmp(tokens[2], "-") || strcmp(tokens[3], "-"))
                return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: base phone %s has a context", path, line,
                                  tokens[0]);
            m->ciphone_names[pid] = tokens[0];
            if (amass_sphinx_mdef_ciphone_id(m, tokens[0]) != pid)
                return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: base phone %s defined twice", path, line,
                                  tokens[0]);
            p->base = pid;
            p->left = p->right = -1;
            p->position = AMASS_SPHINX_WORD_POSITIONS;
            p->filler = strcmp(tokens[4], "filler") == 0;
            continue;
        }
        static const char positions[] = "ibes";
        const char *where = strchr(positions, tokens[3][0]);
        p->base = amass_sphinx_mdef_ciphone_id(m, tokens[0]);
        p->left = amass_sphinx_mdef_ciphone_id(m, tokens[1]);
        p->right = amass_sphinx_mdef_ciphone_id(m, tokens[2]);
        if (p->base < 0 || p->left < 0 || p->right < 0 || !where || !tokens[3][0] || tokens[3][1])
            return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: triphone %s %s %s %s names an unknown phone or position",
                              path, line, tokens[0], tokens[1], tokens[2], tokens[3]);
        p->position = (amass_sphinx_word_position)(where - positions);
    }
    if (text_tokens(file, tokens, 1, &line) >= 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: line %ld: more phones than the %d promised", path, line,
                          (int)m->n_phones);
    m->name_text = (char *)file->data;
    file->data = NULL;
    return check_tables(m, path, status);
}

amass_sphinx_mdef *amass_sphinx_mdef_open(const char *path, amass_status *status)
{
    sphinx_file file;
    if (sphinx_file_read(&file, path, status))
        return NULL;
    amass_sphinx_mdef *m = calloc(1, sizeof *m);
    amass_code code;
    if (!m)
        code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    else if (file.length >= 4 && (memcmp(file.data, BINARY_MAGIC, 4) == 0 || memcmp(file.data, "FDMB", 4) == 0))
        code = read_binary(m, &file, status);
    else
        code = read_text(m, &file, status);
    sphinx_file_free(&file);
    if (code) {
        amass_sphinx_mdef_close(m);
        return NULL;
    }
    return m;
}

int32_t amass_sphinx_mdef_n_ciphones(const amass_sphinx_mdef *m) { return m->n_ciphones; }
int32_t amass_sphinx_mdef_n_phones(const amass_sphinx_mdef *m) { return m->n_phones; }
int32_t amass_sphinx_mdef_n_senones(const amass_sphinx_mdef *m) { return m->n_senones; }
int32_t amass_sphinx_mdef_n_ci_senones(const amass_sphinx_mdef *m) { return m->n_ci_senones; }
int32_t amass_sphinx_mdef_n_transition_matrices(const amass_sphinx_mdef *m) { return m->n_transition_matrices; }
int32_t amass_sphinx_mdef_n_senone_sequences(const amass_sphinx_mdef *m) { return m->n_sequences; }
int32_t amass_sphinx_mdef_n_states(const amass_sphinx_mdef *m) { return m->n_states; }
int32_t amass_sphinx_mdef_silence(const amass_sphinx_mdef *m) { return m->silence; }

int32_t amass_sphinx_mdef_senone_ciphone(const amass_sphinx_mdef *m, int32_t senone)
{
    return senone >= 0 && senone < m->n_senones ? m->senone_ciphones[senone] : -1;
}

int32_t amass_sphinx_mdef_ciphone_id(const amass_sphinx_mdef *m, const char *name)
{
    for (int32_t i = 0; i < m->n_ciphones; i++)
        if (m->ciphone_names[i] && strcmp(m->ciphone_names[i], name) == 0)
            return i;
    return -1;
}

const char *amass_sphinx_mdef_ciphone_name(const amass_sphinx_mdef *m, int32_t ciphone)
{
    return ciphone >= 0 && ciphone < m->n_ciphones ? m->ciphone_names[ciphone] : NULL;
}

const amass_sphinx_phone *amass_sphinx_mdef_phone(const amass_sphinx_mdef *m, int32_t pid)
{
    return pid >= 0 && pid < m->n_phones ? &m->phones[pid] : NULL;
}

const int32_t *amass_sphinx_mdef_phone_senones(const amass_sphinx_mdef *m, int32_t pid)
{
    if (pid < 0 || pid >= m->n_phones)
        return NULL;
    return m->sequences + (size_t)m->phones[pid].senone_sequence * (size_t)m->n_states;
}

int32_t amass_sphinx_mdef_triphone(const amass_sphinx_mdef *m, int32_t base, int32_t left, int32_t right,
                                   amass_sphinx_word_position position)
{
    if (base < 0 || base >= m->n_ciphones || left < 0 || left >= m->n_ciphones || right < 0 ||
        right >= m->n_ciphones || (int)position < 0 || position >= AMASS_SPHINX_WORD_POSITIONS)
        return -1;
    /* Training saw every filler context as silence. */
    if (m->silence >= 0 && m->phones[left].filler)
        left = m->silence;
    if (m->silence >= 0 && m->phones[right].filler)
        right = m->silence;
    uint64_t key = triphone_key(base, left, right, (int)position);
    for (size_t slot = key_slot(m, key); m->keys[slot]; slot = (slot + 1) & (m->n_slots - 1))
        if (m->keys[slot] == key)
            return m->key_phones[slot];
    return -1;
}

static int32_t any_position(const amass_sphinx_mdef *m, int32_t base, int32_t left, int32_t right,
                            amass_sphinx_word_position position)
{
    int32_t pid = amass_sphinx_mdef_triphone(m, base, left, right, position);
    for (int other = 0; pid < 0 && other < AMASS_SPHINX_WORD_POSITIONS; other++)
        if (other != (int)position)
            pid = amass_sphinx_mdef_triphone(m, base, left, right, (amass_sphinx_word_position)other);
    return pid;
}

int32_t amass_sphinx_mdef_triphone_nearest(const amass_sphinx_mdef *m, int32_t base, int32_t left, int32_t right,
                                           amass_sphinx_word_position position)
{
    if (base < 0 || base >= m->n_ciphones)
        return -1;
    if (left < 0 || right < 0 || left >= m->n_ciphones || right >= m->n_ciphones)
        return base;
    int32_t pid = any_position(m, base, left, right, position);
    if (pid >= 0)
        return pid;
    if (m->silence >= 0) {
        int32_t new_left = left, new_right = right;
        if (m->phones[left].filler || position == AMASS_SPHINX_WORD_BEGIN || position == AMASS_SPHINX_WORD_SINGLE)
            new_left = m->silence;
        if (m->phones[right].filler || position == AMASS_SPHINX_WORD_END || position == AMASS_SPHINX_WORD_SINGLE)
            new_right = m->silence;
        if (new_left != left || new_right != right) {
            pid = any_position(m, base, new_left, new_right, position);
            if (pid >= 0)
                return pid;
        }
    }
    return base;
}
