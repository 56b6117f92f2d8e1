/* A set of byte strings (input names) in one open-addressing table, for
 * --resume over millions of names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "io.h"

typedef struct {
    uint64_t hash;
    size_t offset;     /* into the names arena; length 0 marks a free slot */
    size_t length;     /* plus one, so that the empty name can be stored */
} slot;

struct amass_name_set {
    slot *slots;
    size_t n_slots;    /* a power of two */
    size_t size;
    amass_buf names;   /* every name back to back */
};

amass_name_set *amass_io_name_set_new(void)
{
    amass_name_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    set->n_slots = 64;
    set->slots = calloc(set->n_slots, sizeof *set->slots);
    if (!set->slots) {
        free(set);
        return NULL;
    }
    amass_buf_init(&set->names);
    return set;
}

void amass_io_name_set_free(amass_name_set *set)
{
    if (!set)
        return;
    free(set->slots);
    amass_buf_free(&set->names);
    free(set);
}

size_t amass_io_name_set_size(const amass_name_set *set)
{
    return set ? set->size : 0;
}

/* The slot holding the name, or the free slot where it would go. */
static slot *find(const amass_name_set *set, uint64_t hash, const char *name, size_t length)
{
    size_t mask = set->n_slots - 1, i = (size_t)hash & mask;
    for (;;) {
        slot *s = &set->slots[i];
        if (s->length == 0)
            return s;
        if (s->hash == hash && s->length == length + 1 &&
            (length == 0 || memcmp(set->names.data + s->offset, name, length) == 0))
            return s;
        i = (i + 1) & mask;
    }
}

int amass_io_name_set_contains(const amass_name_set *set, const char *name, size_t length)
{
    if (!set)
        return 0;
    return find(set, amass_hash_bytes(name, length), name, length)->length != 0;
}

static int grow(amass_name_set *set)
{
    size_t n_slots = set->n_slots * 2, i;
    slot *slots = amass_calloc_array(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    for (i = 0; i < set->n_slots; i++) {
        slot *old = &set->slots[i];
        size_t j;
        if (old->length == 0)
            continue;
        for (j = (size_t)old->hash & (n_slots - 1); slots[j].length; j = (j + 1) & (n_slots - 1))
            ;
        slots[j] = *old;
    }
    free(set->slots);
    set->slots = slots;
    set->n_slots = n_slots;
    return 0;
}

/* 1 when added, 0 when it was there already, -1 when out of memory. */
int amass_io_name_set_add(amass_name_set *set, const char *name, size_t length)
{
    uint64_t hash = amass_hash_bytes(name, length);
    slot *s = find(set, hash, name, length);
    if (s->length)
        return 0;
    /* at most half full: linear probing stays short */
    if ((set->size + 1) * 2 > set->n_slots) {
        if (grow(set) != 0)
            return -1;
        s = find(set, hash, name, length);
    }
    amass_buf_append(&set->names, name, length);
    if (set->names.failed)
        return -1;
    s->hash = hash;
    s->offset = set->names.length - length;
    s->length = length + 1;
    set->size++;
    return 1;
}
