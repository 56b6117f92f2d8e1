/* The graph IR: values, constants, nodes and the builder an importer calls. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nn_internal.h"

static const char *const op_names[AMASS_NN_OP_COUNT] = {
    [AMASS_NN_OP_UNKNOWN] = "Unknown",
    [AMASS_NN_OP_CONV] = "Conv",
    [AMASS_NN_OP_BATCH_NORMALIZATION] = "BatchNormalization",
    [AMASS_NN_OP_RELU] = "Relu",
    [AMASS_NN_OP_CLIP] = "Clip",
    [AMASS_NN_OP_SIGMOID] = "Sigmoid",
    [AMASS_NN_OP_HARD_SIGMOID] = "HardSigmoid",
    [AMASS_NN_OP_HARD_SWISH] = "HardSwish",
    [AMASS_NN_OP_TANH] = "Tanh",
    [AMASS_NN_OP_ADD] = "Add",
    [AMASS_NN_OP_SUB] = "Sub",
    [AMASS_NN_OP_MUL] = "Mul",
    [AMASS_NN_OP_DIV] = "Div",
    [AMASS_NN_OP_MAX_POOL] = "MaxPool",
    [AMASS_NN_OP_AVERAGE_POOL] = "AveragePool",
    [AMASS_NN_OP_GLOBAL_AVERAGE_POOL] = "GlobalAveragePool",
    [AMASS_NN_OP_GEMM] = "Gemm",
    [AMASS_NN_OP_MATMUL] = "MatMul",
    [AMASS_NN_OP_FLATTEN] = "Flatten",
    [AMASS_NN_OP_RESHAPE] = "Reshape",
    [AMASS_NN_OP_TRANSPOSE] = "Transpose",
    [AMASS_NN_OP_CONCAT] = "Concat",
    [AMASS_NN_OP_SOFTMAX] = "Softmax",
    [AMASS_NN_OP_REDUCE_MEAN] = "ReduceMean",
    [AMASS_NN_OP_SHAPE] = "Shape",
    [AMASS_NN_OP_GATHER] = "Gather",
    [AMASS_NN_OP_UNSQUEEZE] = "Unsqueeze",
    [AMASS_NN_OP_SQUEEZE] = "Squeeze",
    [AMASS_NN_OP_IDENTITY] = "Identity",
    [AMASS_NN_OP_CAST] = "Cast",
    [AMASS_NN_OP_ERF] = "Erf",
    [AMASS_NN_OP_EXP] = "Exp",
    [AMASS_NN_OP_LOG] = "Log",
    [AMASS_NN_OP_SQRT] = "Sqrt",
    [AMASS_NN_OP_NEG] = "Neg",
    [AMASS_NN_OP_ABS] = "Abs",
    [AMASS_NN_OP_RECIPROCAL] = "Reciprocal",
    [AMASS_NN_OP_LEAKY_RELU] = "LeakyRelu",
    [AMASS_NN_OP_ELU] = "Elu",
    [AMASS_NN_OP_SOFTPLUS] = "Softplus",
    [AMASS_NN_OP_GELU] = "Gelu",
    [AMASS_NN_OP_POW] = "Pow",
    [AMASS_NN_OP_MAX] = "Max",
    [AMASS_NN_OP_MIN] = "Min",
    [AMASS_NN_OP_EQUAL] = "Equal",
    [AMASS_NN_OP_LESS] = "Less",
    [AMASS_NN_OP_GREATER] = "Greater",
    [AMASS_NN_OP_NOT] = "Not",
    [AMASS_NN_OP_WHERE] = "Where",
    [AMASS_NN_OP_EXPAND] = "Expand",
    [AMASS_NN_OP_CONSTANT_OF_SHAPE] = "ConstantOfShape",
    [AMASS_NN_OP_RANGE] = "Range",
    [AMASS_NN_OP_LAYER_NORMALIZATION] = "LayerNormalization",
    [AMASS_NN_OP_REDUCE_SUM] = "ReduceSum",
    [AMASS_NN_OP_REDUCE_MAX] = "ReduceMax",
    [AMASS_NN_OP_REDUCE_MIN] = "ReduceMin",
    [AMASS_NN_OP_REDUCE_PROD] = "ReduceProd",
    [AMASS_NN_OP_REDUCE_L2] = "ReduceL2",
    [AMASS_NN_OP_SLICE] = "Slice",
    [AMASS_NN_OP_SPLIT] = "Split",
    [AMASS_NN_OP_PAD] = "Pad",
    [AMASS_NN_OP_RESIZE] = "Resize",
    [AMASS_NN_OP_UPSAMPLE] = "Upsample",
    [AMASS_NN_OP_CONV_TRANSPOSE] = "ConvTranspose",
    [AMASS_NN_OP_DEPTH_TO_SPACE] = "DepthToSpace",
    [AMASS_NN_OP_CUMSUM] = "CumSum",
};

amass_nn_op amass_nn_op_from_name(const char *op_type)
{
    for (int op = 1; op < AMASS_NN_OP_COUNT; op++)
        if (op_type && strcmp(op_names[op], op_type) == 0)
            return (amass_nn_op)op;
    return AMASS_NN_OP_UNKNOWN;
}

const char *amass_nn_op_name(amass_nn_op op)
{
    return op >= 0 && op < AMASS_NN_OP_COUNT ? op_names[op] : "Unknown";
}

size_t amass_nn_dtype_size(amass_nn_dtype dtype)
{
    switch (dtype) {
    case AMASS_NN_FLOAT32:
    case AMASS_NN_INT32:
        return 4;
    case AMASS_NN_INT64:
        return 8;
    case AMASS_NN_UINT8:
    case AMASS_NN_BOOL:
        return 1;
    }
    return 0;
}

const char *amass_nn_dtype_name(amass_nn_dtype dtype)
{
    switch (dtype) {
    case AMASS_NN_FLOAT32:
        return "float32";
    case AMASS_NN_INT64:
        return "int64";
    case AMASS_NN_INT32:
        return "int32";
    case AMASS_NN_UINT8:
        return "uint8";
    case AMASS_NN_BOOL:
        return "bool";
    }
    return "unknown";
}

size_t amass_nn_type_count(const amass_nn_tensor_type *type)
{
    size_t count = 1;
    for (int d = 0; d < type->rank; d++)
        if (type->dims[d] > 0)
            count *= (size_t)type->dims[d];
        else if (type->dims[d] == 0)
            return 0;
    return count;
}

amass_nn_graph *amass_nn_graph_new(const char *name, amass_status *status)
{
    amass_nn_graph *graph = calloc(1, sizeof *graph);
    if (graph)
        graph->name = amass_strndup(name ? name : "graph", strlen(name ? name : "graph"));
    if (!graph || !graph->name) {
        free(graph);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory creating a graph");
        return NULL;
    }
    return graph;
}

static void free_attrs(nn_attr *attrs, int n_attrs)
{
    for (int i = 0; i < n_attrs; i++) {
        free(attrs[i].name);
        free(attrs[i].ints);
        free(attrs[i].floats);
        free(attrs[i].s);
    }
    free(attrs);
}

void amass_nn_graph_free(amass_nn_graph *graph)
{
    if (!graph)
        return;
    for (int v = 0; v < graph->n_values; v++)
        free(graph->values[v].name);
    for (int n = 0; n < graph->n_nodes; n++) {
        nn_node *node = &graph->nodes[n];
        free(node->op_type);
        free(node->name);
        free(node->inputs);
        free(node->outputs);
        free_attrs(node->attrs, node->n_attrs);
    }
    for (int c = 0; c < graph->n_constants; c++) {
        nn_constant *constant = &graph->constants[c];
        if (constant->release)
            constant->release(constant->release_user);
        free(constant->owned);
    }
    free(graph->values);
    free(graph->nodes);
    free(graph->constants);
    free(graph->inputs);
    free(graph->outputs);
    free(graph->name);
    free(graph);
}

static char *copy_string(const char *s)
{
    return amass_strndup(s ? s : "", strlen(s ? s : ""));
}

static int grow(void **array, int *capacity, int needed, size_t size)
{
    if (needed <= *capacity)
        return 1;
    int wanted = *capacity ? *capacity * 2 : 16;
    while (wanted < needed)
        wanted *= 2;
    void *bigger = amass_realloc_array(*array, (size_t)wanted, size);
    if (!bigger)
        return 0;
    *array = bigger;
    *capacity = wanted;
    return 1;
}

int nn_graph_find_value(const amass_nn_graph *graph, const char *name)
{
    /* Later definitions win: a pass that renames keeps the newest. */
    for (int v = graph->n_values - 1; v >= 0; v--)
        if (graph->values[v].name && strcmp(graph->values[v].name, name) == 0)
            return v;
    return -1;
}

static int new_value(amass_nn_graph *graph, const char *name, amass_status *status)
{
    if (name && *name && nn_graph_find_value(graph, name) >= 0)
        return -amass_fail(status, AMASS_ERR_INPUT, "%s: value '%s' is defined twice", graph->name, name);
    if (!grow((void **)&graph->values, &graph->values_capacity, graph->n_values + 1, sizeof *graph->values))
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    nn_value *value = &graph->values[graph->n_values];
    memset(value, 0, sizeof *value);
    value->name = amass_strndup(name ? name : "", strlen(name ? name : ""));
    if (!value->name)
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    value->producer = -1;
    value->constant = -1;
    return graph->n_values++;
}

static int check_type(const amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                      int allow_dynamic, amass_status *status)
{
    if (!type || type->rank < 0 || type->rank > AMASS_NN_MAX_RANK || amass_nn_dtype_size(type->dtype) == 0)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: '%s': unsupported tensor type or rank", graph->name,
                          name);
    for (int d = 0; d < type->rank; d++) {
        if (type->dims[d] == AMASS_NN_DYNAMIC && allow_dynamic)
            continue;
        if (type->dims[d] < 0 || type->dims[d] > ((int64_t)1 << 40))
            return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: '%s': dimension %d is %lld%s", graph->name, name,
                              d, (long long)type->dims[d],
                              type->dims[d] < 0 ? " (only inputs may be dynamic)" : " (too large)");
    }
    return AMASS_OK;
}

int nn_graph_new_constant(amass_nn_graph *graph, const amass_nn_tensor_type *type, void *owned_data,
                          amass_status *status)
{
    if (!grow((void **)&graph->constants, &graph->constants_capacity, graph->n_constants + 1,
              sizeof *graph->constants)) {
        free(owned_data);
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    nn_constant *constant = &graph->constants[graph->n_constants];
    memset(constant, 0, sizeof *constant);
    constant->type = *type;
    constant->data = owned_data;
    constant->owned = owned_data;
    return graph->n_constants++;
}

int amass_nn_graph_add_constant(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                                const void *data, void (*release)(void *user), void *release_user,
                                amass_status *status)
{
    int result = check_type(graph, name, type, 0, status);
    if (result == AMASS_OK && graph->prepared)
        result = amass_fail(status, AMASS_ERR_FATAL, "%s: graph already prepared", graph->name);
    if (result != AMASS_OK) {
        if (release)
            release(release_user);
        return result;
    }
    void *copy = NULL;
    size_t bytes = amass_nn_type_count(type) * amass_nn_dtype_size(type->dtype);
    if (!release) {
        copy = malloc(bytes ? bytes : 1);
        if (!copy)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for constant '%s'", graph->name, name);
        if (bytes)
            memcpy(copy, data, bytes);
    }
    int index = nn_graph_new_constant(graph, type, copy, status);
    if (index < 0) {
        if (release)
            release(release_user);
        return status->code;
    }
    if (release) {
        graph->constants[index].data = data;
        graph->constants[index].release = release;
        graph->constants[index].release_user = release_user;
    }
    int value = new_value(graph, name, status);
    if (value < 0)
        return -value;
    graph->values[value].constant = index;
    graph->values[value].type = *type;
    return AMASS_OK;
}

int nn_graph_constant_value(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                             void *owned_data, amass_status *status)
{
    int index = nn_graph_new_constant(graph, type, owned_data, status);
    if (index < 0)
        return index;
    int value = new_value(graph, NULL, status);
    if (value < 0)
        return value;
    free(graph->values[value].name);
    graph->values[value].name = copy_string(name);
    if (!graph->values[value].name)
        return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    graph->values[value].constant = index;
    graph->values[value].type = *type;
    return value;
}

int amass_nn_graph_add_input(amass_nn_graph *graph, const char *name, const amass_nn_tensor_type *type,
                             amass_status *status)
{
    int result = check_type(graph, name, type, 1, status);
    if (result != AMASS_OK)
        return result;
    if (type->dtype != AMASS_NN_FLOAT32 && type->dtype != AMASS_NN_INT64 && type->dtype != AMASS_NN_INT32)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: input '%s' is %s; float32, int64 and int32 inputs run",
                          graph->name, name, amass_nn_dtype_name(type->dtype));
    int value = new_value(graph, name, status);
    if (value < 0)
        return -value;
    int *inputs = amass_realloc_array(graph->inputs, (size_t)graph->n_inputs + 1, sizeof *inputs);
    if (!inputs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    graph->inputs = inputs;
    graph->inputs[graph->n_inputs++] = value;
    graph->values[value].is_input = 1;
    graph->values[value].type = *type;
    graph->values[value].declared_dtype = type->dtype;
    return AMASS_OK;
}

static int copy_attrs(nn_node *node, const amass_nn_node_spec *spec)
{
    node->attrs = calloc(spec->n_attrs ? spec->n_attrs : 1, sizeof *node->attrs);
    if (!node->attrs)
        return 0;
    for (size_t i = 0; i < spec->n_attrs; i++) {
        const amass_nn_attr *from = &spec->attrs[i];
        nn_attr *to = &node->attrs[node->n_attrs++];
        to->name = copy_string(from->name);
        to->kind = from->kind;
        to->i = from->i;
        to->f = from->f;
        to->count = from->count;
        if (!to->name)
            return 0;
        if (from->kind == AMASS_NN_ATTR_INTS) {
            to->ints = amass_alloc_array(from->count ? from->count : 1, sizeof *to->ints);
            if (!to->ints)
                return 0;
            if (from->count)
                memcpy(to->ints, from->ints, from->count * sizeof *to->ints);
        } else if (from->kind == AMASS_NN_ATTR_FLOATS) {
            to->floats = amass_alloc_array(from->count ? from->count : 1, sizeof *to->floats);
            if (!to->floats)
                return 0;
            if (from->count)
                memcpy(to->floats, from->floats, from->count * sizeof *to->floats);
        } else if (from->kind == AMASS_NN_ATTR_STRING && !(to->s = copy_string(from->s))) {
            return 0;
        }
    }
    return 1;
}

int amass_nn_graph_add_node(amass_nn_graph *graph, const amass_nn_node_spec *spec, amass_status *status)
{
    if (graph->prepared)
        return amass_fail(status, AMASS_ERR_FATAL, "%s: graph already prepared", graph->name);
    if (spec->n_outputs == 0 || spec->n_inputs > 64 || spec->n_outputs > 16)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: node '%s': %zu inputs and %zu outputs", graph->name,
                          spec->name ? spec->name : "", spec->n_inputs, spec->n_outputs);
    if (!grow((void **)&graph->nodes, &graph->nodes_capacity, graph->n_nodes + 1, sizeof *graph->nodes))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int index = graph->n_nodes;
    nn_node *node = &graph->nodes[index];
    memset(node, 0, sizeof *node);
    graph->n_nodes++;
    node->op = spec->op;
    node->op_type = copy_string(spec->op_type ? spec->op_type : amass_nn_op_name(spec->op));
    node->name = copy_string(spec->name);
    /* Room for a bias input fusion may add. */
    node->inputs = amass_alloc_array(spec->n_inputs + 3, sizeof *node->inputs);
    node->outputs = amass_alloc_array(spec->n_outputs, sizeof *node->outputs);
    if (!node->op_type || !node->name || !node->inputs || !node->outputs || !copy_attrs(node, spec))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < spec->n_inputs; i++) {
        const char *name = spec->inputs[i];
        int value = name && *name ? nn_graph_find_value(graph, name) : -1;
        if (name && *name && value < 0)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: node '%s' (%s): input '%s' is not defined before it",
                              graph->name, node->name, node->op_type, name);
        node->inputs[node->n_inputs++] = value;
    }
    for (size_t i = 0; i < spec->n_outputs; i++) {
        int value = new_value(graph, spec->outputs[i], status);
        if (value < 0)
            return -value;
        graph->nodes[index].outputs[graph->nodes[index].n_outputs++] = value;
        graph->values[value].producer = index;
    }
    return AMASS_OK;
}

int amass_nn_graph_mark_output(amass_nn_graph *graph, const char *name, amass_status *status)
{
    int value = nn_graph_find_value(graph, name);
    if (value < 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: output '%s' is not defined", graph->name, name);
    int *outputs = amass_realloc_array(graph->outputs, (size_t)graph->n_outputs + 1, sizeof *outputs);
    if (!outputs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    graph->outputs = outputs;
    graph->outputs[graph->n_outputs++] = value;
    graph->values[value].is_output = 1;
    return AMASS_OK;
}

const char *nn_node_label(const nn_node *node)
{
    return node->name && *node->name ? node->name : "(unnamed)";
}

const nn_attr *nn_attr_find(const nn_node *node, const char *name)
{
    for (int i = 0; i < node->n_attrs; i++)
        if (strcmp(node->attrs[i].name, name) == 0)
            return &node->attrs[i];
    return NULL;
}

int64_t nn_attr_int(const nn_node *node, const char *name, int64_t fallback)
{
    const nn_attr *attr = nn_attr_find(node, name);
    return attr && attr->kind == AMASS_NN_ATTR_INT ? attr->i : fallback;
}

float nn_attr_float(const nn_node *node, const char *name, float fallback)
{
    const nn_attr *attr = nn_attr_find(node, name);
    return attr && attr->kind == AMASS_NN_ATTR_FLOAT ? attr->f : fallback;
}

int nn_attr_ints(const nn_node *node, const char *name, int64_t *out, int max)
{
    const nn_attr *attr = nn_attr_find(node, name);
    if (!attr || attr->kind != AMASS_NN_ATTR_INTS)
        return -1;
    int count = attr->count < (size_t)max ? (int)attr->count : max;
    for (int i = 0; i < count; i++)
        out[i] = attr->ints[i];
    return (int)attr->count;
}

int nn_value_use_count(const amass_nn_graph *graph, int value)
{
    int uses = graph->values[value].is_output;
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        if (node->dead)
            continue;
        for (int i = 0; i < node->n_inputs; i++)
            uses += node->inputs[i] == value;
        for (int p = 0; p < node->n_post; p++)
            uses += node->post[p].kind == NN_POST_SUM && node->post[p].value == value;
    }
    return uses;
}

int nn_sole_consumer(const amass_nn_graph *graph, int value)
{
    int found = -1;
    if (value < 0 || graph->values[value].is_output || nn_value_use_count(graph, value) != 1)
        return -1;
    for (int n = 0; n < graph->n_nodes && found < 0; n++) {
        const nn_node *node = &graph->nodes[n];
        for (int i = 0; i < node->n_inputs && !node->dead; i++)
            if (node->inputs[i] == value)
                found = n;
    }
    return found;
}

const void *nn_constant_data(const amass_nn_graph *graph, int value)
{
    if (value < 0 || graph->values[value].constant < 0)
        return NULL;
    return graph->constants[graph->values[value].constant].data;
}

size_t amass_nn_graph_input_count(const amass_nn_graph *graph)
{
    return (size_t)graph->n_inputs;
}

size_t amass_nn_graph_output_count(const amass_nn_graph *graph)
{
    return (size_t)graph->n_outputs;
}

const char *amass_nn_graph_input_name(const amass_nn_graph *graph, size_t index)
{
    return index < (size_t)graph->n_inputs ? graph->values[graph->inputs[index]].name : NULL;
}

const char *amass_nn_graph_output_name(const amass_nn_graph *graph, size_t index)
{
    return index < (size_t)graph->n_outputs ? graph->values[graph->outputs[index]].name : NULL;
}

int amass_nn_graph_input_type(const amass_nn_graph *graph, size_t index, amass_nn_tensor_type *type)
{
    if (index >= (size_t)graph->n_inputs)
        return AMASS_ERR_USAGE;
    *type = graph->values[graph->inputs[index]].type;
    type->dtype = graph->values[graph->inputs[index]].declared_dtype;
    return AMASS_OK;
}

int amass_nn_graph_output_type(const amass_nn_graph *graph, size_t index, amass_nn_tensor_type *type)
{
    if (index >= (size_t)graph->n_outputs)
        return AMASS_ERR_USAGE;
    *type = graph->values[graph->outputs[index]].type;
    return AMASS_OK;
}

size_t amass_nn_graph_node_count(const amass_nn_graph *graph)
{
    size_t count = 0;
    for (int n = 0; n < graph->n_nodes; n++)
        count += !graph->nodes[n].dead;
    return count;
}

int64_t amass_nn_graph_table_rows(const amass_nn_graph *graph, const char *name_part)
{
    int64_t rows = 0;
    size_t part = strlen(name_part);
    for (int v = 0; v < graph->n_values; v++) {
        const nn_value *value = &graph->values[v];
        if (value->constant < 0 || value->type.rank != 2 || value->type.dtype != AMASS_NN_FLOAT32)
            continue;
        for (const char *at = value->name; *at; at++)
            if (strncasecmp(at, name_part, part) == 0) {
                if (rows == 0 || value->type.dims[0] < rows)
                    rows = value->type.dims[0];
                break;
            }
    }
    return rows;
}

size_t amass_nn_graph_count_op(const amass_nn_graph *graph, amass_nn_op op)
{
    size_t count = 0;
    for (int n = 0; n < graph->n_nodes; n++)
        count += !graph->nodes[n].dead && graph->nodes[n].op == op;
    return count;
}
