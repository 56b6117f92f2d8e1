/* Shape inference at one batch size, with the host evaluation of the
 * shape arithmetic exporters emit (Shape/Gather/Concat/Unsqueeze/Reshape on
 * known tensors), so their results become constants. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "nn_ops.h"
#include "nn_layout.h"

int nn_env_init(nn_env *env, const amass_nn_graph *graph, int n_nodes)
{
    memset(env, 0, sizeof *env);
    env->n_values = graph->n_values;
    env->types = calloc((size_t)graph->n_values + 1, sizeof *env->types);
    env->data = calloc((size_t)graph->n_values + 1, sizeof *env->data);
    env->owned = calloc((size_t)graph->n_values + 1, 1);
    env->folded_node = calloc((size_t)n_nodes + 1, 1);
    if (!env->types || !env->data || !env->owned || !env->folded_node)
        return 0;
    for (int v = 0; v < graph->n_values; v++) {
        env->types[v] = graph->values[v].type;
        env->data[v] = nn_constant_data(graph, v);
    }
    return 1;
}

void nn_env_free(nn_env *env)
{
    if (env->owned)
        for (int v = 0; v < env->n_values; v++)
            if (env->owned[v])
                free((void *)env->data[v]);
    free(env->types);
    free(env->data);
    free(env->owned);
    free(env->folded_node);
    memset(env, 0, sizeof *env);
}

int nn_op_runs(amass_nn_op op)
{
    switch (op) {
    case AMASS_NN_OP_UNKNOWN:
    case AMASS_NN_OP_SHAPE:
    case AMASS_NN_OP_CAST:
    case AMASS_NN_OP_COUNT:
    /* host-folded only (fold_math.c); Gather and Expand run (ops_math.c) */
    case AMASS_NN_OP_ERF:
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER:
    case AMASS_NN_OP_NOT:
    case AMASS_NN_OP_CONSTANT_OF_SHAPE:
    case AMASS_NN_OP_RANGE:
        return 0;
    default:
        return 1;
    }
}

static int folds_on_host(amass_nn_op op)
{
    switch (op) {
    case AMASS_NN_OP_SHAPE:
    case AMASS_NN_OP_GATHER:
    case AMASS_NN_OP_UNSQUEEZE:
    case AMASS_NN_OP_SQUEEZE:
    case AMASS_NN_OP_RESHAPE:
    case AMASS_NN_OP_FLATTEN:
    case AMASS_NN_OP_IDENTITY:
    case AMASS_NN_OP_CAST:
    case AMASS_NN_OP_CONCAT:
    case AMASS_NN_OP_SLICE:
    case AMASS_NN_OP_ADD:
    case AMASS_NN_OP_SUB:
    case AMASS_NN_OP_MUL:
    case AMASS_NN_OP_DIV:
        return 1;
    default:
        return nn_is_math_fold(op);
    }
}

int nn_fail_node(amass_status *status, const amass_nn_graph *graph, const nn_node *node, const char *format, ...)
{
    char message[AMASS_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: node '%s' (%s): %s", graph->name, nn_node_label(node),
                      node->op_type, message);
}

int nn_known_ints(const nn_env *env, int value, int64_t *out, int max)
{
    if (value < 0 || !env->data[value])
        return -1;
    const amass_nn_tensor_type *type = &env->types[value];
    size_t count = amass_nn_type_count(type);
    if (type->rank > 1 || count > (size_t)max)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (type->dtype == AMASS_NN_INT64)
            out[i] = ((const int64_t *)env->data[value])[i];
        else if (type->dtype == AMASS_NN_INT32)
            out[i] = ((const int32_t *)env->data[value])[i];
        else
            return -1;
    }
    return (int)count;
}

static int axes_of(const nn_node *node, const nn_env *env, int64_t *axes, int max)
{
    int count = nn_attr_ints(node, "axes", axes, max);
    if (count < 0 && node->n_inputs > 1 && node->inputs[1] >= 0)
        count = nn_known_ints(env, node->inputs[1], axes, max);
    return count > max ? -2 : count; /* -2: more axes than a tensor can have */
}

static int normalize_axis(int64_t *axis, int rank)
{
    if (*axis < 0)
        *axis += rank;
    return *axis >= 0 && *axis < rank;
}

int nn_broadcast(const amass_nn_tensor_type *a, const amass_nn_tensor_type *b, amass_nn_tensor_type *out)
{
    int rank = a->rank > b->rank ? a->rank : b->rank;
    out->rank = rank;
    out->dtype = a->dtype;
    for (int d = 0; d < rank; d++) {
        int64_t da = d - (rank - a->rank) >= 0 ? a->dims[d - (rank - a->rank)] : 1;
        int64_t db = d - (rank - b->rank) >= 0 ? b->dims[d - (rank - b->rank)] : 1;
        if (da != db && da != 1 && db != 1)
            return 0;
        out->dims[d] = da == 1 ? db : da;
    }
    return 1;
}

size_t nn_broadcast_index(const amass_nn_tensor_type *out, const amass_nn_tensor_type *in, size_t index)
{
    size_t position = 0, stride = 1;
    for (int d = out->rank - 1, di = in->rank - 1; d >= 0 && di >= 0; d--, di--) {
        size_t coordinate = index % (size_t)out->dims[d];
        index /= (size_t)out->dims[d];
        if (in->dims[di] != 1)
            position += coordinate * stride;
        stride *= (size_t)in->dims[di];
    }
    return position;
}

int nn_same_dims(const amass_nn_tensor_type *a, const amass_nn_tensor_type *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return 0;
    return 1;
}

static int infer_window(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    nn_window window;
    if (in->rank < 3 || in->rank > 5)
        return nn_fail_node(status, graph, node, "input has rank %d; 1-D to 3-D images run", in->rank);
    int result = nn_window_geometry(graph, node, env, &window, status);
    if (result != AMASS_OK)
        return result;
    *out = *in;
    if (node->op == AMASS_NN_OP_CONV)
        out->dims[1] = env->types[node->inputs[1]].dims[0];
    for (int d = 0; d < window.spatial; d++)
        out->dims[2 + d] = window.out[d];
    return AMASS_OK;
}

static int infer_matmul(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *a = &env->types[node->inputs[0]], *b = &env->types[node->inputs[1]];
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    if (node->op == AMASS_NN_OP_GEMM) {
        if (a->rank != 2 || b->rank != 2)
            return nn_fail_node(status, graph, node, "Gemm needs 2-D operands");
        int trans_a = (int)nn_attr_int(node, "transA", 0), trans_b = (int)nn_attr_int(node, "transB", 0);
        int64_t k_a = a->dims[trans_a ? 0 : 1], k_b = b->dims[trans_b ? 1 : 0];
        if (k_a != k_b)
            return nn_fail_node(status, graph, node, "inner dimensions %lld and %lld differ", (long long)k_a,
                                (long long)k_b);
        out->dtype = AMASS_NN_FLOAT32;
        out->rank = 2;
        out->dims[0] = a->dims[trans_a ? 1 : 0];
        out->dims[1] = b->dims[trans_b ? 0 : 1];
        return AMASS_OK;
    }
    if (a->rank < 2 || b->rank < 2)
        return nn_fail_node(status, graph, node, "1-D MatMul operands are not supported yet");
    if (a->dims[a->rank - 1] != b->dims[b->rank - 2])
        return nn_fail_node(status, graph, node, "inner dimensions %lld and %lld differ",
                            (long long)a->dims[a->rank - 1], (long long)b->dims[b->rank - 2]);
    amass_nn_tensor_type batch_a = *a, batch_b = *b;
    batch_a.rank -= 2;
    batch_b.rank -= 2;
    if (!nn_broadcast(&batch_a, &batch_b, out))
        return nn_fail_node(status, graph, node, "batch dimensions do not broadcast");
    out->dtype = AMASS_NN_FLOAT32;
    out->dims[out->rank] = a->dims[a->rank - 2];
    out->dims[out->rank + 1] = b->dims[b->rank - 1];
    out->rank += 2;
    return AMASS_OK;
}

static int infer_reshape(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    int64_t shape[AMASS_NN_MAX_RANK];
    int rank = node->n_inputs > 1 ? nn_known_ints(env, node->inputs[1], shape, AMASS_NN_MAX_RANK) : -1;
    if (rank < 0)
        return nn_fail_node(status, graph, node, "the target shape is not known at load time");
    size_t total = amass_nn_type_count(in), known = 1;
    int infer_at = -1;
    *out = *in;
    out->rank = rank;
    for (int d = 0; d < rank; d++) {
        if (shape[d] == 0 && !nn_attr_int(node, "allowzero", 0))
            shape[d] = d < in->rank ? in->dims[d] : 0;
        if (shape[d] == -1) {
            if (infer_at >= 0)
                return nn_fail_node(status, graph, node, "two -1 dimensions in the target shape");
            infer_at = d;
            continue;
        }
        if (shape[d] < 0)
            return nn_fail_node(status, graph, node, "target dimension %lld", (long long)shape[d]);
        out->dims[d] = shape[d];
        known *= (size_t)shape[d];
    }
    if (infer_at >= 0) {
        if (known == 0 || total % known)
            return nn_fail_node(status, graph, node, "cannot infer -1: %zu elements into blocks of %zu", total,
                                known);
        out->dims[infer_at] = (int64_t)(total / known);
    } else if (known != total) {
        return nn_fail_node(status, graph, node, "%zu elements cannot take the target shape (%zu)", total, known);
    }
    return AMASS_OK;
}

static int infer_squeeze(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    int64_t axes[AMASS_NN_MAX_RANK];
    int n_axes = axes_of(node, env, axes, AMASS_NN_MAX_RANK);
    int unsqueeze = node->op == AMASS_NN_OP_UNSQUEEZE;
    int out_rank = unsqueeze ? in->rank + n_axes : in->rank;
    unsigned char marked[AMASS_NN_MAX_RANK] = {0};
    if ((unsqueeze && n_axes < 0) || n_axes < -1 || out_rank > AMASS_NN_MAX_RANK)
        return nn_fail_node(status, graph, node, "axes missing, not known at load time or too many");
    for (int i = 0; i < n_axes; i++) {
        if (!normalize_axis(&axes[i], out_rank) || marked[axes[i]])
            return nn_fail_node(status, graph, node, "axis %lld is out of range or repeated", (long long)axes[i]);
        marked[axes[i]] = 1;
    }
    *out = *in;
    out->rank = 0;
    if (unsqueeze) {
        for (int d = 0, from = 0; d < out_rank; d++)
            out->dims[out->rank++] = marked[d] ? 1 : in->dims[from++];
        return AMASS_OK;
    }
    for (int d = 0; d < in->rank; d++) {
        int drop = n_axes < 0 ? in->dims[d] == 1 : marked[d];
        if (drop && in->dims[d] != 1)
            return nn_fail_node(status, graph, node, "cannot squeeze dimension %d of size %lld", d,
                                (long long)in->dims[d]);
        if (!drop)
            out->dims[out->rank++] = in->dims[d];
    }
    return AMASS_OK;
}

static amass_nn_dtype onnx_dtype(int64_t code, int *valid)
{
    *valid = 1;
    switch (code) {
    case 1:
        return AMASS_NN_FLOAT32;
    case 2:
        return AMASS_NN_UINT8;
    case 6:
        return AMASS_NN_INT32;
    case 7:
        return AMASS_NN_INT64;
    case 9:
        return AMASS_NN_BOOL;
    default:
        *valid = 0;
        return AMASS_NN_FLOAT32;
    }
}

static int infer_node(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = node->n_inputs > 0 && node->inputs[0] >= 0 ? &env->types[node->inputs[0]] : NULL;
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    int64_t axis;
    if (!in && node->op != AMASS_NN_OP_UNKNOWN)
        return nn_fail_node(status, graph, node, "the first input is missing");
    switch (node->op) {
    case AMASS_NN_OP_UNKNOWN:
    case AMASS_NN_OP_COUNT:
        return nn_fail_node(status, graph, node, "unsupported operator '%s'", node->op_type);
    case AMASS_NN_OP_CONV:
        if (node->n_inputs < 2 || node->inputs[1] < 0 || env->types[node->inputs[1]].rank < 1)
            return nn_fail_node(status, graph, node, "weights missing");
        /* oneDNN reads one bias per output channel: the count must match. */
        if (node->n_inputs > 2 && node->inputs[2] >= 0 &&
            amass_nn_type_count(&env->types[node->inputs[2]]) != (size_t)env->types[node->inputs[1]].dims[0])
            return nn_fail_node(status, graph, node, "the bias does not have one value per output channel");
        /* fall through */
    case AMASS_NN_OP_MAX_POOL:
    case AMASS_NN_OP_AVERAGE_POOL:
    case AMASS_NN_OP_GLOBAL_AVERAGE_POOL:
        return infer_window(graph, node, env, status);
    case AMASS_NN_OP_BATCH_NORMALIZATION:
        if (in->rank < 2 || node->n_inputs < 5)
            return nn_fail_node(status, graph, node, "needs an input of rank 2 or more and 4 parameters");
        for (int i = 1; i < 5; i++)
            if (node->inputs[i] < 0 || amass_nn_type_count(&env->types[node->inputs[i]]) != (size_t)in->dims[1])
                return nn_fail_node(status, graph, node, "parameter %d does not have one value per channel", i);
        *out = *in;
        return AMASS_OK;
    case AMASS_NN_OP_RELU:
    case AMASS_NN_OP_CLIP:
    case AMASS_NN_OP_SIGMOID:
    case AMASS_NN_OP_HARD_SIGMOID:
    case AMASS_NN_OP_HARD_SWISH:
    case AMASS_NN_OP_TANH:
    case AMASS_NN_OP_SOFTMAX:
    case AMASS_NN_OP_IDENTITY:
        *out = *in;
        return AMASS_OK;
    case AMASS_NN_OP_ADD:
    case AMASS_NN_OP_SUB:
    case AMASS_NN_OP_MUL:
    case AMASS_NN_OP_DIV:
        if (node->n_inputs != 2 || node->inputs[1] < 0 || !nn_broadcast(in, &env->types[node->inputs[1]], out))
            return nn_fail_node(status, graph, node, "operands do not broadcast");
        return AMASS_OK;
    case AMASS_NN_OP_GEMM:
    case AMASS_NN_OP_MATMUL:
        if (node->n_inputs < 2 || node->inputs[1] < 0)
            return nn_fail_node(status, graph, node, "second operand missing");
        return infer_matmul(graph, node, env, status);
    case AMASS_NN_OP_FLATTEN: {
        axis = nn_attr_int(node, "axis", 1);
        if (axis < 0)
            axis += in->rank;
        if (axis < 0 || axis > in->rank)
            return nn_fail_node(status, graph, node, "axis out of range");
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < in->rank; d++)
            *(d < axis ? &outer : &inner) *= in->dims[d];
        *out = *in;
        out->rank = 2;
        out->dims[0] = outer;
        out->dims[1] = inner;
        return AMASS_OK;
    }
    case AMASS_NN_OP_RESHAPE:
        return infer_reshape(graph, node, env, status);
    case AMASS_NN_OP_TRANSPOSE: {
        int64_t perm[AMASS_NN_MAX_RANK];
        unsigned char seen[AMASS_NN_MAX_RANK] = {0};
        int n = nn_attr_ints(node, "perm", perm, AMASS_NN_MAX_RANK);
        if (n < 0)
            for (n = 0; n < in->rank; n++)
                perm[n] = in->rank - 1 - n;
        if (n != in->rank)
            return nn_fail_node(status, graph, node, "perm has %d axes for rank %d", n, in->rank);
        *out = *in;
        for (int d = 0; d < n; d++) {
            if (!normalize_axis(&perm[d], n) || seen[perm[d]]++)
                return nn_fail_node(status, graph, node, "perm is not a permutation");
            out->dims[d] = in->dims[perm[d]];
        }
        return AMASS_OK;
    }
    case AMASS_NN_OP_CONCAT:
        axis = nn_attr_int(node, "axis", 0);
        if (!normalize_axis(&axis, in->rank))
            return nn_fail_node(status, graph, node, "axis out of range");
        *out = *in;
        out->dims[axis] = 0;
        for (int i = 0; i < node->n_inputs; i++) {
            const amass_nn_tensor_type *part = node->inputs[i] >= 0 ? &env->types[node->inputs[i]] : NULL;
            if (!part || part->rank != in->rank || part->dtype != in->dtype)
                return nn_fail_node(status, graph, node, "input %d differs in rank or type", i);
            for (int d = 0; d < in->rank; d++)
                if (d != axis && part->dims[d] != in->dims[d])
                    return nn_fail_node(status, graph, node, "input %d differs in dimension %d", i, d);
            out->dims[axis] += part->dims[axis];
        }
        return AMASS_OK;
    case AMASS_NN_OP_REDUCE_SUM:
    case AMASS_NN_OP_REDUCE_MAX:
    case AMASS_NN_OP_REDUCE_MIN:
    case AMASS_NN_OP_REDUCE_PROD:
    case AMASS_NN_OP_REDUCE_L2:
    case AMASS_NN_OP_REDUCE_MEAN: {
        int64_t axes[AMASS_NN_MAX_RANK];
        unsigned char marked[AMASS_NN_MAX_RANK] = {0};
        int n_axes = axes_of(node, env, axes, AMASS_NN_MAX_RANK);
        if ((n_axes < 0 && node->n_inputs > 1 && node->inputs[1] >= 0) || n_axes < -1)
            return nn_fail_node(status, graph, node, "axes not known at load time or too many");
        for (int i = 0; i < n_axes; i++)
            if (!normalize_axis(&axes[i], in->rank) || marked[axes[i]]++)
                return nn_fail_node(status, graph, node, "axis out of range or repeated");
        int keep = (int)nn_attr_int(node, "keepdims", 1);
        *out = *in;
        out->rank = 0;
        for (int d = 0; d < in->rank; d++)
            if (n_axes <= 0 || marked[d]) {
                if (keep)
                    out->dims[out->rank++] = 1;
            } else {
                out->dims[out->rank++] = in->dims[d];
            }
        return AMASS_OK;
    }
    case AMASS_NN_OP_SHAPE: {
        int64_t start = nn_attr_int(node, "start", 0), end = nn_attr_int(node, "end", in->rank);
        /* ONNX clamps both ends into [0, rank]. */
        start = start < 0 ? start + in->rank : start;
        start = start < 0 ? 0 : start > in->rank ? in->rank : start;
        end = end < 0 ? end + in->rank : end > in->rank ? in->rank : end;
        out->dtype = AMASS_NN_INT64;
        out->rank = 1;
        out->dims[0] = start >= 0 && end > start ? end - start : 0;
        return AMASS_OK;
    }
    case AMASS_NN_OP_GATHER: {
        const amass_nn_tensor_type *indices = node->n_inputs > 1 && node->inputs[1] >= 0 ? &env->types[node->inputs[1]]
                                                                                          : NULL;
        axis = nn_attr_int(node, "axis", 0);
        if (!indices || !normalize_axis(&axis, in->rank) || in->rank + indices->rank - 1 > AMASS_NN_MAX_RANK)
            return nn_fail_node(status, graph, node, "indices missing or axis out of range");
        *out = *in;
        out->rank = 0;
        for (int d = 0; d < in->rank; d++)
            if (d == axis)
                for (int j = 0; j < indices->rank; j++)
                    out->dims[out->rank++] = indices->dims[j];
            else
                out->dims[out->rank++] = in->dims[d];
        return AMASS_OK;
    }
    case AMASS_NN_OP_UNSQUEEZE:
    case AMASS_NN_OP_SQUEEZE:
        return infer_squeeze(graph, node, env, status);
    case AMASS_NN_OP_SLICE:
    case AMASS_NN_OP_SPLIT:
    case AMASS_NN_OP_PAD:
    case AMASS_NN_OP_RESIZE:
    case AMASS_NN_OP_UPSAMPLE:
    case AMASS_NN_OP_CONV_TRANSPOSE:
    case AMASS_NN_OP_DEPTH_TO_SPACE:
        return nn_infer_layout(graph, node, env, status);
    case AMASS_NN_OP_CAST: {
        int valid;
        *out = *in;
        out->dtype = onnx_dtype(nn_attr_int(node, "to", 1), &valid);
        if (!valid)
            return nn_fail_node(status, graph, node, "cast to ONNX type %lld", (long long)nn_attr_int(node, "to", 0));
        /* Integers computed at run time are carried as float32 (exact
         * below 2^24); the cast's rounding runs as a kernel. */
        if (!env->data[node->inputs[0]])
            out->dtype = AMASS_NN_FLOAT32;
        return AMASS_OK;
    }
    case AMASS_NN_OP_ERF:
    case AMASS_NN_OP_EXP:
    case AMASS_NN_OP_LOG:
    case AMASS_NN_OP_SQRT:
    case AMASS_NN_OP_NEG:
    case AMASS_NN_OP_ABS:
    case AMASS_NN_OP_RECIPROCAL:
    case AMASS_NN_OP_LEAKY_RELU:
    case AMASS_NN_OP_ELU:
    case AMASS_NN_OP_SOFTPLUS:
    case AMASS_NN_OP_GELU:
    case AMASS_NN_OP_NOT:
    case AMASS_NN_OP_POW:
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER:
    case AMASS_NN_OP_WHERE:
    case AMASS_NN_OP_EXPAND:
    case AMASS_NN_OP_CONSTANT_OF_SHAPE:
    case AMASS_NN_OP_RANGE:
    case AMASS_NN_OP_LAYER_NORMALIZATION:
        return nn_infer_math(graph, node, env, status);
    }
    return nn_fail_node(status, graph, node, "unsupported operator '%s'", node->op_type);
}

int nn_infer(const amass_nn_graph *graph, int64_t batch, nn_env *env, amass_status *status)
{
    for (int i = 0; i < graph->n_inputs; i++) {
        amass_nn_tensor_type *type = &env->types[graph->inputs[i]];
        if (type->rank > 0 && type->dims[0] == AMASS_NN_DYNAMIC)
            type->dims[0] = batch;
    }
    return nn_infer_dims(graph, NULL, env, status);
}

int nn_infer_dims(const amass_nn_graph *graph, const int64_t *input_dims, nn_env *env, amass_status *status)
{
    for (int i = 0; i < graph->n_inputs && input_dims; i++) {
        amass_nn_tensor_type *type = &env->types[graph->inputs[i]];
        for (int d = 0; d < type->rank; d++)
            type->dims[d] = input_dims[(size_t)i * AMASS_NN_MAX_RANK + (size_t)d];
    }
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead)
            continue;
        for (int i = 0; i < node->n_inputs; i++)
            if (node->inputs[i] >= 0 && env->types[node->inputs[i]].dtype != AMASS_NN_FLOAT32 &&
                !env->data[node->inputs[i]] && node->op != AMASS_NN_OP_SHAPE)
                return nn_fail_node(status, graph, node, "input '%s' is %s and only known at run time",
                                    graph->values[node->inputs[i]].name,
                                    amass_nn_dtype_name(env->types[node->inputs[i]].dtype));
        int result = infer_node(graph, node, env, status);
        if (result != AMASS_OK)
            return result;
        /* Hostile shapes (a Reshape to [2^40, 2^40]) stop here, before
         * any size arithmetic can overflow. */
        const amass_nn_tensor_type *out = &env->types[node->outputs[0]];
        double elements = 1;
        for (int d = 0; d < out->rank; d++) {
            if (out->dims[d] < 0 || out->dims[d] > ((int64_t)1 << 40))
                return nn_fail_node(status, graph, node, "dimension %d is %lld", d, (long long)out->dims[d]);
            elements *= (double)out->dims[d];
        }
        if (elements > (double)((int64_t)1 << 40))
            return nn_fail_node(status, graph, node, "the output would hold %.0f elements", elements);
        for (int o = 1; o < node->n_outputs && node->op != AMASS_NN_OP_SPLIT; o++)
            if (nn_value_use_count(graph, node->outputs[o]) > 0)
                return nn_fail_node(status, graph, node, "output %d is used; only the first output runs", o);
        int all_known = folds_on_host(node->op);
        for (int i = 0; i < node->n_inputs && all_known; i++)
            if (node->inputs[i] >= 0 && !env->data[node->inputs[i]] && node->op != AMASS_NN_OP_SHAPE)
                all_known = 0;
        if (!all_known)
            continue;
        void *data = NULL;
        result = nn_host_evaluate(graph, node, env, &data, status);
        if (result != AMASS_OK)
            return result;
        env->data[node->outputs[0]] = data;
        env->owned[node->outputs[0]] = 1;
        env->folded_node[n] = 1;
    }
    return AMASS_OK;
}
