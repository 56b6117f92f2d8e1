/* Internal interface between the executor's plan (exec.c, memory_plan.c)
 * and the per-family primitive setup (ops_*.c). */
#ifndef AMASS_NN_OPS_H
#define AMASS_NN_OPS_H

#include <stdarg.h>
#include <stdio.h>

#include "nn_internal.h"

int nn_fail_node(amass_status *status, const amass_nn_graph *graph, const nn_node *node, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
int nn_broadcast(const amass_nn_tensor_type *a, const amass_nn_tensor_type *b, amass_nn_tensor_type *out);
/* The element of a tensor of type in that element index of out reads
 * under numpy broadcasting (in aligned to out's trailing dimensions). */
size_t nn_broadcast_index(const amass_nn_tensor_type *out, const amass_nn_tensor_type *in, size_t index);
/* Same rank and dimensions (the element types aside). */
int nn_same_dims(const amass_nn_tensor_type *a, const amass_nn_tensor_type *b);

typedef struct {
    int spatial;
    int64_t kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3], out[3];
} nn_window;

int nn_window_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_window *window,
                       amass_status *status);
int nn_host_evaluate(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void **result,
                     amass_status *status);
/* The buffer of a folded value of count elements (and one spare byte, so
 * an empty one is not NULL); a value past 2^28 elements is refused. */
int nn_fold_buffer(const amass_nn_graph *graph, const nn_node *node, size_t count, size_t element,
                   unsigned char **data, amass_status *status);
/* Clip bounds from attributes (opset 6) or constant inputs (opset 11+). */
int nn_clip_bounds(const amass_nn_graph *graph, const nn_node *node, float *low, float *high);

#define NN_MAX_ARGS 72

/* A kernel the library runs itself; data[a] is the buffer of argument a. */
typedef void (*nn_host_kernel)(const void *params, void *const *data);

typedef struct {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    int n_args;
    int arg_kind[NN_MAX_ARGS];
    int arg_slot[NN_MAX_ARGS];              /* -1 when arg_memory is fixed */
    dnnl_memory_t arg_memory[NN_MAX_ARGS]; /* owned by the session's weight cache */
    dnnl_exec_arg_t exec_args[NN_MAX_ARGS];
    int dst_slot;
    /* A residual added by a sum post-op: copied into dst first unless
     * the memory plan let dst share its buffer. */
    int sum_slot;
    dnnl_primitive_desc_t sum_copy_pd;
    dnnl_primitive_t sum_copy;
    int sum_in_place;
    nn_host_kernel host_kernel; /* set: runs instead of a oneDNN primitive */
    void *host_params;
    void (*host_free)(void *params);
} nn_step;

typedef struct {
    dnnl_memory_desc_t md;
    int has_md;
    int root;            /* slot whose storage this slot uses */
    const void *external; /* constant data outside the arena */
    size_t offset;
    int last_read;       /* step index, -1 never read */
    int written_at;      /* step index, -1 for graph inputs */
    int plain;           /* slot holding the plain-layout copy, -1 none yet */
    int converted;       /* slot holding the last other-layout copy, 0 none */
    dnnl_memory_t memory;
} nn_slot;

typedef struct nn_weight nn_weight;

typedef struct {
    const amass_nn_graph *graph;
    struct amass_nn_session *session;
    int64_t batch;
    nn_env env;
    nn_slot *slots;
    int n_slots, slots_capacity;
    nn_step *steps;
    int n_steps, steps_capacity;
    unsigned char *arena;
    size_t arena_bytes;
    int *input_slots, *output_slots;
    int *output_bound; /* per output: written straight into the caller's array */
    int64_t *input_dims; /* the plan's key: n_inputs rows of AMASS_NN_MAX_RANK */
    uint64_t last_used;  /* the session's run counter when last run, for eviction */
    void **carried;      /* float32 copies of integer constants runtime ops read */
    int n_carried;
} nn_plan;

/* exec.c: building a plan */
dnnl_engine_t nn_session_engine(const struct amass_nn_session *session);
void nn_session_count_primitive(struct amass_nn_session *session);
int nn_session_winograd(const struct amass_nn_session *session);
/* The data type convolutions and matrix products compute in: bf16 when
 * the session asked for it and the CPU has it, else f32. */
dnnl_data_type_t nn_session_compute_type(const struct amass_nn_session *session);
int nn_plan_new_slot(nn_plan *plan, const dnnl_memory_desc_t *md, amass_status *status);
void nn_plan_set_md(nn_plan *plan, int slot, const dnnl_memory_desc_t *md);
/* The slot holding value's data in plain row-major layout, reordering once. */
int nn_plan_plain(nn_plan *plan, int slot, amass_status *status);
/* The slot holding value's data with exactly md, reordering if it differs. */
int nn_plan_as(nn_plan *plan, int slot, const dnnl_memory_desc_t *md, amass_status *status);
/* The slot holding value's data in float32, same layout (converting
 * from bf16 once when it is not). */
int nn_plan_f32(nn_plan *plan, int slot, amass_status *status);
/* Takes ownership of pd (also on failure). */
nn_step *nn_plan_add_step(nn_plan *plan, dnnl_primitive_desc_t pd, amass_status *status);
void nn_step_arg(nn_step *step, int kind, int slot);
void nn_step_arg_memory(nn_step *step, int kind, dnnl_memory_t memory);
/* Constant data reordered once into wanted and kept by the session. */
int nn_plan_weights(nn_plan *plan, int node, int input, const dnnl_memory_desc_t *user_md, const void *data,
                    const dnnl_memory_desc_t *wanted, dnnl_memory_t *memory, amass_status *status);
/* A slot over a known (constant or folded) value, plain layout. */
int nn_plan_known_slot(nn_plan *plan, int value, amass_status *status);
/* The slot holding input i of node: a known (constant) value's slot, or
 * the slot of the op that produces it; fails naming the node when the
 * input is missing or nothing that runs produces it. */
int nn_plan_input_slot(nn_plan *plan, const nn_node *node, int i, amass_status *status);
void nn_plain_md(dnnl_memory_desc_t *md, const amass_nn_tensor_type *type);
/* ops_conv.c: a plain f32 md of these dims; a format_tag_any md; a compute
 * step whose fused residual (sum_slot, -1 none) is copied into dst first. */
void nn_plain_dims_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims);
void nn_any_md(dnnl_memory_desc_t *md, int rank, const int64_t *dims, dnnl_data_type_t type);
int nn_add_compute_step(nn_plan *plan, dnnl_primitive_desc_t pd, int sum_slot, nn_step **step,
                        amass_status *status);
/* pd runs oneDNN's reference kernel (or says nothing of its kernel): far
 * slower than an optimised kernel on another layout. */
int nn_pd_is_reference(const_dnnl_primitive_desc_t pd);
/* A Transpose's perm as rank input axes, one per output axis, negatives
 * resolved; absent, the axes reversed (ONNX). 0 when it is no permutation. */
int nn_transpose_perm(const nn_node *node, int rank, int *perm);
int nn_dnnl_fail(amass_status *status, const nn_plan *plan, const nn_node *node, const char *what,
                 dnnl_status_t result);

/* memory_plan.c: buffer offsets by lifetime, sum post-ops in place */
int nn_plan_memory(nn_plan *plan, amass_status *status);

/* ops_*.c: one builder per op family */
int nn_build_conv(nn_plan *plan, int node_index, amass_status *status);
int nn_build_matmul(nn_plan *plan, int node_index, amass_status *status);
int nn_build_eltwise(nn_plan *plan, int node_index, amass_status *status);
int nn_build_binary(nn_plan *plan, int node_index, amass_status *status);
int nn_build_pool(nn_plan *plan, int node_index, amass_status *status);
int nn_build_batch_norm(nn_plan *plan, int node_index, amass_status *status);
int nn_build_softmax(nn_plan *plan, int node_index, amass_status *status);
int nn_build_reduce(nn_plan *plan, int node_index, amass_status *status);
int nn_build_layout(nn_plan *plan, int node_index, amass_status *status);
/* ops_math.c: unary math, Pow, Max/Min, Where, LayerNormalization, Gather */
int nn_build_math(nn_plan *plan, int node_index, amass_status *status);
int nn_build_gather(nn_plan *plan, int node_index, amass_status *status);
int nn_build_resize(nn_plan *plan, int node_index, amass_status *status);
int nn_build_deconv(nn_plan *plan, int node_index, amass_status *status);
int nn_build_depth_to_space(nn_plan *plan, int node_index, amass_status *status);
/* ops_runtime_int.c: Cast of a runtime tensor, and Gather by indices
 * known only at run time (token ids into an embedding table) */
int nn_build_cast(nn_plan *plan, int node_index, amass_status *status);
int nn_build_gather_runtime(nn_plan *plan, int node_index, amass_status *status);
/* Equal, Less, Greater, Not and CumSum of runtime tensors (RoBERTa's
 * position ids, DistilBERT's mask), as 0/1 and sums in float32 */
int nn_build_logic_runtime(nn_plan *plan, int node_index, amass_status *status);
/* Where by a condition known only at run time (an attention mask) */
int nn_build_where_runtime(nn_plan *plan, int node_index, amass_status *status);
/* Post-ops of a fused node as a primitive attribute; the residual slot
 * (or -1) for the sum. */
int nn_post_ops_attr(nn_plan *plan, const nn_node *node, dnnl_primitive_attr_t *attr, int *sum_slot,
                     amass_status *status);
/* ops_basic.c: creates the primitive for desc and adds it as a step
 * reading src into the node's output, which takes the primitive's
 * destination layout; *added (if not NULL) gets the step. */
int nn_add_simple_step(nn_plan *plan, const nn_node *node, const void *desc, dnnl_primitive_attr_t attr,
                       int src_kind, int src, const char *what, nn_step **added, amass_status *status);
/* ops_layout.c: a slot over slot's storage seen through md (marked as its
 * own plain copy when plain is set: md is then row-major). */
int nn_view_slot(nn_plan *plan, int slot, const dnnl_memory_desc_t *md, int plain, amass_status *status);
/* The node's output as a plain copy of src read through view_md (permuted
 * or broadcast strides), by one reorder. */
int nn_add_view_reorder(nn_plan *plan, const nn_node *node, int src, const dnnl_memory_desc_t *view_md,
                        const char *what, amass_status *status);
/* ops_conv.c: what Conv and ConvTranspose share around their primitive.
 * The window as oneDNN's strides, gaps between taps and paddings. */
void nn_window_dnnl(const nn_window *window, dnnl_dims_t strides, dnnl_dims_t dilates, dnnl_dims_t pad_left,
                    dnnl_dims_t pad_right);
/* The step of a made (de)convolution pd: src in the layout pd picked,
 * the constant weights (input 1, read through weights_user) and bias
 * (input 2, if any) reordered once, dst in pd's layout and a fused
 * residual in it too. Takes ownership of pd (also on failure). */
int nn_add_convolution_step(nn_plan *plan, int node_index, dnnl_primitive_desc_t pd,
                            const dnnl_memory_desc_t *weights_user, const dnnl_memory_desc_t *bias_md, int sum_slot,
                            amass_status *status);

#endif
