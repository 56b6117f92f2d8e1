/* Fuzz target for the TF.js layers-model importer: any bytes as model.json
 * that open as a layers model must import or fail with a message naming
 * the file, never crash, leak or overflow; an imported graph has outputs
 * and one run at batch 1 (when small) succeeds. The seed corpus uses
 * layers without weights, as the fuzzer writes no shards. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tfjs.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the graph on zeros when its tensors are small enough to try. */
static void run_once(const amass_nn_graph *graph)
{
    amass_nn_tensor_type type;
    size_t n_inputs = amass_nn_graph_input_count(graph), n_outputs = amass_nn_graph_output_count(graph);
    if (n_inputs > 8 || n_outputs > 8)
        return;
    float *inputs[8] = {NULL}, *outputs[8] = {NULL};
    amass_status status;
    amass_status_clear(&status);
    amass_nn_session *session = amass_nn_session_open(graph, &status);
    int ready = session != NULL;
    for (size_t i = 0; i < n_inputs && ready; i++) {
        ready = amass_nn_graph_input_type(graph, i, &type) == AMASS_OK && amass_nn_type_count(&type) <= 65536;
        inputs[i] = ready ? calloc(amass_nn_type_count(&type), sizeof(float)) : NULL;
    }
    for (size_t o = 0; o < n_outputs && ready; o++) {
        ready = amass_nn_session_output_type(session, 1, o, &type, &status) == AMASS_OK &&
                amass_nn_type_count(&type) <= 1 << 22;
        outputs[o] = ready ? calloc(amass_nn_type_count(&type) + 1, sizeof(float)) : NULL;
    }
    if (ready && amass_nn_session_run(session, 1, (const float *const *)inputs, outputs, &status) != AMASS_OK)
        abort(); /* imported and small: it must run */
    for (size_t k = 0; k < 8; k++) {
        free(inputs[k]);
        free(outputs[k]);
    }
    amass_nn_session_close(session);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_tfjs_model *model = NULL;
    amass_status status;
    size_t path_length = strlen(path);
    amass_status_clear(&status);
    if (amass_tfjs_open(path, &model, &status) != AMASS_OK)
        return 0;
    if (amass_tfjs_format_of(model) == AMASS_TFJS_LAYERS_MODEL) {
        amass_nn_graph *graph = NULL;
        amass_status_clear(&status);
        if (amass_tfjs_import_outputs(model, NULL, 0, NULL, 0, &graph, &status) == AMASS_OK) {
            if (!graph || amass_nn_graph_output_count(graph) == 0)
                abort();
            run_once(graph);
        } else if (graph || strncmp(status.message, path, path_length) != 0 || status.message[path_length] != ':') {
            abort(); /* every message names the file */
        }
        amass_nn_graph_free(graph);
    }
    amass_tfjs_close(model);
    return 0;
}
