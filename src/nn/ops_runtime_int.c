/* Integers known only at run time (token ids, attention masks), carried as
 * float32 through the graph: Cast of a runtime tensor, and Gather by
 * runtime indices (the embedding lookup), as host steps on plain buffers. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "nn_layout.h"

typedef enum { CAST_COPY, CAST_TRUNCATE, CAST_NONZERO } cast_kind;

typedef struct {
    size_t count;
    cast_kind kind;
} cast_params;

static void cast_kernel(const void *params, void *const *data)
{
    const cast_params *cast = params;
    const float *in = data[0];
    float *out = data[1];
    for (size_t i = 0; i < cast->count; i++)
        switch (cast->kind) {
        case CAST_COPY:
            out[i] = in[i];
            break;
        case CAST_TRUNCATE:
            /* ONNX casts to integers round toward zero */
            out[i] = truncf(in[i]);
            break;
        case CAST_NONZERO:
            out[i] = in[i] != 0.0f;
            break;
        }
}

int nn_build_cast(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    /* ONNX TensorProto codes: 1 float, 9 bool, 10 float16, 11 double,
     * 16 bfloat16; the rest are integers. */
    int64_t to = nn_attr_int(node, "to", 1);
    cast_kind kind = to == 9 ? CAST_NONZERO : to == 1 || to == 10 || to == 11 || to == 16 ? CAST_COPY : CAST_TRUNCATE;
    if (to == 10 || to == 16)
        return nn_fail_node(status, plan->graph, node, "a run-time cast to 16-bit floats is not supported");
    int src = nn_plan_input_slot(plan, node, 0, status);
    src = src < 0 ? src : nn_plan_f32(plan, src, status);
    src = src < 0 ? src : nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    cast_params *params = malloc(sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    params->count = amass_nn_type_count(&plan->env.types[node->outputs[0]]);
    params->kind = kind;
    return nn_plan_add_plain_host_step(plan, cast_kernel, params, free, src, node->outputs[0], status);
}

typedef struct {
    int64_t outer, axis_length, n_indices, inner;
} gather_params;

static void gather_kernel(const void *params, void *const *data)
{
    const gather_params *gather = params;
    const float *table = data[0], *indices = data[1];
    float *out = data[2];
    size_t row = (size_t)gather->inner;
#pragma omp parallel for schedule(static) if (gather->outer * gather->n_indices * gather->inner > 65536)
    for (int64_t j = 0; j < gather->outer * gather->n_indices; j++) {
        int64_t outer = j / gather->n_indices;
        int64_t index = (int64_t)indices[j % gather->n_indices];
        if (index < 0)
            index += gather->axis_length;
        float *target = out + (size_t)j * row;
        /* An id outside the table cannot fail here; its row is zeros.
         * Callers that take ids from users check them first. */
        if (index < 0 || index >= gather->axis_length) {
            for (size_t k = 0; k < row; k++)
                target[k] = 0.0f;
            continue;
        }
        const float *source = table + ((size_t)outer * (size_t)gather->axis_length + (size_t)index) * row;
        for (size_t k = 0; k < row; k++)
            target[k] = source[k];
    }
}

int nn_build_gather_runtime(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *indices = &plan->env.types[node->inputs[1]];
    int64_t axis = nn_attr_int(node, "axis", 0);
    axis = axis < 0 ? axis + in->rank : axis;
    if (in->dtype != AMASS_NN_FLOAT32 || axis < 0 || axis >= in->rank)
        return nn_fail_node(status, plan->graph, node, "run-time indices gather float32 data along an existing axis");
    int table = nn_plan_input_slot(plan, node, 0, status);
    table = table < 0 ? table : nn_plan_f32(plan, table, status);
    table = table < 0 ? table : nn_plan_plain(plan, table, status);
    int index_slot = table < 0 ? table : nn_plan_input_slot(plan, node, 1, status);
    index_slot = index_slot < 0 ? index_slot : nn_plan_f32(plan, index_slot, status);
    index_slot = index_slot < 0 ? index_slot : nn_plan_plain(plan, index_slot, status);
    if (index_slot < 0)
        return status->code;
    gather_params *params = malloc(sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    params->outer = 1;
    params->inner = 1;
    for (int d = 0; d < in->rank; d++) {
        if (d < axis)
            params->outer *= in->dims[d];
        if (d > axis)
            params->inner *= in->dims[d];
    }
    params->axis_length = in->dims[axis];
    params->n_indices = (int64_t)amass_nn_type_count(indices);
    nn_step *step = nn_plan_add_host_step(plan, gather_kernel, params, free, status);
    if (!step)
        return status->code;
    int out = node->outputs[0];
    dnnl_memory_desc_t md;
    nn_plain_md(&md, &plan->env.types[out]);
    nn_plan_set_md(plan, out, &md);
    plan->slots[out].plain = out;
    nn_step_arg(step, DNNL_ARG_SRC_0, table);
    nn_step_arg(step, DNNL_ARG_SRC_1, index_slot);
    nn_step_arg(step, DNNL_ARG_DST, out);
    return AMASS_OK;
}
