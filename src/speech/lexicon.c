/* The lexicon tree: every pronunciation of the words in both the dictionary and the LM, as a prefix tree of triphone HMMs with fanned-out word ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "search_internal.h"

typedef struct {
    amass_speech_lexicon *lexicon;
    int32_t *first_child_link; /* build-time sibling lists */
    int32_t *next_sibling;
    size_t nodes_capacity;
    int32_t *root_of_pair;     /* (first phone, second phone) -> root node */
    int32_t *rc_pid;           /* per rc row, per group: the group's phone */
    uint8_t *rc_done;
} lexicon_build;

static int32_t add_node(lexicon_build *build, int32_t parent, int32_t pid, int32_t dynamic)
{
    amass_speech_lexicon *lexicon = build->lexicon;
    if (lexicon->n_nodes == build->nodes_capacity) {
        size_t capacity = build->nodes_capacity ? build->nodes_capacity * 2 : 4096;
        search_node *nodes = realloc(lexicon->nodes, capacity * sizeof *nodes);
        int32_t *first = realloc(build->first_child_link, capacity * sizeof *first);
        if (first)
            build->first_child_link = first;
        int32_t *next = realloc(build->next_sibling, capacity * sizeof *next);
        if (next)
            build->next_sibling = next;
        if (nodes)
            lexicon->nodes = nodes;
        if (!nodes || !first || !next)
            return -1;
        build->nodes_capacity = capacity;
    }
    int32_t id = (int32_t)lexicon->n_nodes++;
    search_node *node = &lexicon->nodes[id];
    memset(node, 0, sizeof *node);
    node->pid = dynamic >= 0 ? -2 - dynamic : pid;
    node->word = -1;
    node->lookahead = AMASS_LM_LOG10_ZERO;
    node->filler_kind = SEARCH_WORD;
    build->first_child_link[id] = -1;
    build->next_sibling[id] = -1;
    if (parent >= 0) {
        build->next_sibling[id] = build->first_child_link[parent];
        build->first_child_link[parent] = id;
    }
    return id;
}

/* Word-internal phones share a node when the triphone is the same. */
static int32_t find_or_add_child(lexicon_build *build, int32_t parent, int32_t pid)
{
    for (int32_t child = build->first_child_link[parent]; child >= 0; child = build->next_sibling[child])
        if (build->lexicon->nodes[child].pid == pid && build->lexicon->nodes[child].word < 0)
            return child;
    return add_node(build, parent, pid, -1);
}

static int32_t add_dynamic_row(amass_speech_lexicon *lexicon, size_t *capacity, int32_t base, int32_t right,
                               amass_sphinx_word_position position)
{
    if (lexicon->n_dynamic == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 1024;
        int32_t *rows = realloc(lexicon->dynamic_pids, grown * (size_t)lexicon->n_ciphones * sizeof *rows);
        if (!rows)
            return -1;
        lexicon->dynamic_pids = rows;
        *capacity = grown;
    }
    int32_t *row = lexicon->dynamic_pids + lexicon->n_dynamic * (size_t)lexicon->n_ciphones;
    for (int32_t left = 0; left < lexicon->n_ciphones; left++)
        row[left] = amass_sphinx_mdef_triphone_nearest(lexicon->mdef, base, left, right, position);
    return (int32_t)lexicon->n_dynamic++;
}

/* The right-context groups of a word-final phone depend only on the phone
 * and its left neighbour: row 1 + left * n + base. Contexts whose triphones
 * share senones and transitions share one HMM. */
static void fill_rc_row(lexicon_build *build, int32_t left, int32_t base)
{
    amass_speech_lexicon *lexicon = build->lexicon;
    int32_t n = lexicon->n_ciphones;
    size_t row = 1 + (size_t)left * (size_t)n + (size_t)base;
    if (build->rc_done[row])
        return;
    build->rc_done[row] = 1;
    int32_t *pids = build->rc_pid + row * (size_t)n;
    uint8_t *groups = lexicon->rc_groups + row * (size_t)n;
    int32_t n_groups = 0;
    for (int32_t right = 0; right < n; right++) {
        int32_t pid = amass_sphinx_mdef_triphone_nearest(lexicon->mdef, base, left, right, AMASS_SPHINX_WORD_END);
        const amass_sphinx_phone *phone = amass_sphinx_mdef_phone(lexicon->mdef, pid);
        int32_t group = 0;
        for (; group < n_groups; group++) {
            const amass_sphinx_phone *other = amass_sphinx_mdef_phone(lexicon->mdef, pids[group]);
            if (other->senone_sequence == phone->senone_sequence &&
                other->transition_matrix == phone->transition_matrix)
                break;
        }
        if (group == n_groups)
            pids[n_groups++] = pid;
        groups[right] = (uint8_t)group;
    }
}

static int32_t rc_row_groups(const lexicon_build *build, size_t row)
{
    const uint8_t *groups = build->lexicon->rc_groups + row * (size_t)build->lexicon->n_ciphones;
    int32_t most = 0;
    for (int32_t right = 0; right < build->lexicon->n_ciphones; right++)
        if (groups[right] + 1 > most)
            most = groups[right] + 1;
    return most;
}

static void add_entry(amass_speech_lexicon *lexicon, int32_t node, int32_t base)
{
    lexicon->entry_base[lexicon->n_entries] = base;
    lexicon->entries[lexicon->n_entries++] = node;
}

static int add_word(lexicon_build *build, const amass_sphinx_pronunciation *pronunciation, int32_t lm_id,
                    size_t *words_capacity, size_t *dynamic_capacity)
{
    amass_speech_lexicon *lexicon = build->lexicon;
    int32_t n = lexicon->n_ciphones;
    const int32_t *phones = pronunciation->phones;
    int32_t n_phones = pronunciation->n_phones;
    if (lexicon->n_words == *words_capacity) {
        size_t grown = *words_capacity * 2;
        search_word *words = realloc(lexicon->words, grown * sizeof *words);
        if (!words)
            return -1;
        lexicon->words = words;
        *words_capacity = grown;
    }
    int32_t word_index = (int32_t)lexicon->n_words;
    search_word *word = &lexicon->words[lexicon->n_words++];
    memset(word, 0, sizeof *word);
    word->text = pronunciation->word;
    word->lm_id = lm_id;
    word->n_groups = 1;
    int32_t kind = SEARCH_WORD;
    if (pronunciation->filler)
        kind = (n_phones == 1 && phones[0] == lexicon->silence) ? SEARCH_SILENCE : SEARCH_FILLER;
    word->kind = kind;
    word->last_phone = kind == SEARCH_WORD ? phones[n_phones - 1] : lexicon->silence;
    lexicon->n_tree_words++;

    if (kind != SEARCH_WORD) {
        /* Fillers are context-independent chains of their own. */
        int32_t node = -1;
        for (int32_t i = 0; i < n_phones; i++) {
            node = add_node(build, node, phones[i], -1);
            if (node < 0)
                return -1;
            lexicon->nodes[node].filler_kind = (int8_t)kind;
            lexicon->nodes[node].lookahead = 0;
            if (i == 0)
                add_entry(lexicon, node, phones[0]);
        }
        lexicon->nodes[node].word = word_index;
        word->leaf_first = node;
        return 0;
    }
    if (n_phones == 1) {
        int32_t dynamic = add_dynamic_row(lexicon, dynamic_capacity, phones[0], lexicon->silence,
                                          AMASS_SPHINX_WORD_SINGLE);
        int32_t node = dynamic < 0 ? -1 : add_node(build, -1, -1, dynamic);
        if (node < 0)
            return -1;
        lexicon->nodes[node].word = word_index;
        add_entry(lexicon, node, phones[0]);
        word->leaf_first = node;
        word->unigram = amass_formats_lm_log10_probability(lexicon->lm, lm_id, NULL, 0, NULL);
        return 0;
    }
    size_t pair = (size_t)phones[0] * (size_t)n + (size_t)phones[1];
    int32_t node = build->root_of_pair[pair];
    if (node < 0) {
        int32_t dynamic = add_dynamic_row(lexicon, dynamic_capacity, phones[0], phones[1], AMASS_SPHINX_WORD_BEGIN);
        node = dynamic < 0 ? -1 : add_node(build, -1, -1, dynamic);
        if (node < 0)
            return -1;
        build->root_of_pair[pair] = node;
        add_entry(lexicon, node, phones[0]);
    }
    for (int32_t i = 1; i < n_phones - 1; i++) {
        int32_t pid = amass_sphinx_mdef_triphone_nearest(lexicon->mdef, phones[i], phones[i - 1], phones[i + 1],
                                                         AMASS_SPHINX_WORD_INTERNAL);
        node = find_or_add_child(build, node, pid);
        if (node < 0)
            return -1;
    }
    int32_t left = phones[n_phones - 2], base = phones[n_phones - 1];
    fill_rc_row(build, left, base);
    size_t row = 1 + (size_t)left * (size_t)n + (size_t)base;
    word->rc_row = (int32_t)row;
    word->n_groups = rc_row_groups(build, row);
    /* The fanned-out last phone hangs below node; its HMMs get their ids
     * once the tree is complete. */
    word->leaf_first = node;
    word->unigram = amass_formats_lm_log10_probability(lexicon->lm, lm_id, NULL, 0, NULL);
    return 0;
}

/* Children become consecutive runs of one array, the word-final leaves
 * after a node's inner children; leaves take the ids after the nodes. Each
 * node's look-ahead is the best unigram below it (children always come
 * after their parent). */
static int finish_tree(lexicon_build *build)
{
    amass_speech_lexicon *lexicon = build->lexicon;
    size_t n_nodes = lexicon->n_nodes;
    /* Fanned-out words grouped by the node they hang from (counting sort). */
    size_t *first_end = calloc(n_nodes + 1, sizeof *first_end);
    int32_t *ends = malloc((lexicon->n_words + 1) * sizeof *ends);
    if (!first_end || !ends) {
        free(first_end), free(ends);
        return -1;
    }
    lexicon->n_leaves = 0;
    for (size_t w = 2; w < lexicon->n_words; w++)
        if (lexicon->words[w].rc_row > 0) {
            first_end[lexicon->words[w].leaf_first + 1]++;
            lexicon->n_leaves += (size_t)lexicon->words[w].n_groups;
        }
    for (size_t id = 0; id < n_nodes; id++)
        first_end[id + 1] += first_end[id];
    for (size_t w = 2; w < lexicon->n_words; w++)
        if (lexicon->words[w].rc_row > 0)
            ends[first_end[lexicon->words[w].leaf_first]++] = (int32_t)w;
    for (size_t id = n_nodes; id > 0; id--)
        first_end[id] = first_end[id - 1];
    first_end[0] = 0;
    size_t capacity = n_nodes + lexicon->n_leaves + 1;
    lexicon->children = malloc(capacity * sizeof *lexicon->children);
    lexicon->child_lookahead = malloc(capacity * sizeof *lexicon->child_lookahead);
    lexicon->child_ends_word = malloc(capacity);
    lexicon->leaf_word = malloc((lexicon->n_leaves + 1) * sizeof *lexicon->leaf_word);
    if (!lexicon->children || !lexicon->child_lookahead || !lexicon->child_ends_word || !lexicon->leaf_word) {
        free(first_end), free(ends);
        return -1;
    }
    size_t used = 0, n_leaves = 0;
    for (size_t id = 0; id < n_nodes; id++) {
        search_node *node = &lexicon->nodes[id];
        node->first_child = (int32_t)used;
        for (int32_t child = build->first_child_link[id]; child >= 0; child = build->next_sibling[child])
            lexicon->children[used++] = child;
        for (size_t e = first_end[id]; e < first_end[id + 1]; e++) {
            search_word *word = &lexicon->words[ends[e]];
            word->leaf_first = (int32_t)(n_nodes + n_leaves);
            for (int32_t group = 0; group < word->n_groups; group++) {
                lexicon->leaf_word[n_leaves] = ends[e];
                lexicon->child_lookahead[used] = word->unigram;
                lexicon->child_ends_word[used] = 1;
                lexicon->children[used++] = (int32_t)(n_nodes + n_leaves++);
            }
        }
        if (used - (size_t)node->first_child > UINT16_MAX) {
            free(first_end), free(ends);
            return -1;
        }
        node->n_children = (uint16_t)(used - (size_t)node->first_child);
    }
    free(first_end);
    free(ends);
    for (size_t id = n_nodes; id-- > 0;) {
        search_node *node = &lexicon->nodes[id];
        if (node->filler_kind != SEARCH_WORD)
            continue;
        if (node->word >= 0)
            node->lookahead = lexicon->words[node->word].unigram;
        for (int32_t i = node->first_child; i < node->first_child + node->n_children; i++) {
            int32_t child = lexicon->children[i];
            float below = child < (int32_t)n_nodes ? lexicon->nodes[child].lookahead : lexicon->child_lookahead[i];
            if (below > node->lookahead)
                node->lookahead = below;
        }
    }
    for (size_t i = 0; i < used; i++) {
        int32_t child = lexicon->children[i];
        if (child < (int32_t)n_nodes) {
            lexicon->child_lookahead[i] = lexicon->nodes[child].lookahead;
            lexicon->child_ends_word[i] = lexicon->nodes[child].word >= 0;
        }
    }
    return 0;
}

amass_code amass_speech_lexicon_open(const amass_speech_acoustic_model *model, const amass_sphinx_dict *dict,
                                     const amass_lm *lm, amass_speech_lexicon **out, amass_status *status)
{
    *out = NULL;
    if (!model || !dict || !lm)
        return amass_fail(status, AMASS_ERR_USAGE, "lexicon: model, dictionary and language model are all needed");
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    int32_t n_states = amass_speech_acoustic_model_n_states(model);
    if (n_states < 1 || n_states > SEARCH_MAX_STATES)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "lexicon: HMMs with %d emitting states are not supported",
                          n_states);
    if (amass_sphinx_mdef_n_ciphones(mdef) > UINT8_MAX)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "lexicon: more than %d CI phones", UINT8_MAX);
    if (amass_sphinx_mdef_silence(mdef) < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "lexicon: the acoustic model has no SIL phone");
    amass_speech_lexicon *lexicon = calloc(1, sizeof *lexicon);
    lexicon_build build = {lexicon, NULL, NULL, 0, NULL, NULL, NULL};
    if (!lexicon)
        return amass_fail(status, AMASS_ERR_NOMEM, "lexicon: out of memory");
    lexicon->model = model;
    lexicon->mdef = mdef;
    lexicon->lm = lm;
    lexicon->n_states = n_states;
    lexicon->n_ciphones = amass_sphinx_mdef_n_ciphones(mdef);
    lexicon->silence = amass_sphinx_mdef_silence(mdef);
    lexicon->lm_start = amass_formats_lm_sentence_start_id(lm);
    lexicon->lm_end = amass_formats_lm_sentence_end_id(lm);
    int32_t lm_unknown = amass_formats_lm_unknown_id(lm);
    size_t n = (size_t)lexicon->n_ciphones;
    size_t n_entries = amass_sphinx_dict_n_entries(dict);
    size_t words_capacity = 1024, dynamic_capacity = 0;
    lexicon->n_rc_rows = 1 + n * n;
    lexicon->words = malloc(words_capacity * sizeof *lexicon->words);
    lexicon->entries = malloc((n_entries + n * n + 1) * sizeof *lexicon->entries);
    lexicon->entry_base = malloc((n_entries + n * n + 1) * sizeof *lexicon->entry_base);
    lexicon->rc_groups = calloc(lexicon->n_rc_rows * n, 1);
    build.root_of_pair = malloc(n * n * sizeof *build.root_of_pair);
    build.rc_pid = malloc(lexicon->n_rc_rows * n * sizeof *build.rc_pid);
    build.rc_done = calloc(lexicon->n_rc_rows, 1);
    int failed = !lexicon->words || !lexicon->entries || !lexicon->entry_base || !lexicon->rc_groups || !build.root_of_pair ||
                 !build.rc_pid || !build.rc_done;
    if (!failed) {
        for (size_t i = 0; i < n * n; i++)
            build.root_of_pair[i] = -1;
        /* <s> and </s>: history and end marks, silence on both sides. */
        const char *marks[2] = {"<s>", "</s>"};
        for (int i = 0; i < 2; i++) {
            search_word *mark = &lexicon->words[lexicon->n_words++];
            memset(mark, 0, sizeof *mark);
            mark->text = marks[i];
            mark->lm_id = i == 0 ? lexicon->lm_start : lexicon->lm_end;
            mark->kind = SEARCH_SENTENCE_MARK;
            mark->last_phone = lexicon->silence;
            mark->n_groups = 1;
            mark->leaf_first = -1;
        }
    }
    for (size_t i = 0; !failed && i < n_entries; i++) {
        const amass_sphinx_pronunciation *pronunciation = amass_sphinx_dict_entry(dict, i);
        if (pronunciation->n_phones < 1)
            continue;
        int32_t lm_id = AMASS_LM_NO_WORD;
        if (pronunciation->filler) {
            if (!strcmp(pronunciation->word, "<s>") || !strcmp(pronunciation->word, "</s>"))
                continue;
        } else {
            lm_id = amass_formats_lm_word_id(lm, pronunciation->word, strlen(pronunciation->word));
            if (lm_id == AMASS_LM_NO_WORD || lm_id == lexicon->lm_start || lm_id == lexicon->lm_end ||
                lm_id == lm_unknown) {
                if (pronunciation->alternate == 1)
                    lexicon->n_dict_only++;
                continue;
            }
        }
        failed = add_word(&build, pronunciation, lm_id, &words_capacity, &dynamic_capacity) != 0;
    }
    size_t n_real = 0;
    for (size_t i = 2; i < lexicon->n_words; i++)
        n_real += lexicon->words[i].kind == SEARCH_WORD;
    if (!failed)
        failed = finish_tree(&build) != 0;
    free(build.first_child_link);
    free(build.next_sibling);
    free(build.root_of_pair);
    lexicon->rc_pids = build.rc_pid;
    free(build.rc_done);
    if (failed) {
        amass_speech_lexicon_close(lexicon);
        return amass_fail(status, AMASS_ERR_NOMEM, "lexicon: out of memory");
    }
    if (n_real == 0) {
        amass_speech_lexicon_close(lexicon);
        return amass_fail(status, AMASS_ERR_INPUT,
                          "lexicon: no word is both in the dictionary and in the language model");
    }
    *out = lexicon;
    return AMASS_OK;
}

void amass_speech_lexicon_close(amass_speech_lexicon *lexicon)
{
    if (!lexicon)
        return;
    free(lexicon->words);
    free(lexicon->nodes);
    free(lexicon->children);
    free(lexicon->child_lookahead);
    free(lexicon->child_ends_word);
    free(lexicon->leaf_word);
    free(lexicon->rc_pids);
    free(lexicon->entries);
    free(lexicon->entry_base);
    free(lexicon->dynamic_pids);
    free(lexicon->rc_groups);
    free(lexicon);
}

size_t amass_speech_lexicon_n_words(const amass_speech_lexicon *lexicon)
{
    return lexicon ? lexicon->n_tree_words : 0;
}
