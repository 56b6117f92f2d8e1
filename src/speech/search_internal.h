/* Shared layout of the lexicon tree and the decoder's state, between the
 * lexicon builder (lexicon.c), the frame-synchronous search (search.c) and
 * the back-trace with word posteriors (search_finish.c). */
#ifndef AMASS_SPEECH_SEARCH_INTERNAL_H
#define AMASS_SPEECH_SEARCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "search.h"

/* Sphinx topologies have 3 emitting states (5 with entry and exit); a few
 * old models use 5 emitting states. */
#define SEARCH_MAX_STATES 5

enum { SEARCH_WORD = 0, SEARCH_SILENCE = 1, SEARCH_FILLER = 2, SEARCH_SENTENCE_MARK = 3 };

/* A word of the search: index 0 is "<s>", 1 is "</s>" (never in the tree),
 * then every pronunciation of the tree. */
typedef struct {
    const char *text;      /* base form, owned by the dictionary */
    int32_t lm_id;         /* AMASS_LM_NO_WORD for fillers */
    int32_t kind;          /* SEARCH_WORD ... */
    int32_t last_phone;    /* left context the next word sees (SIL after fillers) */
    int32_t n_groups;      /* HMMs of the fanned-out last phone */
    int32_t rc_row;        /* row of lexicon->rc_groups mapping a right context to a group */
    int32_t leaf_first;    /* HMM id of group 0; groups are consecutive ids */
    float unigram;         /* log10, the look-ahead of its last phone */
} search_word;

/* A tree node is one HMM. Roots and one-phone words take their left
 * context from the word before them, so their phone is chosen at entry:
 * pid <= -2 names row -2 - pid of lexicon->dynamic_pids. Word-final
 * phones, fanned out over right contexts, are not nodes (see leaf_word). */
typedef struct {
    int32_t pid;           /* static phone, or a dynamic row as above */
    int32_t word;          /* search word this node ends, -1 inside words */
    int32_t first_child;   /* into lexicon->children */
    float lookahead;       /* best log10 unigram of the words below; 0 under fillers */
    uint16_t n_children;
    int8_t filler_kind;    /* SEARCH_WORD in word subtrees, else the filler's kind */
} search_node;

static inline int32_t search_node_dynamic(const search_node *node)
{
    return node->pid <= -2 ? -2 - node->pid : -1;
}

struct amass_speech_lexicon {
    const amass_speech_acoustic_model *model;
    const amass_sphinx_mdef *mdef;
    const amass_lm *lm;
    int32_t n_ciphones, silence, n_states;
    search_word *words;
    size_t n_words;          /* entries of words[], <s> and </s> included */
    size_t n_tree_words;     /* pronunciations in the tree, fillers included */
    size_t n_dict_only;      /* dictionary words left out: not in the LM */
    /* HMM ids: nodes (roots, word-internal phones, one-phone words,
     * fillers) first, then the word-final leaves, which are most of the
     * HMMs and need no node: leaf id n_nodes + k belongs to leaf_word[k]. */
    search_node *nodes;
    size_t n_nodes;
    int32_t *leaf_word;
    size_t n_leaves;
    int32_t *rc_pids;        /* per rc row, per group: the group's phone */
    int32_t *children;
    /* Parallel to children, so that trying the children of an HMM reads
     * memory in order: each child's look-ahead, and whether it ends a word. */
    float *child_lookahead;
    uint8_t *child_ends_word;
    int32_t *entries;        /* nodes a word can start in */
    int32_t *entry_base;     /* their first CI phone */
    size_t n_entries;
    int32_t *dynamic_pids;   /* n_dynamic x n_ciphones: phone by left context */
    size_t n_dynamic;
    uint8_t *rc_groups;      /* n_rc_rows x n_ciphones: group by right context */
    size_t n_rc_rows;
    int32_t lm_start, lm_end;
};

/* A word exit (back pointer). */
typedef struct {
    int32_t word;
    int32_t prev;            /* back pointer of the word before, -1 for <s> */
    uint32_t end;            /* one past the last frame */
    float score;             /* path score at the exit, LM included */
    float language;          /* this word's LM part */
    int32_t history[2];      /* last two LM words after this one (fillers pass them through) */
    size_t rc_offset;        /* n_groups right-context scores in decoder->rc_scores */
} search_exit;

typedef struct {
    float score[SEARCH_MAX_STATES];
    int32_t history[SEARCH_MAX_STATES];
    float entry;             /* into state 0 at the next frame */
    int32_t entry_history;
    int32_t entry_pid;       /* dynamic nodes: phone for the entry's left context */
    float best, exit;
    int32_t exit_history;
    uint32_t next_frame;     /* frame+1 when already on the next active list */
    int32_t senones[SEARCH_MAX_STATES]; /* copied in: one less pointer to chase per frame */
    const float *transitions;
} search_hmm;

typedef struct {
    int32_t word, group, history;
    float score;
} search_candidate;

/* Direct-mapped memo of LM queries: the same (word, history) recurs
 * every frame a word keeps exiting, and in the posterior pass. */
#define SEARCH_LM_CACHE_BITS 16
typedef struct {
    int32_t word, history[2];
    float log10_probability;
} search_lm_memo;

struct amass_speech_decoder {
    const amass_speech_lexicon *lexicon;
    amass_speech_search_options options;
    float log_beam, log_word_beam, log_phone_beam, log_wip, log_pip, lm_scale;
    float log_last_phone_beam;     /* pocketsphinx's -lpbeam: entering word-final phones */
    int32_t n_senones;
    /* HMM state only for the nodes in the beam: slot[node] indexes pool
     * or is -1; freed slots are reused. */
    int32_t *slot;
    search_hmm *pool;
    size_t pool_used, pool_capacity;
    int32_t *free_slots;
    size_t n_free;
    float word_penalty[4];         /* by word kind: wip, log(silprob), log(fillprob), 0 */
    int32_t *active, *next_active;
    size_t n_active, n_next;
    search_exit *exits;
    size_t n_exits, exits_capacity;
    float *rc_scores;
    size_t n_rc_scores, rc_capacity;
    search_candidate *candidates;
    size_t n_candidates, candidates_capacity;
    int32_t *word_exit;            /* word -> exit made this frame, else -1 */
    uint32_t *word_exit_frame;
    float *phone_best;             /* n_ciphones: best exit score into words starting with phone */
    int32_t *phone_best_exit;
    float *normalised;             /* the frame's senone scores minus their best */
    uint32_t histogram[256];
    search_lm_memo *lm_cache;      /* 1 << SEARCH_LM_CACHE_BITS entries */
    uint32_t frame;
    uint64_t n_evaluated, n_entered; /* HMM evaluations and child entries tried, for tuning */
    uint32_t next_stamp;           /* next_frame mark of HMMs on the next active list */
    int started;
};

/* The phone of a word-final leaf. */
static inline int32_t search_leaf_pid(const amass_speech_lexicon *lexicon, int32_t id)
{
    const search_word *word = &lexicon->words[lexicon->leaf_word[(size_t)id - lexicon->n_nodes]];
    return lexicon->rc_pids[(size_t)word->rc_row * (size_t)lexicon->n_ciphones + (size_t)(id - word->leaf_first)];
}

float search_language_score(amass_speech_decoder *decoder, int32_t word, int32_t history_exit,
                            int32_t *lm_history);
/* The same after the LM words history[0] (latest) and history[1]. */
float search_language_score_after(amass_speech_decoder *decoder, int32_t word, const int32_t *history,
                                  int32_t *lm_history);

/* Second pass over the word-exit lattice with exact trigram histories;
 * writes the exits of the best path, first to last, into *path (malloc'd)
 * with each word's LM score. 0 on success, -1 when out of memory, 1 when
 * no path reaches the end. */
int search_bestpath(amass_speech_decoder *decoder, int32_t **path, float **language, size_t *n_path, float *score);

/* Fills the confidences of hypothesis, the best path ending in exit final. */
int search_word_posteriors(amass_speech_decoder *decoder, int32_t final, amass_speech_hypothesis *hypothesis);

#endif
