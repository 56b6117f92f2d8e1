/* Pieces the ONNX reader's files share: the model's arena, its file
 * mappings, and the decoding context. Not part of the public interface. */
#ifndef AMASS_ONNX_INTERNAL_H
#define AMASS_ONNX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "formats.h"

/* Counts beyond any real network (ResNet-50 has some 180 nodes, large
 * Transformers tens of thousands), refused so that a file of tiny empty
 * entries cannot make the reader allocate tens of times its size. */
#define ONNX_GRAPH_ENTRIES_MAX (1 << 20)
#define ONNX_NODE_ENTRIES_MAX (1 << 16)

typedef struct onnx_arena_block onnx_arena_block;

typedef struct {
    char *location;       /* as written in the model */
    const uint8_t *data;  /* the whole file, mapped */
    size_t length;
} onnx_external_file;

typedef struct {
    const char *name;
    size_t index;         /* into nodes or initializers */
} onnx_name_slot;

/* A string-keyed open-addressing table: tensor name -> index. */
typedef struct {
    onnx_name_slot *slots;
    size_t capacity;      /* a power of two, or 0 */
    size_t count;
} onnx_name_table;

struct amass_onnx_private {
    onnx_arena_block *blocks;
    const uint8_t *mapping;   /* the model file */
    size_t mapping_length;
    char *directory;          /* where external data is looked up */
    onnx_external_file *externals;
    size_t n_externals;
    onnx_name_table initializers;  /* name -> initializer index */
    onnx_name_table producers;     /* tensor name -> producing node index */
};

typedef struct {
    amass_onnx_model *model;
    amass_onnx_private *internal;
    amass_status *status;
} onnx_decoder;

/* Zeroed, 16-byte aligned memory that lives as long as the model; NULL on
 * overflow or exhaustion (the caller reports it). */
void *onnx_arena_alloc(amass_onnx_private *internal, size_t count, size_t size);
void onnx_arena_free(amass_onnx_private *internal);

/* The bytes of a string field as a NUL-terminated copy in the arena; -1
 * with a message when out of memory or when the bytes hold a NUL (names
 * are C strings everywhere downstream). what names the field. */
int onnx_string(onnx_decoder *decoder, const amass_pb_field *field, const char *what, const char **out);
/* -1 with "what: field N has wire type X, expected Y" unless it matches. */
int onnx_expect(onnx_decoder *decoder, const amass_pb_field *field, amass_pb_wire_type wire_type, const char *what);
int onnx_out_of_memory(onnx_decoder *decoder);

/* Walks reader's fields, calling visit for each; -1 stops. A wire-format
 * error is prefixed with where. */
typedef int (*onnx_field_visitor)(onnx_decoder *decoder, const amass_pb_reader *reader, const amass_pb_field *field,
                                  void *context);
int onnx_each_field(onnx_decoder *decoder, amass_pb_reader reader, const char *where, onnx_field_visitor visit,
                    void *context);

/* NodeProto number index of the graph; ValueInfoProto of kind ("graph
 * input") number index. */
int onnx_decode_node(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field, size_t index,
                     amass_onnx_node *node);
int onnx_decode_value_info(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                           const char *kind, size_t index, amass_onnx_value_info *info);

/* Decodes a TensorProto; where prefixes messages ("initializer #3",
 * "node 'X' (Constant): attribute 'value'"). */
int onnx_decode_tensor(onnx_decoder *decoder, const amass_pb_reader *parent, const amass_pb_field *field,
                       const char *where, amass_onnx_tensor *tensor);
void onnx_unmap_externals(amass_onnx_private *internal);

/* The graph's checks once decoded: names, producers, topological order. */
int onnx_check_graph(onnx_decoder *decoder);

int onnx_table_insert(amass_onnx_private *internal, onnx_name_table *table, const char *name, size_t index);
/* The index stored for name, or (size_t)-1. */
size_t onnx_table_find(const onnx_name_table *table, const char *name);

#endif
