/* libamass formats layer: readers for CMU Sphinx acoustic models (model
 * definition, s3 parameter files, the quantized sendump) and pronouncing
 * dictionaries. Everything is read whole into memory, checked against the
 * file's size before anything is allocated, and immutable after load, so
 * decoder threads may share one model. The language model readers live in
 * sphinx_lm.h. */
#ifndef AMASS_FORMATS_SPHINX_H
#define AMASS_FORMATS_SPHINX_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* Files larger than this are refused before they are read: the largest
 * Sphinx acoustic model files are tens of megabytes. */
#define AMASS_SPHINX_FILE_MAX ((size_t)1 << 30)

/* ---- model definition (mdef) ---------------------------------------------
 * Word positions as Sphinx numbers them (the binary mdef's cd tree and its
 * phone table use these values; the text mdef spells them i b e s). */
typedef enum {
    AMASS_SPHINX_WORD_INTERNAL = 0,
    AMASS_SPHINX_WORD_BEGIN = 1,
    AMASS_SPHINX_WORD_END = 2,
    AMASS_SPHINX_WORD_SINGLE = 3,
    AMASS_SPHINX_WORD_POSITIONS = 4
} amass_sphinx_word_position;

/* One phone: a context-independent (CI) base phone when left and right are
 * -1, otherwise a triphone. Phones 0 .. n_ciphones-1 are the CI phones. */
typedef struct {
    int32_t base, left, right;           /* CI phone ids; -1 for a CI phone's contexts */
    amass_sphinx_word_position position; /* AMASS_SPHINX_WORD_POSITIONS for a CI phone */
    int32_t senone_sequence;             /* index into the senone sequences */
    int32_t transition_matrix;
    int filler;                          /* the base phone is a filler (SIL, +NSN+ ...) */
} amass_sphinx_phone;

typedef struct amass_sphinx_mdef amass_sphinx_mdef;

/* Reads a binary ("BMDF", either byte order) or text (version 0.3) model
 * definition; the format is told from the first bytes. NULL and a message
 * naming the file on failure. */
amass_sphinx_mdef *amass_sphinx_mdef_open(const char *path, amass_status *status);
void amass_sphinx_mdef_close(amass_sphinx_mdef *mdef);

int32_t amass_sphinx_mdef_n_ciphones(const amass_sphinx_mdef *mdef);
int32_t amass_sphinx_mdef_n_phones(const amass_sphinx_mdef *mdef); /* CI + triphones */
int32_t amass_sphinx_mdef_n_senones(const amass_sphinx_mdef *mdef);
int32_t amass_sphinx_mdef_n_ci_senones(const amass_sphinx_mdef *mdef);
int32_t amass_sphinx_mdef_n_transition_matrices(const amass_sphinx_mdef *mdef);
/* Distinct senone sequences in a binary mdef; a text mdef gets one per phone. */
int32_t amass_sphinx_mdef_n_senone_sequences(const amass_sphinx_mdef *mdef);
/* Emitting states per phone (every phone has the same count). */
int32_t amass_sphinx_mdef_n_states(const amass_sphinx_mdef *mdef);
/* The CI phone id of SIL, or -1 when the model has none. */
int32_t amass_sphinx_mdef_silence(const amass_sphinx_mdef *mdef);

/* CI phone id by name (case-sensitive, as Sphinx does), or -1. */
int32_t amass_sphinx_mdef_ciphone_id(const amass_sphinx_mdef *mdef, const char *name);
const char *amass_sphinx_mdef_ciphone_name(const amass_sphinx_mdef *mdef, int32_t ciphone);
/* Phone pid (0 <= pid < n_phones); NULL when out of range. */
const amass_sphinx_phone *amass_sphinx_mdef_phone(const amass_sphinx_mdef *mdef, int32_t pid);
/* The n_states senone ids of a phone; NULL when pid is out of range. */
const int32_t *amass_sphinx_mdef_phone_senones(const amass_sphinx_mdef *mdef, int32_t pid);

/* The CI phone a senone belongs to (for a PTM model, the codebook it is
 * scored with), or -1 for a senone no phone uses or one out of range. */
int32_t amass_sphinx_mdef_senone_ciphone(const amass_sphinx_mdef *mdef, int32_t senone);

/* The exact triphone (base, left, right, position), or -1. Filler
 * contexts are read as SIL, as the models were trained. */
int32_t amass_sphinx_mdef_triphone(const amass_sphinx_mdef *mdef, int32_t base, int32_t left, int32_t right,
                                   amass_sphinx_word_position position);
/* The phone a decoder should use for a triphone, with Sphinx's fallback:
 * the exact triphone; the same contexts at another word position; the
 * contexts at word edges (and filler contexts) replaced by SIL, at this
 * position and then at the others; finally the CI base phone. A negative
 * left or right context gives the CI phone. Never fails for a valid base. */
int32_t amass_sphinx_mdef_triphone_nearest(const amass_sphinx_mdef *mdef, int32_t base, int32_t left,
                                           int32_t right, amass_sphinx_word_position position);

/* ---- s3 parameter files --------------------------------------------------
 * The SphinxTrain "s3" format: "s3\n", name/value lines up to "endhdr",
 * the 32-bit byte-order magic 0x11223344 in either byte order, the
 * dimension counts, a float count, the floats, and a 32-bit checksum when
 * the header says "chksum0 yes". */

/* Gaussian means or variances: n_codebooks x n_streams x n_densities
 * vectors, stream s of length stream_length[s], in the file's order
 * (codebook, then stream, then density); use amass_sphinx_gaussians_vector. */
typedef struct {
    int32_t n_codebooks, n_streams, n_densities;
    int32_t *stream_length;  /* n_streams entries */
    int32_t row_length;      /* sum of stream_length */
    float *data;
    size_t n_values;
    size_t n_floored;        /* variances only: values raised to the floor */
} amass_sphinx_gaussians;

/* Pocketsphinx's default -varfloor. */
#define AMASS_SPHINX_VARIANCE_FLOOR 0.0001f

/* Reads a means file (variance_floor <= 0) or a variances file (values below
 * variance_floor are raised to it, as pocketsphinx does on load). */
amass_sphinx_gaussians *amass_sphinx_gaussians_open(const char *path, float variance_floor, amass_status *status);
void amass_sphinx_gaussians_close(amass_sphinx_gaussians *gaussians);
/* The stream_length[stream] floats of one Gaussian; NULL when out of range. */
const float *amass_sphinx_gaussians_vector(const amass_sphinx_gaussians *gaussians, int32_t codebook,
                                           int32_t stream, int32_t density);

/* Mixture weights (n_senones x n_streams x n_densities) or transition
 * matrices (n_matrices x n_from x n_to: n_from = emitting states, n_to =
 * n_from + 1 with the exit state). Both are three counts and a float array
 * of probabilities. As pocketsphinx does on load, each row (a senone's
 * stream, a matrix's source state) is normalised to sum to 1, floored
 * (transitions: only nonzero entries) and normalised again: files such as
 * en-us's store raw counts. */
#define AMASS_SPHINX_TRANSITION_FLOOR 0.0001f      /* pocketsphinx -tmatfloor */
#define AMASS_SPHINX_MIXTURE_WEIGHT_FLOOR 1e-7f    /* pocketsphinx -mixwfloor */
typedef struct {
    int32_t dims[3];
    float *data;  /* dims[0] * dims[1] * dims[2] floats, row-major */
    size_t n_values;
} amass_sphinx_array3;

amass_sphinx_array3 *amass_sphinx_mixture_weights_open(const char *path, amass_status *status);
amass_sphinx_array3 *amass_sphinx_transitions_open(const char *path, amass_status *status);
void amass_sphinx_array3_close(amass_sphinx_array3 *array);

/* ---- sendump: quantized mixture weights (PTM / semi-continuous) ----------
 * Each byte (or 4-bit cluster index with cluster_count 15/16) is a negated
 * log weight in pocketsphinx's integer log domain: base 1.0001, shifted
 * right by 10 bits. Decoded here to natural-log weights. */
typedef struct {
    int32_t n_streams, n_densities, n_senones;
    /* log_weight[(stream * n_densities + density) * n_senones + senone]:
     * density-major, as the file stores it and as a matmul wants it. */
    float *log_weight;
} amass_sphinx_sendump;

/* n_senones and n_streams must match the mdef and the means (pass -1 to
 * accept what the file says). */
amass_sphinx_sendump *amass_sphinx_sendump_open(const char *path, int32_t n_senones, int32_t n_streams,
                                                amass_status *status);
void amass_sphinx_sendump_close(amass_sphinx_sendump *sendump);
float amass_sphinx_sendump_log_weight(const amass_sphinx_sendump *sendump, int32_t senone, int32_t stream,
                                      int32_t density);

/* ---- pronouncing dictionary ----------------------------------------------
 * cmudict format: "word PH1 PH2 ...", alternates "word(2)", ";;" and "#"
 * comment lines. Fillers come from the model's noisedict in the same
 * format. Phones are checked against the mdef: a word naming an unknown
 * phone, a line that is not UTF-8 or longer than AMASS_SPHINX_DICT_LINE_MAX
 * is skipped and counted, and the first few are reported through the
 * reporter with their line numbers; the load goes on. */
#define AMASS_SPHINX_DICT_LINE_MAX 4096

typedef struct {
    const char *word;       /* the base word, without "(2)" */
    int32_t alternate;      /* 1 for the first pronunciation, 2 for "word(2)" ... */
    int32_t n_phones;
    const int32_t *phones;  /* CI phone ids */
    int filler;             /* from the noisedict */
} amass_sphinx_pronunciation;

typedef struct amass_sphinx_dict amass_sphinx_dict;

/* noisedict_path may be NULL. reporter may be NULL. */
amass_sphinx_dict *amass_sphinx_dict_open(const char *path, const char *noisedict_path,
                                          const amass_sphinx_mdef *mdef, const amass_reporter *reporter,
                                          amass_status *status);
void amass_sphinx_dict_close(amass_sphinx_dict *dict);
size_t amass_sphinx_dict_n_entries(const amass_sphinx_dict *dict);  /* pronunciations, fillers included */
size_t amass_sphinx_dict_n_skipped(const amass_sphinx_dict *dict);  /* lines refused */
/* The pronunciations of a word (without "(n)"), in alternate order; returns
 * how many and points *first at the first (they are consecutive). 0 when
 * the word is not in the dictionary. Lookup is case-sensitive. */
size_t amass_sphinx_dict_lookup(const amass_sphinx_dict *dict, const char *word,
                                const amass_sphinx_pronunciation **first);
const amass_sphinx_pronunciation *amass_sphinx_dict_entry(const amass_sphinx_dict *dict, size_t index);

#endif
