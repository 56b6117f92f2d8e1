/* The TF.js graph-model converter's shared state: the map from TensorFlow
 * tensors to engine values (with the layout each is held in), TF attribute
 * readers, and the per-family translators (tfjs_graph_*.c). */
#ifndef AMASS_TFJS_GRAPH_INTERNAL_H
#define AMASS_TFJS_GRAPH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tfjs_internal.h"

/* One TensorFlow tensor ("node" or "node:1") as the converter holds it.
 * The engine value need not be in TensorFlow's layout: engine dimension j
 * is TensorFlow dimension perm[j] (so a 4-D NHWC image held as NCHW has
 * perm {0, 3, 1, 2}). TensorFlow Transposes then cost nothing, and images
 * stay NCHW between convolutions; a tensor goes back to TF's layout only
 * where memory order matters (Reshape, outputs, ops the converter does not
 * translate axis by axis). */
typedef struct {
    char *name;
    const char *engine; /* the engine value, NULL until a constant is first needed */
    int rank;           /* -1 when the converter does not know it */
    int permuted;       /* perm is not the identity */
    int64_t perm[AMASS_NN_MAX_RANK];
    const char *plain;  /* cached copy in TF's layout (when permuted) */
    /* A rank-4 zero Pad's result: its input's engine value and the
     * padding per engine axis, so a convolution reading it can pad itself */
    const char *pad_source;
    int64_t pads[8];
    /* Known at import: constants from the manifest and what the converter
     * computed from them, in TF's layout. int32 weights are held as int64
     * (TensorFlow's int64 tensors come through TF.js as int32). */
    int known;
    amass_nn_dtype dtype;
    int64_t dims[AMASS_NN_MAX_RANK];
    size_t count;
    void *data; /* owned */
} tfjs_tensor;

typedef struct {
    tfjs_builder builder;
    const json_t *nodes;
    tfjs_tensor *tensors;
    size_t n_tensors, tensors_capacity;
    unsigned *consumers; /* per node: how many node inputs read its output 0 */
    unsigned char *skip; /* per node: already translated by a node that fused it */
    char **output_names; /* the graph's outputs (TF tensor names) and their engine results */
    const char **output_results;
    char **output_marks; /* the names the graph's outputs get (the signature's, e.g. "Identity:0") */
    size_t n_outputs;
    const int64_t *input_dims;
    size_t n_input_dims;
    size_t n_inputs_seen;
} tfjs_converter;

/* What a translator gets: the node and its resolved data inputs. */
typedef struct {
    const json_t *json;
    const char *name;
    const char *op;
    const char *result; /* the engine value for output 0 (tfjs_result_name of name) */
    size_t index;
    tfjs_tensor *inputs[16];
    size_t n_inputs;
} tfjs_node;

/* ---- tfjs_graph.c ---- */
/* "m/model.json: node 'name' (Op): why"; returns code. */
int tfjs_fail(const tfjs_converter *converter, const tfjs_node *node, amass_status *status, amass_code code,
              const char *format, ...) __attribute__((format(printf, 5, 6)));
/* Registers a TF tensor name held in engine value engine with perm (NULL:
 * TF's layout) of rank (-1 unknown); NULL on failure (status set). */
tfjs_tensor *tfjs_define(tfjs_converter *converter, const char *name, const char *engine, const int64_t *perm,
                         int rank, amass_status *status);
/* A tensor known at import (data copied). */
tfjs_tensor *tfjs_define_known(tfjs_converter *converter, const char *name, amass_nn_dtype dtype,
                               const int64_t *dims, int rank, const void *data, amass_status *status);
/* The engine value name for TF tensor name's result: the name itself,
 * except for the graph's outputs, whose own names go to the TF-layout
 * copies mark_outputs makes. */
const char *tfjs_result_name(tfjs_converter *converter, const char *name);
/* The name for output k of node: "node" for 0, "node:k" otherwise (owned by the builder). */
const char *tfjs_output_name(tfjs_converter *converter, const tfjs_node *node, int k);
/* The engine value holding tensor in TF's layout. */
const char *tfjs_plain(tfjs_converter *converter, tfjs_tensor *tensor, amass_status *status);
/* The engine value holding tensor transposed by target (rank entries):
 * engine dim j = TF dim target[j]. */
const char *tfjs_as(tfjs_converter *converter, tfjs_tensor *tensor, const int64_t *target, int rank,
                    amass_status *status);
/* The engine value of tensor as it is held (any perm). */
const char *tfjs_engine(tfjs_converter *converter, tfjs_tensor *tensor, amass_status *status);
/* Known integer data as int64 (NULL when not known or not integral). */
const int64_t *tfjs_known_ints(const tfjs_tensor *tensor);
/* The number of consumers of node's first output. */
unsigned tfjs_consumers(const tfjs_converter *converter, const tfjs_tensor *tensor);

/* ---- tfjs_graph_attr.c: TF's AttrValue as the JSON spells it ---- */
const json_t *tfjs_attr(const tfjs_node *node, const char *name);
/* 1 with the value, 0 when absent, -1 when present but of another type. */
int tfjs_attr_get_int(const tfjs_node *node, const char *name, int64_t *value);
int tfjs_attr_get_float(const tfjs_node *node, const char *name, float *value);
int tfjs_attr_get_bool(const tfjs_node *node, const char *name, int *value);
/* A base64 "s" decoded into out (NUL-terminated, at most size - 1 bytes). */
int tfjs_attr_get_string(const tfjs_node *node, const char *name, char *out, size_t size);
/* list.i, at most max values: the count, 0 when absent or empty, -1 when malformed. */
int tfjs_attr_get_ints(const tfjs_node *node, const char *name, int64_t *values, int max);
/* list.s decoded: the count, -1 when malformed; each at most size - 1 bytes. */
int tfjs_attr_get_strings(const tfjs_node *node, const char *name, char (*values)[32], int max);
/* "DT_FLOAT" ... of a type attribute, NULL when absent. */
const char *tfjs_attr_type(const tfjs_node *node, const char *name);
/* A shape attribute's dims (-1 unknown): the rank, -1 when malformed or unknown rank. */
int tfjs_attr_get_shape(const tfjs_node *node, const char *name, int64_t *dims, int max);
/* Fails naming the node unless its "T" (when given) is DT_FLOAT. */
int tfjs_require_float(tfjs_converter *converter, const tfjs_node *node, amass_status *status);

/* ---- translators: 1 when op is theirs (result in *result) ---- */
int tfjs_translate_conv(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status);
int tfjs_translate_math(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status);
int tfjs_translate_shape(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status);
int tfjs_translate_index(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status);

/* ---- tfjs_graph_math.c: shared with the fused ops ---- */
/* output = activation(input) in the engine (both engine values), for a TF
 * activation name ("Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh",
 * "Prelu" with alpha a known tensor in TF layout; the data is held with
 * perm of rank, or in TF's layout when perm is NULL). Returns -1 (no
 * status) when the name is not an activation. */
int tfjs_emit_activation(tfjs_converter *converter, const tfjs_node *node, const char *activation, float alpha,
                         const tfjs_tensor *prelu_alpha, const int64_t *perm, int rank, const char *input,
                         const char *output, amass_status *status);
/* Known tensors combined elementwise on the host with numpy broadcasting
 * (shape arithmetic the engine has no op for: FloorDiv, FloorMod ...):
 * op is the TF op name; defines the node's output. -1 when op is not one
 * it folds. */
int tfjs_fold_binary(tfjs_converter *converter, const tfjs_node *node, const tfjs_tensor *a, const tfjs_tensor *b,
                     amass_status *status);
/* Folds into a convolution (kernel OIHW as per_channel values per output
 * channel, bias) the chain of per-channel constant Mul / Add / BiasAdd /
 * Sub that reads its NHWC result alone (an unfused batch norm, a bias),
 * marking those nodes done. Returns the TF name the result goes by: the
 * last node absorbed, or the node's own. */
const char *tfjs_absorb_channel_chain(tfjs_converter *converter, const tfjs_node *node, int64_t channels,
                                      float *kernel, size_t per_channel, float *bias, int *has_bias);
/* Known tensors combined elementwise on the host with numpy broadcasting
 * (shape arithmetic the engine has no op for: FloorDiv, FloorMod ...):
 * op is the TF op name; defines the node's output. -1 when op is not one
 * it folds. */
int tfjs_fold_binary(tfjs_converter *converter, const tfjs_node *node, const tfjs_tensor *a, const tfjs_tensor *b,
                     amass_status *status);
/* The tensor a fused op's result should be defined as (its own name), and
 * whether the node's single consumer is an Add/BiasAdd of a per-channel
 * constant that can go into the op's bias: then *bias gets it and *skip
 * that consumer's index. */
const tfjs_tensor *tfjs_channel_bias_consumer(tfjs_converter *converter, const tfjs_node *node, int64_t channels,
                                              size_t *consumer);

/* Inverse and composition of permutations. */
void tfjs_perm_inverse(const int64_t *perm, int rank, int64_t *inverse);
int tfjs_perm_is_identity(const int64_t *perm, int rank);
/* TF axis (negative counts from the end) as the engine axis of tensor. */
int tfjs_engine_axis(const tfjs_tensor *tensor, int64_t axis, int rank, int64_t *engine_axis);
/* A known tensor's data moved to engine layout perm after broadcasting it
 * to rank (leading 1s), as a fresh engine constant; NULL on failure. */
const char *tfjs_known_as(tfjs_converter *converter, const tfjs_tensor *tensor, const int64_t *perm, int rank,
                          amass_status *status);

#endif
