/* Host evaluation of the Transformer-encoder ops when every input is known
 * at load: the mask and position arithmetic exporters emit (Equal/Where/
 * Expand/ConstantOfShape/Range on shapes) and math on constants. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "nn_ops.h"

int nn_is_math_fold(amass_nn_op op)
{
    switch (op) {
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
    case AMASS_NN_OP_POW:
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER:
    case AMASS_NN_OP_NOT:
    case AMASS_NN_OP_WHERE:
    case AMASS_NN_OP_EXPAND:
    case AMASS_NN_OP_CONSTANT_OF_SHAPE:
    case AMASS_NN_OP_RANGE:
        return 1;
    default:
        return 0;
    }
}

/* Numbers pass through double: exact for int64 shape values below 2^53,
 * and float math is rounded once on the way back. */
double nn_load_number(amass_nn_dtype dtype, const void *data, size_t i)
{
    switch (dtype) {
    case AMASS_NN_FLOAT32:
        return ((const float *)data)[i];
    case AMASS_NN_INT64:
        return (double)((const int64_t *)data)[i];
    case AMASS_NN_INT32:
        return ((const int32_t *)data)[i];
    case AMASS_NN_UINT8:
    case AMASS_NN_BOOL:
        return ((const uint8_t *)data)[i];
    }
    return 0;
}

void nn_store_number(amass_nn_dtype dtype, void *data, size_t i, double number)
{
    switch (dtype) {
    case AMASS_NN_FLOAT32:
        ((float *)data)[i] = (float)number;
        break;
    case AMASS_NN_INT64:
        ((int64_t *)data)[i] = number != number    ? 0
                               : number > 9.2e18  ? INT64_MAX
                               : number < -9.2e18 ? INT64_MIN
                                                  : (int64_t)number;
        break;
    case AMASS_NN_INT32:
        ((int32_t *)data)[i] = number != number        ? 0
                               : number > 2147483647.0  ? INT32_MAX
                               : number < -2147483648.0 ? INT32_MIN
                                                        : (int32_t)number;
        break;
    case AMASS_NN_UINT8:
        ((uint8_t *)data)[i] = number != number ? 0 : number > 255 ? 255 : number < 0 ? 0 : (uint8_t)number;
        break;
    case AMASS_NN_BOOL:
        ((uint8_t *)data)[i] = number != 0;
        break;
    }
}

static double unary(const nn_node *node, double x)
{
    switch (node->op) {
    case AMASS_NN_OP_ERF:
        return erf(x);
    case AMASS_NN_OP_EXP:
        return exp(x);
    case AMASS_NN_OP_LOG:
        return log(x);
    case AMASS_NN_OP_SQRT:
        return sqrt(x);
    case AMASS_NN_OP_NEG:
        return -x;
    case AMASS_NN_OP_ABS:
        return fabs(x);
    case AMASS_NN_OP_RECIPROCAL:
        return 1 / x;
    case AMASS_NN_OP_LEAKY_RELU:
        return x < 0 ? nn_attr_float(node, "alpha", 0.01f) * x : x;
    case AMASS_NN_OP_ELU:
        return x < 0 ? nn_attr_float(node, "alpha", 1.0f) * (exp(x) - 1) : x;
    case AMASS_NN_OP_SOFTPLUS:
        return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case AMASS_NN_OP_NOT:
        return x == 0;
    default:
        return x;
    }
}

static double binary(amass_nn_op op, amass_nn_dtype dtype, double x, double y)
{
    switch (op) {
    case AMASS_NN_OP_POW:
        return pow(x, y);
    case AMASS_NN_OP_MAX:
        return x > y || x != x ? x : y;
    case AMASS_NN_OP_MIN:
        return x < y || x != x ? x : y;
    case AMASS_NN_OP_EQUAL:
        /* float32 operands compare as float32, not as their double images */
        return dtype == AMASS_NN_FLOAT32 ? (float)x == (float)y : x == y;
    case AMASS_NN_OP_LESS:
        return x < y;
    case AMASS_NN_OP_GREATER:
        return x > y;
    default:
        return 0;
    }
}

int nn_fold_math(const amass_nn_graph *graph, const nn_node *node, const nn_env *env, void **result,
                 amass_status *status)
{
    const amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    const amass_nn_tensor_type *in = &env->types[node->inputs[0]];
    const void *source = env->data[node->inputs[0]];
    size_t count = amass_nn_type_count(out), element = amass_nn_dtype_size(out->dtype);
    unsigned char *data;
    int made = nn_fold_buffer(graph, node, count, element, &data, status);
    if (made != AMASS_OK)
        return made;
    switch (node->op) {
    case AMASS_NN_OP_POW:
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER: {
        const amass_nn_tensor_type *other = &env->types[node->inputs[1]];
        for (size_t i = 0; i < count; i++) {
            double x = nn_load_number(in->dtype, source, nn_broadcast_index(out, in, i));
            double y = nn_load_number(other->dtype, env->data[node->inputs[1]], nn_broadcast_index(out, other, i));
            nn_store_number(out->dtype, data, i, binary(node->op, in->dtype, x, y));
        }
        break;
    }
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
        for (size_t i = 0; i < count; i++) {
            double value = nn_load_number(in->dtype, source, nn_broadcast_index(out, in, i));
            for (int k = 1; k < node->n_inputs; k++) {
                const amass_nn_tensor_type *other = &env->types[node->inputs[k]];
                double operand =
                    nn_load_number(other->dtype, env->data[node->inputs[k]], nn_broadcast_index(out, other, i));
                value = binary(node->op, in->dtype, value, operand);
            }
            nn_store_number(out->dtype, data, i, value);
        }
        break;
    case AMASS_NN_OP_WHERE: {
        const amass_nn_tensor_type *x = &env->types[node->inputs[1]], *y = &env->types[node->inputs[2]];
        for (size_t i = 0; i < count; i++) {
            const unsigned char *condition = source;
            const unsigned char *pick = condition[nn_broadcast_index(out, in, i)]
                                            ? (const unsigned char *)env->data[node->inputs[1]] +
                                                  nn_broadcast_index(out, x, i) * element
                                            : (const unsigned char *)env->data[node->inputs[2]] +
                                                  nn_broadcast_index(out, y, i) * element;
            memcpy(data + i * element, pick, element);
        }
        break;
    }
    case AMASS_NN_OP_EXPAND:
        for (size_t i = 0; i < count; i++)
            memcpy(data + i * element, (const unsigned char *)source + nn_broadcast_index(out, in, i) * element,
                   element);
        break;
    case AMASS_NN_OP_CONSTANT_OF_SHAPE: {
        unsigned char fill[8] = {0};
        if (node->n_inputs > 1 && node->inputs[1] >= 0)
            memcpy(fill, env->data[node->inputs[1]], element);
        for (size_t i = 0; i < count; i++)
            memcpy(data + i * element, fill, element);
        break;
    }
    case AMASS_NN_OP_RANGE: {
        double start = nn_load_number(in->dtype, source, 0);
        double delta = nn_load_number(env->types[node->inputs[2]].dtype, env->data[node->inputs[2]], 0);
        for (size_t i = 0; i < count; i++)
            nn_store_number(out->dtype, data, i, start + (double)i * delta);
        break;
    }
    default:
        for (size_t i = 0; i < count; i++)
            nn_store_number(out->dtype, data, i, unary(node, nn_load_number(in->dtype, source, i)));
        break;
    }
    *result = data;
    return AMASS_OK;
}

int nn_scalar_constant(const amass_nn_graph *graph, int value, double *number)
{
    if (value < 0 || amass_nn_type_count(&graph->values[value].type) != 1)
        return 0;
    const void *data = nn_constant_data(graph, value);
    amass_nn_dtype dtype = graph->values[value].type.dtype;
    if (!data || (dtype != AMASS_NN_FLOAT32 && dtype != AMASS_NN_INT64))
        return 0;
    *number = nn_load_number(dtype, data, 0);
    return 1;
}
