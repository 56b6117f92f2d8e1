/* The WordPiece vocabulary: token text by id and an open-addressing hash
 * table from text to id, built once when the tokenizer opens. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"

int amass_text_vocab_add(amass_text_tokenizer *tokenizer, const char *token, size_t length, size_t id,
                         const char *where, amass_status *status)
{
    if (id >= INT32_MAX)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: token id %zu is too large", where, id);
    if (memchr(token, '\0', length))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: token %zu holds a NUL byte", where, id);
    if (id >= tokenizer->vocab_size) {
        size_t new_size = id + 1, old_size = tokenizer->vocab_size, capacity = old_size ? old_size : 1024;
        size_t *offsets;
        while (capacity < new_size)
            capacity *= 2;
        if (!(offsets = amass_realloc_array(tokenizer->token_offset, capacity, sizeof *offsets)))
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
        tokenizer->token_offset = offsets;
        /* ids in between (a tokenizer.json with gaps) stay unused */
        for (size_t i = old_size; i < capacity; i++)
            offsets[i] = SIZE_MAX;
        tokenizer->vocab_size = new_size;
    } else if (tokenizer->token_offset[id] != SIZE_MAX) {
        return amass_fail(status, AMASS_ERR_INPUT, "%s: token id %zu given twice", where, id);
    }
    if (tokenizer->pool_length + length + 1 > tokenizer->pool_capacity) {
        size_t capacity = tokenizer->pool_capacity ? tokenizer->pool_capacity : 4096;
        char *pool;
        while (capacity < tokenizer->pool_length + length + 1)
            capacity *= 2;
        if (!(pool = realloc(tokenizer->pool, capacity)))
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
        tokenizer->pool = pool;
        tokenizer->pool_capacity = capacity;
    }
    memcpy(tokenizer->pool + tokenizer->pool_length, token, length);
    tokenizer->pool[tokenizer->pool_length + length] = '\0';
    tokenizer->token_offset[id] = tokenizer->pool_length;
    tokenizer->pool_length += length + 1;
    return AMASS_OK;
}

static size_t slot_of(const amass_text_tokenizer *tokenizer, const char *token, size_t length)
{
    return (size_t)amass_hash_bytes(token, length) & (tokenizer->n_slots - 1);
}

int amass_text_vocab_finish(amass_text_tokenizer *tokenizer, const char *where, amass_status *status)
{
    size_t n_slots = 16, id;
    while (n_slots < tokenizer->vocab_size * 2)
        n_slots *= 2;
    if (!(tokenizer->slots = amass_alloc_array(n_slots, sizeof *tokenizer->slots)))
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", where);
    tokenizer->n_slots = n_slots;
    for (size_t i = 0; i < n_slots; i++)
        tokenizer->slots[i] = -1;
    for (id = 0; id < tokenizer->vocab_size; id++) {
        const char *token;
        size_t length, slot;
        if (tokenizer->token_offset[id] == SIZE_MAX)
            continue;
        token = tokenizer->pool + tokenizer->token_offset[id];
        length = strlen(token);
        /* BertTokenizer keeps the last line of a repeated token (its dict
         * is filled in order), and so does a JSON object's last member */
        if (amass_text_tokenizer_token_id(tokenizer, token, length) >= 0) {
            for (slot = slot_of(tokenizer, token, length);; slot = (slot + 1) & (n_slots - 1))
                if (strcmp(tokenizer->pool + tokenizer->token_offset[tokenizer->slots[slot]], token) == 0)
                    break;
            tokenizer->slots[slot] = (int32_t)id;
            continue;
        }
        for (slot = slot_of(tokenizer, token, length); tokenizer->slots[slot] >= 0; slot = (slot + 1) & (n_slots - 1))
            ;
        tokenizer->slots[slot] = (int32_t)id;
    }
    return AMASS_OK;
}

int32_t amass_text_tokenizer_token_id(const amass_text_tokenizer *tokenizer, const char *token, size_t length)
{
    size_t slot;
    if (!tokenizer->n_slots)
        return -1;
    for (slot = slot_of(tokenizer, token, length); tokenizer->slots[slot] >= 0;
         slot = (slot + 1) & (tokenizer->n_slots - 1)) {
        const char *candidate = tokenizer->pool + tokenizer->token_offset[tokenizer->slots[slot]];
        if (strncmp(candidate, token, length) == 0 && candidate[length] == '\0')
            return tokenizer->slots[slot];
    }
    return -1;
}

const char *amass_text_tokenizer_token(const amass_text_tokenizer *tokenizer, int32_t id)
{
    if (id < 0 || (size_t)id >= tokenizer->vocab_size || tokenizer->token_offset[id] == SIZE_MAX)
        return NULL;
    return tokenizer->pool + tokenizer->token_offset[id];
}

int amass_text_add_special(amass_text_tokenizer *tokenizer, const char *content, size_t length, int32_t id)
{
    amass_text_added_token *grown, *added;
    uint32_t *code_points = NULL;
    size_t capacity = 0, n;
    if (length == 0)
        return 0;
    for (size_t i = 0; i < tokenizer->n_added; i++)
        if (tokenizer->added[i].id == id)
            return 0;
    if ((n = amass_text_decode(content, length, &code_points, &capacity)) == (size_t)-1)
        return -1;
    if (!(grown = amass_realloc_array(tokenizer->added, tokenizer->n_added + 1, sizeof *grown))) {
        free(code_points);
        return -1;
    }
    tokenizer->added = grown;
    added = &grown[tokenizer->n_added++];
    added->code_points = code_points;
    added->length = n;
    added->id = id;
    return 0;
}
