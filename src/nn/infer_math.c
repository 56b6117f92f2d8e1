/* Shape inference for the ops Transformer encoders add: elementwise math,
 * comparisons, Where, Expand, ConstantOfShape, Range, LayerNormalization. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_internal.h"
#include "nn_ops.h"

/* "[2,8,32]" for messages. */
static const char *shape_text(const amass_nn_tensor_type *type, char *text, size_t size)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int d = 0; d < type->rank && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld", d ? "," : "", (long long)type->dims[d]);
    if (used < size)
        snprintf(text + used, size - used, "]");
    return text;
}

static const amass_nn_tensor_type *input_type(const nn_node *node, const nn_env *env, int i)
{
    return i < node->n_inputs && node->inputs[i] >= 0 ? &env->types[node->inputs[i]] : NULL;
}

static double known_scalar(const nn_env *env, int value, int *ok)
{
    *ok = value >= 0 && env->data[value] && amass_nn_type_count(&env->types[value]) == 1;
    if (!*ok)
        return 0;
    switch (env->types[value].dtype) {
    case AMASS_NN_FLOAT32:
        return ((const float *)env->data[value])[0];
    case AMASS_NN_INT64:
        return (double)((const int64_t *)env->data[value])[0];
    case AMASS_NN_INT32:
        return ((const int32_t *)env->data[value])[0];
    default:
        *ok = 0;
        return 0;
    }
}

static int infer_range(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    double start, limit, delta;
    int known[3];
    if (node->n_inputs != 3)
        return nn_fail_node(status, graph, node, "needs start, limit and delta");
    start = known_scalar(env, node->inputs[0], &known[0]);
    limit = known_scalar(env, node->inputs[1], &known[1]);
    delta = known_scalar(env, node->inputs[2], &known[2]);
    if (!known[0] || !known[1] || !known[2])
        return nn_fail_node(status, graph, node, "start, limit and delta must be scalars known at load time");
    if (delta == 0)
        return nn_fail_node(status, graph, node, "delta is 0");
    double count = ceil((limit - start) / delta);
    if (count != count)
        return nn_fail_node(status, graph, node, "start %g, limit %g and delta %g give no range", start, limit, delta);
    if (!(count < (double)((int64_t)1 << 30)))
        return nn_fail_node(status, graph, node, "the range would hold %.3g elements", count);
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    out->dtype = env->types[node->inputs[0]].dtype;
    out->rank = 1;
    out->dims[0] = count > 0 ? (int64_t)count : 0;
    return AMASS_OK;
}

static int infer_layer_norm(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = input_type(node, env, 0);
    int64_t axis = nn_attr_int(node, "axis", -1);
    char got[128], want[128];
    if (axis < 0)
        axis += in->rank;
    if (axis < 0 || axis >= in->rank)
        return nn_fail_node(status, graph, node, "axis %lld is out of range for rank %d",
                            (long long)nn_attr_int(node, "axis", -1), in->rank);
    /* The normalized shape: the input's dimensions from axis on. */
    amass_nn_tensor_type normalized = {.dtype = AMASS_NN_FLOAT32, .rank = in->rank - (int)axis};
    for (int d = 0; d < normalized.rank; d++)
        normalized.dims[d] = in->dims[axis + d];
    for (int i = 1; i < 3; i++) {
        const amass_nn_tensor_type *parameter = input_type(node, env, i);
        if (!parameter) {
            if (i == 1)
                return nn_fail_node(status, graph, node, "the scale input is missing");
            continue;
        }
        int same = parameter->rank == normalized.rank && parameter->dtype == AMASS_NN_FLOAT32;
        for (int d = 0; d < normalized.rank && same; d++)
            same = parameter->dims[d] == normalized.dims[d];
        if (!same)
            return nn_fail_node(status, graph, node, "the %s has shape %s; normalizing from axis %lld needs %s",
                                i == 1 ? "scale" : "bias", shape_text(parameter, got, sizeof got), (long long)axis,
                                shape_text(&normalized, want, sizeof want));
    }
    if (in->dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, graph, node, "only float32 input is supported");
    env->types[node->outputs[0]] = *in;
    return AMASS_OK;
}

static int infer_where(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *condition = input_type(node, env, 0), *x = input_type(node, env, 1),
                               *y = input_type(node, env, 2);
    amass_nn_tensor_type both, all;
    char a[128], b[128], c[128];
    if (node->n_inputs != 3 || !x || !y)
        return nn_fail_node(status, graph, node, "needs a condition and two values");
    /* a condition computed at run time is carried as float32 (nn_value) */
    if (condition->dtype != AMASS_NN_BOOL && !(condition->dtype == AMASS_NN_FLOAT32 && !env->data[node->inputs[0]]))
        return nn_fail_node(status, graph, node, "the condition is %s, not bool",
                            amass_nn_dtype_name(condition->dtype));
    if (x->dtype != y->dtype)
        return nn_fail_node(status, graph, node, "the values are %s and %s", amass_nn_dtype_name(x->dtype),
                            amass_nn_dtype_name(y->dtype));
    if (!nn_broadcast(x, y, &both) || !nn_broadcast(&both, condition, &all))
        return nn_fail_node(status, graph, node, "condition %s, x %s and y %s do not broadcast",
                            shape_text(condition, a, sizeof a), shape_text(x, b, sizeof b), shape_text(y, c, sizeof c));
    all.dtype = x->dtype;
    env->types[node->outputs[0]] = all;
    return AMASS_OK;
}

/* The shape in value (Expand's target, ConstantOfShape's input) into
 * type's rank and dimensions: known at load and none negative. */
static int known_shape(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, int value,
                       amass_nn_tensor_type *type, amass_status *status)
{
    int rank = nn_known_ints(env, value, type->dims, AMASS_NN_MAX_RANK);
    if (rank < 0)
        return nn_fail_node(status, graph, node, "the shape must be known at load time (at most %d dimensions)",
                            AMASS_NN_MAX_RANK);
    type->rank = rank;
    for (int d = 0; d < rank; d++)
        if (type->dims[d] < 0)
            return nn_fail_node(status, graph, node, "shape dimension %d is %lld", d, (long long)type->dims[d]);
    return AMASS_OK;
}

static int infer_expand(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = input_type(node, env, 0);
    amass_nn_tensor_type target = {.dtype = in->dtype}, out;
    char a[128], b[128];
    int result = known_shape(graph, node, env, node->n_inputs == 2 ? node->inputs[1] : -1, &target, status);
    if (result != AMASS_OK)
        return result;
    /* ONNX Expand broadcasts both ways: a target 1 keeps the input's size. */
    if (!nn_broadcast(in, &target, &out))
        return nn_fail_node(status, graph, node, "cannot expand %s to %s", shape_text(in, a, sizeof a),
                            shape_text(&target, b, sizeof b));
    out.dtype = in->dtype;
    env->types[node->outputs[0]] = out;
    return AMASS_OK;
}

static int infer_constant_of_shape(const amass_nn_graph *graph, const nn_node *node, nn_env *env,
                                   amass_status *status)
{
    amass_nn_tensor_type out = {.dtype = AMASS_NN_FLOAT32};
    int result = known_shape(graph, node, env, node->inputs[0], &out, status);
    if (result != AMASS_OK)
        return result;
    const amass_nn_tensor_type *value = input_type(node, env, 1);
    if (value) {
        if (amass_nn_type_count(value) != 1 || !env->data[node->inputs[1]])
            return nn_fail_node(status, graph, node, "the value must be one known element");
        out.dtype = value->dtype;
    }
    env->types[node->outputs[0]] = out;
    return AMASS_OK;
}

int nn_infer_math(const amass_nn_graph *graph, const nn_node *node, nn_env *env, amass_status *status)
{
    const amass_nn_tensor_type *in = input_type(node, env, 0);
    amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    char a[128], b[128];
    switch (node->op) {
    case AMASS_NN_OP_NOT:
        if (in->dtype != AMASS_NN_BOOL && !(in->dtype == AMASS_NN_FLOAT32 && !env->data[node->inputs[0]]))
            return nn_fail_node(status, graph, node, "the input is %s, not bool", amass_nn_dtype_name(in->dtype));
        *out = *in;
        return AMASS_OK;
    case AMASS_NN_OP_POW:
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER:
        if (node->n_inputs != 2 || !input_type(node, env, 1))
            return nn_fail_node(status, graph, node, "needs two inputs");
        if (!nn_broadcast(in, input_type(node, env, 1), out))
            return node->op == AMASS_NN_OP_POW
                       ? nn_fail_node(status, graph, node, "base %s and exponent %s do not broadcast",
                                      shape_text(in, a, sizeof a), shape_text(input_type(node, env, 1), b, sizeof b))
                       : nn_fail_node(status, graph, node, "operands %s and %s do not broadcast",
                                      shape_text(in, a, sizeof a), shape_text(input_type(node, env, 1), b, sizeof b));
        /* a runtime operand carries integers as float32 (nn_value) */
        if (node->op != AMASS_NN_OP_POW && in->dtype != input_type(node, env, 1)->dtype &&
            env->data[node->inputs[0]] && env->data[node->inputs[1]])
            return nn_fail_node(status, graph, node, "operands are %s and %s", amass_nn_dtype_name(in->dtype),
                                amass_nn_dtype_name(input_type(node, env, 1)->dtype));
        out->dtype = node->op == AMASS_NN_OP_POW ? in->dtype : AMASS_NN_BOOL;
        return AMASS_OK;
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
        *out = *in;
        for (int i = 1; i < node->n_inputs; i++) {
            const amass_nn_tensor_type *other = input_type(node, env, i);
            amass_nn_tensor_type wider;
            if (!other || other->dtype != in->dtype || !nn_broadcast(out, other, &wider))
                return nn_fail_node(status, graph, node, "input %d is missing, of another type or does not broadcast",
                                    i);
            *out = wider;
        }
        return AMASS_OK;
    case AMASS_NN_OP_WHERE:
        return infer_where(graph, node, env, status);
    case AMASS_NN_OP_EXPAND:
        return infer_expand(graph, node, env, status);
    case AMASS_NN_OP_CONSTANT_OF_SHAPE:
        return infer_constant_of_shape(graph, node, env, status);
    case AMASS_NN_OP_RANGE:
        return infer_range(graph, node, env, status);
    case AMASS_NN_OP_LAYER_NORMALIZATION:
        return infer_layer_norm(graph, node, env, status);
    default: /* unary math keeps the shape and type */
        if (in->dtype != AMASS_NN_FLOAT32)
            return nn_fail_node(status, graph, node, "the input is %s, not float32", amass_nn_dtype_name(in->dtype));
        *out = *in;
        return AMASS_OK;
    }
}
