/* The TF.js graph converter's tensor map: each TensorFlow tensor's engine
 * value and the layout it is held in, constants known at import, and the
 * transposes (at import for constants, in the graph otherwise) that give
 * an operand the layout an op wants. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

void tfjs_perm_inverse(const int64_t *perm, int rank, int64_t *inverse)
{
    for (int i = 0; i < rank; i++)
        inverse[perm[i]] = i;
}

int tfjs_perm_is_identity(const int64_t *perm, int rank)
{
    for (int i = 0; i < rank; i++)
        if (perm[i] != i)
            return 0;
    return 1;
}

int tfjs_engine_axis(const tfjs_tensor *tensor, int64_t axis, int rank, int64_t *engine_axis)
{
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return 0;
    *engine_axis = axis;
    if (tensor->permuted)
        for (int j = 0; j < rank; j++)
            if (tensor->perm[j] == axis)
                *engine_axis = j;
    return 1;
}

tfjs_tensor *tfjs_find_tensor(tfjs_converter *converter, const char *name, size_t length)
{
    /* later definitions are searched first: a name is defined once, and
     * recent tensors are the likely inputs */
    for (size_t i = converter->n_tensors; i-- > 0;)
        if (strlen(converter->tensors[i].name) == length && !memcmp(converter->tensors[i].name, name, length))
            return &converter->tensors[i];
    return NULL;
}

static tfjs_tensor *new_tensor(tfjs_converter *converter, const char *name, amass_status *status)
{
    if (tfjs_find_tensor(converter, name, strlen(name))) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s' is defined twice", converter->builder.path, name);
        return NULL;
    }
    if (converter->n_tensors == converter->tensors_capacity) {
        size_t capacity = converter->tensors_capacity ? converter->tensors_capacity * 2 : 256;
        tfjs_tensor *grown = amass_realloc_array(converter->tensors, capacity, sizeof *grown);
        if (!grown) {
            amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
            return NULL;
        }
        converter->tensors = grown;
        converter->tensors_capacity = capacity;
    }
    tfjs_tensor *tensor = &converter->tensors[converter->n_tensors];
    memset(tensor, 0, sizeof *tensor);
    tensor->name = amass_strndup(name, strlen(name));
    if (!tensor->name) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        return NULL;
    }
    tensor->rank = -1;
    converter->n_tensors++;
    return tensor;
}

tfjs_tensor *tfjs_define(tfjs_converter *converter, const char *name, const char *engine, const int64_t *perm,
                         int rank, amass_status *status)
{
    if (!engine || !name) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        return NULL;
    }
    if (rank > AMASS_NN_MAX_RANK) {
        if (perm) {
            amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: tensor '%s' has rank %d (at most %d)",
                       converter->builder.path, name, rank, AMASS_NN_MAX_RANK);
            return NULL;
        }
        rank = -1;
    }
    /* perm often points into another tensor of the map, which adding
     * this one may move: copy it first */
    int64_t order[AMASS_NN_MAX_RANK];
    int permuted = perm && rank > 0 && !tfjs_perm_is_identity(perm, rank);
    if (permuted)
        memcpy(order, perm, (size_t)rank * sizeof *perm);
    tfjs_tensor *tensor = new_tensor(converter, name, status);
    if (!tensor)
        return NULL;
    tensor->engine = engine;
    tensor->rank = rank;
    if (permuted) {
        tensor->permuted = 1;
        memcpy(tensor->perm, order, (size_t)rank * sizeof *order);
    }
    return tensor;
}

tfjs_tensor *tfjs_define_known(tfjs_converter *converter, const char *name, amass_nn_dtype dtype,
                               const int64_t *dims, int rank, const void *data, amass_status *status)
{
    if (rank < 0 || rank > AMASS_NN_MAX_RANK) {
        amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: tensor '%s' has rank %d (at most %d)", converter->builder.path,
                   name, rank, AMASS_NN_MAX_RANK);
        return NULL;
    }
    /* dims may point into another tensor of the map, which adding this
     * one may move: copy them first */
    int64_t shape[AMASS_NN_MAX_RANK];
    memcpy(shape, dims, (size_t)rank * sizeof *dims);
    size_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= (size_t)shape[d];
    size_t element = amass_nn_dtype_size(dtype);
    void *copy = amass_alloc_array(count ? count : 1, element);
    if (!copy) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        return NULL;
    }
    if (count)
        memcpy(copy, data, count * element);
    tfjs_tensor *tensor = new_tensor(converter, name, status);
    if (!tensor) {
        free(copy);
        return NULL;
    }
    tensor->known = 1;
    tensor->dtype = dtype;
    tensor->rank = rank;
    tensor->count = count;
    tensor->data = copy;
    memcpy(tensor->dims, shape, (size_t)rank * sizeof *shape);
    return tensor;
}

const char *tfjs_result_name(tfjs_converter *converter, const char *name)
{
    for (size_t i = 0; i < converter->n_outputs; i++)
        if (!strcmp(converter->output_names[i], name))
            return converter->output_results[i];
    return name;
}

const char *tfjs_output_name(tfjs_converter *converter, const tfjs_node *node, int k)
{
    if (k == 0)
        return node->name;
    char suffix[16];
    snprintf(suffix, sizeof suffix, ":%d", k);
    size_t length = strlen(node->name) + strlen(suffix) + 1;
    char *name = malloc(length);
    if (!name)
        return NULL;
    snprintf(name, length, "%s%s", node->name, suffix);
    /* kept with the builder's generated names, freed with them */
    const char *slot = tfjs_fresh_name(&converter->builder, "output");
    if (!slot) {
        free(name);
        return NULL;
    }
    free(converter->builder.names[converter->builder.n_names - 1]);
    converter->builder.names[converter->builder.n_names - 1] = name;
    return name;
}

const int64_t *tfjs_known_ints(const tfjs_tensor *tensor)
{
    return tensor->known && tensor->dtype == AMASS_NN_INT64 ? tensor->data : NULL;
}

const char *tfjs_known_as(tfjs_converter *converter, const tfjs_tensor *tensor, const int64_t *perm, int rank,
                          amass_status *status)
{
    if (tensor->rank > rank) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: constant '%s' has rank %d, more than %d", converter->builder.path,
                   tensor->name, tensor->rank, rank);
        return NULL;
    }
    int64_t full[AMASS_NN_MAX_RANK], dims[AMASS_NN_MAX_RANK], strides[AMASS_NN_MAX_RANK];
    int lead = rank - tensor->rank;
    for (int d = 0; d < rank; d++)
        full[d] = d < lead ? 1 : tensor->dims[d - lead];
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= full[d];
    }
    for (int j = 0; j < rank; j++)
        dims[j] = full[perm[j]];
    size_t element = amass_nn_dtype_size(tensor->dtype);
    unsigned char *moved = amass_alloc_array(tensor->count ? tensor->count : 1, element);
    const char *name = tfjs_fresh_name(&converter->builder, "constant");
    if (!moved || !name) {
        free(moved);
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        return NULL;
    }
    int64_t index[AMASS_NN_MAX_RANK] = {0};
    for (size_t i = 0; i < tensor->count; i++) {
        int64_t from = 0;
        for (int j = 0; j < rank; j++)
            from += index[j] * strides[perm[j]];
        memcpy(moved + i * element, (const unsigned char *)tensor->data + (size_t)from * element, element);
        for (int j = rank - 1; j >= 0; j--) {
            if (++index[j] < dims[j])
                break;
            index[j] = 0;
        }
    }
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = tensor->dtype;
    type.rank = rank;
    memcpy(type.dims, dims, (size_t)rank * sizeof *dims);
    int result = amass_nn_graph_add_constant(converter->builder.graph, name, &type, moved, NULL, NULL, status);
    free(moved);
    return result == AMASS_OK ? name : NULL;
}

const char *tfjs_engine(tfjs_converter *converter, tfjs_tensor *tensor, amass_status *status)
{
    if (tensor->engine)
        return tensor->engine;
    /* a known tensor becomes an engine constant the first time a runtime
     * op reads it (kernels taken apart at import never do) */
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = tensor->dtype;
    type.rank = tensor->rank;
    memcpy(type.dims, tensor->dims, (size_t)tensor->rank * sizeof *tensor->dims);
    if (amass_nn_graph_add_constant(converter->builder.graph, tensor->name, &type, tensor->data, NULL, NULL,
                                    status) != AMASS_OK)
        return NULL;
    tensor->engine = tensor->name;
    return tensor->engine;
}

const char *tfjs_as(tfjs_converter *converter, tfjs_tensor *tensor, const int64_t *target, int rank,
                    amass_status *status)
{
    if (tensor->known && !tensor->engine && !tfjs_perm_is_identity(target, rank) && tensor->rank == rank)
        return tfjs_known_as(converter, tensor, target, rank, status);
    const char *engine = tfjs_engine(converter, tensor, status);
    if (!engine)
        return NULL;
    int64_t held[AMASS_NN_MAX_RANK], inverse[AMASS_NN_MAX_RANK], step[AMASS_NN_MAX_RANK];
    for (int d = 0; d < rank; d++)
        held[d] = tensor->permuted ? tensor->perm[d] : d;
    if (tensor->permuted && tensor->rank != rank) {
        amass_fail(status, AMASS_ERR_INPUT, "%s: tensor '%s' has rank %d, not %d", converter->builder.path,
                   tensor->name, tensor->rank, rank);
        return NULL;
    }
    /* engine dim j holds TF dim held[j]; the result's dim i must hold TF
     * dim target[i], found at engine dim inverse(held)[target[i]] */
    tfjs_perm_inverse(held, rank, inverse);
    for (int i = 0; i < rank; i++)
        step[i] = inverse[target[i]];
    if (tfjs_perm_is_identity(step, rank))
        return engine;
    int plain = tfjs_perm_is_identity(target, rank);
    if (plain && tensor->plain)
        return tensor->plain;
    const char *out = tfjs_fresh_name(&converter->builder, plain ? "plain" : "transposed");
    if (!out || tfjs_add_transpose(&converter->builder, tensor->name, engine, out, step, rank, status) != AMASS_OK) {
        if (!out)
            amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
        return NULL;
    }
    if (plain)
        tensor->plain = out;
    return out;
}

const char *tfjs_plain(tfjs_converter *converter, tfjs_tensor *tensor, amass_status *status)
{
    if (!tensor->permuted)
        return tfjs_engine(converter, tensor, status);
    int64_t identity[AMASS_NN_MAX_RANK];
    for (int d = 0; d < tensor->rank; d++)
        identity[d] = d;
    return tfjs_as(converter, tensor, identity, tensor->rank, status);
}
