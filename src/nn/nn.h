/* libamass nn layer: dense kernels on oneDNN, and the neural engine: a
 * graph IR an importer builds, load-time passes (shape inference, constant
 * folding, BatchNorm folding, post-op fusion) and an executor on oneDNN
 * primitives. */
#ifndef AMASS_NN_H
#define AMASS_NN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* C[m x n] = alpha * A[m x k] * B[n x k]^T + beta * C, all row-major
 * float32, through oneDNN's sgemm. */
int amass_nn_gemm_abt(size_t m, size_t n, size_t k, float alpha, const float *a, const float *b, float beta,
                      float *c, amass_status *status);

/* Threads oneDNN and the library's parallel loops may use (0: all cores). */
void amass_nn_set_threads(int threads);

/* ---- Graph IR ----------------------------------------------------------
 * An importer builds a graph in topological order (every input named by a
 * node exists when the node is added), marks the outputs, then calls
 * amass_nn_graph_prepare, which infers shapes, folds and fuses, and rejects
 * any operator the engine cannot run. A prepared graph is immutable and may
 * be shared by threads; each thread runs it through its own session. */

typedef enum {
    AMASS_NN_FLOAT32,
    AMASS_NN_INT64,
    AMASS_NN_INT32,
    AMASS_NN_UINT8,
    AMASS_NN_BOOL
} amass_nn_dtype;

#define AMASS_NN_MAX_RANK 8
/* A dimension of a graph input fixed only at run time: the batch, and
 * for sequence models the length too. */
#define AMASS_NN_DYNAMIC (-1)

typedef struct {
    amass_nn_dtype dtype;
    int rank;
    int64_t dims[AMASS_NN_MAX_RANK];
} amass_nn_tensor_type;

size_t amass_nn_dtype_size(amass_nn_dtype dtype);
const char *amass_nn_dtype_name(amass_nn_dtype dtype);
/* Elements in a tensor of this type (dynamic dimensions count as 1). */
size_t amass_nn_type_count(const amass_nn_tensor_type *type);

typedef enum {
    AMASS_NN_OP_UNKNOWN = 0,
    AMASS_NN_OP_CONV,
    AMASS_NN_OP_BATCH_NORMALIZATION,
    AMASS_NN_OP_RELU,
    AMASS_NN_OP_CLIP,
    AMASS_NN_OP_SIGMOID,
    AMASS_NN_OP_HARD_SIGMOID,
    AMASS_NN_OP_HARD_SWISH,
    AMASS_NN_OP_TANH,
    AMASS_NN_OP_ADD,
    AMASS_NN_OP_SUB,
    AMASS_NN_OP_MUL,
    AMASS_NN_OP_DIV,
    AMASS_NN_OP_MAX_POOL,
    AMASS_NN_OP_AVERAGE_POOL,
    AMASS_NN_OP_GLOBAL_AVERAGE_POOL,
    AMASS_NN_OP_GEMM,
    AMASS_NN_OP_MATMUL,
    AMASS_NN_OP_FLATTEN,
    AMASS_NN_OP_RESHAPE,
    AMASS_NN_OP_TRANSPOSE,
    AMASS_NN_OP_CONCAT,
    AMASS_NN_OP_SOFTMAX,
    AMASS_NN_OP_REDUCE_MEAN,
    AMASS_NN_OP_SHAPE,
    AMASS_NN_OP_GATHER,
    AMASS_NN_OP_UNSQUEEZE,
    AMASS_NN_OP_SQUEEZE,
    AMASS_NN_OP_IDENTITY,
    AMASS_NN_OP_CAST,
    /* Transformer encoders' math (ops_math.c, infer_math.c, fold_math.c) */
    AMASS_NN_OP_ERF,
    AMASS_NN_OP_EXP,
    AMASS_NN_OP_LOG,
    AMASS_NN_OP_SQRT,
    AMASS_NN_OP_NEG,
    AMASS_NN_OP_ABS,
    AMASS_NN_OP_RECIPROCAL,
    AMASS_NN_OP_LEAKY_RELU,
    AMASS_NN_OP_ELU,
    AMASS_NN_OP_SOFTPLUS,
    AMASS_NN_OP_GELU,
    AMASS_NN_OP_POW,
    AMASS_NN_OP_MAX,
    AMASS_NN_OP_MIN,
    AMASS_NN_OP_EQUAL,
    AMASS_NN_OP_LESS,
    AMASS_NN_OP_GREATER,
    AMASS_NN_OP_NOT,
    AMASS_NN_OP_WHERE,
    AMASS_NN_OP_EXPAND,
    AMASS_NN_OP_CONSTANT_OF_SHAPE,
    AMASS_NN_OP_RANGE,
    AMASS_NN_OP_LAYER_NORMALIZATION,
    AMASS_NN_OP_REDUCE_SUM,
    AMASS_NN_OP_REDUCE_MAX,
    AMASS_NN_OP_REDUCE_MIN,
    AMASS_NN_OP_REDUCE_PROD,
    AMASS_NN_OP_REDUCE_L2,
    AMASS_NN_OP_SLICE,
    AMASS_NN_OP_SPLIT,
    AMASS_NN_OP_PAD,
    AMASS_NN_OP_RESIZE,
    AMASS_NN_OP_UPSAMPLE,
    AMASS_NN_OP_CONV_TRANSPOSE,
    AMASS_NN_OP_DEPTH_TO_SPACE,
    AMASS_NN_OP_CUMSUM, /* on runtime tensors only (RoBERTa's position ids): ops_runtime_int.c */
    AMASS_NN_OP_COUNT
} amass_nn_op;

/* The op for an ONNX op_type ("Conv"), AMASS_NN_OP_UNKNOWN if none. */
amass_nn_op amass_nn_op_from_name(const char *op_type);
const char *amass_nn_op_name(amass_nn_op op);

typedef enum {
    AMASS_NN_ATTR_INT,
    AMASS_NN_ATTR_FLOAT,
    AMASS_NN_ATTR_INTS,
    AMASS_NN_ATTR_FLOATS,
    AMASS_NN_ATTR_STRING
} amass_nn_attr_kind;

/* One node attribute as ONNX spells it (name "pads", kind INTS ...); the
 * graph copies what it needs. */
typedef struct {
    const char *name;
    amass_nn_attr_kind kind;
    int64_t i;
    float f;
    const int64_t *ints; /* INTS: count values */
    const float *floats; /* FLOATS: count values */
    size_t count;
    const char *s; /* STRING */
} amass_nn_attr;

typedef struct {
    amass_nn_op op;
    const char *op_type; /* as the file spells it; names unknown ops in errors (NULL: amass_nn_op_name) */
    const char *name;    /* node name for messages; may be NULL or "" */
    const char *const *inputs; /* "" for an omitted optional input */
    size_t n_inputs;
    const char *const *outputs;
    size_t n_outputs;
    const amass_nn_attr *attrs;
    size_t n_attrs;
} amass_nn_node_spec;

typedef struct amass_nn_graph amass_nn_graph;

/* name labels the graph in messages (e.g. the model file). */
amass_nn_graph *amass_nn_graph_new(const char *name, amass_status *status);
void amass_nn_graph_free(amass_nn_graph *graph);

/* A constant tensor (weights). With release NULL the data are copied; else
 * the graph borrows data (e.g. mmap'd) and calls release(release_user) when
 * freed, also when this call fails. */
int amass_nn_graph_add_constant(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                                const void *data, void (*release)(void *user), void *release_user,
                                amass_status *status);
/* A graph input; any dimension may be AMASS_NN_DYNAMIC. float32, int64
 * and int32 inputs run (integers are carried as float32 inside, exact up
 * to 2^24 in magnitude: token ids, masks, positions). Inputs other than
 * float32, or dynamic beyond dimension 0, run through
 * amass_nn_session_run_typed. */
int amass_nn_graph_add_input(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                             amass_status *status);
int amass_nn_graph_add_node(amass_nn_graph *graph, const amass_nn_node_spec *node, amass_status *status);
int amass_nn_graph_mark_output(amass_nn_graph *graph, const char *name, amass_status *status);
/* Shape inference, folding, fusion; checks every op left is supported. */
int amass_nn_graph_prepare(amass_nn_graph *graph, amass_status *status);

size_t amass_nn_graph_input_count(const amass_nn_graph *graph);
size_t amass_nn_graph_output_count(const amass_nn_graph *graph);
const char *amass_nn_graph_input_name(const amass_nn_graph *graph, size_t index);
const char *amass_nn_graph_output_name(const amass_nn_graph *graph, size_t index);
/* Types after prepare; a dynamic batch shows as AMASS_NN_DYNAMIC. */
int amass_nn_graph_input_type(const amass_nn_graph *graph, size_t index, amass_nn_tensor_type *type);
int amass_nn_graph_output_type(const amass_nn_graph *graph, size_t index, amass_nn_tensor_type *type);
/* Nodes left to run after prepare (fused nodes count once). */
size_t amass_nn_graph_node_count(const amass_nn_graph *graph);
/* The fewest rows among the rank-2 float constants whose name holds
 * name_part (any case), e.g. a Transformer's "position" table; 0 when
 * there is none. */
int64_t amass_nn_graph_table_rows(const amass_nn_graph *graph, const char *name_part);
/* Number of live nodes of an op after prepare (for tests and logs). */
size_t amass_nn_graph_count_op(const amass_nn_graph *graph, amass_nn_op op);
/* Floating-point operations one image costs: 2 x the multiply-adds of the
 * convolutions and matrix products left after prepare, at batch 1 (the
 * other ops are not counted, as is usual for GFLOP/s figures); -1 with a
 * message when shapes cannot be inferred. */
double amass_nn_graph_flops(const amass_nn_graph *graph, amass_status *status);

/* ---- Executor ----------------------------------------------------------
 * A session owns the oneDNN primitives, reordered weights and buffers for
 * one thread. Primitives are made once per input shape and reused; a
 * session keeps the plans of its 16 most recently run shapes (weights are
 * reordered once and shared by all of them). */
typedef struct amass_nn_session amass_nn_session;

amass_nn_session *amass_nn_session_open(const amass_nn_graph *graph, amass_status *status);
void amass_nn_session_close(amass_nn_session *session);
/* inputs[i]: float32, plain row-major, batch * the rest of input i's shape;
 * outputs[i] likewise for output i (see amass_nn_session_output_type). */
int amass_nn_session_run(amass_nn_session *session, int64_t batch, const float *const *inputs,
                         float *const *outputs, amass_status *status);
/* The output's type at this batch size. */
int amass_nn_session_output_type(amass_nn_session *session, int64_t batch, size_t index, amass_nn_tensor_type *type,
                                 amass_status *status);
/* Runs with every input's full shape given: input_types[i] has the
 * element type the graph declares for input i (amass_nn_graph_input_type)
 * and its dimensions, fixed ones as declared; inputs[i] is plain
 * row-major. An integer value beyond 2^24 in magnitude is refused. */
int amass_nn_session_run_typed(amass_nn_session *session, const amass_nn_tensor_type *input_types,
                               const void *const *inputs, float *const *outputs, amass_status *status);
/* The output's type for inputs of these shapes. */
int amass_nn_session_output_type_typed(amass_nn_session *session, const amass_nn_tensor_type *input_types,
                                       size_t index, amass_nn_tensor_type *type, amass_status *status);

/* Lets 3x3 stride-1 convolutions use oneDNN's Winograd algorithm (about
 * 2.5x fewer multiplications; rounding error grows to about 1e-5 of the
 * output's scale). Off by default; set it before the first run. */
void amass_nn_session_set_winograd(amass_nn_session *session, int enabled);

/* Lets convolutions and matrix products compute in bfloat16 (weights and
 * activations rounded to 8 bits of mantissa, sums kept in float32) on a
 * CPU with AVX512-BF16: about twice the speed, outputs within about 1e-2
 * of float32. The graph's outputs, Softmax and reductions stay float32.
 * Ignored where the CPU lacks bf16 instructions (see
 * amass_nn_bf16_available). Off by default; set it before the first run. */
void amass_nn_session_set_bf16(amass_nn_session *session, int enabled);
/* Whether this CPU runs bfloat16 arithmetic natively (AVX512-BF16 or newer). */
int amass_nn_bf16_available(void);

typedef struct {
    uint64_t primitives_created; /* oneDNN primitives made so far */
    uint64_t weight_reorders;    /* weight tensors reordered so far */
    uint64_t plans;              /* input shapes planned (again after an eviction) */
    size_t arena_bytes;          /* activation memory of the largest plan */
} amass_nn_session_stats;

void amass_nn_session_get_stats(const amass_nn_session *session, amass_nn_session_stats *stats);

#endif
