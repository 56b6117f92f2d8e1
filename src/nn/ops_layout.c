/* Ops that move data without arithmetic: Reshape, Flatten, Squeeze,
 * Unsqueeze and Identity are views of a plain buffer (no copy); Transpose
 * is a oneDNN reorder through permuted axes; Concat a oneDNN concat that
 * accepts blocked inputs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

int nn_view_slot(nn_plan *plan, int slot, const dnnl_memory_desc_t *md, int plain, amass_status *status)
{
    int view = nn_plan_new_slot(plan, md, status);
    if (view >= 0) {
        plan->slots[view].root = plan->slots[slot].root;
        plan->slots[view].external = plan->slots[slot].external;
        if (plain)
            plan->slots[view].plain = view;
    }
    return view;
}

int nn_add_view_reorder(nn_plan *plan, const nn_node *node, int src, const dnnl_memory_desc_t *view_md,
                        const char *what, amass_status *status)
{
    int view = nn_view_slot(plan, src, view_md, 0, status);
    if (view < 0)
        return status->code;
    dnnl_memory_desc_t plain;
    nn_plain_md(&plain, &plan->env.types[node->outputs[0]]);
    dnnl_primitive_desc_t pd;
    dnnl_engine_t engine = nn_session_engine(plan->session);
    dnnl_status_t made = dnnl_reorder_primitive_desc_create(&pd, view_md, engine, &plain, engine, NULL);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, what, made);
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    nn_plan_set_md(plan, node->outputs[0], &plain);
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    nn_step_arg(step, DNNL_ARG_FROM, view);
    nn_step_arg(step, DNNL_ARG_TO, node->outputs[0]);
    return AMASS_OK;
}

/* Value out is src's storage seen through md (plain: md is out's plain layout). */
static void alias_slot(nn_plan *plan, int out, int src, const dnnl_memory_desc_t *md, int plain)
{
    nn_plan_set_md(plan, out, md);
    plan->slots[out].root = plan->slots[src].root;
    plan->slots[out].external = plan->slots[src].external;
    plan->slots[out].plain = plain ? out : -1;
}

int nn_transpose_perm(const nn_node *node, int rank, int *perm)
{
    int64_t given[AMASS_NN_MAX_RANK];
    int n = nn_attr_ints(node, "perm", given, AMASS_NN_MAX_RANK), seen = 0;
    if (n < 0)
        for (n = 0; n < rank; n++)
            given[n] = rank - 1 - n;
    if (n != rank)
        return 0;
    for (int d = 0; d < rank; d++) {
        int64_t axis = given[d] < 0 ? given[d] + rank : given[d];
        if (axis < 0 || axis >= rank || (seen & (1 << axis)))
            return 0;
        seen |= 1 << axis;
        perm[d] = (int)axis;
    }
    return 1;
}

static int build_view(nn_plan *plan, const nn_node *node, amass_status *status)
{
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    int out = node->outputs[0];
    dnnl_memory_desc_t md;
    nn_plain_md(&md, &plan->env.types[out]);
    alias_slot(plan, out, src, &md, 1);
    return AMASS_OK;
}

static int build_transpose(nn_plan *plan, const nn_node *node, amass_status *status)
{
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src < 0)
        return status->code;
    int rank = plan->env.types[node->inputs[0]].rank;
    int perm[AMASS_NN_MAX_RANK], permutation[AMASS_NN_MAX_RANK];
    if (!nn_transpose_perm(node, rank, perm))
        return nn_fail_node(status, plan->graph, node, "perm is not a permutation");
    /* oneDNN's permutation says where each input axis goes; ONNX's perm
     * says which input axis each output axis takes. */
    for (int d = 0; d < rank; d++)
        permutation[perm[d]] = d;
    dnnl_memory_desc_t permuted, plain;
    dnnl_status_t made = dnnl_memory_desc_permute_axes(&permuted, &plan->slots[src].md, permutation);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "permute these axes", made);
    int out = node->outputs[0];
    nn_plain_md(&plain, &plan->env.types[out]);
    /* The producer wrote it in this order already (ops_matmul.c,
     * transposed_dst): nothing moves. */
    int in_order = dnnl_memory_desc_equal(&permuted, &plain);
    /* Read by a MatMul or another Transpose alone: left as a strided view
     * that the MatMul reads in place (or the last Transpose copies once). */
    int reader = nn_sole_consumer(plan->graph, out);
    amass_nn_op reader_op = reader >= 0 ? plan->graph->nodes[reader].op : AMASS_NN_OP_IDENTITY;
    int lazy = (reader_op == AMASS_NN_OP_MATMUL || reader_op == AMASS_NN_OP_TRANSPOSE) &&
               permuted.format_kind == dnnl_blocked && permuted.format_desc.blocking.inner_nblks == 0;
    if (!in_order && !lazy)
        return nn_add_view_reorder(plan, node, src, &permuted, "create this transpose", status);
    alias_slot(plan, out, src, in_order ? &plain : &permuted, in_order);
    return AMASS_OK;
}

static int build_concat(nn_plan *plan, const nn_node *node, amass_status *status)
{
    int rank = plan->env.types[node->outputs[0]].rank;
    int64_t axis = nn_attr_int(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    if (node->n_inputs > NN_MAX_ARGS - 2)
        return nn_fail_node(status, plan->graph, node, "more than %d inputs", NN_MAX_ARGS - 2);
    dnnl_memory_desc_t *sources = calloc((size_t)node->n_inputs + 1, sizeof *sources);
    int *slots = calloc((size_t)node->n_inputs + 1, sizeof *slots);
    int result = sources && slots ? AMASS_OK : amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int n_parts = 0, mixed = 0;
    for (int i = 0; i < node->n_inputs && result == AMASS_OK; i++) {
        if (amass_nn_type_count(&plan->env.types[node->inputs[i]]) == 0)
            continue; /* oneDNN rejects empty parts; they add nothing */
        int slot = nn_plan_input_slot(plan, node, i, status);
        if (slot < 0) {
            result = status->code;
            break;
        }
        slots[n_parts] = slot;
        mixed |= plan->slots[slot].md.data_type != plan->slots[slots[0]].md.data_type;
        sources[n_parts++] = plan->slots[slot].md;
    }
    /* Parts of different types (bf16 next to f32) are joined in f32. */
    for (int i = 0; i < n_parts && mixed && result == AMASS_OK; i++) {
        if ((slots[i] = nn_plan_f32(plan, slots[i], status)) < 0)
            result = status->code;
        else
            sources[i] = plan->slots[slots[i]].md;
    }
    dnnl_primitive_desc_t pd = NULL;
    if (result == AMASS_OK) {
        dnnl_status_t made = dnnl_concat_primitive_desc_create(&pd, NULL, n_parts, (int)axis, sources, NULL,
                                                               nn_session_engine(plan->session));
        if (made != dnnl_success)
            result = nn_dnnl_fail(status, plan, node, "create this concatenation", made);
    }
    nn_step *step = result == AMASS_OK ? nn_plan_add_step(plan, pd, status) : NULL;
    if (step) {
        nn_plan_set_md(plan, node->outputs[0], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
        for (int i = 0; i < n_parts; i++)
            nn_step_arg(step, DNNL_ARG_MULTIPLE_SRC + i, slots[i]);
        nn_step_arg(step, DNNL_ARG_DST, node->outputs[0]);
    } else if (result == AMASS_OK) {
        result = status->code;
    }
    free(sources);
    free(slots);
    return result;
}

int nn_build_layout(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    if (plan->env.types[node->inputs[0]].dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 tensors run");
    /* A transpose of rank 0 or 1 moves nothing. */
    if (node->op == AMASS_NN_OP_TRANSPOSE && plan->env.types[node->inputs[0]].rank > 1)
        return build_transpose(plan, node, status);
    if (node->op == AMASS_NN_OP_CONCAT)
        return build_concat(plan, node, status);
    return build_view(plan, node, status);
}
