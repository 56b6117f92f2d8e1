/* The ONNX model reader: the file mapped, ModelProto and GraphProto
 * decoded into the plain structures of formats.h (nodes in onnx_node.c,
 * tensors in onnx_tensor.c, graph checks in onnx_graph.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx_internal.h"

struct onnx_arena_block {
    onnx_arena_block *next;
    size_t used, capacity;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK_SIZE ((size_t)64 << 10)

void *onnx_arena_alloc(amass_onnx_private *internal, size_t count, size_t size)
{
    onnx_arena_block *block = internal->blocks;
    size_t bytes;
    void *result;
    if (size && count > (SIZE_MAX - 64) / size)
        return NULL;
    bytes = (count * size + 15) & ~(size_t)15;
    if (bytes == 0)
        bytes = 16; /* a distinct non-NULL pointer even for nothing */
    if (!block || block->capacity - block->used < bytes) {
        size_t capacity = bytes > ARENA_BLOCK_SIZE / 4 ? bytes : ARENA_BLOCK_SIZE;
        onnx_arena_block *fresh = malloc(sizeof *fresh + capacity);
        if (!fresh)
            return NULL;
        fresh->used = 0;
        fresh->capacity = capacity;
        /* a big dedicated block goes behind the current one, which keeps
         * its free room for the small allocations that follow */
        if (block && capacity != ARENA_BLOCK_SIZE) {
            fresh->next = block->next;
            block->next = fresh;
        } else {
            fresh->next = block;
            internal->blocks = fresh;
        }
        block = fresh;
    }
    result = block->data + block->used;
    block->used += bytes;
    memset(result, 0, bytes);
    return result;
}

void onnx_arena_free(amass_onnx_private *internal)
{
    while (internal->blocks) {
        onnx_arena_block *next = internal->blocks->next;
        free(internal->blocks);
        internal->blocks = next;
    }
}

int onnx_out_of_memory(onnx_decoder *decoder)
{
    amass_fail(decoder->status, AMASS_ERR_NOMEM, "out of memory");
    return -1;
}

int onnx_expect(onnx_decoder *decoder, const amass_pb_field *field, amass_pb_wire_type wire_type, const char *what)
{
    if (field->wire_type == wire_type)
        return 0;
    amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: field %u has wire type %s, expected %s", what, field->number,
               amass_pb_wire_type_name(field->wire_type), amass_pb_wire_type_name(wire_type));
    return -1;
}

int onnx_string(onnx_decoder *decoder, const amass_pb_field *field, const char *what, const char **out)
{
    char *copy;
    if (onnx_expect(decoder, field, AMASS_PB_BYTES, what) != 0)
        return -1;
    if (memchr(field->bytes, '\0', field->length)) {
        amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: string at byte %zu holds a NUL byte", what, field->origin);
        return -1;
    }
    copy = onnx_arena_alloc(decoder->internal, field->length + 1, 1);
    if (!copy)
        return onnx_out_of_memory(decoder);
    memcpy(copy, field->bytes, field->length);
    *out = copy;
    return 0;
}

/* Walks reader's fields, calling visit for each; -1 stops. */
int onnx_each_field(onnx_decoder *decoder, amass_pb_reader reader, const char *where, onnx_field_visitor visit,
                      void *context)
{
    amass_pb_field field;
    int more;
    while ((more = amass_pb_next(&reader, &field, decoder->status)) > 0)
        if (visit(decoder, &reader, &field, context) != 0)
            return -1;
    if (more < 0)
        amass_status_prefix(decoder->status, where);
    return more;
}

/* ---- graph and model ---- */

typedef struct {
    size_t n[16];        /* occurrences per field number (node 1, initializer 5, ...) */
    int filling;
} graph_state;

static int visit_graph(onnx_decoder *decoder, const amass_pb_reader *reader, const amass_pb_field *field,
                       void *context)
{
    graph_state *state = context;
    amass_onnx_model *model = decoder->model;
    size_t index;
    char where[64];
    if (field->number == 2 && !state->filling)
        return onnx_string(decoder, field, "graph", &model->graph_name);
    if (field->number == 15)
        return amass_fail(decoder->status, AMASS_ERR_UNSUPPORTED, "graph: sparse initializers are not supported"), -1;
    if (field->number != 1 && field->number != 5 && (field->number < 11 || field->number > 13))
        return 0;
    if (onnx_expect(decoder, field, AMASS_PB_BYTES, "graph") != 0)
        return -1;
    index = state->n[field->number]++;
    if (!state->filling)
        return 0;
    switch (field->number) {
    case 1:
        return onnx_decode_node(decoder, reader, field, index, (amass_onnx_node *)&model->nodes[index]);
    case 5:
        snprintf(where, sizeof where, "initializer #%zu", index);
        return onnx_decode_tensor(decoder, reader, field, where, (amass_onnx_tensor *)&model->initializers[index]);
    case 11:
        return onnx_decode_value_info(decoder, reader, field, "graph input", index,
                                 (amass_onnx_value_info *)&model->inputs[index]);
    case 12:
        return onnx_decode_value_info(decoder, reader, field, "graph output", index,
                                 (amass_onnx_value_info *)&model->outputs[index]);
    default:
        return onnx_decode_value_info(decoder, reader, field, "value_info", index,
                                 (amass_onnx_value_info *)&model->value_infos[index]);
    }
}

static int decode_graph(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field)
{
    amass_onnx_model *model = decoder->model;
    amass_onnx_private *internal = decoder->internal;
    graph_state state;
    amass_pb_reader reader;
    memset(&state, 0, sizeof state);
    model->graph_name = "";
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0) {
        amass_status_prefix(decoder->status, "graph");
        return -1;
    }
    if (onnx_each_field(decoder, reader, "graph", visit_graph, &state) != 0)
        return -1;
    /* far beyond any real network, and a bound on what a hostile file
     * of tiny empty entries can make us allocate */
    if (state.n[1] > ONNX_GRAPH_ENTRIES_MAX || state.n[5] > ONNX_GRAPH_ENTRIES_MAX ||
        state.n[11] + state.n[12] + state.n[13] > ONNX_GRAPH_ENTRIES_MAX)
        return amass_fail(decoder->status, AMASS_ERR_INPUT,
                          "graph: %zu nodes, %zu initializers, %zu inputs, outputs and value_info: more than the "
                          "%d of each amass reads",
                          state.n[1], state.n[5], state.n[11] + state.n[12] + state.n[13], ONNX_GRAPH_ENTRIES_MAX), -1;
    model->n_nodes = state.n[1];
    model->n_initializers = state.n[5];
    model->n_inputs = state.n[11];
    model->n_outputs = state.n[12];
    model->n_value_infos = state.n[13];
    model->nodes = onnx_arena_alloc(internal, model->n_nodes, sizeof *model->nodes);
    model->initializers = onnx_arena_alloc(internal, model->n_initializers, sizeof *model->initializers);
    model->inputs = onnx_arena_alloc(internal, model->n_inputs, sizeof *model->inputs);
    model->outputs = onnx_arena_alloc(internal, model->n_outputs, sizeof *model->outputs);
    model->value_infos = onnx_arena_alloc(internal, model->n_value_infos, sizeof *model->value_infos);
    if (!model->nodes || !model->initializers || !model->inputs || !model->outputs || !model->value_infos)
        return onnx_out_of_memory(decoder);
    memset(&state, 0, sizeof state);
    state.filling = 1;
    return onnx_each_field(decoder, reader, "graph", visit_graph, &state);
}

static int decode_opset(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                        amass_onnx_opset *opset)
{
    amass_pb_reader reader;
    amass_pb_field f;
    int more;
    opset->domain = "";
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0)
        goto prefixed;
    while ((more = amass_pb_next(&reader, &f, decoder->status)) > 0) {
        if (f.number == 1 && onnx_string(decoder, &f, "opset_import", &opset->domain) != 0)
            return -1;
        if (f.number == 2) {
            if (onnx_expect(decoder, &f, AMASS_PB_VARINT, "opset_import") != 0)
                return -1;
            opset->version = (int64_t)f.value;
        }
    }
    if (more == 0) {
        if (!strcmp(opset->domain, "ai.onnx"))
            opset->domain = "";
        return 0;
    }
prefixed:
    amass_status_prefix(decoder->status, "opset_import");
    return -1;
}

static int decode_model(onnx_decoder *decoder, amass_pb_reader reader)
{
    amass_onnx_model *model = decoder->model;
    amass_pb_reader walk = reader;
    amass_pb_field field, graph;
    size_t n_opsets = 0, i, j;
    int more, has_graph = 0, has_default = 0;
    model->producer_name = model->producer_version = "";
    while ((more = amass_pb_next(&walk, &field, decoder->status)) > 0) {
        switch (field.number) {
        case 1:
            if (onnx_expect(decoder, &field, AMASS_PB_VARINT, "ir_version") != 0)
                return -1;
            model->ir_version = (int64_t)field.value;
            break;
        case 2:
            if (onnx_string(decoder, &field, "producer_name", &model->producer_name) != 0)
                return -1;
            break;
        case 3:
            if (onnx_string(decoder, &field, "producer_version", &model->producer_version) != 0)
                return -1;
            break;
        case 7:
            if (onnx_expect(decoder, &field, AMASS_PB_BYTES, "graph") != 0)
                return -1;
            if (has_graph++)
                return amass_fail(decoder->status, AMASS_ERR_INPUT, "more than one graph"), -1;
            graph = field;
            break;
        case 8:
            if (onnx_expect(decoder, &field, AMASS_PB_BYTES, "opset_import") != 0)
                return -1;
            n_opsets++;
            break;
        }
    }
    if (more < 0) {
        amass_status_prefix(decoder->status, "not an ONNX model");
        return -1;
    }
    model->opsets = onnx_arena_alloc(decoder->internal, n_opsets, sizeof *model->opsets);
    if (!model->opsets)
        return onnx_out_of_memory(decoder);
    walk = reader;
    while (amass_pb_next(&walk, &field, decoder->status) > 0)
        if (field.number == 8 &&
            decode_opset(decoder, &reader, &field, (amass_onnx_opset *)&model->opsets[model->n_opsets++]) != 0)
            return -1;
    for (i = 0; i < model->n_opsets; i++) {
        for (j = 0; j < i; j++)
            if (!strcmp(model->opsets[i].domain, model->opsets[j].domain))
                return amass_fail(decoder->status, AMASS_ERR_INPUT, "opset of domain '%s' imported twice",
                                  model->opsets[i].domain), -1;
        if (!model->opsets[i].domain[0]) {
            has_default = 1;
            model->opset = model->opsets[i].version;
        }
    }
    if (!has_graph)
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "not an ONNX model: no graph"), -1;
    if (!has_default)
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "no opset_import for the default ONNX domain"), -1;
    if (model->opset < AMASS_ONNX_OPSET_MIN || model->opset > AMASS_ONNX_OPSET_MAX)
        return amass_fail(decoder->status, AMASS_ERR_UNSUPPORTED,
                          "opset %lld is not supported (amass reads opsets %d to %d)", (long long)model->opset,
                          AMASS_ONNX_OPSET_MIN, AMASS_ONNX_OPSET_MAX), -1;
    if (decode_graph(decoder, &reader, &graph) != 0)
        return -1;
    return onnx_check_graph(decoder);
}

static char *directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return amass_strndup(path, (size_t)(slash - path));
}

int amass_onnx_open(const char *path, amass_onnx_model **out, amass_status *status)
{
    amass_onnx_model *model = calloc(1, sizeof *model);
    amass_onnx_private *internal = calloc(1, sizeof *internal);
    onnx_decoder decoder;
    amass_pb_reader reader;
    struct stat info;
    int fd = -1;
    *out = NULL;
    if (!model || !internal) {
        free(model);
        free(internal);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    model->internal = internal;
    model->path = path;
    decoder.model = model;
    decoder.internal = internal;
    decoder.status = status;
    if (!(internal->directory = directory_of(path)) || !(model->path = onnx_arena_alloc(internal, strlen(path) + 1, 1))) {
        amass_onnx_close(model);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    strcpy((char *)model->path, path);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &info) != 0) {
        amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
        goto failed;
    }
    if (!S_ISREG(info.st_mode)) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: not a regular file", path);
        goto failed;
    }
    if (info.st_size > 0) {
        void *mapping = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapping == MAP_FAILED) {
            amass_fail(status, AMASS_ERR_IO, "%s: cannot map the file: %s", path, strerror(errno));
            goto failed;
        }
        internal->mapping = mapping;
        internal->mapping_length = (size_t)info.st_size;
    }
    close(fd);
    fd = -1;
    amass_pb_reader_init(&reader, internal->mapping, internal->mapping_length, 0);
    if (decode_model(&decoder, reader) != 0) {
        amass_status_prefix(status, path);
        goto failed;
    }
    *out = model;
    return AMASS_OK;
failed:
    if (fd >= 0)
        close(fd);
    amass_onnx_close(model);
    return status->code;
}

void amass_onnx_close(amass_onnx_model *model)
{
    amass_onnx_private *internal;
    if (!model)
        return;
    internal = model->internal;
    if (internal->mapping)
        munmap((void *)internal->mapping, internal->mapping_length);
    onnx_unmap_externals(internal);
    free(internal->initializers.slots);
    free(internal->producers.slots);
    free(internal->directory);
    onnx_arena_free(internal);
    free(internal);
    free(model);
}
