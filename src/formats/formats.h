/* libamass formats layer: model importers. For now the ONNX reader and
 * the protobuf wire-format reader under it. */
#ifndef AMASS_FORMATS_H
#define AMASS_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ---- protobuf wire format ------------------------------------------------
 * A reader over one message held in memory. It never reads past the
 * message it was given, so a field's declared length is checked against
 * the enclosing message, not just the file. Groups (wire types 3 and 4)
 * and the undefined wire types 6 and 7 are refused. Messages say where
 * ("at byte 1234") relative to the start of the file. */

typedef enum {
    AMASS_PB_VARINT = 0,
    AMASS_PB_FIXED64 = 1,
    AMASS_PB_BYTES = 2,
    AMASS_PB_FIXED32 = 5
} amass_pb_wire_type;

/* Nesting deeper than this is refused rather than followed: no honest
 * ONNX model nests messages that deep, and a hostile one must not
 * exhaust the stack. */
#define AMASS_PB_DEPTH_MAX 64

typedef struct {
    const uint8_t *data;  /* the message's bytes */
    size_t length;
    size_t position;
    size_t origin;        /* offset of data[0] in the file, for messages */
    int depth;
} amass_pb_reader;

typedef struct {
    uint32_t number;
    amass_pb_wire_type wire_type;
    uint64_t value;       /* VARINT, FIXED32 and FIXED64 */
    const uint8_t *bytes; /* BYTES */
    size_t length;
    size_t origin;        /* file offset of bytes[0] (BYTES) */
} amass_pb_field;

void amass_pb_reader_init(amass_pb_reader *reader, const uint8_t *data, size_t length, size_t origin);
/* 1 with the next field, 0 at the end of the message, -1 with a message. */
int amass_pb_next(amass_pb_reader *reader, amass_pb_field *field, amass_status *status);
/* A reader over the embedded message in a BYTES field, one level deeper;
 * -1 with a message when that is too deep or the field is not BYTES. */
int amass_pb_enter(const amass_pb_reader *parent, const amass_pb_field *field, amass_pb_reader *child,
                   amass_status *status);
/* Decodes the varint at *at (before end): at most 10 bytes, and the tenth
 * may only carry bit 63. Returns 0 and advances *at, or -1. */
int amass_pb_read_varint(const uint8_t **at, const uint8_t *end, uint64_t *value);
/* The values of one occurrence of a repeated scalar field whose elements
 * have wire type `element` (VARINT, FIXED32, FIXED64): packed (a BYTES
 * field) or a single unpacked value, both of which writers may use. With
 * values NULL only counts; otherwise writes at most capacity values. Fixed
 * values come back as their bit patterns. */
int amass_pb_scalars(const amass_pb_field *field, amass_pb_wire_type element, uint64_t *values, size_t capacity,
                     size_t *count, amass_status *status);
const char *amass_pb_wire_type_name(int wire_type);

/* ---- ONNX ----------------------------------------------------------------- */

/* TensorProto.DataType */
typedef enum {
    AMASS_ONNX_UNDEFINED = 0,
    AMASS_ONNX_FLOAT = 1,
    AMASS_ONNX_UINT8 = 2,
    AMASS_ONNX_INT8 = 3,
    AMASS_ONNX_UINT16 = 4,
    AMASS_ONNX_INT16 = 5,
    AMASS_ONNX_INT32 = 6,
    AMASS_ONNX_INT64 = 7,
    AMASS_ONNX_STRING = 8,
    AMASS_ONNX_BOOL = 9,
    AMASS_ONNX_FLOAT16 = 10,
    AMASS_ONNX_DOUBLE = 11,
    AMASS_ONNX_UINT32 = 12,
    AMASS_ONNX_UINT64 = 13,
    AMASS_ONNX_COMPLEX64 = 14,
    AMASS_ONNX_COMPLEX128 = 15,
    AMASS_ONNX_BFLOAT16 = 16,
    AMASS_ONNX_FLOAT8E4M3FN = 17,
    AMASS_ONNX_FLOAT8E4M3FNUZ = 18,
    AMASS_ONNX_FLOAT8E5M2 = 19,
    AMASS_ONNX_FLOAT8E5M2FNUZ = 20
} amass_onnx_data_type;

/* Bytes per element, 0 for UNDEFINED, STRING and unknown types. */
size_t amass_onnx_data_type_size(int data_type);
/* "FLOAT", "INT64", ... or NULL when unknown. */
const char *amass_onnx_data_type_name(int data_type);

/* Opsets of the default domain the reader accepts. 9 and 10 because
 * exported models of that age are common (two PP-OCR models); the
 * importer translates their attribute forms (Clip bounds, Squeeze axes,
 * Softmax's flattening before 13). */
#define AMASS_ONNX_OPSET_MIN 9
#define AMASS_ONNX_OPSET_MAX 18

/* Tensors of more dims than this are refused. */
#define AMASS_ONNX_RANK_MAX 64

/* A tensor (an initializer or a TENSOR attribute). data holds n_bytes =
 * n_elements * element size bytes, little-endian, aligned to the element
 * size. It points into the model's file mapping (or the external data
 * file's) when raw_data was aligned there, otherwise at a copy owned by
 * the model; either way it lives until amass_onnx_close. */
typedef struct {
    const char *name;
    int data_type;         /* amass_onnx_data_type */
    size_t n_dims;
    const int64_t *dims;   /* all >= 0; a scalar has n_dims 0 */
    size_t n_elements;
    const void *data;
    size_t n_bytes;
} amass_onnx_tensor;

/* AttributeProto.AttributeType, the kinds the reader decodes. */
typedef enum {
    AMASS_ONNX_ATTR_FLOAT = 1,
    AMASS_ONNX_ATTR_INT = 2,
    AMASS_ONNX_ATTR_STRING = 3,
    AMASS_ONNX_ATTR_TENSOR = 4,
    AMASS_ONNX_ATTR_FLOATS = 6,
    AMASS_ONNX_ATTR_INTS = 7,
    AMASS_ONNX_ATTR_STRINGS = 8
} amass_onnx_attribute_type;

typedef struct {
    const char *name;
    amass_onnx_attribute_type type;
    float f;                          /* FLOAT */
    int64_t i;                        /* INT */
    const char *s;                    /* STRING, NUL-terminated; s_length */
    size_t s_length;                  /* excludes the NUL (bytes may hold NULs) */
    const amass_onnx_tensor *tensor;  /* TENSOR */
    size_t n_values;                  /* FLOATS, INTS, STRINGS */
    const float *floats;
    const int64_t *ints;
    const char *const *strings;
} amass_onnx_attribute;

typedef struct {
    const char *name;     /* "" when the file gives none */
    const char *op_type;
    const char *domain;   /* "" for the default domain */
    /* "node 'Conv_12' (Conv)", or "node #12 (Conv)" when unnamed: the
     * prefix for every message about this node. */
    const char *label;
    size_t n_inputs;
    const char *const *inputs;   /* "" marks an omitted optional input */
    size_t n_outputs;
    const char *const *outputs;
    size_t n_attributes;
    const amass_onnx_attribute *attributes;
} amass_onnx_node;

/* A graph input, output or value_info entry. Only tensor types are
 * described; other types (sequence, map) have elem_type 0 and no shape. */
typedef struct {
    const char *name;
    int elem_type;             /* amass_onnx_data_type */
    int has_shape;             /* 0: rank unknown */
    size_t n_dims;
    const int64_t *dims;       /* dim_value, or -1 for a symbolic or unknown dim */
    const char *const *dim_params; /* the symbol (e.g. "batch"), or NULL */
} amass_onnx_value_info;

typedef struct {
    const char *domain;  /* "" for the default domain ("ai.onnx" is folded into it) */
    int64_t version;
} amass_onnx_opset;

typedef struct amass_onnx_private amass_onnx_private;

/* A decoded, checked model; immutable after amass_onnx_open, so worker
 * threads may share it. */
typedef struct {
    const char *path;
    int64_t ir_version;
    const char *producer_name;
    const char *producer_version;
    size_t n_opsets;
    const amass_onnx_opset *opsets;
    int64_t opset;                  /* the default domain's version */
    const char *graph_name;
    size_t n_nodes;
    const amass_onnx_node *nodes;   /* in file order */
    const size_t *order;            /* n_nodes indices into nodes, producers first */
    size_t n_initializers;
    const amass_onnx_tensor *initializers;
    size_t n_inputs;                /* graph inputs that are not initializers */
    const amass_onnx_value_info *inputs;
    size_t n_outputs;
    const amass_onnx_value_info *outputs;
    size_t n_value_infos;
    const amass_onnx_value_info *value_infos;
    amass_onnx_private *internal;
} amass_onnx_model;

/* IEEE half and bfloat16 bits (host order) as float32 (half_float.c). */
float amass_half_to_float(uint16_t half);
float amass_bfloat16_to_float(uint16_t bits);

/* Reads and checks path: the wire format, every known field's type, the
 * tensors (types, dims, data sizes, external data within the model's
 * directory), the opset, that every node input is produced by something
 * and that the graph has no cycle. On failure *model is NULL and the
 * message begins with path. */
int amass_onnx_open(const char *path, amass_onnx_model **model, amass_status *status);
void amass_onnx_close(amass_onnx_model *model);

const amass_onnx_tensor *amass_onnx_initializer_find(const amass_onnx_model *model, const char *name);
/* Searches the graph inputs, outputs and value_info, in that order. */
const amass_onnx_value_info *amass_onnx_value_info_find(const amass_onnx_model *model, const char *name);
/* The node whose outputs include name, or NULL. */
const amass_onnx_node *amass_onnx_producer_find(const amass_onnx_model *model, const char *name);

/* Attribute lookup. The getters return fallback when the attribute is
 * absent or of another type; a caller that must refuse a wrongly typed
 * attribute checks amass_onnx_attribute_find(...)->type itself. */
const amass_onnx_attribute *amass_onnx_attribute_find(const amass_onnx_node *node, const char *name);
int64_t amass_onnx_attr_int(const amass_onnx_node *node, const char *name, int64_t fallback);
float amass_onnx_attr_float(const amass_onnx_node *node, const char *name, float fallback);
const char *amass_onnx_attr_string(const amass_onnx_node *node, const char *name, const char *fallback);
const amass_onnx_tensor *amass_onnx_attr_tensor(const amass_onnx_node *node, const char *name);
/* Count of values (0 when absent) and *values pointed at them. */
size_t amass_onnx_attr_ints(const amass_onnx_node *node, const char *name, const int64_t **values);
size_t amass_onnx_attr_floats(const amass_onnx_node *node, const char *name, const float **values);

/* ---- ONNX import ------------------------------------------------------------
 * A model's graph as an nn graph, prepared (shapes inferred, folded,
 * fused), ready for amass_nn_session_open. ONNX attribute semantics and
 * opset differences are translated (Softmax before opset 13 flattens at
 * its axis, Dropout is the identity, Constant nodes become constants);
 * any operator, attribute or type the engine cannot run is refused here,
 * "model.onnx: node 'X' (Op): why", never run approximately. The graph
 * borrows the model's tensors: amass_onnx_import's caller keeps model open
 * until the graph is freed; amass_formats_load_onnx's graph owns its model
 * and closes it when freed. Graph inputs must be FLOAT with only the first
 * dimension (the batch) symbolic. */
struct amass_nn_graph;
int amass_onnx_import(const amass_onnx_model *model, struct amass_nn_graph **graph, amass_status *status);
int amass_formats_load_onnx(const char *path, struct amass_nn_graph **graph, amass_status *status);
/* The same with the first graph input's dimensions after the batch fixed
 * to input_dims[1..] (n_input_dims = its rank; input_dims[0] and values
 * <= 0 keep the file's): the engine runs only the batch dynamic, so a
 * model taking any image size (e.g. a text detector) is run at one size.
 * A fixed dimension of the file that differs is refused. */
int amass_onnx_import_sized(const amass_onnx_model *model, const int64_t *input_dims, size_t n_input_dims,
                            struct amass_nn_graph **graph, amass_status *status);
int amass_formats_load_onnx_sized(const char *path, const int64_t *input_dims, size_t n_input_dims,
                                  struct amass_nn_graph **graph, amass_status *status);

#endif
