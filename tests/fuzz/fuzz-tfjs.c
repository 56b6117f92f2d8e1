/* Fuzz target for the TF.js reader and graph-model importer: any bytes as
 * model.json must open as a model whose weights are consistent (sizes
 * matching their shapes, data readable) and import or fail, always with a
 * message naming the file; never a crash, a leak or a stray read. Shards
 * named by the file are not there, so the weights a mutation keeps are
 * the empty ones. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tfjs.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void check_model(const amass_tfjs_model *model)
{
    for (size_t i = 0; i < amass_tfjs_weight_count(model); i++) {
        const amass_tfjs_weight *weight = amass_tfjs_weight_at(model, i);
        size_t count = 1;
        for (int d = 0; d < weight->rank; d++) {
            if (weight->dims[d] < 0)
                abort();
            count *= (size_t)weight->dims[d];
        }
        if (count != weight->n_elements || amass_tfjs_weight_find(model, weight->name) != weight)
            abort();
        const unsigned char *bytes = weight->data;
        for (size_t b = 0; b < count * amass_nn_dtype_size(weight->dtype); b++)
            sink += bytes[b];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_tfjs_model *model = NULL;
    amass_status status;
    size_t path_length = strlen(path);
    amass_status_clear(&status);
    if (amass_tfjs_open(path, &model, &status) != AMASS_OK) {
        if (model || strncmp(status.message, path, path_length) != 0 || status.message[path_length] != ':')
            abort(); /* every message names the file */
        return 0;
    }
    check_model(model);
    amass_nn_graph *graph = NULL;
    amass_status_clear(&status);
    if (amass_tfjs_format_of(model) == AMASS_TFJS_GRAPH_MODEL) {
        if (amass_tfjs_import(model, NULL, 0, &graph, &status) == AMASS_OK) {
            if (!graph || amass_nn_graph_output_count(graph) == 0)
                abort();
        } else if (graph || strncmp(status.message, path, path_length) != 0) {
            abort();
        }
    }
    amass_nn_graph_free(graph);
    amass_tfjs_close(model);
    return 0;
}
