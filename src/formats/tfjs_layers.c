/* TF.js layers import: the Keras topology (Functional/Model with inbound nodes, or Sequential) walked in dependency order onto the nn graph. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tfjs_layers.h"

typedef struct {
    int layer, call;
} tensor_ref;

typedef struct {
    const char *name;
    const char *class_name;
    const json_t *config;
    const json_t *inbound; /* the layer's inbound_nodes (Functional), or NULL */
    size_t n_calls;
    size_t first_call; /* index of its call 0 in the topology's calls */
} layer_entry;

typedef struct {
    int layer, index; /* the layer, and which call of it */
    tensor_ref *inputs;
    size_t n_inputs;
    int needed, done, on_path;
    tfjs_layer_tensor output;
} call_entry;

typedef struct {
    layer_entry *layers;
    size_t n_layers;
    call_entry *calls;
    size_t n_calls;
    tensor_ref *model_inputs, *model_outputs;
    size_t n_model_inputs, n_model_outputs;
} topology;

static void topology_free(topology *top)
{
    for (size_t c = 0; top->calls && c < top->n_calls; c++)
        free(top->calls[c].inputs);
    free(top->calls);
    free(top->layers);
    free(top->model_inputs);
    free(top->model_outputs);
}

static int find_layer(const topology *top, const char *name)
{
    for (size_t k = 0; k < top->n_layers; k++)
        if (strcmp(top->layers[k].name, name) == 0)
            return (int)k;
    return -1;
}

static call_entry *call_of(const topology *top, tensor_ref ref)
{
    return &top->calls[top->layers[ref.layer].first_call + (size_t)ref.call];
}

/* [name, node_index, tensor_index, ...]: one tensor of the topology. */
static int read_ref(tfjs_layers_importer *im, const topology *top, const json_t *item, const char *where,
                    tensor_ref *ref, amass_status *status)
{
    const json_t *name = json_array_get(item, 0), *node = json_array_get(item, 1), *tensor = json_array_get(item, 2);
    if (!json_is_array(item) || json_array_size(item) < 3 || !json_is_string(name) || !json_is_integer(node) ||
        !json_is_integer(tensor))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%s: an entry is not [layer, node, tensor]", where);
    ref->layer = find_layer(top, json_string_value(name));
    if (ref->layer < 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%s names a missing layer '%s'", where,
                                json_string_value(name));
    if (json_integer_value(tensor) != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED,
                                "%s takes output %lld of layer '%s'; only single-output layers are supported", where,
                                (long long)json_integer_value(tensor), json_string_value(name));
    json_int_t call = json_integer_value(node);
    if (call < 0 || (size_t)call >= top->layers[ref->layer].n_calls)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%s names call %lld of layer '%s', which has %zu", where,
                                (long long)call, json_string_value(name), top->layers[ref->layer].n_calls);
    ref->call = (int)call;
    return AMASS_OK;
}

static int read_refs(tfjs_layers_importer *im, const topology *top, const json_t *list, const char *key,
                     tensor_ref **refs, size_t *n, amass_status *status)
{
    size_t count = json_array_size(list);
    if (!json_is_array(list) || count == 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "model_config has no \"%s\"", key);
    *refs = calloc(count, sizeof **refs);
    if (!*refs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    *n = count;
    for (size_t k = 0; k < count; k++) {
        int result = read_ref(im, top, json_array_get(list, k), key, &(*refs)[k], status);
        if (result != AMASS_OK)
            return result;
    }
    return AMASS_OK;
}

static int read_layer(tfjs_layers_importer *im, const json_t *item, layer_entry *layer, amass_status *status)
{
    const json_t *config = json_object_get(item, "config");
    const json_t *class_name = json_object_get(item, "class_name");
    const json_t *name = json_object_get(item, "name");
    if (!json_is_string(name))
        name = json_object_get(config, "name");
    if (!json_is_object(item) || !json_is_string(class_name) || !json_is_object(config) || !json_is_string(name))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "a layer lacks its name, class_name or config");
    layer->name = json_string_value(name);
    layer->class_name = json_string_value(class_name);
    layer->config = config;
    return AMASS_OK;
}

/* Functional models list every call of a layer in inbound_nodes, each a
 * list of the tensors it reads. */
static int read_functional(tfjs_layers_importer *im, const json_t *config, topology *top, amass_status *status)
{
    const json_t *layers = json_object_get(config, "layers");
    if (!json_is_array(layers) || json_array_size(layers) == 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "model_config has no layers");
    top->n_layers = json_array_size(layers);
    top->layers = calloc(top->n_layers, sizeof *top->layers);
    if (!top->layers)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < top->n_layers; k++) {
        layer_entry *layer = &top->layers[k];
        int result = read_layer(im, json_array_get(layers, k), layer, status);
        if (result != AMASS_OK)
            return result;
        for (size_t j = 0; j < k; j++)
            if (strcmp(top->layers[j].name, layer->name) == 0)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "two layers are named '%s'", layer->name);
        layer->inbound = json_object_get(json_array_get(layers, k), "inbound_nodes");
        if (layer->inbound && !json_is_array(layer->inbound))
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "layer '%s': inbound_nodes is not a list",
                                    layer->name);
        layer->n_calls = strcmp(layer->class_name, "InputLayer") == 0 ? 1 : json_array_size(layer->inbound);
        layer->first_call = top->n_calls;
        top->n_calls += layer->n_calls;
    }
    top->calls = calloc(top->n_calls ? top->n_calls : 1, sizeof *top->calls);
    if (!top->calls)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < top->n_layers; k++) {
        const layer_entry *layer = &top->layers[k];
        for (size_t c = 0; c < layer->n_calls; c++) {
            call_entry *call = &top->calls[layer->first_call + c];
            call->layer = (int)k;
            call->index = (int)c;
            if (strcmp(layer->class_name, "InputLayer") == 0)
                continue;
            const json_t *node = json_array_get(layer->inbound, c);
            char where[400];
            snprintf(where, sizeof where, "layer '%s': inbound node %zu", layer->name, c);
            if (!json_is_array(node) || json_array_size(node) == 0)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "%s is not a list of tensors", where);
            call->n_inputs = json_array_size(node);
            call->inputs = calloc(call->n_inputs, sizeof *call->inputs);
            if (!call->inputs)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < call->n_inputs; i++) {
                int result = read_ref(im, top, json_array_get(node, i), where, &call->inputs[i], status);
                if (result != AMASS_OK)
                    return result;
            }
        }
    }
    int result = read_refs(im, top, json_object_get(config, "input_layers"), "input_layers", &top->model_inputs,
                           &top->n_model_inputs, status);
    if (result == AMASS_OK)
        result = read_refs(im, top, json_object_get(config, "output_layers"), "output_layers", &top->model_outputs,
                           &top->n_model_outputs, status);
    return result;
}

/* A Sequential model is a chain: each layer reads the one before. Its
 * input is an InputLayer first, or the first layer's batch_input_shape
 * (TF.js then names the input "<first layer>_input"). */
static int read_sequential(tfjs_layers_importer *im, const json_t *config, topology *top, amass_status *status)
{
    const json_t *layers = json_is_array(config) ? config : json_object_get(config, "layers");
    size_t n = json_array_size(layers);
    if (!json_is_array(layers) || n == 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "the Sequential model has no layers");
    top->layers = calloc(n + 1, sizeof *top->layers);
    top->calls = calloc(n + 1, sizeof *top->calls);
    top->model_inputs = calloc(1, sizeof *top->model_inputs);
    top->model_outputs = calloc(1, sizeof *top->model_outputs);
    if (!top->layers || !top->calls || !top->model_inputs || !top->model_outputs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    layer_entry first;
    int result = read_layer(im, json_array_get(layers, 0), &first, status);
    if (result != AMASS_OK)
        return result;
    size_t offset = 0;
    if (strcmp(first.class_name, "InputLayer") != 0) {
        const char *made = NULL;
        char name[400];
        snprintf(name, sizeof name, "%s_input", first.name);
        made = tfjs_layers_keep(im, name);
        if (!made)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        top->layers[0].name = made;
        top->layers[0].class_name = "InputLayer";
        top->layers[0].config = first.config;
        offset = 1;
    }
    top->n_layers = n + offset;
    for (size_t k = 0; k < top->n_layers; k++) {
        layer_entry *layer = &top->layers[k];
        if (k >= offset) {
            result = read_layer(im, json_array_get(layers, k - offset), layer, status);
            if (result != AMASS_OK)
                return result;
            if (k > 0 && strcmp(layer->class_name, "InputLayer") == 0)
                return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "InputLayer '%s' inside a Sequential model",
                                        layer->name);
        }
        layer->n_calls = 1;
        layer->first_call = k;
        top->calls[k].layer = (int)k;
        top->n_calls = k + 1; /* so a failure frees what is made */
        if (k > 0) {
            top->calls[k].inputs = calloc(1, sizeof *top->calls[k].inputs);
            if (!top->calls[k].inputs)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            top->calls[k].inputs[0].layer = (int)k - 1;
            top->calls[k].n_inputs = 1;
        }
    }
    top->n_calls = top->n_layers;
    top->n_model_inputs = top->n_model_outputs = 1;
    top->model_outputs[0].layer = (int)top->n_layers - 1;
    return AMASS_OK;
}

/* Marks what the wanted outputs read, without recursion (a long chain
 * would otherwise nest deeply), and finds cycles on the way. */
static int mark_needed(tfjs_layers_importer *im, topology *top, const tensor_ref *wanted, size_t n_wanted,
                       amass_status *status)
{
    tensor_ref *stack = malloc((top->n_calls + 1) * sizeof *stack);
    size_t *next = calloc(top->n_calls + 1, sizeof *next);
    if (!stack || !next) {
        free(stack);
        free(next);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    int result = AMASS_OK;
    for (size_t w = 0; w < n_wanted && result == AMASS_OK; w++) {
        if (call_of(top, wanted[w])->needed)
            continue;
        size_t depth = 0;
        stack[depth++] = wanted[w];
        call_of(top, wanted[w])->needed = call_of(top, wanted[w])->on_path = 1;
        while (depth > 0 && result == AMASS_OK) {
            call_entry *call = call_of(top, stack[depth - 1]);
            size_t at = (size_t)(call - top->calls);
            if (next[at] == call->n_inputs) {
                call->on_path = 0;
                depth--;
                continue;
            }
            tensor_ref input = call->inputs[next[at]++];
            call_entry *source = call_of(top, input);
            if (source->on_path) {
                result = tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "layer '%s' reads its own output through a cycle",
                                          top->layers[input.layer].name);
            } else if (!source->needed) {
                source->needed = source->on_path = 1;
                stack[depth++] = input;
            }
        }
    }
    free(stack);
    free(next);
    return result;
}

/* The graph input of an InputLayer; the caller's input_dims replace the
 * file's for the model's first input. */
static int add_input(tfjs_layers_importer *im, const layer_entry *layer, const int64_t *input_dims,
                     size_t n_input_dims, tfjs_layer_tensor *out, amass_status *status)
{
    const json_t *shape = json_object_get(layer->config, "batch_input_shape");
    if (!shape)
        shape = json_object_get(layer->config, "batch_shape");
    size_t rank = json_array_size(shape);
    im->layer = layer->name;
    im->class_name = "InputLayer";
    if (!json_is_array(shape) || rank < 2 || rank > AMASS_NN_MAX_RANK)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "no batch_input_shape of rank 2 to %d",
                                AMASS_NN_MAX_RANK);
    if (input_dims && n_input_dims != rank)
        return tfjs_layers_fail(im, status, AMASS_ERR_USAGE, "the input has rank %zu, not %zu", rank, n_input_dims);
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = AMASS_NN_FLOAT32;
    type.rank = (int)rank;
    for (size_t d = 0; d < rank; d++) {
        const json_t *item = json_array_get(shape, d);
        int64_t size = json_is_integer(item) ? json_integer_value(item) : -1;
        if (!json_is_integer(item) && !json_is_null(item))
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "batch_input_shape holds a non-integer");
        int64_t wanted = input_dims && d > 0 ? input_dims[d] : 0;
        if (wanted > 0 && size > 0 && size != wanted)
            return tfjs_layers_fail(im, status, AMASS_ERR_USAGE, "dimension %zu of the input is %lld, not %lld", d,
                                    (long long)size, (long long)wanted);
        if (wanted > 0)
            size = wanted;
        if (d > 0 && size < 1)
            return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED,
                                    "dimension %zu of the input is not fixed; only the batch may vary", d);
        if (size > TFJS_LAYERS_MAX_DIMENSION)
            return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "dimension %zu of the input is %lld, too large", d,
                                    (long long)size);
        type.dims[d] = d == 0 ? AMASS_NN_DYNAMIC : size;
    }
    int result = amass_nn_graph_add_input(im->graph, layer->name, &type, status);
    if (result != AMASS_OK)
        return result;
    out->rank = type.rank;
    memcpy(out->dims, type.dims, sizeof type.dims);
    out->value = layer->name;
    return tfjs_layers_from_keras(im, layer->name, out->rank, &out->value, status);
}

/* A graph output under the layer's name, back in Keras' layout. */
static int add_output(tfjs_layers_importer *im, const topology *top, tensor_ref ref, amass_status *status)
{
    const layer_entry *layer = &top->layers[ref.layer];
    const call_entry *call = call_of(top, ref);
    im->layer = layer->name;
    im->class_name = layer->class_name;
    if (strcmp(layer->class_name, "InputLayer") == 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_USAGE, "is the model's input, not an output");
    char name[400];
    if (ref.call == 0)
        snprintf(name, sizeof name, "%s", layer->name);
    else
        snprintf(name, sizeof name, "%s:%d", layer->name, ref.call);
    const char *output = tfjs_layers_keep(im, name);
    if (!output)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    static const int64_t to_nhwc[4] = {0, 2, 3, 1};
    amass_nn_attr perm;
    memset(&perm, 0, sizeof perm);
    perm.name = "perm";
    perm.kind = AMASS_NN_ATTR_INTS;
    perm.ints = to_nhwc;
    perm.count = 4;
    amass_nn_node_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = call->output.rank == 4 ? AMASS_NN_OP_TRANSPOSE : AMASS_NN_OP_IDENTITY;
    spec.name = layer->name;
    spec.inputs = &call->output.value;
    spec.n_inputs = 1;
    spec.outputs = &output;
    spec.n_outputs = 1;
    spec.attrs = &perm;
    spec.n_attrs = call->output.rank == 4 ? 1 : 0;
    int result = amass_nn_graph_add_node(im->graph, &spec, status);
    return result != AMASS_OK ? result : amass_nn_graph_mark_output(im->graph, output, status);
}

/* Bounds every tensor's shape, so the size arithmetic of the next layer
 * cannot overflow whatever the file says. */
static int size_fits(const tfjs_layer_tensor *tensor)
{
    int64_t count = 1;
    if (tensor->rank < 1 || tensor->rank > AMASS_NN_MAX_RANK)
        return 0;
    for (int d = 1; d < tensor->rank; d++) {
        if (tensor->dims[d] < 1 || tensor->dims[d] > TFJS_LAYERS_MAX_COUNT / count)
            return 0;
        count *= tensor->dims[d];
    }
    return 1;
}

/* Converts every needed call whose inputs are ready, pass after pass
 * (Keras lists layers in order, so one pass usually does). */
static int convert_calls(tfjs_layers_importer *im, topology *top, amass_status *status)
{
    size_t remaining = 0;
    for (size_t c = 0; c < top->n_calls; c++)
        remaining += top->calls[c].needed && !top->calls[c].done;
    tfjs_layer_tensor *inputs = NULL;
    size_t inputs_capacity = 0;
    int result = AMASS_OK;
    while (remaining > 0 && result == AMASS_OK) {
        size_t before = remaining;
        for (size_t c = 0; c < top->n_calls && result == AMASS_OK; c++) {
            call_entry *call = &top->calls[c];
            int ready = call->needed && !call->done;
            for (size_t i = 0; i < call->n_inputs && ready; i++)
                ready = call_of(top, call->inputs[i])->done;
            if (!ready)
                continue;
            const layer_entry *layer = &top->layers[call->layer];
            if (call->n_inputs > inputs_capacity) {
                tfjs_layer_tensor *grown = realloc(inputs, call->n_inputs * sizeof *grown);
                if (!grown) {
                    result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
                    break;
                }
                inputs = grown;
                inputs_capacity = call->n_inputs;
            }
            for (size_t i = 0; i < call->n_inputs; i++)
                inputs[i] = call_of(top, call->inputs[i])->output;
            im->layer = layer->name;
            im->class_name = layer->class_name;
            im->call = call->index;
            result = tfjs_layers_convert(im, layer->config, inputs, call->n_inputs, &call->output, status);
            if (result == AMASS_OK && !size_fits(&call->output))
                result = tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "the output is too large (over 2^40 values a sample)");
            call->done = 1;
            remaining--;
        }
        if (result == AMASS_OK && remaining == before)
            result = amass_fail(status, AMASS_ERR_INPUT, "%s: the layers' inbound nodes never complete", im->path);
    }
    free(inputs);
    return result;
}

static int import_topology(tfjs_layers_importer *im, topology *top, const int64_t *input_dims, size_t n_input_dims,
                           const char *const *outputs, size_t n_outputs, amass_status *status)
{
    const json_t *root = amass_tfjs_topology(im->model);
    const json_t *model_config = json_object_get(root, "model_config");
    if (!model_config)
        model_config = root;
    const json_t *class_name = json_object_get(model_config, "class_name");
    const json_t *config = json_object_get(model_config, "config");
    if (!json_is_string(class_name) || !config)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: modelTopology has no model_config with class_name and config",
                          im->path);
    const char *kind = json_string_value(class_name);
    int result;
    if (strcmp(kind, "Sequential") == 0)
        result = read_sequential(im, config, top, status);
    else if (strcmp(kind, "Model") == 0 || strcmp(kind, "Functional") == 0)
        result = read_functional(im, config, top, status);
    else
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: model class '%s' is not supported", im->path, kind);
    if (result != AMASS_OK)
        return result;
    for (size_t k = 0; k < top->n_layers; k++) {
        const layer_entry *layer = &top->layers[k];
        if (strcmp(layer->class_name, "InputLayer") != 0 && !tfjs_layers_class_known(layer->class_name))
            return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: layer '%s': unsupported layer class '%s'", im->path,
                              layer->name, layer->class_name);
    }
    tensor_ref *wanted = top->model_outputs;
    size_t n_wanted = top->n_model_outputs;
    tensor_ref *chosen = NULL;
    if (n_outputs > 0) {
        chosen = calloc(n_outputs, sizeof *chosen);
        if (!chosen)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (size_t k = 0; k < n_outputs; k++) {
            chosen[k].layer = find_layer(top, outputs[k]);
            if (chosen[k].layer < 0 || top->layers[chosen[k].layer].n_calls == 0) {
                free(chosen);
                return amass_fail(status, AMASS_ERR_USAGE, "%s: no layer '%s' to output", im->path, outputs[k]);
            }
        }
        wanted = chosen;
        n_wanted = n_outputs;
    }
    result = mark_needed(im, top, wanted, n_wanted, status);
    /* The model's inputs first, in its order, so graph input 0 is Keras' input 0. */
    for (size_t k = 0; k < top->n_model_inputs && result == AMASS_OK; k++) {
        call_entry *call = call_of(top, top->model_inputs[k]);
        const layer_entry *layer = &top->layers[call->layer];
        if (strcmp(layer->class_name, "InputLayer") != 0)
            result = amass_fail(status, AMASS_ERR_INPUT, "%s: input layer '%s' is a %s", im->path, layer->name,
                                layer->class_name);
        else if (call->needed && !call->done)
            result = add_input(im, layer, k == 0 ? input_dims : NULL, n_input_dims, &call->output, status);
        call->done = 1;
    }
    for (size_t c = 0; c < top->n_calls && result == AMASS_OK; c++) {
        call_entry *call = &top->calls[c];
        const layer_entry *layer = &top->layers[call->layer];
        if (call->needed && !call->done && strcmp(layer->class_name, "InputLayer") == 0) {
            result = add_input(im, layer, NULL, 0, &call->output, status);
            call->done = 1;
        }
    }
    if (result == AMASS_OK)
        result = convert_calls(im, top, status);
    for (size_t k = 0; k < n_wanted && result == AMASS_OK; k++)
        result = add_output(im, top, wanted[k], status);
    free(chosen);
    return result;
}

int tfjs_layers_import(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                       const char *const *outputs, size_t n_outputs, amass_nn_graph **graph, amass_status *status)
{
    *graph = NULL;
    tfjs_layers_importer im;
    memset(&im, 0, sizeof im);
    im.model = model;
    im.path = amass_tfjs_path(model);
    im.graph = amass_nn_graph_new(im.path, status);
    if (!im.graph)
        return status->code ? status->code : AMASS_ERR_NOMEM;
    topology top;
    memset(&top, 0, sizeof top);
    int result = import_topology(&im, &top, input_dims, n_input_dims, outputs, n_outputs, status);
    topology_free(&top);
    tfjs_layers_importer_free(&im);
    if (result == AMASS_OK)
        result = amass_nn_graph_prepare(im.graph, status);
    if (result != AMASS_OK) {
        amass_nn_graph_free(im.graph);
        return result;
    }
    *graph = im.graph;
    return AMASS_OK;
}
