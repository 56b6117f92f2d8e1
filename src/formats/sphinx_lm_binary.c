/* The CMU Sphinx trie language model binary (sphinxbase's ngram_model_trie,
 * e.g. en-us.lm.bin): header, quantization tables, 1-grams, bit-packed
 * higher orders, word strings; decoded into the in-memory model.
 *
 * Layout, all little-endian: "Trie Language Model", order (1 byte), order
 * uint32 counts. If order > 1: an int32 (formerly the quantization type),
 * then float tables of 65536 entries: probability and backoff for each
 * middle order 2..order-1, then probability for the top order. Then
 * counts[0]+1 unigrams {float prob, float backoff, uint32 next}. Then, per
 * order 2..order, a bit array of count+1 entries padded to whole bytes
 * plus 8: middle entries are word id, backoff code (16 bits), probability
 * code (16 bits), child index; top entries word id and probability code.
 * Field widths are the bits needed for the largest value (vocabulary size,
 * next order's count). Last, an int32 byte count and the NUL-terminated
 * words. Values are in log base 1.0001 (Sphinx's logmath default). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/sphinx_lm_internal.h"

#define QUANT_BITS 16
#define QUANT_ENTRIES (1u << QUANT_BITS)

typedef struct {
    const char *path;
    const unsigned char *data;
    size_t size;
    size_t position;
    amass_status *status;
} binary_input;

static amass_code truncated(binary_input *input, const char *what, uint64_t need)
{
    return amass_fail(input->status, AMASS_ERR_INPUT,
                      "%s: truncated: %s needs %llu bytes at offset %zu, the file has %zu", input->path, what,
                      (unsigned long long)need, input->position, input->size);
}

static int have(const binary_input *input, uint64_t bytes)
{
    return bytes <= input->size - input->position;
}

static uint32_t read_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float read_f32(const unsigned char *p)
{
    uint32_t bits = read_u32(p);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static unsigned bits_needed(uint32_t max_value)
{
    unsigned bits = 0;
    while (max_value) {
        bits++;
        max_value >>= 1;
    }
    return bits;
}

/* A field of `length` <= 32 bits at bit `offset`, least significant first. */
static uint32_t read_bits(const unsigned char *base, uint64_t offset, unsigned length)
{
    const unsigned char *p = base + (offset >> 3);
    unsigned shift = (unsigned)(offset & 7), i;
    uint64_t value = 0;
    for (i = 0; i * 8 < shift + length; i++)
        value |= (uint64_t)p[i] << (8 * i);
    return (uint32_t)((value >> shift) & ((1ull << length) - 1));
}

typedef struct {
    unsigned word_bits, next_bits, total_bits;
    const unsigned char *bits;
} packed_level;

typedef struct {
    uint32_t word;
    float prob;
} top_entry;

static int compare_top_entries(const void *a, const void *b)
{
    const top_entry *x = a, *y = b;
    return x->word < y->word ? -1 : x->word > y->word;
}

/* Sorts the top-order children [begin, end). en-us.lm.bin has two trigram
 * ranges out of order (whips/teased and coach/<s> after one history), which
 * Sphinx's interpolation search can miss; sorted, every stored n-gram is
 * found, as in the ARPA text sphinx_lm_convert writes. */
static amass_code sort_top_range(binary_input *input, lm_level *top, uint32_t begin, uint32_t end)
{
    top_entry *entries = amass_alloc_array(end - begin, sizeof *entries);
    uint32_t i;
    if (!entries)
        return amass_fail(input->status, AMASS_ERR_NOMEM, "%s: out of memory", input->path);
    for (i = begin; i < end; i++) {
        entries[i - begin].word = top->words[i];
        entries[i - begin].prob = top->probs[i];
    }
    qsort(entries, end - begin, sizeof *entries, compare_top_entries);
    for (i = begin; i < end; i++) {
        top->words[i] = entries[i - begin].word;
        top->probs[i] = entries[i - begin].prob;
    }
    free(entries);
    return AMASS_OK;
}

/* Checks that node `parent`'s children [begin, end) exist, name known words
 * and are sorted without repeats, since the query binary-searches them. */
static amass_code check_children(binary_input *input, int n, amass_lm *model, uint32_t parent)
{
    lm_level *level = &model->levels[n - 1], *below = &model->levels[n];
    uint32_t begin = level->next[parent], end = level->next[parent + 1], i;
    int sorted = 1;
    if (begin > end || end > below->count)
        return amass_fail(input->status, AMASS_ERR_INPUT,
                          "%s: corrupt: %d-gram %u points at %d-grams %u..%u of %u", input->path, n, parent, n + 1,
                          begin, end, below->count);
    for (i = begin; i < end; i++) {
        if (below->words[i] >= model->n_words)
            return amass_fail(input->status, AMASS_ERR_INPUT, "%s: corrupt: %d-gram %u has word id %u of %u",
                              input->path, n + 1, i, below->words[i], model->n_words);
        if (i > begin && below->words[i] <= below->words[i - 1])
            sorted = 0;
    }
    if (sorted)
        return AMASS_OK;
    /* Reordering a middle level would break its children's ranges. */
    if (n + 1 < model->order)
        return amass_fail(input->status, AMASS_ERR_INPUT, "%s: corrupt: %d-grams %u..%u are not sorted",
                          input->path, n + 1, begin, end);
    if (sort_top_range(input, below, begin, end))
        return AMASS_ERR_NOMEM;
    for (i = begin + 1; i < end; i++)
        if (below->words[i] == below->words[i - 1])
            return amass_fail(input->status, AMASS_ERR_INPUT, "%s: corrupt: %d-grams %u..%u repeat a word",
                              input->path, n + 1, begin, end);
    return AMASS_OK;
}

static amass_code read_model(binary_input *input, amass_lm *model)
{
    static const char header[] = "Trie Language Model";
    const double to_log10 = log10(1.0001);
    const unsigned char *tables = NULL;
    uint32_t counts[AMASS_LM_MAX_ORDER], i, text_bytes, n_words;
    int order, n;
    if (!have(input, sizeof header - 1) || memcmp(input->data, header, sizeof header - 1) != 0)
        return amass_fail(input->status, AMASS_ERR_INPUT, "%s: not a Sphinx trie language model (no '%s' header)",
                          input->path, header);
    input->position = sizeof header - 1;
    if (!have(input, 1))
        return truncated(input, "the order", 1);
    order = input->data[input->position++];
    if (order < 1 || order > AMASS_LM_MAX_ORDER)
        return amass_fail(input->status, AMASS_ERR_INPUT, "%s: n-gram order %d is not in 1..%d", input->path, order,
                          AMASS_LM_MAX_ORDER);
    if (!have(input, 4u * order))
        return truncated(input, "the n-gram counts", 4u * order);
    for (n = 0; n < order; n++)
        counts[n] = read_u32(input->data + input->position + 4u * n);
    input->position += 4u * order;
    /* Sphinx packs word ids and child indices in at most 25 bits. */
    for (n = 0; n < order; n++)
        if (counts[n] >= (1u << 25) || (n == 0 && counts[n] == 0))
            return amass_fail(input->status, AMASS_ERR_INPUT, "%s: %d-gram count %u is %s", input->path, n + 1,
                              counts[n], counts[n] ? "above Sphinx's limit of 2^25" : "zero");
    model->order = order;
    if (order > 1) {
        uint64_t table_bytes = (uint64_t)(2 * (order - 2) + 1) * QUANT_ENTRIES * 4;
        if (!have(input, 4 + table_bytes))
            return truncated(input, "the quantization tables", 4 + table_bytes);
        tables = input->data + input->position + 4;
        input->position += 4 + table_bytes;
    }
    if (!have(input, ((uint64_t)counts[0] + 1) * 12))
        return truncated(input, "the 1-grams", ((uint64_t)counts[0] + 1) * 12);
    if (lm_level_allocate(model, 1, counts[0]))
        return amass_fail(input->status, AMASS_ERR_NOMEM, "%s: out of memory", input->path);
    for (i = 0; i <= counts[0]; i++) {
        const unsigned char *p = input->data + input->position + 12u * i;
        if (i < counts[0]) {
            model->levels[0].probs[i] = (float)(read_f32(p) * to_log10);
            if (model->levels[0].backoffs)
                model->levels[0].backoffs[i] = (float)(read_f32(p + 4) * to_log10);
        }
        if (model->levels[0].next)
            model->levels[0].next[i] = read_u32(p + 8);
    }
    input->position += ((size_t)counts[0] + 1) * 12;
    for (n = 2; n <= order; n++) {
        int middle = n < order;
        unsigned word_bits = bits_needed(counts[0]);
        unsigned next_bits = middle ? bits_needed(counts[n]) : 0;
        unsigned total_bits = word_bits + (middle ? 2 * QUANT_BITS : QUANT_BITS) + next_bits;
        uint64_t bytes = (((uint64_t)counts[n - 1] + 1) * total_bits + 7) / 8 + 8;
        const unsigned char *bits = input->data + input->position;
        const unsigned char *prob_table = tables + (size_t)(n - 2) * 2 * QUANT_ENTRIES * 4;
        const unsigned char *backoff_table = prob_table + QUANT_ENTRIES * 4;
        lm_level *level;
        if (!have(input, bytes))
            return truncated(input, n < order ? "a middle n-gram array" : "the top n-gram array", bytes);
        if (lm_level_allocate(model, n, counts[n - 1]))
            return amass_fail(input->status, AMASS_ERR_NOMEM, "%s: out of memory", input->path);
        level = &model->levels[n - 1];
        for (i = 0; i <= counts[n - 1]; i++) {
            uint64_t offset = (uint64_t)i * total_bits;
            if (i < counts[n - 1]) {
                level->words[i] = read_bits(bits, offset, word_bits);
                offset += word_bits;
                if (middle) {
                    level->backoffs[i] = (float)(read_f32(backoff_table + 4u * read_bits(bits, offset, QUANT_BITS)) *
                                                 to_log10);
                    offset += QUANT_BITS;
                }
                level->probs[i] = (float)(read_f32(prob_table + 4u * read_bits(bits, offset, QUANT_BITS)) * to_log10);
            }
            if (middle)
                level->next[i] = read_bits(bits, (uint64_t)i * total_bits + word_bits + 2 * QUANT_BITS, next_bits);
        }
        input->position += bytes;
    }
    if (!have(input, 4))
        return truncated(input, "the word list size", 4);
    text_bytes = read_u32(input->data + input->position);
    input->position += 4;
    if (!have(input, text_bytes))
        return truncated(input, "the word list", text_bytes);
    model->word_text = malloc(text_bytes + 1u);
    model->word_offsets = amass_calloc_array(counts[0], sizeof(uint32_t));
    if (!model->word_text || !model->word_offsets)
        return amass_fail(input->status, AMASS_ERR_NOMEM, "%s: out of memory", input->path);
    memcpy(model->word_text, input->data + input->position, text_bytes);
    model->word_text[text_bytes] = '\0';
    for (i = 0, n_words = 0; i < text_bytes && n_words < counts[0]; n_words++) {
        model->word_offsets[n_words] = i;
        i += (uint32_t)strlen(model->word_text + i) + 1;
    }
    if (n_words != counts[0] || i != text_bytes)
        return amass_fail(input->status, AMASS_ERR_INPUT, "%s: the word list does not hold the %u 1-gram words",
                          input->path, counts[0]);
    model->n_words = n_words;
    {
        int64_t repeated = lm_index_words(model);
        if (repeated == -2)
            return amass_fail(input->status, AMASS_ERR_NOMEM, "%s: out of memory", input->path);
        if (repeated >= 0)
            return amass_fail(input->status, AMASS_ERR_INPUT, "%s: word '%s' appears twice", input->path,
                              model->word_text + model->word_offsets[repeated]);
    }
    /* The header's counts may exceed the n-grams written (sphinxbase
     * reserves room for blanks it may not need; the rest stays zero): the
     * end of the last range of each level says how many there are. */
    for (n = 1; n < order; n++) {
        uint32_t used = model->levels[n - 1].next[model->levels[n - 1].count];
        if (used > model->levels[n].count)
            return amass_fail(input->status, AMASS_ERR_INPUT, "%s: corrupt: %u %d-grams used, the header says %u",
                              input->path, used, n + 1, model->levels[n].count);
        model->levels[n].count = used;
    }
    for (n = 1; n < order; n++)
        for (i = 0; i < model->levels[n - 1].count; i++)
            if (check_children(input, n, model, i))
                return input->status->code;
    return AMASS_OK;
}

amass_lm *amass_formats_sphinx_lm_open(const char *path, amass_status *status)
{
    binary_input input;
    struct stat info;
    amass_lm *model;
    void *mapped;
    amass_code code;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        amass_fail(status, AMASS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        amass_fail(status, AMASS_ERR_IO, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (info.st_size == 0) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: empty file", path);
        close(fd);
        return NULL;
    }
    mapped = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (mapped == MAP_FAILED) {
        amass_fail(status, AMASS_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
        return NULL;
    }
    model = calloc(1, sizeof *model);
    if (!model) {
        munmap(mapped, (size_t)info.st_size);
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    model->unknown_id = model->start_id = model->end_id = AMASS_LM_NO_WORD;
    input.path = path;
    input.data = mapped;
    input.size = (size_t)info.st_size;
    input.position = 0;
    input.status = status;
    code = read_model(&input, model);
    munmap(mapped, (size_t)info.st_size);
    if (code) {
        amass_formats_lm_close(model);
        return NULL;
    }
    return model;
}
