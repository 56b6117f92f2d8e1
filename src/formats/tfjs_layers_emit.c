/* TF.js layers import: the small pieces every layer uses (nodes, constants, weights, layout, config fields). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_layers.h"

int tfjs_layers_fail(const tfjs_layers_importer *im, amass_status *status, amass_code code, const char *format, ...)
{
    char why[512];
    va_list args;
    va_start(args, format);
    vsnprintf(why, sizeof why, format, args);
    va_end(args);
    if (im->layer)
        return amass_fail(status, code, "%s: layer '%s' (%s): %s", im->path, im->layer,
                          im->class_name ? im->class_name : "?", why);
    return amass_fail(status, code, "%s: %s", im->path, why);
}

const char *tfjs_layers_keep(tfjs_layers_importer *im, const char *text)
{
    if (im->n_names == im->names_capacity) {
        size_t capacity = im->names_capacity ? 2 * im->names_capacity : 64;
        char **grown = realloc(im->names, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        im->names = grown;
        im->names_capacity = capacity;
    }
    char *copy = strdup(text);
    if (copy)
        im->names[im->n_names++] = copy;
    return copy;
}

void tfjs_layers_importer_free(tfjs_layers_importer *im)
{
    for (size_t i = 0; i < im->n_names; i++)
        free(im->names[i]);
    free(im->names);
    im->names = NULL;
    im->n_names = im->names_capacity = 0;
}

/* "<layer>#<call>.<serial>": unique, since Keras layer names hold no '#'
 * in practice and the serial grows; messages show the layer's name. */
static const char *new_name(tfjs_layers_importer *im, amass_status *status)
{
    char name[640];
    snprintf(name, sizeof name, "%s#%d.%u", im->layer ? im->layer : "model", im->call, im->serial++);
    const char *kept = tfjs_layers_keep(im, name);
    if (!kept)
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    return kept;
}

int tfjs_layers_node(tfjs_layers_importer *im, amass_nn_op op, const char *const *inputs, size_t n_inputs,
                     const amass_nn_attr *attrs, size_t n_attrs, const char **output, amass_status *status)
{
    const char *name = new_name(im, status);
    if (!name)
        return status->code;
    amass_nn_node_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = op;
    spec.op_type = im->class_name;
    spec.name = im->layer;
    spec.inputs = inputs;
    spec.n_inputs = n_inputs;
    spec.outputs = &name;
    spec.n_outputs = 1;
    spec.attrs = attrs;
    spec.n_attrs = n_attrs;
    int result = amass_nn_graph_add_node(im->graph, &spec, status);
    if (result == AMASS_OK)
        *output = name;
    return result;
}

int tfjs_layers_constant(tfjs_layers_importer *im, int rank, const int64_t *dims, const float *data,
                         const char **name, amass_status *status)
{
    const char *made = new_name(im, status);
    if (!made)
        return status->code;
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = AMASS_NN_FLOAT32;
    type.rank = rank;
    for (int d = 0; d < rank; d++)
        type.dims[d] = dims[d];
    int result = amass_nn_graph_add_constant(im->graph, made, &type, data, NULL, NULL, status);
    if (result == AMASS_OK)
        *name = made;
    return result;
}

int tfjs_layers_int_constant(tfjs_layers_importer *im, size_t count, const int64_t *data, const char **name,
                             amass_status *status)
{
    const char *made = new_name(im, status);
    if (!made)
        return status->code;
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = AMASS_NN_INT64;
    type.rank = 1;
    type.dims[0] = (int64_t)count;
    int result = amass_nn_graph_add_constant(im->graph, made, &type, data, NULL, NULL, status);
    if (result == AMASS_OK)
        *name = made;
    return result;
}

static void format_shape(char *text, size_t size, int rank, const int64_t *dims)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int d = 0; d < rank && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, "%s%lld", d ? "," : "", (long long)dims[d]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

/* Keras names a weight "<layer>/<name>"; a model saved from inside
 * another model prefixes it ("model_1/<layer>/<name>"), so a unique
 * match on the ending is taken as well. */
static const amass_tfjs_weight *find_weight(const amass_tfjs_model *model, const char *full)
{
    const amass_tfjs_weight *weight = amass_tfjs_weight_find(model, full);
    if (weight)
        return weight;
    size_t length = strlen(full), n = amass_tfjs_weight_count(model);
    const amass_tfjs_weight *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const amass_tfjs_weight *candidate = amass_tfjs_weight_at(model, i);
        size_t candidate_length = strlen(candidate->name);
        if (candidate_length > length && candidate->name[candidate_length - length - 1] == '/' &&
            strcmp(candidate->name + candidate_length - length, full) == 0) {
            if (found)
                return NULL;
            found = candidate;
        }
    }
    return found;
}

int tfjs_layers_weight(tfjs_layers_importer *im, const char *suffix, int rank, const int64_t *dims,
                       const float **data, amass_status *status)
{
    char full[640];
    snprintf(full, sizeof full, "%s/%s", im->layer, suffix);
    const amass_tfjs_weight *weight = find_weight(im->model, full);
    char wanted[160], got[160];
    format_shape(wanted, sizeof wanted, rank, dims);
    if (!weight)
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "weight '%s' %s is missing from the weightsManifest",
                                full, wanted);
    if (weight->dtype != AMASS_NN_FLOAT32)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "weight '%s' is %s, not float32", weight->name,
                                amass_nn_dtype_name(weight->dtype));
    int same = weight->rank == rank;
    for (int d = 0; same && d < rank; d++)
        same = weight->dims[d] == dims[d];
    if (!same) {
        format_shape(got, sizeof got, weight->rank, weight->dims);
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "weight '%s' has shape %s, the layer needs %s",
                                weight->name, got, wanted);
    }
    *data = weight->data;
    return AMASS_OK;
}

static int transpose(tfjs_layers_importer *im, const char *value, const int64_t perm[4], const char **output,
                     amass_status *status)
{
    amass_nn_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.name = "perm";
    attr.kind = AMASS_NN_ATTR_INTS;
    attr.ints = perm;
    attr.count = 4;
    return tfjs_layers_node(im, AMASS_NN_OP_TRANSPOSE, &value, 1, &attr, 1, output, status);
}

int tfjs_layers_to_keras(tfjs_layers_importer *im, const tfjs_layer_tensor *tensor, const char **value,
                         amass_status *status)
{
    static const int64_t to_nhwc[4] = {0, 2, 3, 1};
    if (tensor->rank != 4) {
        *value = tensor->value;
        return AMASS_OK;
    }
    return transpose(im, tensor->value, to_nhwc, value, status);
}

int tfjs_layers_from_keras(tfjs_layers_importer *im, const char *value, int rank, const char **internal,
                           amass_status *status)
{
    static const int64_t to_nchw[4] = {0, 3, 1, 2};
    if (rank != 4) {
        *internal = value;
        return AMASS_OK;
    }
    return transpose(im, value, to_nchw, internal, status);
}

int tfjs_layers_internal_axis(int rank, int keras_axis)
{
    if (keras_axis < 0)
        keras_axis += rank;
    if (keras_axis < 0 || keras_axis >= rank)
        return -1;
    if (rank != 4 || keras_axis == 0)
        return keras_axis;
    return keras_axis == 3 ? 1 : keras_axis + 1;
}

static const json_t *config_field(const json_t *config, const char *key)
{
    const json_t *field = json_object_get(config, key);
    return field && !json_is_null(field) ? field : NULL;
}

int tfjs_layers_config_int(tfjs_layers_importer *im, const json_t *config, const char *key, int64_t fallback,
                           int64_t *value, amass_status *status)
{
    const json_t *field = config_field(config, key);
    if (!field) {
        *value = fallback;
        return AMASS_OK;
    }
    /* JSON writers may print an integral float ("3.0"). */
    if (json_is_real(field) && json_real_value(field) == (double)(int64_t)json_real_value(field)) {
        *value = (int64_t)json_real_value(field);
        return AMASS_OK;
    }
    if (!json_is_integer(field))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is not an integer", key);
    *value = json_integer_value(field);
    return AMASS_OK;
}

int tfjs_layers_config_pair(tfjs_layers_importer *im, const json_t *config, const char *key, int64_t fallback,
                            int64_t pair[2], amass_status *status)
{
    const json_t *field = config_field(config, key);
    if (!field) {
        pair[0] = pair[1] = fallback;
        return AMASS_OK;
    }
    if (json_is_integer(field)) {
        pair[0] = pair[1] = json_integer_value(field);
        return AMASS_OK;
    }
    if (!json_is_array(field) || json_array_size(field) != 2 || !json_is_integer(json_array_get(field, 0)) ||
        !json_is_integer(json_array_get(field, 1)))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is not an integer or a pair of them",
                                key);
    pair[0] = json_integer_value(json_array_get(field, 0));
    pair[1] = json_integer_value(json_array_get(field, 1));
    return AMASS_OK;
}

int tfjs_layers_config_number(tfjs_layers_importer *im, const json_t *config, const char *key, double fallback,
                              double *value, amass_status *status)
{
    const json_t *field = config_field(config, key);
    if (!field) {
        *value = fallback;
        return AMASS_OK;
    }
    if (!json_is_number(field))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is not a number", key);
    *value = json_number_value(field);
    return AMASS_OK;
}

int tfjs_layers_config_bool(tfjs_layers_importer *im, const json_t *config, const char *key, int fallback,
                            int *value, amass_status *status)
{
    const json_t *field = config_field(config, key);
    if (!field) {
        *value = fallback;
        return AMASS_OK;
    }
    if (!json_is_boolean(field))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is not true or false", key);
    *value = json_is_true(field);
    return AMASS_OK;
}

int tfjs_layers_config_string(tfjs_layers_importer *im, const json_t *config, const char *key, const char *fallback,
                              const char **value, amass_status *status)
{
    const json_t *field = config_field(config, key);
    if (!field) {
        *value = fallback;
        return AMASS_OK;
    }
    if (!json_is_string(field))
        return tfjs_layers_fail(im, status, AMASS_ERR_INPUT, "config \"%s\" is not a string", key);
    *value = json_string_value(field);
    return AMASS_OK;
}

static amass_nn_attr *attr_add(tfjs_layers_attrs *list, const char *name, amass_nn_attr_kind kind)
{
    amass_nn_attr *attr = &list->items[list->count++];
    memset(attr, 0, sizeof *attr);
    attr->name = name;
    attr->kind = kind;
    return attr;
}

void tfjs_layers_attr_int(tfjs_layers_attrs *list, const char *name, int64_t value)
{
    attr_add(list, name, AMASS_NN_ATTR_INT)->i = value;
}

void tfjs_layers_attr_float(tfjs_layers_attrs *list, const char *name, float value)
{
    attr_add(list, name, AMASS_NN_ATTR_FLOAT)->f = value;
}

void tfjs_layers_attr_ints(tfjs_layers_attrs *list, const char *name, const int64_t *values, size_t count)
{
    amass_nn_attr *attr = attr_add(list, name, AMASS_NN_ATTR_INTS);
    attr->ints = values;
    attr->count = count;
}

void tfjs_layers_attr_string(tfjs_layers_attrs *list, const char *name, const char *value)
{
    attr_add(list, name, AMASS_NN_ATTR_STRING)->s = value;
}

int tfjs_layers_need_rank(tfjs_layers_importer *im, const tfjs_layer_tensor *in, int rank, amass_status *status)
{
    if (in->rank != rank)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "takes a rank-%d input, not rank %d", rank,
                                in->rank);
    return AMASS_OK;
}

int tfjs_layers_channels_last(tfjs_layers_importer *im, const json_t *config, amass_status *status)
{
    const char *format;
    int result = tfjs_layers_config_string(im, config, "data_format", "channels_last", &format, status);
    if (result == AMASS_OK && strcmp(format, "channels_last") != 0)
        return tfjs_layers_fail(im, status, AMASS_ERR_UNSUPPORTED, "data_format '%s' is not supported", format);
    return result;
}

/* TensorFlow's "same" puts the odd pixel of padding at the end (bottom,
 * right), unlike a symmetric pad; "valid" takes only whole windows. */
