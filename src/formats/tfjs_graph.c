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
        tfjs_tensor *tensor = tfjs_find_tensor(converter, input, length);
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

/* The index of the node called name (length bytes), or -1. */
static long find_node(const tfjs_converter *converter, const char *name, size_t length)
{
    size_t count = json_array_size(converter->nodes);
    for (size_t n = 0; n < count; n++) {
        const char *candidate = json_string_value(json_object_get(json_array_get(converter->nodes, n), "name"));
        if (candidate && strlen(candidate) == length && !memcmp(candidate, name, length))
            return (long)n;
    }
    return -1;
}

/* Chosen outputs: only the nodes they depend on are translated, so a head
 * the engine cannot run (e.g. a detector's in-graph decoding) is left out
 * with everything else past the chosen tensors. */
static int choose_outputs(tfjs_converter *converter, const char *const *outputs, size_t n_outputs,
                          amass_status *status)
{
    size_t count = json_array_size(converter->nodes);
    size_t *stack = amass_alloc_array(count + 1, sizeof *stack), depth = 0;
    if (!stack)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    memset(converter->skip, 1, count);
    int result = AMASS_OK;
    for (size_t i = 0; i < n_outputs && result == AMASS_OK; i++) {
        size_t length;
        const char *reference = input_reference(outputs[i], &length);
        const char *colon = reference ? memchr(reference, ':', length) : NULL;
        long node = reference ? find_node(converter, reference, colon ? (size_t)(colon - reference) : length) : -1;
        if (node < 0) {
            result = amass_fail(status, AMASS_ERR_USAGE, "%s: no node '%s' to take as an output",
                                converter->builder.path, outputs[i]);
            break;
        }
        result = add_output(converter, outputs[i], status);
        if (converter->skip[node]) {
            converter->skip[node] = 0;
            stack[depth++] = (size_t)node;
        }
    }
    while (depth > 0 && result == AMASS_OK) {
        const json_t *inputs = json_object_get(json_array_get(converter->nodes, stack[--depth]), "input");
        for (size_t i = 0; i < json_array_size(inputs); i++) {
            const char *input = json_string_value(json_array_get(inputs, i));
            size_t length;
            if (!input || !input_reference(input, &length))
                continue;
            const char *colon = memchr(input, ':', length);
            long node = find_node(converter, input, colon ? (size_t)(colon - input) : length);
            if (node >= 0 && converter->skip[node]) {
                converter->skip[node] = 0;
                stack[depth++] = (size_t)node;
            }
        }
    }
    free(stack);
    return result;
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
        tfjs_tensor *tensor = tfjs_find_tensor(converter, name, strlen(name));
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

static int convert(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                   const char *const *outputs, size_t n_outputs, int fix_batch, amass_nn_graph **graph,
                   amass_status *status)
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
        result = n_outputs ? choose_outputs(&converter, outputs, n_outputs, status) : collect_outputs(&converter, status);
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
    return amass_tfjs_import_outputs(model, input_dims, n_input_dims, NULL, 0, graph, status);
}

int tfjs_graph_import(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                      const char *const *outputs, size_t n_outputs, amass_nn_graph **graph, amass_status *status)
{
    /* A batch of 1 in the Placeholder is often only what the exporter
     * traced with: try it as any batch, and keep it at 1 when the graph
     * does not allow that (e.g. a Reshape to a fixed [1, ...]). */
    amass_status first;
    amass_status_clear(&first);
    int result = convert(model, input_dims, n_input_dims, outputs, n_outputs, 0, graph, &first);
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
    return convert(model, input_dims, n_input_dims, outputs, n_outputs, 1, graph, status);
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
