/* Geometry of the layout and resampling ops (Slice, Split, Pad, Resize,
 * Upsample, ConvTranspose): read once from attributes and known inputs,
 * checked, and shared by shape inference, host folding and the executor. */
#ifndef AMASS_NN_LAYOUT_H
#define AMASS_NN_LAYOUT_H

#include "nn_ops.h"

/* infer_layout.c */
int nn_infer_layout(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status);

typedef struct {
    int rank;
    int64_t start[AMASS_NN_MAX_RANK], step[AMASS_NN_MAX_RANK], out[AMASS_NN_MAX_RANK];
} nn_slice;

int nn_slice_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_slice *slice,
                      amass_status *status);

/* Split: the axis and the length of each output along it. */
typedef struct {
    int axis, n_outputs;
    int64_t *sizes; /* n_outputs lengths, owned */
} nn_split;

int nn_split_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_split *split,
                      amass_status *status);

typedef enum { NN_PAD_CONSTANT, NN_PAD_REFLECT, NN_PAD_EDGE } nn_pad_mode;

typedef struct {
    int rank;
    nn_pad_mode mode;
    float value;
    int64_t begin[AMASS_NN_MAX_RANK], end[AMASS_NN_MAX_RANK]; /* negative crops */
} nn_pad;

int nn_pad_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_pad *pad,
                    amass_status *status);

typedef enum {
    NN_RESIZE_HALF_PIXEL,
    NN_RESIZE_PYTORCH_HALF_PIXEL,
    NN_RESIZE_ALIGN_CORNERS,
    NN_RESIZE_ASYMMETRIC,
    NN_RESIZE_TF_HALF_PIXEL_FOR_NN
} nn_resize_transform;

/* ONNX Runtime's "simple" rounding of Upsample and opset-10 Resize: floor
 * when enlarging, ceil when shrinking. */
typedef enum { NN_NEAREST_ROUND_PREFER_FLOOR, NN_NEAREST_ROUND_PREFER_CEIL, NN_NEAREST_FLOOR, NN_NEAREST_CEIL,
               NN_NEAREST_SIMPLE } nn_nearest_mode;

typedef struct {
    int rank, linear;
    nn_resize_transform transform;
    nn_nearest_mode nearest;
    int64_t in[AMASS_NN_MAX_RANK], out[AMASS_NN_MAX_RANK];
    float scale[AMASS_NN_MAX_RANK];
} nn_resize;

int nn_resize_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_resize *resize,
                       amass_status *status);
/* The input coordinate output index x maps to along dimension d. */
float nn_resize_source(const nn_resize *resize, int d, int64_t x);

typedef struct {
    nn_window window;
    int64_t output_padding[3];
    int64_t group, out_channels;
} nn_deconv;

int nn_deconv_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, nn_deconv *deconv,
                       amass_status *status);

/* DepthToSpace: block size and whether channels are read column-row-depth
 * (CRD, PixelShuffle's order) rather than depth-column-row (DCR). */
typedef struct {
    int64_t block;
    int crd;
} nn_depth_to_space;

int nn_depth_to_space_geometry(const amass_nn_graph *graph, const nn_node *node, const nn_env *env,
                               nn_depth_to_space *geometry, amass_status *status);

/* passes_fold_chain.c: BatchNormalization and constant bias Adds folded
 * into the ConvTranspose before them; scalar affine steps and spelled-out
 * hard swish after a Conv or ConvTranspose made post-ops. */
int nn_fold_into_deconv(amass_nn_graph *graph, amass_status *status);
int nn_fold_scalar_chains(amass_nn_graph *graph, amass_status *status);

/* ops_gather.c: output element [i0, i1, ...] takes input element
 * [index[0][i0], index[1][i1], ...], or fill where any index is -1. Slice,
 * Split, Pad and nearest Resize are all this one copy. */
typedef struct {
    int rank;
    size_t element; /* bytes per element */
    int64_t in[AMASS_NN_MAX_RANK], out[AMASS_NN_MAX_RANK];
    int64_t *index[AMASS_NN_MAX_RANK];
    float fill;
} nn_gather;

/* Tables for one output of node (Split has several). */
int nn_gather_for_node(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, int output,
                       nn_gather *gather, amass_status *status);
void nn_gather_free(nn_gather *gather);
void nn_gather_run(const nn_gather *gather, const void *in, void *out);
/* A host step computing output of node from the plain slot src. */
int nn_add_gather_step(nn_plan *plan, const nn_node *node, int src, int output, amass_status *status);
/* Host folding of a Slice on known data (shape arithmetic). */
int nn_slice_evaluate(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void *result,
                      amass_status *status);

/* host_step.c: a step the library runs itself rather than a oneDNN
 * primitive; params is freed with the plan (also when this fails). */
nn_step *nn_plan_add_host_step(nn_plan *plan, nn_host_kernel kernel, void *params, void (*free_params)(void *),
                               amass_status *status);
/* The usual host step: reads the plain slot src and writes value out,
 * which it leaves plain. */
int nn_plan_add_plain_host_step(nn_plan *plan, nn_host_kernel kernel, void *params, void (*free_params)(void *),
                                int src, int out, amass_status *status);
dnnl_status_t nn_run_host_step(dnnl_stream_t stream, const nn_step *step);

#endif
