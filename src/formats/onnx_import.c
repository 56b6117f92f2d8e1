/* ONNX import: a decoded ONNX model turned into an nn graph, with ONNX's opset differences translated. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "../nn/nn.h"

/* The graph borrows the reader's tensors (often pointers into the file
 * mapping), so the model must outlive every constant: each borrowed
 * constant holds one reference, the importer one more while it runs. */
typedef struct {
    amass_onnx_model *model; /* closed at the last release; NULL: the caller owns it */
    size_t references;
} import_owner;

static void owner_release(void *user)
{
    import_owner *owner = user;
    if (--owner->references > 0)
        return;
    if (owner->model)
        amass_onnx_close(owner->model);
    free(owner);
}

typedef struct {
    const amass_onnx_model *model;
    amass_nn_graph *graph;
    import_owner *owner;
    const int64_t *input_dims; /* for the first graph input, or NULL */
    size_t n_input_dims;
    unsigned serial; /* for names of values the importer makes up */
} importer;

static int fail_node(amass_status *status, const importer *im, const amass_onnx_node *node, const char *why)
{
    return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %s: %s", im->model->path, node->label, why);
}

static int nn_dtype_of(int onnx_type, amass_nn_dtype *dtype)
{
    switch (onnx_type) {
    case AMASS_ONNX_FLOAT: *dtype = AMASS_NN_FLOAT32; return 1;
    case AMASS_ONNX_INT64: *dtype = AMASS_NN_INT64; return 1;
    case AMASS_ONNX_INT32: *dtype = AMASS_NN_INT32; return 1;
    case AMASS_ONNX_UINT8: *dtype = AMASS_NN_UINT8; return 1;
    case AMASS_ONNX_BOOL: *dtype = AMASS_NN_BOOL; return 1;
    default: return 0;
    }
}

/* A FLOAT16 or BFLOAT16 tensor as float32 in a buffer of its own: weights
 * stored at half size (fp16 exports, a Cast to FLOAT after each) then run
 * as every other float constant does. */
static int add_widened_tensor(importer *im, const char *name, const amass_onnx_tensor *tensor,
                              const amass_nn_tensor_type *type, amass_status *status)
{
    size_t count = tensor->n_bytes / 2;
    float *values = amass_alloc_array(count + 1, sizeof *values);
    if (!values)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory widening '%s'", im->model->path, name);
    const unsigned char *bytes = tensor->data;
    for (size_t i = 0; i < count; i++) {
        uint16_t bits;
        memcpy(&bits, bytes + 2 * i, sizeof bits);
        values[i] = tensor->data_type == AMASS_ONNX_FLOAT16 ? amass_half_to_float(bits) : amass_bfloat16_to_float(bits);
    }
    return amass_nn_graph_add_constant(im->graph, name, type, values, free, values, status);
}

/* Adds tensor under name, borrowing its bytes. what names it in messages. */
static int add_tensor(importer *im, const char *name, const amass_onnx_tensor *tensor, const char *what,
                      amass_status *status)
{
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    int widen = tensor->data_type == AMASS_ONNX_FLOAT16 || tensor->data_type == AMASS_ONNX_BFLOAT16;
    if (widen)
        type.dtype = AMASS_NN_FLOAT32;
    else if (!nn_dtype_of(tensor->data_type, &type.dtype)) {
        const char *type_name = amass_onnx_data_type_name(tensor->data_type);
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %s '%s' is of type %s, which the engine does not run",
                          im->model->path, what, name, type_name ? type_name : "unknown");
    }
    if (tensor->n_dims > AMASS_NN_MAX_RANK)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %s '%s' has rank %zu (at most %d)", im->model->path,
                          what, name, tensor->n_dims, AMASS_NN_MAX_RANK);
    type.rank = (int)tensor->n_dims;
    for (size_t d = 0; d < tensor->n_dims; d++)
        type.dims[d] = tensor->dims[d];
    if (widen)
        return add_widened_tensor(im, name, tensor, &type, status);
    im->owner->references++;
    return amass_nn_graph_add_constant(im->graph, name, &type, tensor->data, owner_release, im->owner, status);
}

static int add_input(importer *im, const amass_onnx_value_info *info, int first, amass_status *status)
{
    const char *path = im->model->path;
    if (info->elem_type != AMASS_ONNX_FLOAT && info->elem_type != AMASS_ONNX_INT64 &&
        info->elem_type != AMASS_ONNX_INT32) {
        const char *type_name = amass_onnx_data_type_name(info->elem_type);
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: graph input '%s' is %s; FLOAT, INT64 and INT32 inputs run", path,
                          info->name, type_name ? type_name : "not a tensor");
    }
    if (!info->has_shape)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: graph input '%s' has no shape", path, info->name);
    if (info->n_dims > AMASS_NN_MAX_RANK)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: graph input '%s' has rank %zu (at most %d)", path,
                          info->name, info->n_dims, AMASS_NN_MAX_RANK);
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    type.dtype = info->elem_type == AMASS_ONNX_INT64   ? AMASS_NN_INT64
                 : info->elem_type == AMASS_ONNX_INT32 ? AMASS_NN_INT32
                                                       : AMASS_NN_FLOAT32;
    type.rank = (int)info->n_dims;
    if (first && im->input_dims && im->n_input_dims != info->n_dims)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: graph input '%s' has rank %zu, not %zu", path, info->name,
                          info->n_dims, im->n_input_dims);
    for (size_t d = 0; d < info->n_dims; d++) {
        int64_t wanted = first && im->input_dims && d > 0 ? im->input_dims[d] : 0;
        if (wanted > 0 && info->dims[d] >= 0 && info->dims[d] != wanted)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: graph input '%s': dimension %zu is %lld, not %lld", path,
                              info->name, d, (long long)info->dims[d], (long long)wanted);
        if (wanted > 0) {
            type.dims[d] = wanted;
            continue;
        }
        type.dims[d] = info->dims[d] < 0 ? AMASS_NN_DYNAMIC : info->dims[d];
    }
    return amass_nn_graph_add_input(im->graph, info->name, &type, status);
}

/* ONNX Constant: the value attribute (or one of its scalar shorthands)
 * becomes a graph constant under the node's output name. */
static int add_constant_node(importer *im, const amass_onnx_node *node, amass_status *status)
{
    if (node->n_outputs != 1 || node->n_attributes != 1)
        return fail_node(status, im, node, "needs one output and one attribute");
    const amass_onnx_attribute *attr = &node->attributes[0];
    amass_nn_tensor_type type;
    memset(&type, 0, sizeof type);
    if (attr->type == AMASS_ONNX_ATTR_TENSOR && !strcmp(attr->name, "value"))
        return add_tensor(im, node->outputs[0], attr->tensor, "constant", status);
    if (attr->type == AMASS_ONNX_ATTR_FLOAT && !strcmp(attr->name, "value_float")) {
        type.dtype = AMASS_NN_FLOAT32;
        return amass_nn_graph_add_constant(im->graph, node->outputs[0], &type, &attr->f, NULL, NULL, status);
    }
    if (attr->type == AMASS_ONNX_ATTR_INT && !strcmp(attr->name, "value_int")) {
        type.dtype = AMASS_NN_INT64;
        return amass_nn_graph_add_constant(im->graph, node->outputs[0], &type, &attr->i, NULL, NULL, status);
    }
    if (attr->type == AMASS_ONNX_ATTR_FLOATS && !strcmp(attr->name, "value_floats")) {
        type.dtype = AMASS_NN_FLOAT32;
        type.rank = 1;
        type.dims[0] = (int64_t)attr->n_values;
        return amass_nn_graph_add_constant(im->graph, node->outputs[0], &type, attr->floats, NULL, NULL, status);
    }
    if (attr->type == AMASS_ONNX_ATTR_INTS && !strcmp(attr->name, "value_ints")) {
        type.dtype = AMASS_NN_INT64;
        type.rank = 1;
        type.dims[0] = (int64_t)attr->n_values;
        return amass_nn_graph_add_constant(im->graph, node->outputs[0], &type, attr->ints, NULL, NULL, status);
    }
    char why[256];
    snprintf(why, sizeof why, "attribute '%s' is not supported", attr->name);
    return fail_node(status, im, node, why);
}

/* Whether anything reads name: a node input or a graph output. */
static int is_consumed(const amass_onnx_model *model, const char *name)
{
    for (size_t i = 0; i < model->n_outputs; i++)
        if (!strcmp(model->outputs[i].name, name))
            return 1;
    for (size_t n = 0; n < model->n_nodes; n++)
        for (size_t i = 0; i < model->nodes[n].n_inputs; i++)
            if (!strcmp(model->nodes[n].inputs[i], name))
                return 1;
    return 0;
}

/* Attributes an op may carry that change its result but that the engine
 * does not read: refused rather than ignored, so no model runs wrong. */
static const char *refused_attribute(const amass_onnx_node *node)
{
    const char *op = node->op_type;
    if (!strcmp(op, "MaxPool") && amass_onnx_attr_int(node, "storage_order", 0) != 0)
        return "storage_order 1 is not supported";
    if (!strcmp(op, "BatchNormalization") && amass_onnx_attr_int(node, "training_mode", 0) != 0)
        return "training mode is not supported";
    /* Opsets before 9: spatial 0 keeps one statistic per element. */
    if (!strcmp(op, "BatchNormalization") && amass_onnx_attr_int(node, "spatial", 1) != 1)
        return "spatial 0 is not supported";
    if (!strncmp(op, "Reduce", 6) && amass_onnx_attr_int(node, "noop_with_empty_axes", 0) != 0)
        return "noop_with_empty_axes is not supported";
    return NULL;
}

/* Copies the node's attributes into nn form; 0 with a message when one
 * is of a kind the engine has no use for. */
static int convert_attributes(const importer *im, const amass_onnx_node *node, amass_nn_attr *attrs,
                              amass_status *status)
{
    for (size_t a = 0; a < node->n_attributes; a++) {
        const amass_onnx_attribute *from = &node->attributes[a];
        amass_nn_attr *to = &attrs[a];
        memset(to, 0, sizeof *to);
        to->name = from->name;
        switch (from->type) {
        case AMASS_ONNX_ATTR_INT: to->kind = AMASS_NN_ATTR_INT; to->i = from->i; break;
        case AMASS_ONNX_ATTR_FLOAT: to->kind = AMASS_NN_ATTR_FLOAT; to->f = from->f; break;
        case AMASS_ONNX_ATTR_STRING: to->kind = AMASS_NN_ATTR_STRING; to->s = from->s; break;
        case AMASS_ONNX_ATTR_INTS:
            to->kind = AMASS_NN_ATTR_INTS;
            to->ints = from->ints;
            to->count = from->n_values;
            break;
        case AMASS_ONNX_ATTR_FLOATS:
            to->kind = AMASS_NN_ATTR_FLOATS;
            to->floats = from->floats;
            to->count = from->n_values;
            break;
        default: {
            char why[256];
            snprintf(why, sizeof why, "attribute '%s' is a tensor or strings, which the engine does not take",
                     from->name);
            return fail_node(status, im, node, why);
        }
        }
    }
    return 1;
}

static int add_plain_node(importer *im, const amass_onnx_node *node, amass_nn_op op, const char *op_type,
                          const char *name, const char *const *inputs, size_t n_inputs, const char *const *outputs,
                          size_t n_outputs, const amass_nn_attr *attrs, size_t n_attrs, amass_status *status)
{
    (void)node;
    amass_nn_node_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = op;
    spec.op_type = op_type;
    spec.name = name;
    spec.inputs = inputs;
    spec.n_inputs = n_inputs;
    spec.outputs = outputs;
    spec.n_outputs = n_outputs;
    spec.attrs = attrs;
    spec.n_attrs = n_attrs;
    return amass_nn_graph_add_node(im->graph, &spec, status);
}

/* Softmax before opset 13 normalises over all dimensions from axis on
 * (the input seen as a 2-D matrix), opset 13 over one axis: the old form
 * becomes Flatten(axis) -> Softmax(axis 1) -> Reshape to Shape(input). */
static int add_old_softmax(importer *im, const amass_onnx_node *node, amass_status *status)
{
    if (node->n_inputs != 1 || node->n_outputs != 1)
        return fail_node(status, im, node, "needs one input and one output");
    char flat[64], soft[64], shape[64];
    unsigned serial = im->serial++;
    snprintf(flat, sizeof flat, "amass.softmax%u.flat", serial);
    snprintf(soft, sizeof soft, "amass.softmax%u.out", serial);
    snprintf(shape, sizeof shape, "amass.softmax%u.shape", serial);
    amass_nn_attr axis;
    memset(&axis, 0, sizeof axis);
    axis.name = "axis";
    axis.kind = AMASS_NN_ATTR_INT;
    axis.i = amass_onnx_attr_int(node, "axis", 1);
    const char *in[2] = {node->inputs[0], NULL};
    const char *out[1] = {flat};
    int result = add_plain_node(im, node, AMASS_NN_OP_FLATTEN, "Flatten", node->name, in, 1, out, 1, &axis, 1, status);
    if (result != AMASS_OK)
        return result;
    axis.i = 1;
    in[0] = flat;
    out[0] = soft;
    result = add_plain_node(im, node, AMASS_NN_OP_SOFTMAX, "Softmax", node->name, in, 1, out, 1, &axis, 1, status);
    if (result != AMASS_OK)
        return result;
    in[0] = node->inputs[0];
    out[0] = shape;
    result = add_plain_node(im, node, AMASS_NN_OP_SHAPE, "Shape", node->name, in, 1, out, 1, NULL, 0, status);
    if (result != AMASS_OK)
        return result;
    in[0] = soft;
    in[1] = shape;
    return add_plain_node(im, node, AMASS_NN_OP_RESHAPE, "Reshape", node->name, in, 2, node->outputs, 1, NULL, 0,
                          status);
}

/* ConstantOfShape keeps its fill value in a TENSOR attribute: it becomes
 * a constant the engine reads as a second input. */
static int add_constant_of_shape(importer *im, const amass_onnx_node *node, amass_status *status)
{
    if (node->n_inputs != 1 || node->n_outputs != 1 || node->n_attributes > 1 ||
        (node->n_attributes == 1 && (node->attributes[0].type != AMASS_ONNX_ATTR_TENSOR ||
                                     strcmp(node->attributes[0].name, "value") != 0)))
        return fail_node(status, im, node, "needs one input, one output and at most a 'value' tensor");
    char value[64];
    snprintf(value, sizeof value, "amass.constant_of_shape%u.value", im->serial++);
    const char *inputs[2] = {node->inputs[0], value};
    if (node->n_attributes == 1) {
        int result = add_tensor(im, value, node->attributes[0].tensor, "fill value", status);
        if (result != AMASS_OK)
            return result;
    }
    return add_plain_node(im, node, AMASS_NN_OP_CONSTANT_OF_SHAPE, "ConstantOfShape", node->name, inputs,
                          node->n_attributes == 1 ? 2 : 1, node->outputs, 1, NULL, 0, status);
}

static int is_engine_op(const amass_onnx_node *node)
{
    return node->domain[0] == 0 && (!strcmp(node->op_type, "Constant") || !strcmp(node->op_type, "Dropout") ||
                                    amass_nn_op_from_name(node->op_type) != AMASS_NN_OP_UNKNOWN);
}

/* Names the first unsupported node and, so that one run tells what a
 * model lacks, the other operators of the model the engine lacks. */
static int fail_unknown_op(amass_status *status, const importer *im, const amass_onnx_node *node)
{
    char why[AMASS_MESSAGE_MAX];
    size_t used = (size_t)snprintf(why, sizeof why, "the engine has no such operator");
    int others = 0;
    const amass_onnx_model *model = im->model;
    for (size_t n = 0; n < model->n_nodes && used < sizeof why / 2; n++) {
        const amass_onnx_node *other = &model->nodes[model->order[n]];
        if (is_engine_op(other) || !strcmp(other->op_type, node->op_type))
            continue;
        int seen = 0;
        for (size_t m = 0; m < n && !seen; m++) {
            const amass_onnx_node *earlier = &model->nodes[model->order[m]];
            seen = !strcmp(earlier->op_type, other->op_type) && !strcmp(earlier->domain, other->domain);
        }
        if (seen)
            continue;
        used += (size_t)snprintf(why + used, sizeof why - used, "%s%s", others++ ? ", " : " (also missing: ",
                                 other->op_type);
    }
    if (others && used < sizeof why)
        snprintf(why + used, sizeof why - used, ")");
    return fail_node(status, im, node, why);
}

static int add_node(importer *im, const amass_onnx_node *node, amass_status *status)
{
    const amass_onnx_model *model = im->model;
    if (node->domain[0])
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: %s: operators of domain '%s' are not supported",
                          model->path, node->label, node->domain);
    if (!strcmp(node->op_type, "Constant"))
        return add_constant_node(im, node, status);
    if (!strcmp(node->op_type, "Softmax") && model->opset < 13)
        return add_old_softmax(im, node, status);
    if (!strcmp(node->op_type, "ConstantOfShape"))
        return add_constant_of_shape(im, node, status);
    const char *op_type = node->op_type;
    amass_nn_op op;
    if (!strcmp(op_type, "Dropout"))
        op = AMASS_NN_OP_IDENTITY; /* inference: Dropout passes its input through */
    else
        op = amass_nn_op_from_name(op_type);
    if (op == AMASS_NN_OP_UNKNOWN)
        return fail_unknown_op(status, im, node);
    const char *why = refused_attribute(node);
    if (why)
        return fail_node(status, im, node, why);
    /* Optional trailing outputs (Dropout's mask, MaxPool's indices,
     * BatchNormalization's training statistics) are dropped when nothing
     * reads them; the engine computes only the first output of these. */
    size_t n_outputs = node->n_outputs;
    if (op == AMASS_NN_OP_IDENTITY || op == AMASS_NN_OP_MAX_POOL || op == AMASS_NN_OP_BATCH_NORMALIZATION) {
        for (size_t i = 1; i < node->n_outputs; i++)
            if (node->outputs[i][0] && is_consumed(model, node->outputs[i]))
                return fail_node(status, im, node, "its optional outputs are not supported");
        n_outputs = 1;
    }
    size_t n_inputs = node->n_inputs;
    if (op == AMASS_NN_OP_IDENTITY)
        n_inputs = 1; /* Dropout's ratio and training_mode inputs */
    amass_nn_attr *attrs = amass_alloc_array(node->n_attributes ? node->n_attributes : 1, sizeof *attrs);
    if (!attrs)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    size_t n_attrs = node->n_attributes;
    if (!convert_attributes(im, node, attrs, status)) {
        free(attrs);
        return status->code;
    }
    if (op == AMASS_NN_OP_IDENTITY)
        n_attrs = 0;
    int result = add_plain_node(im, node, op, op_type, node->name, node->inputs, n_inputs, node->outputs, n_outputs,
                                attrs, n_attrs, status);
    free(attrs);
    return result;
}

static int import_graph(importer *im, amass_status *status)
{
    const amass_onnx_model *model = im->model;
    int result;
    for (size_t i = 0; i < model->n_initializers; i++) {
        const amass_onnx_tensor *tensor = &model->initializers[i];
        /* Unread initializers (exporters leave some) need no supported type. */
        if (!is_consumed(model, tensor->name))
            continue;
        if ((result = add_tensor(im, tensor->name, tensor, "initializer", status)) != AMASS_OK)
            return result;
    }
    for (size_t i = 0; i < model->n_inputs; i++)
        if ((result = add_input(im, &model->inputs[i], i == 0, status)) != AMASS_OK)
            return result;
    for (size_t i = 0; i < model->n_nodes; i++)
        if ((result = add_node(im, &model->nodes[model->order[i]], status)) != AMASS_OK)
            return result;
    for (size_t i = 0; i < model->n_outputs; i++)
        if ((result = amass_nn_graph_mark_output(im->graph, model->outputs[i].name, status)) != AMASS_OK)
            return result;
    return amass_nn_graph_prepare(im->graph, status);
}

/* model_to_own: closed with the graph (or on failure); NULL when the
 * caller keeps model alive itself. */
static int import_model(const amass_onnx_model *model, amass_onnx_model *model_to_own, const int64_t *input_dims,
                        size_t n_input_dims, amass_nn_graph **graph, amass_status *status)
{
    *graph = NULL;
    import_owner *owner = malloc(sizeof *owner);
    if (!owner) {
        amass_onnx_close(model_to_own);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    owner->model = model_to_own;
    owner->references = 1;
    importer im = {model, NULL, owner, input_dims, n_input_dims, 0};
    im.graph = amass_nn_graph_new(model->path, status);
    if (!im.graph) {
        owner_release(owner);
        return status->code ? status->code : AMASS_ERR_NOMEM;
    }
    int result = import_graph(&im, status);
    if (result != AMASS_OK) {
        amass_nn_graph_free(im.graph);
        owner_release(owner);
        return result;
    }
    owner_release(owner);
    *graph = im.graph;
    return AMASS_OK;
}

int amass_onnx_import(const amass_onnx_model *model, amass_nn_graph **graph, amass_status *status)
{
    return import_model(model, NULL, NULL, 0, graph, status);
}

int amass_onnx_import_sized(const amass_onnx_model *model, const int64_t *input_dims, size_t n_input_dims,
                            amass_nn_graph **graph, amass_status *status)
{
    return import_model(model, NULL, input_dims, n_input_dims, graph, status);
}

int amass_formats_load_onnx_sized(const char *path, const int64_t *input_dims, size_t n_input_dims,
                                  amass_nn_graph **graph, amass_status *status)
{
    amass_onnx_model *model;
    *graph = NULL;
    int result = amass_onnx_open(path, &model, status);
    if (result != AMASS_OK)
        return result;
    return import_model(model, model, input_dims, n_input_dims, graph, status);
}

int amass_formats_load_onnx(const char *path, amass_nn_graph **graph, amass_status *status)
{
    return amass_formats_load_onnx_sized(path, NULL, 0, graph, status);
}
