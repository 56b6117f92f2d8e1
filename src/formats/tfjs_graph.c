/* The TF.js graph-model importer: a TensorFlow GraphDef (model.json's
 * modelTopology.node) walked in order onto the nn graph IR. This file holds
 * the walk, the tensor map and the layout bookkeeping; the ops themselves
 * are translated in tfjs_graph_conv.c, _math.c, _shape.c and _index.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

int tfjs_fail(const tfjs_converter *converter, const tfjs_node *node, amass_status *status, amass_code code,
              const char *format, ...)
{
    char why[AMASS_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(why, sizeof why, format, args);
    va_end(args);
    return amass_fail(status, code, "%s: node '%s' (%s): %s", converter->builder.path, node->name, node->op, why);
}

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

static tfjs_tensor *find_tensor(tfjs_converter *converter, const char *name, size_t length)
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
    if (find_tensor(converter, name, strlen(name))) {
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
    tfjs_tensor *tensor = new_tensor(converter, name, status);
    if (!tensor)
        return NULL;
    tensor->engine = engine;
    tensor->rank = rank;
    if (perm && rank > 0 && !tfjs_perm_is_identity(perm, rank)) {
        tensor->permuted = 1;
        memcpy(tensor->perm, perm, (size_t)rank * sizeof *perm);
    }
    return tensor;
}

tfjs_tensor *tfjs_define_known(tfjs_converter *converter, const char *name, amass_nn_dtype dtype,
                               const int64_t *dims, int rank, const void *data, amass_status *status)
{
    size_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= (size_t)dims[d];
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
    memcpy(tensor->dims, dims, (size_t)rank * sizeof *dims);
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

unsigned tfjs_consumers(const tfjs_converter *converter, const tfjs_tensor *tensor)
{
    size_t count = json_array_size(converter->nodes);
    for (size_t n = 0; n < count; n++) {
        const char *name = json_string_value(json_object_get(json_array_get(converter->nodes, n), "name"));
        if (name && !strcmp(name, tensor->name))
            return converter->consumers[n];
    }
    return 0;
}

/* "x", "x:0" -> x; "^x" (a control edge) -> NULL; sets *length. */
static const char *input_reference(const char *input, size_t *length)
{
    if (input[0] == '^')
        return NULL;
    *length = strlen(input);
    if (*length > 2 && !strcmp(input + *length - 2, ":0"))
        *length -= 2;
    return input;
}

static void count_consumers(tfjs_converter *converter)
{
    size_t count = json_array_size(converter->nodes);
    for (size_t n = 0; n < count; n++) {
        const json_t *inputs = json_object_get(json_array_get(converter->nodes, n), "input");
        for (size_t i = 0; i < json_array_size(inputs); i++) {
            const char *input = json_string_value(json_array_get(inputs, i));
            size_t length;
            if (!input || !input_reference(input, &length))
                continue;
            for (size_t m = 0; m < count; m++) {
                const char *name = json_string_value(json_object_get(json_array_get(converter->nodes, m), "name"));
                if (name && strlen(name) == length && !memcmp(name, input, length))
                    converter->consumers[m]++;
            }
        }
    }
}

static int add_const(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    const amass_tfjs_weight *weight = amass_tfjs_weight_find(converter->builder.model, node->name);
    if (!weight)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "no weight of that name in the manifest");
    if (weight->dtype != AMASS_NN_INT32)
        return tfjs_define_known(converter, node->name, weight->dtype, weight->dims, weight->rank, weight->data,
                                 status)
                   ? AMASS_OK
                   : status->code;
    int64_t *wide = amass_alloc_array(weight->n_elements ? weight->n_elements : 1, sizeof *wide);
    if (!wide)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    for (size_t i = 0; i < weight->n_elements; i++)
        wide[i] = ((const int32_t *)weight->data)[i];
    tfjs_tensor *tensor =
        tfjs_define_known(converter, node->name, AMASS_NN_INT64, weight->dims, weight->rank, wide, status);
    free(wide);
    return tensor ? AMASS_OK : status->code;
}

static int add_placeholder(tfjs_converter *converter, const tfjs_node *node, int fix_batch, amass_status *status)
{
    const char *dtype = tfjs_attr_type(node, "dtype");
    if (dtype && strcmp(dtype, "DT_FLOAT") != 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "input of type %s; only DT_FLOAT inputs run",
                         dtype);
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = AMASS_NN_FLOAT32;
    type.rank = tfjs_attr_get_shape(node, "shape", type.dims, AMASS_NN_MAX_RANK);
    if (type.rank < 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the input has no known shape");
    int first = converter->n_inputs_seen++ == 0;
    if (first && converter->input_dims && converter->n_input_dims != (size_t)type.rank)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: graph input '%s' has rank %d, not %zu",
                          converter->builder.path, node->name, type.rank, converter->n_input_dims);
    for (int d = 0; d < type.rank; d++) {
        int64_t wanted = first && converter->input_dims && d > 0 ? converter->input_dims[d] : 0;
        if (wanted > 0 && type.dims[d] >= 0 && type.dims[d] != wanted)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: graph input '%s': dimension %d is %lld, not %lld",
                              converter->builder.path, node->name, d, (long long)type.dims[d], (long long)wanted);
        if (wanted > 0)
            type.dims[d] = wanted;
        else if (type.dims[d] < 0 && d > 0)
            return amass_fail(status, AMASS_ERR_UNSUPPORTED,
                              "%s: graph input '%s': dimension %d is not fixed; only the batch may vary (give the "
                              "input size)",
                              converter->builder.path, node->name, d);
    }
    if (type.rank > 0 && (type.dims[0] < 0 || (type.dims[0] == 1 && !fix_batch)))
        type.dims[0] = AMASS_NN_DYNAMIC;
    int result = amass_nn_graph_add_input(converter->builder.graph, node->name, &type, status);
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->name, NULL, type.rank, status) ? AMASS_OK : status->code;
}

/* Ops that only pass their input on: the tensor is shared, no node. */
static int is_alias_op(const char *op)
{
    return !strcmp(op, "Identity") || !strcmp(op, "StopGradient") || !strcmp(op, "Snapshot") ||
           !strcmp(op, "PreventGradient");
}

static int translate(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    int result = AMASS_OK;
    if (tfjs_translate_conv(converter, node, &result, status) || tfjs_translate_math(converter, node, &result, status) ||
        tfjs_translate_shape(converter, node, &result, status) || tfjs_translate_index(converter, node, &result, status))
        return result;
    return -1;
}

static int resolve_inputs(tfjs_converter *converter, tfjs_node *node, amass_status *status)
{
    const json_t *inputs = json_object_get(node->json, "input");
    if (inputs && !json_is_array(inputs))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "'input' is not an array");
    node->n_inputs = 0;
    for (size_t i = 0; i < json_array_size(inputs); i++) {
        const char *input = json_string_value(json_array_get(inputs, i));
        size_t length;
        if (!input)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "input %zu is not a string", i);
        if (!input_reference(input, &length))
            continue;
        if (node->n_inputs == sizeof node->inputs / sizeof node->inputs[0])
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "too many inputs");
        tfjs_tensor *tensor = find_tensor(converter, input, length);
        if (!tensor)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT,
                             "input '%s' is not produced by an earlier node (or by an op the importer skips)",
                             input);
        node->inputs[node->n_inputs++] = tensor;
    }
    return AMASS_OK;
}

/* The names of all ops in the graph the importer lacks, for one message. */
static void list_missing(tfjs_converter *converter, const char *first, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    size_t count = json_array_size(converter->nodes);
    for (size_t n = 0; n < count && used + 64 < size; n++) {
        const char *op = json_string_value(json_object_get(json_array_get(converter->nodes, n), "op"));
        if (!op || !strcmp(op, first) || strstr(out, op))
            continue;
        tfjs_node probe;
        memset(&probe, 0, sizeof probe);
        probe.op = op;
        probe.name = "";
        int known = !strcmp(op, "Const") || !strcmp(op, "Placeholder") || !strcmp(op, "NoOp") || is_alias_op(op);
        if (!known) {
            /* translators answer by op name before touching inputs */
            known = tfjs_translate_conv(NULL, &probe, NULL, NULL) || tfjs_translate_math(NULL, &probe, NULL, NULL) ||
                    tfjs_translate_shape(NULL, &probe, NULL, NULL) || tfjs_translate_index(NULL, &probe, NULL, NULL);
        }
        if (!known)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", op);
    }
}

static int convert_node(tfjs_converter *converter, size_t index, int fix_batch, amass_status *status)
{
    tfjs_node node;
    memset(&node, 0, sizeof node);
    node.json = json_array_get(converter->nodes, index);
    node.index = index;
    node.name = json_string_value(json_object_get(node.json, "name"));
    node.op = json_string_value(json_object_get(node.json, "op"));
    if (!json_is_object(node.json) || !node.name || !node.op || !node.name[0])
        return amass_fail(status, AMASS_ERR_INPUT, "%s: node %zu needs a string 'name' and 'op'",
                          converter->builder.path, index);
    if (converter->skip[index])
        return AMASS_OK;
    node.result = tfjs_result_name(converter, node.name);
    if (!node.result)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    if (!strcmp(node.op, "Const"))
        return add_const(converter, &node, status);
    if (!strcmp(node.op, "Placeholder"))
        return add_placeholder(converter, &node, fix_batch, status);
    if (!strcmp(node.op, "NoOp"))
        return AMASS_OK;
    int result = resolve_inputs(converter, &node, status);
    if (result != AMASS_OK)
        return result;
    if (is_alias_op(node.op)) {
        if (node.n_inputs != 1)
            return tfjs_fail(converter, &node, status, AMASS_ERR_INPUT, "needs one input");
        tfjs_tensor *from = node.inputs[0];
        tfjs_tensor *alias;
        if (from->known && !from->engine)
            alias = tfjs_define_known(converter, node.name, from->dtype, from->dims, from->rank, from->data, status);
        else
            alias = tfjs_define(converter, node.name, from->engine, from->permuted ? from->perm : NULL, from->rank,
                                status);
        return alias ? AMASS_OK : status->code;
    }
    result = translate(converter, &node, status);
    if (result >= 0)
        return result;
    char missing[512];
    list_missing(converter, node.op, missing, sizeof missing);
    return tfjs_fail(converter, &node, status, AMASS_ERR_UNSUPPORTED, "the importer has no such operator%s%s%s",
                     missing[0] ? " (also missing: " : "", missing, missing[0] ? ")" : "");
}

static int add_output(tfjs_converter *converter, const char *mark, amass_status *status)
{
    size_t length;
    const char *reference = input_reference(mark, &length);
    if (!reference)
        return AMASS_OK;
    char **names = amass_realloc_array(converter->output_names, converter->n_outputs + 1, sizeof *names);
    if (names)
        converter->output_names = names;
    const char **results = amass_realloc_array(converter->output_results, converter->n_outputs + 1, sizeof *results);
    if (results)
        converter->output_results = results;
    char **marks = amass_realloc_array(converter->output_marks, converter->n_outputs + 1, sizeof *marks);
    if (marks)
        converter->output_marks = marks;
    if (!names || !results || !marks)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    names[converter->n_outputs] = amass_strndup(mark, length);
    marks[converter->n_outputs] = amass_strndup(mark, strlen(mark));
    results[converter->n_outputs] = tfjs_fresh_name(&converter->builder, "result");
    converter->n_outputs++;
    if (!names[converter->n_outputs - 1] || !marks[converter->n_outputs - 1] || !results[converter->n_outputs - 1])
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    return AMASS_OK;
}

/* The graph's outputs: the signature's (under the names it gives them),
 * else every node's result nothing reads. Known before the walk, so the
 * nodes producing them leave the names free for TF-layout copies. */
static int collect_outputs(tfjs_converter *converter, amass_status *status)
{
    const json_t *signature = amass_tfjs_signature(converter->builder.model);
    const json_t *outputs = signature ? json_object_get(signature, "outputs") : NULL;
    const char *key;
    const json_t *entry;
    if (json_is_object(outputs)) {
        json_object_foreach((json_t *)outputs, key, entry) {
            const char *name = json_string_value(json_object_get(entry, "name"));
            int result = add_output(converter, name ? name : key, status);
            if (result != AMASS_OK)
                return result;
        }
        if (converter->n_outputs)
            return AMASS_OK;
    }
    size_t count = json_array_size(converter->nodes);
    for (size_t n = 0; n < count; n++) {
        const json_t *node = json_array_get(converter->nodes, n);
        const char *op = json_string_value(json_object_get(node, "op"));
        const char *name = json_string_value(json_object_get(node, "name"));
        if (converter->consumers[n] || !op || !name || !strcmp(op, "Const") || !strcmp(op, "NoOp") ||
            !strcmp(op, "Placeholder"))
            continue;
        int result = add_output(converter, name, status);
        if (result != AMASS_OK)
            return result;
    }
    if (!converter->n_outputs)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the graph has no outputs", converter->builder.path);
    return AMASS_OK;
}

static int mark_outputs(tfjs_converter *converter, amass_status *status)
{
    for (size_t i = 0; i < converter->n_outputs; i++) {
        const char *name = converter->output_names[i], *mark = converter->output_marks[i];
        tfjs_tensor *tensor = find_tensor(converter, name, strlen(name));
        if (!tensor)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: output '%s' is not a tensor of the graph",
                              converter->builder.path, mark);
        const char *engine = tfjs_plain(converter, tensor, status);
        if (!engine)
            return status->code;
        int result = AMASS_OK;
        if (strcmp(engine, mark) != 0)
            result = tfjs_add_node(&converter->builder, AMASS_NN_OP_IDENTITY, mark, &engine, 1, mark, NULL, 0, status);
        if (result == AMASS_OK)
            result = amass_nn_graph_mark_output(converter->builder.graph, mark, status);
        if (result != AMASS_OK)
            return result;
    }
    return AMASS_OK;
}

static void converter_free(tfjs_converter *converter)
{
    for (size_t i = 0; i < converter->n_tensors; i++) {
        free(converter->tensors[i].name);
        free(converter->tensors[i].data);
    }
    free(converter->tensors);
    free(converter->consumers);
    free(converter->skip);
    for (size_t i = 0; i < converter->n_outputs; i++) {
        free(converter->output_names[i]);
        free(converter->output_marks[i]);
    }
    free(converter->output_names);
    free(converter->output_marks);
    free(converter->output_results);
    tfjs_builder_free(&converter->builder);
}

static int convert(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims, int fix_batch,
                   amass_nn_graph **graph, amass_status *status)
{
    *graph = NULL;
    const char *path = amass_tfjs_path(model);
    if (amass_tfjs_format_of(model) != AMASS_TFJS_GRAPH_MODEL)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: a layers model; the graph-model importer reads only "
                          "graph models", path);
    amass_nn_graph *built = amass_nn_graph_new(path, status);
    if (!built)
        return status->code ? status->code : AMASS_ERR_NOMEM;
    tfjs_converter converter;
    memset(&converter, 0, sizeof converter);
    tfjs_builder_init(&converter.builder, model, built);
    converter.nodes = json_object_get(amass_tfjs_topology(model), "node");
    converter.input_dims = input_dims;
    converter.n_input_dims = n_input_dims;
    size_t count = json_array_size(converter.nodes);
    converter.consumers = amass_calloc_array(count + 1, sizeof *converter.consumers);
    converter.skip = calloc(count + 1, 1);
    int result = converter.consumers && converter.skip ? AMASS_OK : amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    if (result == AMASS_OK) {
        count_consumers(&converter);
        result = collect_outputs(&converter, status);
    }
    for (size_t n = 0; n < count && result == AMASS_OK; n++)
        result = convert_node(&converter, n, fix_batch, status);
    if (result == AMASS_OK && converter.n_inputs_seen == 0)
        result = amass_fail(status, AMASS_ERR_INPUT, "%s: the graph has no Placeholder input", path);
    if (result == AMASS_OK)
        result = mark_outputs(&converter, status);
    converter_free(&converter);
    if (result == AMASS_OK)
        result = amass_nn_graph_prepare(built, status);
    if (result != AMASS_OK) {
        amass_nn_graph_free(built);
        return result;
    }
    *graph = built;
    return AMASS_OK;
}

/* Whether every output of a graph built with a free batch has it on its
 * first axis alone: a graph that folds the batch into another axis (a
 * Reshape to [1, 80, -1]) must keep the batch the file fixes. */
static int batch_leads_outputs(const amass_nn_graph *graph)
{
    for (size_t i = 0; i < amass_nn_graph_output_count(graph); i++) {
        amass_nn_tensor_type type;
        if (amass_nn_graph_output_type(graph, i, &type) != AMASS_OK || type.rank < 1 ||
            type.dims[0] != AMASS_NN_DYNAMIC)
            return 0;
        for (int d = 1; d < type.rank; d++)
            if (type.dims[d] < 0)
                return 0;
    }
    return 1;
}

int amass_tfjs_import(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                      amass_nn_graph **graph, amass_status *status)
{
    /* A batch of 1 in the Placeholder is often only what the exporter
     * traced with: try it as any batch, and keep it at 1 when the graph
     * does not allow that (e.g. a Reshape to a fixed [1, ...]). */
    amass_status first;
    amass_status_clear(&first);
    int result = convert(model, input_dims, n_input_dims, 0, graph, &first);
    if (result == AMASS_OK && batch_leads_outputs(*graph))
        return AMASS_OK;
    if (result == AMASS_OK) {
        amass_nn_graph_free(*graph);
        *graph = NULL;
    }
    if (result == AMASS_ERR_NOMEM) {
        *status = first;
        return result;
    }
    return convert(model, input_dims, n_input_dims, 1, graph, status);
}

int amass_formats_load_tfjs(const char *path, const int64_t *input_dims, size_t n_input_dims, amass_nn_graph **graph,
                            amass_status *status)
{
    amass_tfjs_model *model;
    *graph = NULL;
    int result = amass_tfjs_open(path, &model, status);
    if (result != AMASS_OK)
        return result;
    result = amass_tfjs_import(model, input_dims, n_input_dims, graph, status);
    amass_tfjs_close(model);
    return result;
}
