/* The activation memory plan: one arena per plan, buffers placed by
 * lifetime (a buffer is reused once its last reader has run), and a sum
 * post-op's destination made to share the residual's buffer when the
 * residual dies there, which saves the copy. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

#define ALIGNMENT 64
#define FOREVER 0x7fffffff

typedef struct {
    size_t offset, size;
    int free;
} block;

/* The last step reading any slot that shares root's storage. */
static int root_last_read(const nn_plan *plan, int root)
{
    int last = -1;
    for (int s = 0; s < plan->n_slots; s++)
        if (plan->slots[s].root == root && plan->slots[s].last_read > last)
            last = plan->slots[s].last_read;
    return last;
}

static void mark_reads(nn_plan *plan)
{
    for (int s = 0; s < plan->n_steps; s++) {
        const nn_step *step = &plan->steps[s];
        for (int a = 0; a < step->n_args; a++) {
            int slot = step->arg_slot[a];
            if (slot < 0)
                continue;
            if (step->arg_kind[a] == DNNL_ARG_DST)
                plan->slots[slot].written_at = s;
            else
                plan->slots[slot].last_read = s;
        }
        if (step->sum_slot >= 0)
            plan->slots[step->sum_slot].last_read = s;
    }
    for (int o = 0; o < plan->graph->n_outputs; o++)
        plan->slots[plan->output_slots[o]].last_read = FOREVER;
}

static void choose_in_place_sums(nn_plan *plan)
{
    for (int s = 0; s < plan->n_steps; s++) {
        nn_step *step = &plan->steps[s];
        if (step->sum_slot < 0)
            continue;
        const nn_slot *residual = &plan->slots[step->sum_slot];
        int root = residual->root, shared = 0;
        if (residual->external || plan->slots[root].external ||
            !dnnl_memory_desc_equal(&residual->md, &plan->slots[step->dst_slot].md) || root_last_read(plan, root) != s)
            continue;
        /* Writing dst over a buffer this step also reads would corrupt it. */
        for (int a = 0; a < step->n_args; a++)
            if (step->arg_slot[a] >= 0 && step->arg_kind[a] != DNNL_ARG_DST &&
                plan->slots[step->arg_slot[a]].root == root)
                shared = 1;
        if (shared)
            continue;
        for (int i = 0; i < plan->graph->n_inputs; i++)
            shared |= plan->slots[plan->input_slots[i]].root == root;
        if (shared)
            continue;
        int dst = step->dst_slot;
        for (int t = 0; t < plan->n_slots; t++)
            if (plan->slots[t].root == dst)
                plan->slots[t].root = root;
        step->sum_in_place = 1;
    }
}

static int place(block **blocks, int *n_blocks, size_t *end, size_t size, size_t *offset)
{
    int best = -1;
    size = (size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    for (int b = 0; b < *n_blocks; b++)
        if ((*blocks)[b].free && (*blocks)[b].size >= size && (best < 0 || (*blocks)[b].size < (*blocks)[best].size))
            best = b;
    if (best < 0) {
        block *grown = amass_realloc_array(*blocks, (size_t)*n_blocks + 1, sizeof *grown);
        if (!grown)
            return 0;
        *blocks = grown;
        best = (*n_blocks)++;
        grown[best].offset = *end;
        grown[best].size = size;
        *end += size;
    }
    (*blocks)[best].free = 0;
    *offset = (*blocks)[best].offset;
    return 1;
}

static void release(block *blocks, int n_blocks, size_t offset)
{
    for (int b = 0; b < n_blocks; b++)
        if (blocks[b].offset == offset)
            blocks[b].free = 1;
}

static int needs_storage(const nn_plan *plan, int slot)
{
    const nn_slot *entry = &plan->slots[slot];
    return entry->has_md && !entry->external && entry->root == slot;
}

int nn_plan_memory(nn_plan *plan, amass_status *status)
{
    block *blocks = NULL;
    int n_blocks = 0, ok = 1;
    size_t end = 0;
    int *last = calloc((size_t)plan->n_slots + 1, sizeof *last);
    if (!last)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    mark_reads(plan);
    choose_in_place_sums(plan);
    for (int s = 0; s < plan->n_slots; s++)
        last[s] = needs_storage(plan, s) ? root_last_read(plan, s) : -2;
    for (int i = 0; i < plan->graph->n_inputs && ok; i++)
        ok = place(&blocks, &n_blocks, &end, dnnl_memory_desc_get_size(&plan->slots[plan->input_slots[i]].md),
                   &plan->slots[plan->input_slots[i]].offset);
    for (int s = 0; s < plan->n_steps && ok; s++) {
        int dst = plan->steps[s].dst_slot;
        if (dst >= 0 && needs_storage(plan, dst) && plan->slots[dst].written_at == s)
            ok = place(&blocks, &n_blocks, &end, dnnl_memory_desc_get_size(&plan->slots[dst].md),
                       &plan->slots[dst].offset);
        /* Free after placing: a step's output never shares a buffer it reads. */
        for (int t = 0; t < plan->n_slots; t++)
            if (last[t] != -2 && (last[t] == s || (last[t] < s && plan->slots[t].written_at == s))) {
                release(blocks, n_blocks, plan->slots[t].offset);
                last[t] = -2;
            }
    }
    free(blocks);
    free(last);
    if (!ok)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    plan->arena_bytes = end;
    plan->arena = aligned_alloc(ALIGNMENT, end + ALIGNMENT);
    if (!plan->arena)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %zu bytes of activations",
                          plan->graph->name, end);
    for (int s = 0; s < plan->n_slots; s++) {
        nn_slot *slot = &plan->slots[s];
        if (!slot->has_md)
            continue;
        void *data = slot->external ? (void *)slot->external : plan->arena + plan->slots[slot->root].offset;
        dnnl_status_t made = dnnl_memory_create(&slot->memory, &slot->md, nn_session_engine(plan->session), data);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, NULL, "create a memory object", made);
    }
    return AMASS_OK;
}
