/* The TF.js importers' graph builder: nodes and constants under generated
 * names, weights as constants, TensorFlow's kernel layouts turned into the
 * engine's. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_internal.h"

const int64_t tfjs_nhwc_to_nchw[4] = {0, 3, 1, 2};
const int64_t tfjs_nchw_to_nhwc[4] = {0, 2, 3, 1};

void tfjs_builder_init(tfjs_builder *builder, const amass_tfjs_model *model, amass_nn_graph *graph)
{
    memset(builder, 0, sizeof *builder);
    builder->model = model;
    builder->graph = graph;
    builder->path = amass_tfjs_path(model);
}

void tfjs_builder_free(tfjs_builder *builder)
{
    for (size_t i = 0; i < builder->n_names; i++)
        free(builder->names[i]);
    free(builder->names);
    builder->names = NULL;
    builder->n_names = builder->names_capacity = 0;
}

const char *tfjs_fresh_name(tfjs_builder *builder, const char *hint)
{
    if (builder->n_names == builder->names_capacity) {
        size_t capacity = builder->names_capacity ? builder->names_capacity * 2 : 64;
        char **grown = amass_realloc_array(builder->names, capacity, sizeof *grown);
        if (!grown)
            return NULL;
        builder->names = grown;
        builder->names_capacity = capacity;
    }
    size_t length = strlen(hint) + 32;
    char *name = malloc(length);
    if (!name)
        return NULL;
    snprintf(name, length, "amass.%s.%u", hint, builder->serial++);
    builder->names[builder->n_names++] = name;
    return name;
}

amass_nn_attr tfjs_attr_int(const char *name, int64_t value)
{
    return (amass_nn_attr){.name = name, .kind = AMASS_NN_ATTR_INT, .i = value};
}

amass_nn_attr tfjs_attr_float(const char *name, float value)
{
    return (amass_nn_attr){.name = name, .kind = AMASS_NN_ATTR_FLOAT, .f = value};
}

amass_nn_attr tfjs_attr_ints(const char *name, const int64_t *values, size_t count)
{
    return (amass_nn_attr){.name = name, .kind = AMASS_NN_ATTR_INTS, .ints = values, .count = count};
}

amass_nn_attr tfjs_attr_string(const char *name, const char *value)
{
    return (amass_nn_attr){.name = name, .kind = AMASS_NN_ATTR_STRING, .s = value};
}

int tfjs_add_node_outputs(tfjs_builder *builder, amass_nn_op op, const char *node_name, const char *const *inputs,
                          size_t n_inputs, const char *const *outputs, size_t n_outputs, const amass_nn_attr *attrs,
                          size_t n_attrs, amass_status *status)
{
    for (size_t i = 0; i < n_outputs; i++)
        if (!outputs[i])
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", builder->path);
    amass_nn_node_spec spec = {.op = op, .name = node_name, .inputs = inputs, .n_inputs = n_inputs,
                               .outputs = outputs, .n_outputs = n_outputs, .attrs = attrs, .n_attrs = n_attrs};
    return amass_nn_graph_add_node(builder->graph, &spec, status);
}

int tfjs_add_node(tfjs_builder *builder, amass_nn_op op, const char *node_name, const char *const *inputs,
                  size_t n_inputs, const char *output, const amass_nn_attr *attrs, size_t n_attrs,
                  amass_status *status)
{
    return tfjs_add_node_outputs(builder, op, node_name, inputs, n_inputs, &output, 1, attrs, n_attrs, status);
}

int tfjs_add_transpose(tfjs_builder *builder, const char *node_name, const char *input, const char *output,
                       const int64_t *perm, int rank, amass_status *status)
{
    amass_nn_attr attr = tfjs_attr_ints("perm", perm, (size_t)rank);
    return tfjs_add_node(builder, AMASS_NN_OP_TRANSPOSE, node_name, &input, 1, output, &attr, 1, status);
}

static int add_typed(tfjs_builder *builder, const char *name, amass_nn_dtype dtype, const void *values,
                     const int64_t *dims, int rank, amass_status *status)
{
    if (!name)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", builder->path);
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = dtype;
    type.rank = rank;
    for (int d = 0; d < rank; d++)
        type.dims[d] = dims[d];
    return amass_nn_graph_add_constant(builder->graph, name, &type, values, NULL, NULL, status);
}

int tfjs_add_floats(tfjs_builder *builder, const char *name, const float *values, const int64_t *dims, int rank,
                    amass_status *status)
{
    return add_typed(builder, name, AMASS_NN_FLOAT32, values, dims, rank, status);
}

int tfjs_add_int64s(tfjs_builder *builder, const char *name, const int64_t *values, const int64_t *dims, int rank,
                    amass_status *status)
{
    return add_typed(builder, name, AMASS_NN_INT64, values, dims, rank, status);
}

int tfjs_add_weight(tfjs_builder *builder, const char *name, const amass_tfjs_weight *weight,
                    amass_status *status)
{
    return add_typed(builder, name, weight->dtype, weight->data, weight->dims, weight->rank, status);
}

int tfjs_add_conv_kernel(tfjs_builder *builder, const char *name, const amass_tfjs_weight *weight, int depthwise,
                         amass_status *status)
{
    if (weight->dtype != AMASS_NN_FLOAT32 || (weight->rank != 4 && !(weight->rank == 2 && !depthwise)))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: weight '%s': a kernel must be float32 of rank 4%s",
                          builder->path, weight->name, depthwise ? "" : " (or 2 for a matrix)");
    const float *from = weight->data;
    float *to = amass_alloc_array(weight->n_elements ? weight->n_elements : 1, sizeof *to);
    if (!to)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", builder->path);
    int64_t dims[4];
    int rank = weight->rank;
    if (rank == 2) {
        int64_t in = weight->dims[0], out = weight->dims[1];
        for (int64_t i = 0; i < in; i++)
            for (int64_t o = 0; o < out; o++)
                to[o * in + i] = from[i * out + o];
        dims[0] = out;
        dims[1] = in;
    } else {
        int64_t h = weight->dims[0], w = weight->dims[1], in = weight->dims[2], out = weight->dims[3];
        /* HWIO -> OIHW; a depthwise HWCM kernel is HWIO with I = channels,
         * O = multiplier, and output channel c * M + m reads input c */
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                for (int64_t i = 0; i < in; i++)
                    for (int64_t o = 0; o < out; o++) {
                        float value = from[((y * w + x) * in + i) * out + o];
                        if (depthwise)
                            to[((i * out + o) * h + y) * w + x] = value;
                        else
                            to[((o * in + i) * h + y) * w + x] = value;
                    }
        dims[0] = depthwise ? in * out : out;
        dims[1] = depthwise ? 1 : in;
        dims[2] = h;
        dims[3] = w;
    }
    int result = tfjs_add_floats(builder, name, to, dims, rank, status);
    free(to);
    return result;
}

const amass_tfjs_weight *tfjs_weight(const tfjs_builder *builder, const char *name, const char *context,
                                     amass_status *status)
{
    const amass_tfjs_weight *weight = amass_tfjs_weight_find(builder->model, name);
    if (!weight)
        amass_fail(status, AMASS_ERR_INPUT, "%s: %s: no weight '%s' in the manifest", builder->path, context, name);
    return weight;
}

void tfjs_same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t *begin, int64_t *end)
{
    int64_t out = (in + stride - 1) / stride;
    int64_t extent = (kernel - 1) * dilation + 1;
    int64_t total = (out - 1) * stride + extent - in;
    if (total < 0)
        total = 0;
    *begin = total / 2;
    *end = total - *begin;
}
