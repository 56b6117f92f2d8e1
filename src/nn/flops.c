/* Arithmetic a graph costs per image: 2 x the multiply-adds of its
 * convolutions and matrix products at batch 1, the usual basis of GFLOP/s
 * figures, so a benchmark can say how far a runtime is from the CPU's peak
 * whatever format the model came in. */
#include "config.h"

#include "nn_internal.h"

static double elements(const amass_nn_tensor_type *type)
{
    double count = 1;
    for (int d = 0; d < type->rank; d++)
        count *= (double)type->dims[d];
    return count;
}

/* Multiply-adds of one live node, from the types inferred at batch 1. */
static double node_macs(const nn_node *node, const nn_env *env)
{
    if (node->n_inputs < 2 || node->inputs[0] < 0 || node->inputs[1] < 0 || node->n_outputs < 1)
        return 0;
    const amass_nn_tensor_type *a = &env->types[node->inputs[0]];
    const amass_nn_tensor_type *b = &env->types[node->inputs[1]];
    const amass_nn_tensor_type *out = &env->types[node->outputs[0]];
    switch (node->op) {
    case AMASS_NN_OP_CONV: /* weight [O, I/group, kh, kw...]: each output takes I/group * kernel products */
        return b->rank >= 2 ? elements(out) * elements(b) / (double)b->dims[0] : 0;
    case AMASS_NN_OP_CONV_TRANSPOSE: /* weight [I, O/group, kh, kw...]: each input feeds O/group * kernel */
        return b->rank >= 2 ? elements(a) * elements(b) / (double)b->dims[0] : 0;
    case AMASS_NN_OP_GEMM: {
        int64_t k = nn_attr_int(node, "transA", 0) ? a->dims[0] : a->dims[a->rank - 1];
        return a->rank == 2 ? elements(out) * (double)k : 0;
    }
    case AMASS_NN_OP_MATMUL:
        return a->rank >= 1 ? elements(out) * (double)a->dims[a->rank - 1] : 0;
    default:
        return 0;
    }
}

double amass_nn_graph_flops(const amass_nn_graph *graph, amass_status *status)
{
    nn_env env;
    double macs = 0;
    if (!nn_env_init(&env, graph, graph->n_nodes)) {
        amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", graph->name);
        return -1;
    }
    if (nn_infer(graph, 1, &env, status) != AMASS_OK) {
        nn_env_free(&env);
        return -1;
    }
    for (int n = 0; n < graph->n_nodes; n++)
        if (!graph->nodes[n].dead && !(env.folded_node && env.folded_node[n]))
            macs += node_macs(&graph->nodes[n], &env);
    nn_env_free(&env);
    return 2 * macs;
}
