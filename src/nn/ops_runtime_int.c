/* Integers and booleans known only at run time (token ids, attention
 * masks), carried as float32 through the graph: Cast of a runtime tensor,
 * Gather by runtime indices (the embedding lookup) and Where by a runtime
 * condition (the mask fill), as host steps on plain buffers. */
#include "config.h"

#include <math.h>
#include <stdint.h>
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
        float given = indices[j % gather->n_indices];
        /* NaN and values past any axis stay out of range without an
         * undefined conversion */
        int64_t index = given > -1e15f && given < 1e15f ? (int64_t)given : INT64_MAX;
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

typedef struct {
    amass_nn_tensor_type out, condition, x, y;
} where_params;

static void where_kernel(const void *params, void *const *data)
{
    const where_params *where = params;
    const float *condition = data[0], *x = data[1], *y = data[2];
    float *out = data[3];
    size_t count = amass_nn_type_count(&where->out);
    for (size_t i = 0; i < count; i++)
        out[i] = condition[nn_broadcast_index(&where->out, &where->condition, i)] != 0.0f
                     ? x[nn_broadcast_index(&where->out, &where->x, i)]
                     : y[nn_broadcast_index(&where->out, &where->y, i)];
}

int nn_build_where_runtime(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    if (plan->env.types[node->outputs[0]].dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 values run");
    int slots[3];
    for (int i = 0; i < 3; i++) {
        slots[i] = nn_plan_input_slot(plan, node, i, status);
        slots[i] = slots[i] < 0 ? slots[i] : nn_plan_f32(plan, slots[i], status);
        slots[i] = slots[i] < 0 ? slots[i] : nn_plan_plain(plan, slots[i], status);
        if (slots[i] < 0)
            return status->code;
    }
    where_params *params = malloc(sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    params->out = plan->env.types[node->outputs[0]];
    params->condition = plan->env.types[node->inputs[0]];
    params->x = plan->env.types[node->inputs[1]];
    params->y = plan->env.types[node->inputs[2]];
    nn_step *step = nn_plan_add_host_step(plan, where_kernel, params, free, status);
    if (!step)
        return status->code;
    int out = node->outputs[0];
    dnnl_memory_desc_t md;
    nn_plain_md(&md, &plan->env.types[out]);
    nn_plan_set_md(plan, out, &md);
    plan->slots[out].plain = out;
    nn_step_arg(step, DNNL_ARG_SRC_0, slots[0]);
    nn_step_arg(step, DNNL_ARG_SRC_1, slots[1]);
    nn_step_arg(step, DNNL_ARG_SRC_2, slots[2]);
    nn_step_arg(step, DNNL_ARG_DST, out);
    return AMASS_OK;
}

typedef struct {
    amass_nn_op op;
    amass_nn_tensor_type out, a, b;
    int64_t outer, length, inner; /* CumSum */
    int exclusive, reverse;
} logic_params;

static void logic_kernel(const void *params, void *const *data)
{
    const logic_params *logic = params;
    const float *a = data[0], *b = logic->op == AMASS_NN_OP_NOT || logic->op == AMASS_NN_OP_CUMSUM ? NULL : data[1];
    float *out = data[logic->op == AMASS_NN_OP_NOT || logic->op == AMASS_NN_OP_CUMSUM ? 1 : 2];
    if (logic->op == AMASS_NN_OP_CUMSUM) {
        for (int64_t o = 0; o < logic->outer; o++)
            for (int64_t i = 0; i < logic->inner; i++) {
                /* sums of integers stay exact in double */
                double sum = 0;
                for (int64_t step = 0; step < logic->length; step++) {
                    int64_t k = logic->reverse ? logic->length - 1 - step : step;
                    size_t at = (size_t)((o * logic->length + k) * logic->inner + i);
                    double value = a[at];
                    if (!logic->exclusive)
                        sum += value;
                    out[at] = (float)sum;
                    if (logic->exclusive)
                        sum += value;
                }
            }
        return;
    }
    size_t count = amass_nn_type_count(&logic->out);
    for (size_t i = 0; i < count; i++) {
        float x = a[nn_broadcast_index(&logic->out, &logic->a, i)];
        float y = b ? b[nn_broadcast_index(&logic->out, &logic->b, i)] : 0.0f;
        int truth = logic->op == AMASS_NN_OP_EQUAL ? x == y
                    : logic->op == AMASS_NN_OP_LESS ? x < y
                    : logic->op == AMASS_NN_OP_GREATER ? x > y
                                                       : x == 0.0f;
        out[i] = (float)truth;
    }
}

int nn_build_logic_runtime(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    int unary = node->op == AMASS_NN_OP_NOT || node->op == AMASS_NN_OP_CUMSUM;
    logic_params *params = calloc(1, sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    params->op = node->op;
    params->out = plan->env.types[node->outputs[0]];
    params->a = plan->env.types[node->inputs[0]];
    if (node->op == AMASS_NN_OP_CUMSUM) {
        int64_t axis = -1;
        int known = node->n_inputs >= 2 && nn_known_ints(&plan->env, node->inputs[1], &axis, 1) == 1;
        axis = axis < 0 ? axis + params->a.rank : axis;
        if (!known || axis < 0 || axis >= params->a.rank) {
            free(params);
            return nn_fail_node(status, plan->graph, node, "the axis must be a known scalar within the rank");
        }
        params->outer = params->inner = 1;
        for (int d = 0; d < params->a.rank; d++) {
            if (d < axis)
                params->outer *= params->a.dims[d];
            if (d > axis)
                params->inner *= params->a.dims[d];
        }
        params->length = params->a.dims[axis];
        params->exclusive = (int)nn_attr_int(node, "exclusive", 0);
        params->reverse = (int)nn_attr_int(node, "reverse", 0);
    } else if (!unary) {
        params->b = plan->env.types[node->inputs[1]];
    }
    int slots[2] = {-1, -1};
    for (int i = 0; i < (unary ? 1 : 2); i++) {
        slots[i] = nn_plan_input_slot(plan, node, i, status);
        slots[i] = slots[i] < 0 ? slots[i] : nn_plan_f32(plan, slots[i], status);
        slots[i] = slots[i] < 0 ? slots[i] : nn_plan_plain(plan, slots[i], status);
        if (slots[i] < 0) {
            free(params);
            return status->code;
        }
    }
    nn_step *step = nn_plan_add_host_step(plan, logic_kernel, params, free, status);
    if (!step)
        return status->code;
    int out = node->outputs[0];
    dnnl_memory_desc_t md;
    amass_nn_tensor_type type = plan->env.types[out];
    type.dtype = AMASS_NN_FLOAT32;
    nn_plain_md(&md, &type);
    nn_plan_set_md(plan, out, &md);
    plan->slots[out].plain = out;
    nn_step_arg(step, DNNL_ARG_SRC_0, slots[0]);
    if (!unary)
        nn_step_arg(step, DNNL_ARG_SRC_1, slots[1]);
    nn_step_arg(step, DNNL_ARG_DST, out);
    return AMASS_OK;
}
