/* Runs an ONNX model's first output on one raw float32 input file, for
 * tests/parity/zoo/check (architectures too large to keep as fixtures). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "nn/nn.h"

static int parse_dims(const char *text, int64_t dims[AMASS_NN_MAX_RANK], size_t *rank)
{
    char *end;
    *rank = 0;
    for (const char *at = text; *rank < AMASS_NN_MAX_RANK; at = end + 1) {
        long long value = strtoll(at, &end, 10);
        if (end == at || value < 1)
            return 0;
        dims[(*rank)++] = value;
        if (*end == '\0')
            return 1;
        if (*end != 'x')
            return 0;
    }
    return 0;
}

static float *read_exactly(const char *path, size_t count)
{
    FILE *file = fopen(path, "rb");
    float *values = malloc(count * sizeof *values + 1);
    int ok = file && values && fread(values, sizeof *values, count, file) == count && fgetc(file) == EOF;
    if (file)
        fclose(file);
    if (!ok) {
        free(values);
        return NULL;
    }
    return values;
}

int main(int argc, char **argv)
{
    int64_t dims[AMASS_NN_MAX_RANK];
    size_t rank, count = 1;
    int bf16 = argc > 1 && strcmp(argv[1], "--bf16") == 0;
    argc -= bf16;
    argv += bf16;
    if (argc != 5 || !parse_dims(argv[3], dims, &rank)) {
        fprintf(stderr, "usage: onnx-run [--bf16] MODEL.onnx INPUT.f32 NxCxHxW OUTPUT.f32\n");
        return 2;
    }
    for (size_t d = 0; d < rank; d++)
        count *= (size_t)dims[d];
    float *input = read_exactly(argv[2], count);
    if (!input) {
        fprintf(stderr, "onnx-run: %s: not %zu float32 values\n", argv[2], count);
        return 2;
    }
    amass_status status;
    amass_nn_graph *graph = NULL;
    amass_nn_session *session = NULL;
    amass_nn_tensor_type type;
    float *output = NULL;
    int ok = amass_formats_load_onnx_sized(argv[1], dims, rank, &graph, &status) == AMASS_OK &&
             (session = amass_nn_session_open(graph, &status)) != NULL &&
             (amass_nn_session_set_bf16(session, bf16), 1) &&
             amass_nn_session_output_type(session, dims[0], 0, &type, &status) == AMASS_OK &&
             (output = malloc(amass_nn_type_count(&type) * sizeof *output + 1)) != NULL &&
             amass_nn_session_run(session, dims[0], (const float *const[]){input}, (float *const[]){output},
                                  &status) == AMASS_OK;
    if (ok) {
        FILE *file = fopen(argv[4], "wb");
        ok = file && fwrite(output, sizeof *output, amass_nn_type_count(&type), file) == amass_nn_type_count(&type);
        ok = (file && fclose(file) == 0) && ok;
        if (!ok)
            fprintf(stderr, "onnx-run: %s: cannot write\n", argv[4]);
    } else {
        fprintf(stderr, "onnx-run: %s\n", status.message);
    }
    free(output);
    free(input);
    amass_nn_session_close(session);
    amass_nn_graph_free(graph);
    return ok ? 0 : 1;
}
