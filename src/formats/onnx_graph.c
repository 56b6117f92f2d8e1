/* The checks an ONNX graph passes before anyone runs it (unique names,
 * every input produced by something, no cycle), its topological order,
 * and the lookups the engine uses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "onnx_internal.h"

#define NOT_FOUND ((size_t)-1)

int onnx_table_insert(amass_onnx_private *internal, onnx_name_table *table, const char *name, size_t index)
{
    size_t mask, slot;
    (void)internal;
    if ((table->count + 1) * 2 > table->capacity) {
        size_t capacity = table->capacity ? table->capacity * 2 : 64, i;
        onnx_name_slot *slots = amass_calloc_array(capacity, sizeof *slots);
        if (!slots)
            return -1;
        for (i = 0; i < table->capacity; i++) {
            if (!table->slots[i].name)
                continue;
            slot = amass_hash_bytes(table->slots[i].name, strlen(table->slots[i].name)) & (capacity - 1);
            while (slots[slot].name)
                slot = (slot + 1) & (capacity - 1);
            slots[slot] = table->slots[i];
        }
        free(table->slots);
        table->slots = slots;
        table->capacity = capacity;
    }
    mask = table->capacity - 1;
    slot = amass_hash_bytes(name, strlen(name)) & mask;
    while (table->slots[slot].name)
        slot = (slot + 1) & mask;
    table->slots[slot].name = name;
    table->slots[slot].index = index;
    table->count++;
    return 0;
}

size_t onnx_table_find(const onnx_name_table *table, const char *name)
{
    size_t mask, slot;
    if (!table->capacity)
        return NOT_FOUND;
    mask = table->capacity - 1;
    slot = amass_hash_bytes(name, strlen(name)) & mask;
    while (table->slots[slot].name) {
        if (!strcmp(table->slots[slot].name, name))
            return table->slots[slot].index;
        slot = (slot + 1) & mask;
    }
    return NOT_FOUND;
}

/* Binary min-heap of node indices, so that among the nodes ready to run
 * the earliest in the file goes first: a file already in order keeps it. */
static void heap_push(size_t *heap, size_t *n, size_t value)
{
    size_t at = (*n)++;
    while (at > 0 && heap[(at - 1) / 2] > value) {
        heap[at] = heap[(at - 1) / 2];
        at = (at - 1) / 2;
    }
    heap[at] = value;
}

static size_t heap_pop(size_t *heap, size_t *n)
{
    size_t top = heap[0], last = heap[--*n], at = 0;
    for (;;) {
        size_t child = 2 * at + 1;
        if (child >= *n)
            break;
        if (child + 1 < *n && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= last)
            break;
        heap[at] = heap[child];
        at = child;
    }
    if (*n)
        heap[at] = last;
    return top;
}

/* Kahn's algorithm over producer -> consumer edges. A node left over
 * with unmet inputs is on a cycle or downstream of one; walking back
 * through unmet producers n times is sure to land on the cycle itself,
 * which is the node worth naming. */
static int sort_nodes(onnx_decoder *decoder)
{
    amass_onnx_model *model = decoder->model;
    amass_onnx_private *internal = decoder->internal;
    size_t n = model->n_nodes, n_edges = 0, i, j, done = 0, heap_size = 0;
    size_t *waiting = amass_calloc_array(n + 1, sizeof *waiting), *first = amass_calloc_array(n + 1, sizeof *first);
    size_t *heap = amass_alloc_array(n + 1, sizeof *heap), *consumers = NULL;
    size_t *order = onnx_arena_alloc(internal, n, sizeof *order);
    int result = -1;
    if (!waiting || !first || !heap || !order)
        goto out_of_memory;
    for (i = 0; i < n; i++)
        for (j = 0; j < model->nodes[i].n_inputs; j++) {
            size_t producer = onnx_table_find(&internal->producers, model->nodes[i].inputs[j]);
            if (model->nodes[i].inputs[j][0] && producer != NOT_FOUND) {
                waiting[i]++;
                first[producer + 1]++;
                n_edges++;
            }
        }
    for (i = 0; i < n; i++)
        first[i + 1] += first[i];
    if (!(consumers = amass_alloc_array(n_edges + 1, sizeof *consumers)))
        goto out_of_memory;
    {
        size_t *fill = heap; /* borrowed before the heap is used */
        memcpy(fill, first, n * sizeof *fill);
        for (i = 0; i < n; i++)
            for (j = 0; j < model->nodes[i].n_inputs; j++) {
                size_t producer = onnx_table_find(&internal->producers, model->nodes[i].inputs[j]);
                if (model->nodes[i].inputs[j][0] && producer != NOT_FOUND)
                    consumers[fill[producer]++] = i;
            }
    }
    for (i = 0; i < n; i++)
        if (!waiting[i])
            heap_push(heap, &heap_size, i);
    while (heap_size) {
        size_t node = heap_pop(heap, &heap_size);
        order[done++] = node;
        for (j = first[node]; j < first[node + 1]; j++)
            if (--waiting[consumers[j]] == 0)
                heap_push(heap, &heap_size, consumers[j]);
    }
    if (done < n) {
        size_t at = 0, step;
        while (!waiting[at])
            at++;
        for (step = 0; step < n; step++) {
            const amass_onnx_node *node = &model->nodes[at];
            for (j = 0; j < node->n_inputs; j++) {
                size_t producer = onnx_table_find(&internal->producers, node->inputs[j]);
                if (node->inputs[j][0] && producer != NOT_FOUND && waiting[producer]) {
                    at = producer;
                    break;
                }
            }
        }
        amass_fail(decoder->status, AMASS_ERR_INPUT, "the graph has a cycle through %s", model->nodes[at].label);
        goto done;
    }
    model->order = order;
    result = 0;
    goto done;
out_of_memory:
    onnx_out_of_memory(decoder);
done:
    free(waiting);
    free(first);
    free(heap);
    free(consumers);
    return result;
}

int onnx_check_graph(onnx_decoder *decoder)
{
    amass_onnx_model *model = decoder->model;
    amass_onnx_private *internal = decoder->internal;
    amass_onnx_value_info *inputs = (amass_onnx_value_info *)model->inputs;
    onnx_name_table graph_inputs = {NULL, 0, 0};
    size_t i, j, kept = 0;
    int result = -1;
    for (i = 0; i < model->n_initializers; i++) {
        const char *name = model->initializers[i].name;
        if (!name[0])
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "initializer #%zu has no name", i), -1;
        if (onnx_table_find(&internal->initializers, name) != NOT_FOUND)
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "initializer '%s' is given twice", name), -1;
        if (onnx_table_insert(internal, &internal->initializers, name, i) != 0)
            return onnx_out_of_memory(decoder);
    }
    /* IR versions before 4 list every initializer as a graph input too;
     * those are weights, not inputs a caller feeds */
    for (i = 0; i < model->n_inputs; i++) {
        if (onnx_table_find(&graph_inputs, inputs[i].name) != NOT_FOUND) {
            amass_fail(decoder->status, AMASS_ERR_INPUT, "graph input '%s' is given twice", inputs[i].name);
            goto done;
        }
        if (onnx_table_insert(internal, &graph_inputs, inputs[i].name, i) != 0)
            goto out_of_memory;
        if (onnx_table_find(&internal->initializers, inputs[i].name) == NOT_FOUND)
            inputs[kept++] = inputs[i];
    }
    model->n_inputs = kept;
    for (i = 0; i < model->n_nodes; i++) {
        const amass_onnx_node *node = &model->nodes[i];
        for (j = 0; j < node->n_outputs; j++) {
            const char *name = node->outputs[j];
            size_t other;
            if (!name[0])
                continue;
            if ((other = onnx_table_find(&internal->producers, name)) != NOT_FOUND) {
                amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: output '%s' is also produced by %s", node->label,
                           name, model->nodes[other].label);
                goto done;
            }
            if (onnx_table_find(&internal->initializers, name) != NOT_FOUND ||
                onnx_table_find(&graph_inputs, name) != NOT_FOUND) {
                amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: output '%s' is also a graph input or initializer",
                           node->label, name);
                goto done;
            }
            if (onnx_table_insert(internal, &internal->producers, name, i) != 0)
                goto out_of_memory;
        }
    }
    for (i = 0; i < model->n_nodes; i++) {
        const amass_onnx_node *node = &model->nodes[i];
        for (j = 0; j < node->n_inputs; j++) {
            const char *name = node->inputs[j];
            if (name[0] && onnx_table_find(&internal->producers, name) == NOT_FOUND &&
                onnx_table_find(&internal->initializers, name) == NOT_FOUND &&
                onnx_table_find(&graph_inputs, name) == NOT_FOUND) {
                amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: input '%s' is produced by nothing", node->label,
                           name);
                goto done;
            }
        }
    }
    for (i = 0; i < model->n_outputs; i++) {
        const char *name = model->outputs[i].name;
        if (onnx_table_find(&internal->producers, name) == NOT_FOUND &&
            onnx_table_find(&internal->initializers, name) == NOT_FOUND &&
            onnx_table_find(&graph_inputs, name) == NOT_FOUND) {
            amass_fail(decoder->status, AMASS_ERR_INPUT, "graph output '%s' is produced by nothing", name);
            goto done;
        }
    }
    result = sort_nodes(decoder);
    goto done;
out_of_memory:
    onnx_out_of_memory(decoder);
done:
    free(graph_inputs.slots);
    return result;
}

const amass_onnx_tensor *amass_onnx_initializer_find(const amass_onnx_model *model, const char *name)
{
    size_t index = onnx_table_find(&model->internal->initializers, name);
    return index == NOT_FOUND ? NULL : &model->initializers[index];
}

const amass_onnx_node *amass_onnx_producer_find(const amass_onnx_model *model, const char *name)
{
    size_t index = onnx_table_find(&model->internal->producers, name);
    return index == NOT_FOUND || !name[0] ? NULL : &model->nodes[index];
}

const amass_onnx_value_info *amass_onnx_value_info_find(const amass_onnx_model *model, const char *name)
{
    const amass_onnx_value_info *lists[3] = {model->inputs, model->outputs, model->value_infos};
    size_t counts[3] = {model->n_inputs, model->n_outputs, model->n_value_infos}, list, i;
    for (list = 0; list < 3; list++)
        for (i = 0; i < counts[list]; i++)
            if (!strcmp(lists[list][i].name, name))
                return &lists[list][i];
    return NULL;
}

const amass_onnx_attribute *amass_onnx_attribute_find(const amass_onnx_node *node, const char *name)
{
    size_t i;
    for (i = 0; i < node->n_attributes; i++)
        if (!strcmp(node->attributes[i].name, name))
            return &node->attributes[i];
    return NULL;
}

static const amass_onnx_attribute *find_typed(const amass_onnx_node *node, const char *name,
                                              amass_onnx_attribute_type type)
{
    const amass_onnx_attribute *attribute = amass_onnx_attribute_find(node, name);
    return attribute && attribute->type == type ? attribute : NULL;
}

int64_t amass_onnx_attr_int(const amass_onnx_node *node, const char *name, int64_t fallback)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_INT);
    return attribute ? attribute->i : fallback;
}

float amass_onnx_attr_float(const amass_onnx_node *node, const char *name, float fallback)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_FLOAT);
    return attribute ? attribute->f : fallback;
}

const char *amass_onnx_attr_string(const amass_onnx_node *node, const char *name, const char *fallback)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_STRING);
    return attribute ? attribute->s : fallback;
}

const amass_onnx_tensor *amass_onnx_attr_tensor(const amass_onnx_node *node, const char *name)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_TENSOR);
    return attribute ? attribute->tensor : NULL;
}

size_t amass_onnx_attr_ints(const amass_onnx_node *node, const char *name, const int64_t **values)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_INTS);
    *values = attribute ? attribute->ints : NULL;
    return attribute ? attribute->n_values : 0;
}

size_t amass_onnx_attr_floats(const amass_onnx_node *node, const char *name, const float **values)
{
    const amass_onnx_attribute *attribute = find_typed(node, name, AMASS_ONNX_ATTR_FLOATS);
    *values = attribute ? attribute->floats : NULL;
    return attribute ? attribute->n_values : 0;
}
