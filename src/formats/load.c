/* Any model file the formats layer reads, told apart by its content: a
 * TF.js model.json (JSON text) or an ONNX protobuf. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "tfjs.h"

/* JSON begins with '{' after optional whitespace (and a UTF-8 byte order
 * mark); an ONNX ModelProto begins with a protobuf tag byte, never '{'. */
static int looks_like_json(const unsigned char *head, size_t length)
{
    size_t i = 0;
    if (length >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
        i = 3;
    while (i < length && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
        i++;
    return i < length && head[i] == '{';
}

int amass_formats_load_model(const char *path, const int64_t *input_dims, size_t n_input_dims,
                             amass_nn_graph **graph, amass_status *status)
{
    *graph = NULL;
    FILE *file = fopen(path, "rb");
    if (!file)
        return amass_fail(status, AMASS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[64];
    size_t length = fread(head, 1, sizeof head, file);
    fclose(file);
    if (length == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: empty file: not a model", path);
    size_t name_length = strlen(path);
    int json_name = name_length >= 5 && !strcmp(path + name_length - 5, ".json");
    if (looks_like_json(head, length) || (json_name && head[0] != 0x08))
        return amass_formats_load_tfjs(path, input_dims, n_input_dims, graph, status);
    return amass_formats_load_onnx_sized(path, input_dims, n_input_dims, graph, status);
}
