/* The BERT normalizer of Hugging Face: UTF-8 decoding, text cleaning, CJK
 * spacing, lower-casing and accent stripping over code points. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "text_internal.h"

unsigned amass_text_class(uint32_t code_point)
{
    size_t low = 0, high = amass_text_n_class_ranges;
    if (code_point < 128)
        return amass_text_ascii_classes[code_point];
    /* the last range whose start is <= code_point */
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if (amass_text_class_ranges[middle].start <= code_point)
            low = middle;
        else
            high = middle;
    }
    return amass_text_class_ranges[low].flags;
}

/* JavaScript's \s, which transformers.js uses, and Rust's White_Space,
 * which the tokenizers crate uses, agree on these (the controls among
 * them are dropped by clean_text before this matters). */
int amass_text_is_whitespace(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/* BERT counts the ASCII symbols ($ + < = > ^ ` | ~) as punctuation too. */
int amass_text_is_punctuation(uint32_t cp)
{
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        return 1;
    return cp >= 0x80 && (amass_text_class(cp) & AMASS_TEXT_PUNCTUATION);
}

/* The CJK Unified Ideographs blocks BERT's _is_chinese_char lists; Hangul,
 * kana and the CJK punctuation are not among them. */
int amass_text_is_chinese(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) ||
           (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

size_t amass_text_encode_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int reserve(uint32_t **array, size_t *capacity, size_t needed)
{
    uint32_t *grown;
    size_t new_capacity;
    if (needed <= *capacity)
        return 0;
    new_capacity = *capacity ? *capacity : 64;
    while (new_capacity < needed) {
        if (new_capacity > SIZE_MAX / 2)
            return -1;
        new_capacity *= 2;
    }
    if (!(grown = amass_realloc_array(*array, new_capacity, sizeof **array)))
        return -1;
    *array = grown;
    *capacity = new_capacity;
    return 0;
}

size_t amass_text_decode(const char *text, size_t length, uint32_t **out, size_t *capacity)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0, n = 0;
    /* never more code points than bytes */
    if (reserve(out, capacity, length + 1) != 0)
        return (size_t)-1;
    while (i < length) {
        uint32_t cp;
        size_t step = amass_utf8_sequence_length(bytes + i, length - i, &cp);
        if (step == 0) {
            cp = 0xFFFD;
            step = 1;
        }
        (*out)[n++] = cp;
        i += step;
    }
    return n;
}

static const amass_text_mapping *find_mapping(const amass_text_mapping *map, size_t count, uint32_t cp)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (map[middle].code_point == cp)
            return &map[middle];
        if (map[middle].code_point < cp)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

/* Unicode's Final_Sigma condition: a cased letter before (skipping case
 * ignorables) and none after. JavaScript's toLowerCase and Python's
 * str.lower both apply it, so "ΟΔΟΣ" lowers to "οδος". */
static int is_final_sigma(const uint32_t *text, size_t n, size_t at)
{
    size_t i;
    int before = 0;
    for (i = at; i-- > 0;) {
        unsigned flags = amass_text_class(text[i]);
        if (flags & AMASS_TEXT_CASED) {
            before = 1;
            break;
        }
        if (!(flags & AMASS_TEXT_CASE_IGNORABLE))
            break;
    }
    if (!before)
        return 0;
    for (i = at + 1; i < n; i++) {
        unsigned flags = amass_text_class(text[i]);
        if (flags & AMASS_TEXT_CASED)
            return 0;
        if (!(flags & AMASS_TEXT_CASE_IGNORABLE))
            break;
    }
    return 1;
}

/* Appends cp, stripped of accents when asked: NFD without its Mn marks.
 * Decomposing character by character gives NFD's characters; only the
 * canonical reordering of marks is skipped, and the marks it would move
 * are (but for a few spacing ones) removed anyway. */
static size_t append_stripped(const amass_text_normalizer *normalizer, uint32_t cp, uint32_t *out, size_t n)
{
    const amass_text_mapping *mapping;
    if (!normalizer->strip_accents) {
        out[n++] = cp;
        return n;
    }
    if (cp >= 0xAC00 && cp <= 0xD7A3) {
        /* Hangul syllables decompose by formula into their jamo (Unicode 3.12) */
        uint32_t index = cp - 0xAC00;
        out[n++] = 0x1100 + index / (21 * 28);
        out[n++] = 0x1161 + (index % (21 * 28)) / 28;
        if (index % 28)
            out[n++] = 0x11A7 + index % 28;
        return n;
    }
    if (cp >= 0x80 && (amass_text_class(cp) & AMASS_TEXT_MARK))
        return n;
    if (cp >= 0xC0 && (mapping = find_mapping(amass_text_strip_map, amass_text_strip_map_count, cp))) {
        for (size_t k = 0; k < mapping->length; k++)
            out[n++] = amass_text_mapping_pool[mapping->offset + k];
        return n;
    }
    out[n++] = cp;
    return n;
}

size_t amass_text_normalize(const amass_text_normalizer *normalizer, const uint32_t *in, size_t n, uint32_t **out,
                            size_t *capacity)
{
    uint32_t *cleaned;
    size_t n_cleaned = 0, n_out = 0, i;
    /* Cleaning and CJK spacing at most triple the text; lowering at most
     * doubles a character and stripping gives at most 4 (18 per input
     * character bounds all). The first 3n hold the cleaned text. */
    if (n > SIZE_MAX / 32 || reserve(out, capacity, n * 21 + 1) != 0)
        return (size_t)-1;
    cleaned = *out + n * 18;
    for (i = 0; i < n; i++) {
        uint32_t cp = in[i];
        if (normalizer->clean_text) {
            if (cp == 0 || cp == 0xFFFD || (amass_text_class(cp) & AMASS_TEXT_CONTROL))
                continue;
            if (amass_text_is_whitespace(cp))
                cp = ' ';
        }
        if (normalizer->handle_chinese_chars && amass_text_is_chinese(cp)) {
            cleaned[n_cleaned++] = ' ';
            cleaned[n_cleaned++] = cp;
            cleaned[n_cleaned++] = ' ';
        } else {
            cleaned[n_cleaned++] = cp;
        }
    }
    for (i = 0; i < n_cleaned; i++) {
        uint32_t cp = cleaned[i];
        const amass_text_mapping *mapping;
        if (!normalizer->lowercase) {
            n_out = append_stripped(normalizer, cp, *out, n_out);
            continue;
        }
        if (cp >= 'A' && cp <= 'Z') {
            (*out)[n_out++] = cp + 32;
        } else if (cp == 0x03A3) {
            n_out = append_stripped(normalizer, is_final_sigma(cleaned, n_cleaned, i) ? 0x03C2 : 0x03C3, *out, n_out);
        } else if (cp >= 0xC0 && (mapping = find_mapping(amass_text_lower_map, amass_text_lower_map_count, cp))) {
            for (size_t k = 0; k < mapping->length; k++)
                n_out = append_stripped(normalizer, amass_text_mapping_pool[mapping->offset + k], *out, n_out);
        } else {
            n_out = append_stripped(normalizer, cp, *out, n_out);
        }
    }
    return n_out;
}
