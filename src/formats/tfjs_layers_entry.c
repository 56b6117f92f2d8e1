/* TF.js import with chosen outputs: the public entry, sent to the layers-model importer (graph models are the graph importer's). */
#include "config.h"

#include "tfjs_layers.h"

int amass_tfjs_import_outputs(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                              const char *const *outputs, size_t n_outputs, amass_nn_graph **graph,
                              amass_status *status)
{
    *graph = NULL;
    if (amass_tfjs_format_of(model) == AMASS_TFJS_LAYERS_MODEL)
        return tfjs_layers_import(model, input_dims, n_input_dims, outputs, n_outputs, graph, status);
    if (n_outputs == 0)
        return amass_tfjs_import(model, input_dims, n_input_dims, graph, status);
    return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: choosing the outputs of a graph model is not supported yet",
                      amass_tfjs_path(model));
}
