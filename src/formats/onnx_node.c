/* ONNX NodeProto with its attributes, and ValueInfoProto (graph inputs,
 * outputs, value_info), decoded into the structures of formats.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_internal.h"

/* ---- attributes ---- */

typedef struct {
    amass_onnx_attribute *attribute;
    const amass_onnx_node *node;
    int declared_type;
    int has_f, has_i, has_s, has_t, has_graph, has_other;
    size_t n_floats, n_ints, n_strings, capacity_ints;
    amass_pb_field tensor_field;
    int filling;
} attribute_state;

static int visit_attribute(onnx_decoder *decoder, const amass_pb_reader *reader, const amass_pb_field *field,
                           void *context)
{
    attribute_state *state = context;
    amass_onnx_attribute *attribute = state->attribute;
    const char *where = state->node->label;
    size_t count;
    if (state->filling) {
        if (field->number == 7) { /* floats: the wire holds them as little-endian bit patterns already */
            float *floats = (float *)attribute->floats + state->n_floats;
            if (field->wire_type == AMASS_PB_BYTES) {
                memcpy(floats, field->bytes, field->length);
                state->n_floats += field->length / 4;
            } else {
                uint32_t bits = (uint32_t)field->value;
                memcpy(floats, &bits, 4);
                state->n_floats++;
            }
        } else if (field->number == 8) { /* the first pass counted, so the room is there */
            amass_pb_scalars(field, AMASS_PB_VARINT, (uint64_t *)attribute->ints + state->n_ints,
                             state->capacity_ints - state->n_ints, &count, decoder->status);
            state->n_ints += count;
        } else if (field->number == 9) {
            char *copy = onnx_arena_alloc(decoder->internal, field->length + 1, 1);
            if (!copy)
                return onnx_out_of_memory(decoder);
            memcpy(copy, field->bytes, field->length);
            ((const char **)attribute->strings)[state->n_strings++] = copy;
        }
        return 0;
    }
    switch (field->number) {
    case 1:
        return onnx_string(decoder, field, where, &attribute->name);
    case 20:
        if (onnx_expect(decoder, field, AMASS_PB_VARINT, where) != 0)
            return -1;
        state->declared_type = field->value > 100 ? 100 : (int)field->value;
        return 0;
    case 2:
        if (onnx_expect(decoder, field, AMASS_PB_FIXED32, where) != 0)
            return -1;
        {
            uint32_t bits = (uint32_t)field->value;
            memcpy(&attribute->f, &bits, 4);
        }
        state->has_f = 1;
        return 0;
    case 3:
        if (onnx_expect(decoder, field, AMASS_PB_VARINT, where) != 0)
            return -1;
        attribute->i = (int64_t)field->value;
        state->has_i = 1;
        return 0;
    case 4: {
        char *copy;
        if (onnx_expect(decoder, field, AMASS_PB_BYTES, where) != 0)
            return -1;
        if (!(copy = onnx_arena_alloc(decoder->internal, field->length + 1, 1)))
            return onnx_out_of_memory(decoder);
        memcpy(copy, field->bytes, field->length);
        attribute->s = copy;
        attribute->s_length = field->length;
        state->has_s = 1;
        return 0;
    }
    case 5:
        if (onnx_expect(decoder, field, AMASS_PB_BYTES, where) != 0)
            return -1;
        state->tensor_field = *field;
        state->has_t = 1;
        (void)reader;
        return 0;
    case 6: case 11:
        state->has_graph = 1;
        return 0;
    case 10: case 14: case 15: case 22: case 23:
        state->has_other = 1;
        return 0;
    case 7: case 8:
        if (amass_pb_scalars(field, field->number == 7 ? AMASS_PB_FIXED32 : AMASS_PB_VARINT, NULL, 0, &count,
                             decoder->status) != 0) {
            amass_status_prefix(decoder->status, where);
            return -1;
        }
        *(field->number == 7 ? &state->n_floats : &state->n_ints) += count;
        return 0;
    case 9:
        if (onnx_expect(decoder, field, AMASS_PB_BYTES, where) != 0)
            return -1;
        state->n_strings++;
        return 0;
    }
    return 0;
}

static const char *attribute_type_name(int type)
{
    static const char *const names[] = {"UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS",
                                        "INTS", "STRINGS", "TENSORS", "GRAPHS", "SPARSE_TENSOR",
                                        "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
    return type >= 0 && type < (int)(sizeof names / sizeof *names) ? names[type] : "unknown";
}

static int decode_attribute(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                            const amass_onnx_node *node, amass_onnx_attribute *attribute)
{
    attribute_state state;
    amass_pb_reader reader;
    int type;
    memset(&state, 0, sizeof state);
    state.attribute = attribute;
    state.node = node;
    attribute->name = "";
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0) {
        amass_status_prefix(decoder->status, node->label);
        return -1;
    }
    if (onnx_each_field(decoder, reader, node->label, visit_attribute, &state) != 0)
        return -1;
    type = state.declared_type;
    if (type == 0) /* IR version 1 files leave the type to be inferred */
        type = state.has_graph ? 5 : state.has_t ? 4 : state.n_floats ? 6 : state.n_ints ? 7 : state.n_strings ? 8
             : state.has_s ? 3 : state.has_i ? 2 : state.has_f ? 1 : 0;
    if (!attribute->name[0])
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: an attribute has no name", node->label), -1;
    if (type == 5 || type == 10)
        return amass_fail(decoder->status, AMASS_ERR_UNSUPPORTED,
                          "%s: subgraph attributes are not supported (attribute '%s')", node->label,
                          attribute->name), -1;
    if (type < 1 || type > 8 || type == 5) {
        amass_fail(decoder->status, type > 14 ? AMASS_ERR_INPUT : AMASS_ERR_UNSUPPORTED,
                   "%s: attribute '%s' has type %s (%d), which is not supported", node->label, attribute->name,
                   attribute_type_name(type), type);
        return -1;
    }
    attribute->type = (amass_onnx_attribute_type)type;
    if (type == AMASS_ONNX_ATTR_TENSOR) {
        char where[AMASS_MESSAGE_MAX / 2];
        amass_onnx_tensor *tensor = onnx_arena_alloc(decoder->internal, 1, sizeof *tensor);
        if (!state.has_t)
            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: attribute '%s' of type TENSOR has no tensor",
                              node->label, attribute->name), -1;
        if (!tensor)
            return onnx_out_of_memory(decoder);
        snprintf(where, sizeof where, "%s: attribute '%s'", node->label, attribute->name);
        if (onnx_decode_tensor(decoder, &reader, &state.tensor_field, where, tensor) != 0)
            return -1;
        attribute->tensor = tensor;
    }
    if (type >= AMASS_ONNX_ATTR_FLOATS) {
        size_t n_floats = state.n_floats, n_ints = state.n_ints, n_strings = state.n_strings;
        attribute->n_values = type == AMASS_ONNX_ATTR_FLOATS ? n_floats : type == AMASS_ONNX_ATTR_INTS ? n_ints
                                                                                                      : n_strings;
        attribute->floats = onnx_arena_alloc(decoder->internal, n_floats, sizeof(float));
        attribute->ints = onnx_arena_alloc(decoder->internal, n_ints, sizeof(int64_t));
        attribute->strings = onnx_arena_alloc(decoder->internal, n_strings, sizeof(char *));
        if (!attribute->floats || !attribute->ints || !attribute->strings)
            return onnx_out_of_memory(decoder);
        state.capacity_ints = n_ints;
        state.n_floats = state.n_ints = state.n_strings = 0;
        state.filling = 1;
        if (onnx_each_field(decoder, reader, node->label, visit_attribute, &state) != 0)
            return -1;
    }
    if (type == AMASS_ONNX_ATTR_STRING && !attribute->s)
        attribute->s = "";
    return 0;
}

/* ---- nodes ---- */

typedef struct {
    amass_onnx_node *node;
    amass_onnx_attribute *attributes;
    size_t n_inputs, n_outputs, n_attributes;
    int filling;
    char where[64];
} node_state;

static int visit_node(onnx_decoder *decoder, const amass_pb_reader *reader, const amass_pb_field *field,
                      void *context)
{
    node_state *state = context;
    amass_onnx_node *node = state->node;
    const char *where = state->filling ? node->label : state->where;
    if (!state->filling) {
        switch (field->number) {
        case 1: state->n_inputs++; return onnx_expect(decoder, field, AMASS_PB_BYTES, where);
        case 2: state->n_outputs++; return onnx_expect(decoder, field, AMASS_PB_BYTES, where);
        case 5: state->n_attributes++; return onnx_expect(decoder, field, AMASS_PB_BYTES, where);
        case 3: return onnx_string(decoder, field, where, &node->name);
        case 4: return onnx_string(decoder, field, where, &node->op_type);
        case 7: return onnx_string(decoder, field, where, &node->domain);
        }
        return 0;
    }
    switch (field->number) {
    case 1:
        return onnx_string(decoder, field, where, (const char **)&node->inputs[state->n_inputs++]);
    case 2:
        return onnx_string(decoder, field, where, (const char **)&node->outputs[state->n_outputs++]);
    case 5:
        return decode_attribute(decoder, reader, field, node, &state->attributes[state->n_attributes++]);
    }
    return 0;
}

int onnx_decode_node(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                       size_t index, amass_onnx_node *node)
{
    node_state state;
    amass_pb_reader reader;
    char *label;
    size_t i, j, label_size;
    memset(&state, 0, sizeof state);
    state.node = node;
    snprintf(state.where, sizeof state.where, "node #%zu", index);
    node->name = node->op_type = node->domain = "";
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0) {
        amass_status_prefix(decoder->status, state.where);
        return -1;
    }
    if (onnx_each_field(decoder, reader, state.where, visit_node, &state) != 0)
        return -1;
    label_size = strlen(node->name) + strlen(node->op_type) + 48;
    if (!(label = onnx_arena_alloc(decoder->internal, label_size, 1)))
        return onnx_out_of_memory(decoder);
    if (node->name[0])
        snprintf(label, label_size, "node '%s' (%s)", node->name, node->op_type);
    else
        snprintf(label, label_size, "node #%zu (%s)", index, node->op_type);
    node->label = label;
    if (!node->op_type[0])
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: no op_type", label), -1;
    if (state.n_inputs > ONNX_NODE_ENTRIES_MAX || state.n_outputs > ONNX_NODE_ENTRIES_MAX ||
        state.n_attributes > ONNX_NODE_ENTRIES_MAX)
        return amass_fail(decoder->status, AMASS_ERR_INPUT,
                          "%s: %zu inputs, %zu outputs, %zu attributes: more than the %d of each amass reads", label,
                          state.n_inputs, state.n_outputs, state.n_attributes, ONNX_NODE_ENTRIES_MAX), -1;
    if (!strcmp(node->domain, "ai.onnx"))
        node->domain = "";
    node->inputs = onnx_arena_alloc(decoder->internal, state.n_inputs, sizeof(char *));
    node->outputs = onnx_arena_alloc(decoder->internal, state.n_outputs, sizeof(char *));
    state.attributes = onnx_arena_alloc(decoder->internal, state.n_attributes, sizeof *state.attributes);
    if (!node->inputs || !node->outputs || !state.attributes)
        return onnx_out_of_memory(decoder);
    node->n_inputs = state.n_inputs;
    node->n_outputs = state.n_outputs;
    node->n_attributes = state.n_attributes;
    node->attributes = state.attributes;
    state.n_inputs = state.n_outputs = state.n_attributes = 0;
    state.filling = 1;
    if (onnx_each_field(decoder, reader, label, visit_node, &state) != 0)
        return -1;
    for (i = 0; i < node->n_attributes; i++)
        for (j = 0; j < i; j++)
            if (!strcmp(node->attributes[i].name, node->attributes[j].name))
                return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: attribute '%s' given twice", label,
                                  node->attributes[i].name), -1;
    return 0;
}

/* ---- value infos ---- */

static int decode_dims(onnx_decoder *decoder, amass_pb_reader shape, const char *where, amass_onnx_value_info *info)
{
    amass_pb_field field, dim_field;
    amass_pb_reader dim;
    size_t n = 0, pass;
    int more;
    int64_t *dims = NULL;
    const char **params = NULL;
    for (pass = 0; pass < 2; pass++) {
        amass_pb_reader walk = shape;
        n = 0;
        while ((more = amass_pb_next(&walk, &field, decoder->status)) > 0) {
            if (field.number != 1)
                continue;
            if (amass_pb_enter(&walk, &field, &dim, decoder->status) != 0)
                break;
            if (pass == 1) {
                dims[n] = -1;
                while ((more = amass_pb_next(&dim, &dim_field, decoder->status)) > 0) {
                    if (dim_field.number == 1) {
                        if (onnx_expect(decoder, &dim_field, AMASS_PB_VARINT, where) != 0)
                            return -1;
                        if ((int64_t)dim_field.value < 0)
                            return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: dimension %zu is %lld", where,
                                              n, (long long)dim_field.value), -1;
                        dims[n] = (int64_t)dim_field.value;
                        params[n] = NULL;
                    } else if (dim_field.number == 2) {
                        if (onnx_string(decoder, &dim_field, where, &params[n]) != 0)
                            return -1;
                        dims[n] = -1;
                    }
                }
                if (more < 0)
                    break;
            }
            n++;
        }
        if (more < 0) {
            amass_status_prefix(decoder->status, where);
            return -1;
        }
        if (pass == 0) {
            dims = onnx_arena_alloc(decoder->internal, n, sizeof *dims);
            params = onnx_arena_alloc(decoder->internal, n, sizeof *params);
            if (!dims || !params)
                return onnx_out_of_memory(decoder);
        }
    }
    info->has_shape = 1;
    info->n_dims = n;
    info->dims = dims;
    info->dim_params = params;
    return 0;
}

int onnx_decode_value_info(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                             const char *kind, size_t index, amass_onnx_value_info *info)
{
    char where[AMASS_MESSAGE_MAX / 2];
    amass_pb_reader reader, type, tensor, shape;
    amass_pb_field f, g;
    int more;
    snprintf(where, sizeof where, "%s #%zu", kind, index);
    info->name = "";
    if (amass_pb_enter(parent, field, &reader, decoder->status) != 0)
        goto prefixed;
    /* the name first, so later messages can use it */
    {
        amass_pb_reader walk = reader;
        while ((more = amass_pb_next(&walk, &f, decoder->status)) > 0)
            if (f.number == 1 && onnx_string(decoder, &f, where, &info->name) != 0)
                return -1;
        if (more < 0)
            goto prefixed;
        if (info->name[0])
            snprintf(where, sizeof where, "%s '%s'", kind, info->name);
    }
    while ((more = amass_pb_next(&reader, &f, decoder->status)) > 0) {
        if (f.number != 2)
            continue;
        if (amass_pb_enter(&reader, &f, &type, decoder->status) != 0)
            goto prefixed;
        while ((more = amass_pb_next(&type, &g, decoder->status)) > 0) {
            amass_pb_field h;
            if (g.number != 1)
                continue; /* sequence, map, optional: not tensors */
            if (amass_pb_enter(&type, &g, &tensor, decoder->status) != 0)
                goto prefixed;
            while ((more = amass_pb_next(&tensor, &h, decoder->status)) > 0) {
                if (h.number == 1) {
                    if (onnx_expect(decoder, &h, AMASS_PB_VARINT, where) != 0)
                        return -1;
                    if (h.value > 1000 || !amass_onnx_data_type_name((int)h.value))
                        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: unknown element type %llu", where,
                                          (unsigned long long)h.value), -1;
                    info->elem_type = (int)h.value;
                } else if (h.number == 2) {
                    if (amass_pb_enter(&tensor, &h, &shape, decoder->status) != 0)
                        goto prefixed;
                    if (decode_dims(decoder, shape, where, info) != 0)
                        return -1;
                }
            }
            if (more < 0)
                goto prefixed;
        }
        if (more < 0)
            goto prefixed;
    }
    if (more < 0)
        goto prefixed;
    if (!info->name[0])
        return amass_fail(decoder->status, AMASS_ERR_INPUT, "%s: no name", where), -1;
    return 0;
prefixed:
    amass_status_prefix(decoder->status, where);
    return -1;
}

