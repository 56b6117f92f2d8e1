/* Tests of the ONNX reader on the models testdata/onnx/make-models wrote:
 * every decoded field, the topological order, the error messages of bad
 * models, and copies the test damages itself (cut at every byte, bits
 * flipped, hostile fields) which must fail cleanly, never crash. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/formats.h"
#include "tap.h"

static char model_path[1024];
static char scratch[] = "/tmp/amass-test-onnx-XXXXXX";

static const char *testdata(const char *name)
{
    const char *top = getenv("top_srcdir");
    snprintf(model_path, sizeof model_path, "%s/testdata/onnx/%s", top ? top : ".", name);
    return model_path;
}

static const char *write_scratch(const char *name, const void *data, size_t length)
{
    static char path[1024];
    FILE *file;
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    file = fopen(path, "wb");
    if (length)
        fwrite(data, 1, length, file);
    fclose(file);
    return path;
}

/* The message of opening path, or "ok" (the model closed again). */
static const char *open_message(const char *path)
{
    static amass_status status;
    amass_onnx_model *model = NULL;
    amass_status_clear(&status);
    if (amass_onnx_open(path, &model, &status) == AMASS_OK) {
        amass_onnx_close(model);
        return "ok";
    }
    if (model)
        return "failed but gave a model";
    return status.message;
}

static float float_at(const amass_onnx_tensor *tensor, size_t i)
{
    float value;
    memcpy(&value, (const char *)tensor->data + i * 4, 4);
    return value;
}

static void check_conv_weights(const amass_onnx_model *model, const char *what)
{
    const amass_onnx_tensor *w = amass_onnx_initializer_find(model, "conv.w");
    const amass_onnx_tensor *fc = amass_onnx_initializer_find(model, "fc.w");
    char name[128];
    snprintf(name, sizeof name, "%s: conv.w found", what);
    ok(w != NULL, name);
    if (!w || !fc)
        return;
    snprintf(name, sizeof name, "%s: conv.w shape", what);
    ok(w->data_type == AMASS_ONNX_FLOAT && w->n_dims == 4 && w->dims[0] == 4 && w->dims[1] == 3 && w->dims[2] == 3 &&
           w->dims[3] == 3 && w->n_elements == 108 && w->n_bytes == 432,
       name);
    snprintf(name, sizeof name, "%s: conv.w data aligned", what);
    ok((uintptr_t)w->data % 4 == 0, name);
    snprintf(name, sizeof name, "%s: conv.w first value", what);
    is_close(float_at(w, 0), -0.54, 1e-7, name);
    snprintf(name, sizeof name, "%s: conv.w last value", what);
    is_close(float_at(w, 107), 0.53, 1e-7, name);
    snprintf(name, sizeof name, "%s: fc.w first and last", what);
    ok(fc->n_elements == 8 && float_at(fc, 0) == -0.5f && float_at(fc, 7) == 0.375f, name);
}

static void test_conv(void)
{
    amass_onnx_model *model;
    amass_status status;
    const amass_onnx_node *conv, *constant, *gemm;
    const amass_onnx_tensor *shape, *bias;
    const amass_onnx_value_info *info;
    const int64_t *ints;
    size_t i, n;
    amass_status_clear(&status);
    if (!ok(amass_onnx_open(testdata("conv.onnx"), &model, &status) == AMASS_OK, "conv.onnx opens")) {
        printf("# %s\n", status.message);
        return;
    }
    is_int(model->ir_version, 8, "ir_version");
    is_int(model->opset, 13, "default opset");
    is_int(model->n_opsets, 1, "one opset import");
    is_str(model->producer_name, "amass-make-models", "producer name");
    is_str(model->producer_version, "1", "producer version");
    is_str(model->graph_name, "convnet", "graph name");
    is_int(model->n_nodes, 6, "six nodes");
    for (i = 0; i < model->n_nodes && model->order[i] == i; i++)
        ;
    is_int(i, 6, "a file already in order keeps its order");
    conv = &model->nodes[0];
    is_str(conv->name, "conv1", "node name");
    is_str(conv->op_type, "Conv", "op_type");
    is_str(conv->domain, "", "default domain");
    is_str(conv->label, "node 'conv1' (Conv)", "label for messages");
    ok(conv->n_inputs == 3 && !strcmp(conv->inputs[0], "image") && !strcmp(conv->inputs[1], "conv.w") &&
           !strcmp(conv->inputs[2], "conv.b"),
       "Conv inputs");
    ok(conv->n_outputs == 1 && !strcmp(conv->outputs[0], "conv1.out"), "Conv output");
    n = amass_onnx_attr_ints(conv, "kernel_shape", &ints);
    ok(n == 2 && ints[0] == 3 && ints[1] == 3, "INTS attribute kernel_shape");
    n = amass_onnx_attr_ints(conv, "pads", &ints);
    ok(n == 4 && ints[0] == 1 && ints[3] == 1, "INTS attribute pads");
    is_int(amass_onnx_attr_int(conv, "group", 7), 1, "INT attribute group");
    is_int(amass_onnx_attr_int(conv, "missing", 7), 7, "absent attribute gives the fallback");
    is_int(amass_onnx_attr_int(conv, "auto_pad", 7), 7, "a STRING attribute is no INT");
    is_str(amass_onnx_attr_string(conv, "auto_pad", "x"), "NOTSET", "STRING attribute");
    is_int(amass_onnx_attribute_find(conv, "auto_pad")->s_length, 6, "STRING length");
    is_int(amass_onnx_attr_ints(conv, "dilations", &ints), 0, "absent INTS counts 0");
    constant = &model->nodes[3];
    is_str(constant->op_type, "Constant", "Constant node");
    is_int(constant->n_inputs, 0, "Constant has no inputs");
    shape = amass_onnx_attr_tensor(constant, "value");
    if (ok(shape != NULL, "TENSOR attribute value")) {
        int64_t values[2];
        memcpy(values, shape->data, sizeof values);
        ok(shape->data_type == AMASS_ONNX_INT64 && shape->n_dims == 1 && shape->dims[0] == 2 &&
               shape->n_bytes == 16 && values[0] == -1 && values[1] == 4,
           "TENSOR attribute holds int64 [-1, 4]");
    }
    gemm = &model->nodes[5];
    is_close(amass_onnx_attr_float(gemm, "alpha", 0), 1.0, 0, "FLOAT attribute alpha");
    is_int(amass_onnx_attr_int(gemm, "transB", 0), 1, "INT attribute transB");
    is_close(amass_onnx_attr_float(gemm, "gamma", 2.5f), 2.5, 0, "absent FLOAT gives the fallback");
    is_int(model->n_initializers, 4, "four initializers");
    check_conv_weights(model, "conv.onnx");
    bias = amass_onnx_initializer_find(model, "conv.b");
    ok(bias && bias->n_elements == 4 && float_at(bias, 0) == 0.1f && float_at(bias, 3) == -0.4f, "conv.b values");
    ok(amass_onnx_initializer_find(model, "image") == NULL, "an input is no initializer");
    is_int(model->n_inputs, 1, "one graph input");
    info = &model->inputs[0];
    ok(!strcmp(info->name, "image") && info->elem_type == AMASS_ONNX_FLOAT && info->has_shape && info->n_dims == 4 &&
           info->dims[0] == 1 && info->dims[1] == 3 && info->dims[2] == 8 && info->dims[3] == 8 &&
           info->dim_params[0] == NULL,
       "graph input image float [1,3,8,8]");
    ok(model->n_outputs == 1 && !strcmp(model->outputs[0].name, "logits") && model->outputs[0].n_dims == 2 &&
           model->outputs[0].dims[1] == 2,
       "graph output logits [1,2]");
    info = amass_onnx_value_info_find(model, "pool.out");
    ok(info && info->n_dims == 4 && info->dims[1] == 4 && info->dims[3] == 1, "value_info pool.out [1,4,1,1]");
    ok(model->n_value_infos == 1, "one value_info");
    ok(amass_onnx_producer_find(model, "relu1.out") == &model->nodes[1], "producer of relu1.out");
    ok(amass_onnx_producer_find(model, "conv.w") == NULL, "initializers have no producer node");
    amass_onnx_close(model);
}

static void test_variants(void)
{
    amass_onnx_model *model;
    amass_status status;
    const amass_onnx_tensor *tensor;
    const amass_onnx_node *tag;
    const float *floats;
    amass_status_clear(&status);
    if (ok(amass_onnx_open(testdata("dynamic-batch.onnx"), &model, &status) == AMASS_OK, "dynamic-batch.onnx opens")) {
        const amass_onnx_value_info *image = &model->inputs[0];
        ok(image->dims[0] == -1 && image->dim_params[0] && !strcmp(image->dim_params[0], "N"), "batch dim_param N");
        ok(image->dims[1] == 3 && image->dim_params[1] == NULL, "fixed dims keep their value");
        ok(model->outputs[0].dims[0] == -1 && !strcmp(model->outputs[0].dim_params[0], "N"), "output batch N");
        amass_onnx_close(model);
    }
    if (ok(amass_onnx_open(testdata("external.onnx"), &model, &status) == AMASS_OK, "external.onnx opens")) {
        check_conv_weights(model, "external.onnx");
        amass_onnx_close(model);
    } else {
        printf("# %s\n", status.message);
    }
    if (!ok(amass_onnx_open(testdata("float-data.onnx"), &model, &status) == AMASS_OK, "float-data.onnx opens")) {
        printf("# %s\n", status.message);
        return;
    }
    is_int(model->opset, 11, "opset 11");
    ok(model->n_opsets == 2 && !strcmp(model->opsets[1].domain, "org.amass.test") && model->opsets[1].version == 1,
       "custom domain opset");
    ok(model->n_inputs == 1 && !strcmp(model->inputs[0].name, "x"), "an input that is an initializer is dropped");
    tensor = amass_onnx_initializer_find(model, "w");
    ok(tensor && tensor->n_elements == 6 && float_at(tensor, 0) == 1.5f && float_at(tensor, 5) == 16.0f,
       "float_data values");
    tensor = amass_onnx_initializer_find(model, "steps");
    if (ok(tensor && tensor->data_type == AMASS_ONNX_INT64 && tensor->n_bytes == 24, "int64_data tensor")) {
        int64_t values[3];
        memcpy(values, tensor->data, sizeof values);
        ok(values[0] == -3 && values[1] == 0 && values[2] == (int64_t)1 << 40, "int64_data values");
    }
    tensor = amass_onnx_initializer_find(model, "scale");
    if (ok(tensor && tensor->data_type == AMASS_ONNX_DOUBLE && tensor->n_bytes == 16, "double_data tensor")) {
        double values[2];
        memcpy(values, tensor->data, sizeof values);
        ok(values[0] == 0.125 && values[1] == -1e300, "double_data values");
    }
    tensor = amass_onnx_initializer_find(model, "small");
    ok(tensor && tensor->n_bytes == 4 && !memcmp(tensor->data, "\x80\xff\x00\x7f", 4), "int32_data as INT8 bytes");
    tensor = amass_onnx_initializer_find(model, "half");
    ok(tensor && tensor->n_bytes == 4 && !memcmp(tensor->data, "\x00\x3c\x00\xc0", 4), "int32_data as FLOAT16 bits");
    tag = &model->nodes[2];
    is_str(tag->domain, "org.amass.test", "custom node domain");
    ok(amass_onnx_attr_floats(tag, "weights", &floats) == 2 && floats[0] == 0.5f && floats[1] == 1.5f,
       "FLOATS attribute");
    {
        const amass_onnx_attribute *labels = amass_onnx_attribute_find(tag, "labels");
        ok(labels && labels->type == AMASS_ONNX_ATTR_STRINGS && labels->n_values == 2 &&
               !strcmp(labels->strings[0], "a") && !strcmp(labels->strings[1], "bc"),
           "STRINGS attribute");
    }
    is_str(amass_onnx_attr_string(tag, "note", NULL), "hello", "STRING attribute");
    amass_onnx_close(model);
}

static void test_bad_models(void)
{
    char want[2048];
    snprintf(want, sizeof want, "%s: node 'branch' (If): subgraph attributes are not supported (attribute 'else_branch')",
             testdata("if-subgraph.onnx"));
    is_str(open_message(model_path), want, "If subgraph refused");
    snprintf(want, sizeof want, "%s: the graph has a cycle through node 'add_a' (Add)", testdata("cyclic.onnx"));
    is_str(open_message(model_path), want, "cycle reported");
    snprintf(want, sizeof want, "%s: node 'Conv_12' (Conv): input 'w' is produced by nothing", testdata("dangling.onnx"));
    is_str(open_message(model_path), want, "dangling input reported");
    is_str(open_message(testdata("opset9.onnx")), "ok", "opset 9 read");
    snprintf(want, sizeof want, "%s: No such file or directory", testdata("absent.onnx"));
    is_str(open_message(model_path), want, "missing file");
    snprintf(want, sizeof want, "%s/empty.onnx: not an ONNX model: no graph", scratch);
    is_str(open_message(write_scratch("empty.onnx", "", 0)), want, "empty file");
    snprintf(want, sizeof want, "%s: not a regular file", scratch);
    is_str(open_message(scratch), want, "a directory refused");
}

int main(void)
{
    char command[128];
    if (!mkdtemp(scratch))
        return 2;
    test_conv();
    test_variants();
    test_bad_models();
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    if (system(command) != 0)
        return 2;
    return done_testing();
}
