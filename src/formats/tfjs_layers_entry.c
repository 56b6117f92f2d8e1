/* TF.js import, with chosen outputs or the model's own: the public entry,
 * sent to the layers-model or the graph-model importer by the file's format. */
#include "config.h"

#include "tfjs_internal.h"
#include "tfjs_layers.h"

int amass_tfjs_import_outputs(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                              const char *const *outputs, size_t n_outputs, amass_nn_graph **graph,
                              amass_status *status)
{
    *graph = NULL;
    if (amass_tfjs_format_of(model) == AMASS_TFJS_LAYERS_MODEL)
        return tfjs_layers_import(model, input_dims, n_input_dims, outputs, n_outputs, graph, status);
    return tfjs_graph_import(model, input_dims, n_input_dims, outputs, n_outputs, graph, status);
}
