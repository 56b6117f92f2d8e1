/* Tests of the ONNX reader against hostile files: models cut at every
 * byte and with every bit flipped must open cleanly or fail with a
 * message naming the file; hand-built models with bad tensors, wrong wire
 * types, escaping external data paths and broken graphs must fail with
 * the message a user can act on. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"
#include "tap.h"

static char scratch[] = "/tmp/amass-test-onnx-hostile-XXXXXX";
static char model_path[1024];

typedef struct {
    unsigned char *data;
    size_t n, capacity;
} message;

static void put(message *m, const void *bytes, size_t n)
{
    if (m->n + n > m->capacity) {
        m->capacity = (m->n + n) * 2 + 64;
        m->data = realloc(m->data, m->capacity);
        if (!m->data)
            exit(2);
    }
    if (n)
        memcpy(m->data + m->n, bytes, n);
    m->n += n;
}

static void put_varint(message *m, uint64_t value)
{
    unsigned char byte;
    do {
        byte = (unsigned char)(value & 0x7f);
        value >>= 7;
        if (value)
            byte |= 0x80;
        put(m, &byte, 1);
    } while (value);
}

static void put_uint(message *m, unsigned field, uint64_t value)
{
    put_varint(m, (uint64_t)field << 3);
    put_varint(m, value);
}

static void put_bytes(message *m, unsigned field, const void *bytes, size_t n)
{
    put_varint(m, (uint64_t)field << 3 | 2);
    put_varint(m, n);
    put(m, bytes, n);
}

static void put_string(message *m, unsigned field, const char *s)
{
    put_bytes(m, field, s, strlen(s));
}

/* Appends sub as field and frees it. */
static void put_message(message *m, unsigned field, message *sub)
{
    put_bytes(m, field, sub->data, sub->n);
    free(sub->data);
    memset(sub, 0, sizeof *sub);
}

static void put_value_info(message *graph, unsigned field, const char *name)
{
    message info = {0}, type = {0}, tensor = {0}, shape = {0}, dim = {0};
    put_uint(&dim, 1, 2);
    put_message(&shape, 1, &dim);
    put_uint(&tensor, 1, 1);
    put_message(&tensor, 2, &shape);
    put_message(&type, 1, &tensor);
    put_string(&info, 1, name);
    put_message(&info, 2, &type);
    put_message(graph, field, &info);
}

static void put_node(message *graph, const char *name, const char *op, const char *in1, const char *in2,
                     const char *out)
{
    message node = {0};
    put_string(&node, 1, in1);
    if (in2)
        put_string(&node, 1, in2);
    put_string(&node, 2, out);
    if (name)
        put_string(&node, 3, name);
    if (op)
        put_string(&node, 4, op);
    put_message(graph, 1, &node);
}

/* ModelProto (ir 8, opset 13) around graph; frees graph. */
static message model_of(message *graph)
{
    message model = {0}, opset = {0};
    put_uint(&model, 1, 8);
    put_message(&model, 7, graph);
    put_uint(&opset, 2, 13);
    put_message(&model, 8, &opset);
    return model;
}

/* y = Add(x, t) with initializer t as given. */
static message model_with_tensor(message *tensor)
{
    message graph = {0};
    put_node(&graph, "add", "Add", "x", "t", "y");
    put_message(&graph, 5, tensor);
    put_value_info(&graph, 11, "x");
    put_value_info(&graph, 12, "y");
    return model_of(&graph);
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    FILE *file;
    snprintf(model_path, sizeof model_path, "%s/%s", scratch, name);
    file = fopen(model_path, "wb");
    if (!file)
        exit(2);
    if (n)
        fwrite(data, 1, n, file);
    fclose(file);
    return model_path;
}

/* Opens the model's bytes from a file; "ok" or the message after "path: ". */
static const char *open_bytes(const void *data, size_t n)
{
    static amass_status status;
    amass_onnx_model *model = NULL;
    const char *path = write_file("m.onnx", data, n);
    size_t path_length = strlen(path);
    amass_status_clear(&status);
    if (amass_onnx_open(path, &model, &status) == AMASS_OK) {
        amass_onnx_close(model);
        return "ok";
    }
    if (model)
        return "(failed but gave a model)";
    if (strncmp(status.message, path, path_length) != 0 || strncmp(status.message + path_length, ": ", 2) != 0)
        return "(message does not name the file)";
    return status.message + path_length + 2;
}

static const char *open_model(message *model)
{
    const char *result = open_bytes(model->data, model->n);
    free(model->data);
    memset(model, 0, sizeof *model);
    return result;
}

static message float_tensor(const char *name, const int64_t *dims, size_t n_dims)
{
    message tensor = {0};
    size_t i;
    for (i = 0; i < n_dims; i++)
        put_uint(&tensor, 1, (uint64_t)dims[i]);
    put_uint(&tensor, 2, 1);
    put_string(&tensor, 8, name);
    return tensor;
}

static void test_tensors(void)
{
    static const float two[2] = {1, 2};
    int64_t dims2[1] = {2}, negative[2] = {2, -2}, huge[3] = {(int64_t)1 << 40, (int64_t)1 << 40, 16};
    message tensor, model;

    tensor = float_tensor("t", dims2, 1);
    put_bytes(&tensor, 9, two, 8);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "ok", "a good hand-built model opens");

    tensor = float_tensor("t", negative, 2);
    put_bytes(&tensor, 9, two, 8);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': dimension 1 is negative (-2)", "negative dim");

    tensor = float_tensor("t", huge, 3);
    put_bytes(&tensor, 9, two, 8);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': dims give more elements than memory can hold", "dims overflow");

    tensor = float_tensor("t", dims2, 1);
    put_bytes(&tensor, 9, two, 7);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': raw_data is 7 bytes, dims and type give 8", "raw_data size");

    tensor = float_tensor("t", dims2, 1);
    put_uint(&tensor, 2, 99);
    put_bytes(&tensor, 9, two, 8);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': unknown data type 99", "unknown data type");

    tensor = float_tensor("t", dims2, 1);
    put_uint(&tensor, 2, 8);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': string tensors are not supported", "string tensor");

    tensor = float_tensor("t", dims2, 1);
    put_bytes(&tensor, 4, two, 4);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': 1 values in float_data, dims give 2", "float_data count");

    tensor = float_tensor("t", dims2, 1);
    put_uint(&tensor, 7, 5);
    put_uint(&tensor, 7, 6);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': int64_data holds values of a FLOAT tensor", "data in the wrong field");

    tensor = float_tensor("t", dims2, 1);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': no data", "tensor without data");

    tensor = float_tensor("t", dims2, 1);
    put_bytes(&tensor, 4, two, 6);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model),
           "initializer 't': field 4 at byte 36: packed fixed32 values: 6 bytes is not a multiple of 4",
           "ragged packed float_data");

    /* float_data split over a packed run and an unpacked value */
    tensor = float_tensor("t", dims2, 1);
    put_bytes(&tensor, 4, two, 4);
    put_varint(&tensor, 4 << 3 | 5);
    put(&tensor, &two[1], 4);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "ok", "float_data packed and unpacked together");

    tensor = float_tensor("t", dims2, 1);
    put_uint(&tensor, 2, 1);
    put_uint(&tensor, 8, 3); /* name as a varint */
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': field 8 has wire type varint, expected length-delimited",
           "tensor name of the wrong wire type");

    tensor = float_tensor("t\0u", dims2, 1);
    put_bytes(&tensor, 8, "t\0u", 3);
    model = model_with_tensor(&tensor);
    is_str(open_model(&model), "initializer 't': string at byte 36 holds a NUL byte", "a name with a NUL byte");
}

static message external_tensor(const char *location, const char *offset, const char *length)
{
    int64_t dims2[1] = {2};
    message tensor = float_tensor("t", dims2, 1), entry = {0};
    const char *keys[3] = {"location", "offset", "length"}, *values[3] = {location, offset, length};
    int i;
    for (i = 0; i < 3; i++) {
        if (!values[i])
            continue;
        put_string(&entry, 1, keys[i]);
        put_string(&entry, 2, values[i]);
        put_message(&tensor, 13, &entry);
    }
    put_uint(&tensor, 14, 1);
    return tensor;
}

static void test_external(void)
{
    static const char *const escaping[] = {"../w.bin", "/etc/hostname", "a/../../w.bin", ""};
    amass_onnx_model *model;
    amass_status status;
    char want[256];
    message tensor, bytes;
    size_t i;
    write_file("w.bin", "\0\0\0\0\0\0\x40\x40\0\0\x80\x40", 12);
    for (i = 0; i < 4; i++) {
        tensor = external_tensor(escaping[i], NULL, NULL);
        bytes = model_with_tensor(&tensor);
        snprintf(want, sizeof want, "initializer 't': external data location '%s' is outside the model's directory",
                 escaping[i]);
        is_str(open_model(&bytes), want, escaping[i][0] ? escaping[i] : "empty location refused");
    }
    tensor = external_tensor("w.bin", "4", "8");
    bytes = model_with_tensor(&tensor);
    write_file("m.onnx", bytes.data, bytes.n);
    free(bytes.data);
    amass_status_clear(&status);
    if (ok(amass_onnx_open(model_path, &model, &status) == AMASS_OK, "external data at an offset")) {
        const amass_onnx_tensor *t = amass_onnx_initializer_find(model, "t");
        float values[2];
        memcpy(values, t->data, sizeof values);
        ok(t->n_bytes == 8 && values[0] == 3.0f && values[1] == 4.0f, "external values read at the offset");
        amass_onnx_close(model);
    }
    tensor = external_tensor("w.bin", "8", NULL);
    bytes = model_with_tensor(&tensor);
    is_str(open_model(&bytes), "initializer 't': external data 'w.bin' is 12 bytes, too short for offset 8 and 8 bytes",
           "external data too short");
    tensor = external_tensor("w.bin", "0", "12");
    bytes = model_with_tensor(&tensor);
    is_str(open_model(&bytes), "initializer 't': external data length 12 does not match dims (8 bytes)",
           "external length mismatch");
    tensor = external_tensor("w.bin", "-4", NULL);
    bytes = model_with_tensor(&tensor);
    is_str(open_model(&bytes), "initializer 't': external data offset '-4' is not a number", "negative offset");
    tensor = external_tensor("gone.bin", NULL, NULL);
    bytes = model_with_tensor(&tensor);
    is_str(open_model(&bytes), "initializer 't': external data 'gone.bin': No such file or directory",
           "missing external file");
    tensor = external_tensor(NULL, "0", NULL);
    bytes = model_with_tensor(&tensor);
    is_str(open_model(&bytes), "initializer 't': external data without a location", "no location");
}

static void test_graphs(void)
{
    message graph = {0}, model, node = {0};
    amass_onnx_model *opened;
    amass_status status;
    /* consumer before producer: the order puts the producer first */
    put_node(&graph, "second", "Relu", "a", NULL, "y");
    put_node(&graph, "first", "Relu", "x", NULL, "a");
    put_value_info(&graph, 11, "x");
    put_value_info(&graph, 12, "y");
    model = model_of(&graph);
    write_file("m.onnx", model.data, model.n);
    free(model.data);
    amass_status_clear(&status);
    if (ok(amass_onnx_open(model_path, &opened, &status) == AMASS_OK, "out-of-order graph opens")) {
        ok(opened->order[0] == 1 && opened->order[1] == 0, "topological order puts the producer first");
        amass_onnx_close(opened);
    }
    put_node(&graph, "one", "Relu", "x", NULL, "y");
    put_node(&graph, "two", "Relu", "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    model = model_of(&graph);
    is_str(open_model(&model), "node 'two' (Relu): output 'y' is also produced by node 'one' (Relu)",
           "two producers of one tensor");
    put_node(&graph, NULL, "Relu", "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    put_value_info(&graph, 12, "z");
    model = model_of(&graph);
    is_str(open_model(&model), "graph output 'z' is produced by nothing", "graph output produced by nothing");
    put_node(&graph, NULL, "Relu", "x", NULL, "y");
    put_node(&graph, NULL, "Neg", "q", NULL, "z");
    put_value_info(&graph, 11, "x");
    model = model_of(&graph);
    is_str(open_model(&model), "node #1 (Neg): input 'q' is produced by nothing", "unnamed node labelled by index");
    put_node(&graph, "noop", NULL, "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    model = model_of(&graph);
    is_str(open_model(&model), "node 'noop' (): no op_type", "node without op_type");
    /* more inputs than any node has: refused before anything is allocated for them */
    {
        size_t i;
        for (i = 0; i < 65537; i++)
            put_bytes(&node, 1, "", 0);
        put_string(&node, 3, "wide");
        put_string(&node, 4, "Concat");
        put_message(&graph, 1, &node);
        model = model_of(&graph);
        is_str(open_model(&model),
               "node 'wide' (Concat): 65537 inputs, 0 outputs, 0 attributes: more than the 65536 of each amass reads",
               "too many node inputs");
    }
    /* op_type as a varint */
    put_string(&node, 1, "x");
    put_uint(&node, 4, 7);
    put_message(&graph, 1, &node);
    model = model_of(&graph);
    is_str(open_model(&model), "node #0: field 4 has wire type varint, expected length-delimited",
           "op_type of the wrong wire type");
    /* an attribute of type GRAPH on an unnamed node */
    {
        message attribute = {0}, sub = {0};
        put_string(&attribute, 1, "body");
        put_uint(&attribute, 20, 5);
        put_message(&attribute, 6, &sub);
        put_string(&node, 1, "x");
        put_string(&node, 2, "y");
        put_string(&node, 4, "Loop");
        put_message(&node, 5, &attribute);
        put_message(&graph, 1, &node);
        put_value_info(&graph, 11, "x");
        model = model_of(&graph);
        is_str(open_model(&model), "node #0 (Loop): subgraph attributes are not supported (attribute 'body')",
               "GRAPH attribute refused");
    }
}

static void test_model_fields(void)
{
    message model = {0}, graph = {0}, opset = {0};
    put_bytes(&model, 1, "8", 1);
    is_str(open_model(&model), "ir_version: field 1 has wire type length-delimited, expected varint",
           "ir_version of the wrong wire type");
    put_uint(&model, 1, 8);
    put_varint(&model, 7 << 3 | 2);
    put_varint(&model, (uint64_t)1 << 62);
    is_str(open_model(&model),
           "not an ONNX model: field 7 at byte 2: length 4611686018427387904 runs past the end of its message (0 bytes "
           "left)",
           "huge declared graph length");
    put_node(&graph, "r", "Relu", "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    put_message(&model, 7, &graph);
    is_str(open_model(&model), "no opset_import for the default ONNX domain", "no default opset");
    put_node(&graph, "r", "Relu", "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    put_message(&model, 7, &graph);
    put_string(&opset, 1, "ai.onnx");
    put_uint(&opset, 2, 19);
    put_message(&model, 8, &opset);
    is_str(open_model(&model), "opset 19 is not supported (amass reads opsets 9 to 18)", "opset 19 refused");
    put_node(&graph, "r", "Relu", "x", NULL, "y");
    put_value_info(&graph, 11, "x");
    put_message(&model, 7, &graph);
    put_string(&opset, 1, "ai.onnx");
    put_uint(&opset, 2, 8);
    put_message(&model, 8, &opset);
    is_str(open_model(&model), "opset 8 is not supported (amass reads opsets 9 to 18)", "opset 8 refused");
    put_uint(&model, 1, 8);
    put_varint(&model, 2 << 3 | 3);
    is_str(open_model(&model), "not an ONNX model: field 2 at byte 2: wire type 3 (group start) is not supported",
           "a group refused");
    is_str(open_bytes("\x08", 1), "not an ONNX model: field 1 at byte 0: cut off or overlong varint",
           "a cut-off file");
}

static unsigned char *slurp(const char *name, size_t *length)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    FILE *file;
    unsigned char *data;
    long size;
    snprintf(path, sizeof path, "%s/testdata/onnx/%s", top ? top : ".", name);
    if (!(file = fopen(path, "rb")))
        return NULL;
    fseek(file, 0, SEEK_END);
    size = ftell(file);
    rewind(file);
    data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, file) != (size_t)size)
        exit(2);
    fclose(file);
    *length = (size_t)size;
    return data;
}

/* Every cut and every flipped bit must give a clean result or a message
 * that names the file; the sanitizer build catches any stray read. */
static void test_damage(const char *name)
{
    size_t length, cut, bit, cut_ok = 0, flip_ok = 0, named = 0, opened = 0;
    unsigned char *data = slurp(name, &length);
    char title[128];
    if (!data) {
        ok(0, name);
        return;
    }
    for (cut = 0; cut < length; cut++) {
        const char *result = open_bytes(data, cut);
        if (!strcmp(result, "ok"))
            cut_ok++;
        else if (result[0] != '(')
            named++;
    }
    snprintf(title, sizeof title, "%s: every cut fails with the file named, or opens", name);
    is_int(named + cut_ok, length, title);
    snprintf(title, sizeof title, "%s: cuts short of the end mostly fail", name);
    ok(cut_ok < length / 10, title);
    named = 0;
    for (bit = 0; bit < length * 8; bit++) {
        const char *result;
        data[bit / 8] ^= (unsigned char)(1u << bit % 8);
        result = open_bytes(data, length);
        data[bit / 8] ^= (unsigned char)(1u << bit % 8);
        if (!strcmp(result, "ok"))
            flip_ok++;
        else if (result[0] != '(')
            named++;
    }
    snprintf(title, sizeof title, "%s: every bit flip fails with the file named, or opens", name);
    is_int(named + flip_ok, length * 8, title);
    opened = !strcmp(open_bytes(data, length), "ok");
    snprintf(title, sizeof title, "%s: the undamaged copy opens", name);
    ok(opened, title);
    free(data);
}

int main(void)
{
    char command[128];
    if (!mkdtemp(scratch))
        return 2;
    test_tensors();
    test_external();
    test_graphs();
    test_model_fields();
    test_damage("conv.onnx");
    test_damage("float-data.onnx");
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    if (system(command) != 0)
        return 2;
    return done_testing();
}
