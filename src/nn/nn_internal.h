/* Internal structures of the nn engine shared by the graph, the passes and
 * the executor; not part of the layer's interface. */
#ifndef AMASS_NN_INTERNAL_H
#define AMASS_NN_INTERNAL_H

#include <oneapi/dnnl/dnnl.h>

#include "nn.h"

typedef struct {
    char *name;
    amass_nn_attr_kind kind;
    int64_t i;
    float f;
    int64_t *ints;
    float *floats;
    size_t count;
    char *s;
} nn_attr;

typedef struct {
    amass_nn_tensor_type type;
    const void *data;
    void (*release)(void *user);
    void *release_user;
    void *owned; /* data we allocated, freed with the graph */
} nn_constant;

typedef struct {
    char *name;
    amass_nn_tensor_type type; /* after prepare; AMASS_NN_DYNAMIC where the batch shows */
    int producer;              /* node index, -1 for inputs and constants */
    int constant;              /* index into constants, -1 if none */
    int is_input;
    int is_output;
    /* Inputs: the element type the caller passes. Integer inputs (token
     * ids, masks) are carried as float32 inside the graph, exact below
     * 2^24, so every op that reads them runs on the float32 kernels. */
    amass_nn_dtype declared_dtype;
} nn_value;

/* A post-op appended to a Conv/Gemm/MatMul by fusion, applied in order. */
typedef enum { NN_POST_ELTWISE, NN_POST_SUM } nn_post_kind;

#define NN_MAX_POST 4

typedef struct {
    nn_post_kind kind;
    dnnl_alg_kind_t algorithm;
    float alpha, beta;
    int value; /* SUM: the residual value added */
} nn_post_op;

typedef struct {
    amass_nn_op op;
    char *op_type;
    char *name;
    int *inputs; /* value indices, -1 for omitted */
    int n_inputs;
    int *outputs;
    int n_outputs;
    nn_attr *attrs;
    int n_attrs;
    int dead;
    nn_post_op post[NN_MAX_POST];
    int n_post;
} nn_node;

struct amass_nn_graph {
    char *name;
    nn_value *values;
    int n_values, values_capacity;
    nn_node *nodes;
    int n_nodes, nodes_capacity;
    nn_constant *constants;
    int n_constants, constants_capacity;
    int *inputs;
    int n_inputs;
    int *outputs;
    int n_outputs;
    int prepared;
};

/* graph.c */
int nn_graph_find_value(const amass_nn_graph *graph, const char *name);
int nn_graph_new_constant(amass_nn_graph *graph, const amass_nn_tensor_type *type, void *owned_data,
                          amass_status *status);
/* A new constant value holding owned_data (freed on failure); returns the
 * value index or minus the status code. */
int nn_graph_constant_value(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                            void *owned_data, amass_status *status);
const char *nn_node_label(const nn_node *node);
const nn_attr *nn_attr_find(const nn_node *node, const char *name);
int64_t nn_attr_int(const nn_node *node, const char *name, int64_t fallback);
float nn_attr_float(const nn_node *node, const char *name, float fallback);
/* Copies up to max ints of attribute name into out; returns the count, or -1 if absent. */
int nn_attr_ints(const nn_node *node, const char *name, int64_t *out, int max);
/* Uses of value by live nodes (and by the graph outputs, counted once). */
int nn_value_use_count(const amass_nn_graph *graph, int value);
/* The one live node reading value (read once, not a graph output), or -1. */
int nn_sole_consumer(const amass_nn_graph *graph, int value);
const void *nn_constant_data(const amass_nn_graph *graph, int value);

/* infer.c: types and host-known data for every value at one batch size.
 * data[v] is non-NULL when the value is known without running the graph
 * (constants and shape arithmetic); owned[v] says the env allocated it. */
typedef struct {
    int n_values;
    amass_nn_tensor_type *types;
    const void **data;
    unsigned char *owned;
    unsigned char *folded_node; /* per node: evaluated on the host */
} nn_env;

int nn_env_init(nn_env *env, const amass_nn_graph *graph, int n_nodes);
void nn_env_free(nn_env *env);
/* Infers every live node in order at this batch size, evaluating on the
 * host the shape-arithmetic nodes whose inputs are all known. */
int nn_infer(const amass_nn_graph *graph, int64_t batch, nn_env *env, amass_status *status);
/* The same with every input's full dimensions given (input_dims: n_inputs
 * rows of AMASS_NN_MAX_RANK, filling the dynamic ones). */
int nn_infer_dims(const amass_nn_graph *graph, const int64_t *input_dims, nn_env *env, amass_status *status);
/* Runs on the executor (not only folded): the ops the oneDNN steps cover. */
int nn_op_runs(amass_nn_op op);
/* The known integer values (int64 or int32) of a 0-D or 1-D value, as
 * axes or a shape: their count, or -1 when value is absent, not known at
 * load, of another type, or longer than max. */
int nn_known_ints(const nn_env *env, int value, int64_t *out, int max);

/* passes.c */
int nn_remove_dead(amass_nn_graph *graph, amass_status *status);
int nn_fold_batch_norm(amass_nn_graph *graph, amass_status *status);
int nn_fuse_post_ops(amass_nn_graph *graph, amass_status *status);

/* infer_math.c: types of the Transformer-encoder ops (elementwise math,
 * comparisons, Where, Expand, ConstantOfShape, Range, LayerNormalization) */
int nn_infer_math(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status);
/* fold_math.c: their host evaluation when every input is known */
int nn_is_math_fold(amass_nn_op op);
int nn_fold_math(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void **result,
                 amass_status *status);
/* Element i of host data of dtype as a double, and back (saturating,
 * NaN to 0 in the integer types); folding and Cast go through these. */
double nn_load_number(amass_nn_dtype dtype, const void *data, size_t i);
void nn_store_number(amass_nn_dtype dtype, void *data, size_t i, double number);
/* fuse_encoder.c: the decomposed LayerNormalization and GELU exporters write */
int nn_fuse_layer_norm(amass_nn_graph *graph, amass_status *status);
int nn_fuse_gelu(amass_nn_graph *graph, amass_status *status);
/* A graph constant's value as float (float32 or int64 scalars), 0 if not one. */
int nn_scalar_constant(const amass_nn_graph *graph, int value, double *number);

#endif
