/* Graph preparation at load: shape inference at two probe sizes of the
 * dynamic input dimensions (batch, sequence length; dimensions that differ
 * are dynamic), folding of what does not depend on them, then the fusion
 * passes and the support check. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"
#include "nn_layout.h"

/* Two probes: a value equal at both batch sizes does not depend on it.
 * 2 and 3 rather than 1, so "batch * 0" style coincidences stay apart. */
#define PROBE_A 2
#define PROBE_B 3

static int same_known(const nn_env *a, const nn_env *b, int value)
{
    const amass_nn_tensor_type *type_a = &a->types[value], *type_b = &b->types[value];
    if (!a->data[value] || !b->data[value] || type_a->dtype != type_b->dtype || type_a->rank != type_b->rank)
        return 0;
    for (int d = 0; d < type_a->rank; d++)
        if (type_a->dims[d] != type_b->dims[d])
            return 0;
    size_t bytes = amass_nn_type_count(type_a) * amass_nn_dtype_size(type_a->dtype);
    return bytes == 0 || memcmp(a->data[value], b->data[value], bytes) == 0;
}

/* Every dynamic input dimension at one probe size. */
static int64_t *probe_dims(const amass_nn_graph *graph, int64_t size)
{
    int64_t *dims = calloc((size_t)graph->n_inputs * AMASS_NN_MAX_RANK + 1, sizeof *dims);
    for (int i = 0; i < graph->n_inputs && dims; i++) {
        const amass_nn_tensor_type *type = &graph->values[graph->inputs[i]].type;
        for (int d = 0; d < type->rank; d++)
            dims[i * AMASS_NN_MAX_RANK + d] = type->dims[d] == AMASS_NN_DYNAMIC ? size : type->dims[d];
    }
    return dims;
}

static int fold_and_type(amass_nn_graph *graph, amass_status *status)
{
    nn_env probe_a, probe_b;
    int64_t *dims_a = probe_dims(graph, PROBE_A), *dims_b = probe_dims(graph, PROBE_B);
    int result = AMASS_OK;
    int ready = nn_env_init(&probe_a, graph, graph->n_nodes);
    ready = nn_env_init(&probe_b, graph, graph->n_nodes) && ready;
    if (!ready || !dims_a || !dims_b)
        result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory preparing %s", graph->name);
    if (result == AMASS_OK)
        result = nn_infer_dims(graph, dims_a, &probe_a, status);
    if (result == AMASS_OK)
        result = nn_infer_dims(graph, dims_b, &probe_b, status);
    free(dims_a);
    free(dims_b);
    for (int v = 0; v < graph->n_values && result == AMASS_OK; v++) {
        amass_nn_tensor_type type = probe_a.types[v];
        for (int d = 0; d < type.rank; d++)
            if (type.dims[d] != probe_b.types[v].dims[d])
                type.dims[d] = AMASS_NN_DYNAMIC;
        graph->values[v].type = type;
    }
    for (int n = 0; n < graph->n_nodes && result == AMASS_OK; n++) {
        nn_node *node = &graph->nodes[n];
        int value = node->outputs[0];
        if (node->dead || !probe_a.folded_node[n] || !same_known(&probe_a, &probe_b, value))
            continue;
        /* The folded bytes move from the probe into a graph constant. */
        int constant = nn_graph_new_constant(graph, &probe_a.types[value], (void *)probe_a.data[value], status);
        probe_a.owned[value] = 0;
        if (constant < 0) {
            result = status->code;
            break;
        }
        graph->values[value].constant = constant;
        graph->values[value].producer = -1;
        node->dead = 1;
    }
    nn_env_free(&probe_a);
    nn_env_free(&probe_b);
    return result;
}

static int check_supported(const amass_nn_graph *graph, amass_status *status)
{
    for (int n = 0; n < graph->n_nodes; n++) {
        const nn_node *node = &graph->nodes[n];
        /* a Cast of a runtime tensor runs as a kernel (ops_runtime_int.c) */
        if (node->dead || nn_op_runs(node->op) || node->op == AMASS_NN_OP_CAST)
            continue;
        /* A batch-dependent Shape chain folds per batch size when planned;
         * anything else left here would need a runtime kernel. */
        int host_known = node->op != AMASS_NN_OP_UNKNOWN;
        for (int i = 0; i < node->n_inputs && host_known; i++) {
            int value = node->inputs[i];
            if (value < 0 || graph->values[value].constant >= 0)
                continue;
            int producer = graph->values[value].producer;
            host_known = node->op == AMASS_NN_OP_SHAPE ||
                         (producer >= 0 && !nn_op_runs(graph->nodes[producer].op)) ||
                         graph->values[value].type.dtype != AMASS_NN_FLOAT32;
        }
        if (!host_known)
            return nn_fail_node(status, graph, node, "%s on tensors computed at run time is not supported yet",
                                node->op_type);
    }
    return AMASS_OK;
}

int amass_nn_graph_prepare(amass_nn_graph *graph, amass_status *status)
{
    if (graph->prepared)
        return AMASS_OK;
    if (graph->n_outputs == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the graph has no outputs", graph->name);
    /* Integer inputs are carried as float32 from here on (nn_value). */
    for (int i = 0; i < graph->n_inputs; i++)
        graph->values[graph->inputs[i]].type.dtype = AMASS_NN_FLOAT32;
    int result = nn_remove_dead(graph, status);
    if (result == AMASS_OK)
        result = fold_and_type(graph, status);
    if (result == AMASS_OK)
        result = nn_remove_dead(graph, status);
    /* before the support check: a fused Erf no longer needs a kernel */
    if (result == AMASS_OK)
        result = nn_fuse_layer_norm(graph, status);
    if (result == AMASS_OK)
        result = nn_fuse_gelu(graph, status);
    if (result == AMASS_OK)
        result = check_supported(graph, status);
    if (result == AMASS_OK)
        result = nn_fold_batch_norm(graph, status);
    if (result == AMASS_OK)
        result = nn_fold_into_deconv(graph, status);
    if (result == AMASS_OK)
        result = nn_fold_scalar_chains(graph, status);
    if (result == AMASS_OK)
        result = nn_fuse_post_ops(graph, status);
    if (result == AMASS_OK)
        result = nn_remove_dead(graph, status);
    if (result == AMASS_OK)
        graph->prepared = 1;
    return result;
}
