/* Fuzz target for the ONNX reader: any bytes must open as a model whose
 * every part is consistent (order a permutation, tensor sizes matching
 * their dims, data readable) or fail with a message naming the file;
 * never a crash, a leak or a stray read. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch_tensor(const amass_onnx_tensor *tensor)
{
    size_t i, n = 1;
    for (i = 0; i < tensor->n_dims; i++) {
        if (tensor->dims[i] < 0)
            abort();
        n *= (size_t)tensor->dims[i];
    }
    if (n != tensor->n_elements || tensor->n_bytes != n * amass_onnx_data_type_size(tensor->data_type))
        abort();
    if (tensor->n_bytes && (uintptr_t)tensor->data % amass_onnx_data_type_size(tensor->data_type) != 0)
        abort();
    for (i = 0; i < tensor->n_bytes; i++)
        sink += ((const unsigned char *)tensor->data)[i];
    sink += (unsigned)strlen(tensor->name);
}

static void check_model(const amass_onnx_model *model)
{
    unsigned char *seen = calloc(model->n_nodes + 1, 1);
    size_t i, j;
    if (!seen)
        abort();
    for (i = 0; i < model->n_nodes; i++) {
        const amass_onnx_node *node = &model->nodes[i];
        if (model->order[i] >= model->n_nodes || seen[model->order[i]]++)
            abort();
        sink += (unsigned)(strlen(node->label) + strlen(node->domain));
        for (j = 0; j < node->n_inputs; j++)
            sink += (unsigned)strlen(node->inputs[j]);
        for (j = 0; j < node->n_outputs; j++)
            if (node->outputs[j][0] && amass_onnx_producer_find(model, node->outputs[j]) != node)
                abort();
        for (j = 0; j < node->n_attributes; j++) {
            const amass_onnx_attribute *attribute = &node->attributes[j];
            if (amass_onnx_attribute_find(node, attribute->name) != attribute)
                abort();
            if (attribute->type == AMASS_ONNX_ATTR_TENSOR)
                touch_tensor(attribute->tensor);
            if (attribute->type == AMASS_ONNX_ATTR_STRING)
                sink += (unsigned)attribute->s[attribute->s_length];
            if (attribute->type == AMASS_ONNX_ATTR_INTS && attribute->n_values)
                sink += (unsigned)attribute->ints[attribute->n_values - 1];
            if (attribute->type == AMASS_ONNX_ATTR_STRINGS && attribute->n_values)
                sink += (unsigned)strlen(attribute->strings[attribute->n_values - 1]);
        }
    }
    for (i = 0; i < model->n_initializers; i++) {
        touch_tensor(&model->initializers[i]);
        if (amass_onnx_initializer_find(model, model->initializers[i].name) != &model->initializers[i])
            abort();
    }
    for (i = 0; i < model->n_inputs; i++)
        for (j = 0; j < model->inputs[i].n_dims; j++)
            if (model->inputs[i].dims[j] < -1)
                abort();
    if (model->opset < AMASS_ONNX_OPSET_MIN || model->opset > AMASS_ONNX_OPSET_MAX)
        abort();
    free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_onnx_model *model = NULL;
    amass_status status;
    size_t path_length = strlen(path);
    amass_status_clear(&status);
    if (amass_onnx_open(path, &model, &status) == AMASS_OK) {
        check_model(model);
        amass_onnx_close(model);
    } else if (model || strncmp(status.message, path, path_length) != 0 || status.message[path_length] != ':') {
        abort(); /* every message names the file */
    }
    return 0;
}
