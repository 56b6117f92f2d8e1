/* Primitive setup for the Transformer-encoder ops: unary math and GELU as
 * oneDNN eltwise, Pow with a constant exponent, Max/Min, Where with a
 * condition known at load, LayerNormalization, Gather of constant indices
 * from a runtime tensor, and Expand of one. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"

static int build_unary(nn_plan *plan, const nn_node *node, amass_status *status)
{
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src < 0)
        return status->code;
    dnnl_alg_kind_t algorithm;
    float alpha = 0, beta = 0;
    switch (node->op) {
    case AMASS_NN_OP_EXP:
        algorithm = dnnl_eltwise_exp;
        break;
    case AMASS_NN_OP_LOG:
        algorithm = dnnl_eltwise_log;
        break;
    case AMASS_NN_OP_SQRT:
        algorithm = dnnl_eltwise_sqrt;
        break;
    case AMASS_NN_OP_NEG:
        algorithm = dnnl_eltwise_linear;
        alpha = -1;
        break;
    case AMASS_NN_OP_ABS:
        algorithm = dnnl_eltwise_abs;
        break;
    case AMASS_NN_OP_RECIPROCAL:
        algorithm = dnnl_eltwise_pow;
        alpha = 1;
        beta = -1;
        break;
    case AMASS_NN_OP_LEAKY_RELU:
        algorithm = dnnl_eltwise_relu;
        alpha = nn_attr_float(node, "alpha", 0.01f);
        break;
    case AMASS_NN_OP_ELU:
        algorithm = dnnl_eltwise_elu;
        alpha = nn_attr_float(node, "alpha", 1.0f);
        break;
    case AMASS_NN_OP_SOFTPLUS:
        algorithm = dnnl_eltwise_soft_relu;
        break;
    case AMASS_NN_OP_GELU: {
        const nn_attr *approximate = nn_attr_find(node, "approximate");
        int tanh_form = approximate && approximate->s && strcmp(approximate->s, "tanh") == 0;
        if (approximate && approximate->s && !tanh_form && strcmp(approximate->s, "none") != 0)
            return nn_fail_node(status, plan->graph, node, "unsupported attribute 'approximate=%s'", approximate->s);
        algorithm = tanh_form ? dnnl_eltwise_gelu_tanh : dnnl_eltwise_gelu_erf;
        break;
    }
    case AMASS_NN_OP_POW: {
        /* x^p with a constant scalar p: eltwise pow(alpha 1, beta p). */
        int exponent = node->inputs[1];
        if (!plan->env.data[exponent] || amass_nn_type_count(&plan->env.types[exponent]) != 1 ||
            plan->env.types[exponent].dtype != AMASS_NN_FLOAT32 || plan->env.data[node->inputs[0]])
            return nn_fail_node(status, plan->graph, node,
                                "only a runtime base with a constant float scalar exponent runs");
        algorithm = dnnl_eltwise_pow;
        alpha = 1;
        beta = ((const float *)plan->env.data[exponent])[0];
        break;
    }
    default:
        return nn_fail_node(status, plan->graph, node, "unsupported operator '%s' at run time", node->op_type);
    }
    dnnl_eltwise_desc_t desc;
    dnnl_status_t made = dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, algorithm,
                                                        &plan->slots[src].md, alpha, beta);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this operation", made);
    return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, src, "create this operation", NULL, status);
}

/* A float tensor of shape (padded with leading 1s to rank) computed from
 * the condition (and a known branch) and kept by the session as a weight. */
typedef enum { MASK_LOW, MASK_HIGH, MASK_PICK_X, MASK_PICK_Y } mask_kind;

static int where_mask(nn_plan *plan, int node_index, int slot_key, mask_kind kind, int known_branch,
                      int pick_known_when, const amass_nn_tensor_type *shape, dnnl_memory_t *memory,
                      amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *condition_type = &plan->env.types[node->inputs[0]];
    const unsigned char *condition = plan->env.data[node->inputs[0]];
    const amass_nn_tensor_type *known_type = known_branch >= 0 ? &plan->env.types[known_branch] : NULL;
    const float *known = known_branch >= 0 ? plan->env.data[known_branch] : NULL;
    size_t count = amass_nn_type_count(shape);
    float *values = amass_alloc_array(count ? count : 1, sizeof *values);
    if (!values)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        int chosen = condition[nn_broadcast_index(shape, condition_type, i)] != 0;
        if (kind == MASK_PICK_X || kind == MASK_PICK_Y) {
            values[i] = (float)(chosen == (kind == MASK_PICK_X));
            continue;
        }
        /* max(r, low) then min(., high): the known value where it is
         * picked, r untouched (even infinite) elsewhere. */
        if (chosen == pick_known_when)
            values[i] = known[nn_broadcast_index(shape, known_type, i)];
        else
            values[i] = kind == MASK_LOW ? -INFINITY : INFINITY;
    }
    dnnl_memory_desc_t md;
    nn_plain_md(&md, shape);
    int result = nn_plan_weights(plan, node_index, slot_key, &md, values, &md, memory, status);
    free(values);
    return result;
}

/* Where(c, x, y) with c known: with one branch known, max/min against
 * bounds that are the known value where picked and -inf/+inf elsewhere
 * (exact, infinities included); with both at run time, y*(1-c) + x*c. */
static int build_where(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    if (!plan->env.data[node->inputs[0]])
        return nn_fail_node(status, plan->graph, node, "the condition must be known at load time");
    if (out->dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 values run");
    int x_known = plan->env.data[node->inputs[1]] != NULL, y_known = plan->env.data[node->inputs[2]] != NULL;
    int runtime_input = x_known ? 2 : 1;
    for (int i = 1; i < 3; i++)
        if (!plan->env.data[node->inputs[i]] && !nn_same_dims(&plan->env.types[node->inputs[i]], out))
            return nn_fail_node(status, plan->graph, node, "a runtime value must have the output's shape");
    /* The masks' shape: condition and known branch broadcast, at out's rank. */
    amass_nn_tensor_type mask_shape = plan->env.types[node->inputs[0]], wider;
    if (x_known != y_known && nn_broadcast(&mask_shape, &plan->env.types[node->inputs[x_known ? 1 : 2]], &wider))
        mask_shape = wider;
    int shift = out->rank - mask_shape.rank;
    for (int d = out->rank - 1; d >= 0; d--)
        mask_shape.dims[d] = d - shift >= 0 ? mask_shape.dims[d - shift] : 1;
    mask_shape.rank = out->rank;
    mask_shape.dtype = AMASS_NN_FLOAT32;
    dnnl_memory_desc_t mask_md;
    nn_plain_md(&mask_md, &mask_shape);
    dnnl_memory_t first_mask, second_mask;
    int result;
    if (x_known != y_known) {
        int known = node->inputs[x_known ? 1 : 2];
        result = where_mask(plan, node_index, 100, MASK_LOW, known, x_known, &mask_shape, &first_mask, status);
        if (result == AMASS_OK)
            result = where_mask(plan, node_index, 101, MASK_HIGH, known, x_known, &mask_shape, &second_mask, status);
    } else {
        result = where_mask(plan, node_index, 102, MASK_PICK_X, -1, 0, &mask_shape, &first_mask, status);
        if (result == AMASS_OK)
            result = where_mask(plan, node_index, 103, MASK_PICK_Y, -1, 0, &mask_shape, &second_mask, status);
    }
    if (result != AMASS_OK)
        return result;
    int src = nn_plan_input_slot(plan, node, runtime_input, status);
    src = src < 0 ? src : nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    int picked_x = -1;
    if (x_known == y_known) {
        /* picked_x = x * mask(c) */
        int x = nn_plan_input_slot(plan, node, 1, status);
        x = x < 0 ? x : nn_plan_plain(plan, x, status);
        if (x < 0)
            return status->code;
        src = nn_plan_input_slot(plan, node, 2, status);
        src = src < 0 ? src : nn_plan_plain(plan, src, status);
        picked_x = src < 0 ? src : nn_plan_new_slot(plan, &plan->slots[x].md, status);
        if (picked_x < 0)
            return status->code;
        dnnl_binary_desc_t desc;
        dnnl_primitive_desc_t pd;
        dnnl_status_t made = dnnl_binary_desc_init(&desc, dnnl_binary_mul, &plan->slots[x].md, &mask_md,
                                                   &plan->slots[x].md);
        if (made == dnnl_success)
            made = dnnl_primitive_desc_create(&pd, &desc, NULL, nn_session_engine(plan->session), NULL);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, node, "create this selection", made);
        nn_step *step = nn_plan_add_step(plan, pd, status);
        if (!step)
            return status->code;
        nn_step_arg(step, DNNL_ARG_SRC_0, x);
        nn_step_arg_memory(step, DNNL_ARG_SRC_1, first_mask);
        nn_step_arg(step, DNNL_ARG_DST, picked_x);
    }
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t ops;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (dnnl_post_ops_create(&ops) != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    if (picked_x >= 0)
        dnnl_post_ops_append_binary(ops, dnnl_binary_add, &plan->slots[picked_x].md);
    else
        dnnl_post_ops_append_binary(ops, dnnl_binary_min, &mask_md);
    dnnl_primitive_attr_set_post_ops(attr, ops);
    dnnl_post_ops_destroy(ops);
    dnnl_binary_desc_t desc;
    dnnl_status_t made = dnnl_binary_desc_init(&desc, picked_x >= 0 ? dnnl_binary_mul : dnnl_binary_max,
                                               &plan->slots[src].md, &mask_md, &plan->slots[src].md);
    nn_step *step = NULL;
    result = made == dnnl_success ? nn_add_simple_step(plan, node, &desc, attr, DNNL_ARG_SRC_0, src,
                                                       "create this selection", &step, status)
                                  : nn_dnnl_fail(status, plan, node, "describe this selection", made);
    dnnl_primitive_attr_destroy(attr);
    if (result != AMASS_OK)
        return result;
    nn_step_arg_memory(step, DNNL_ARG_SRC_1, picked_x >= 0 ? second_mask : first_mask);
    if (picked_x >= 0)
        nn_step_arg(step, DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, picked_x);
    else
        nn_step_arg_memory(step, DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, second_mask);
    return AMASS_OK;
}

/* LayerNormalization over the dimensions from axis on, run by oneDNN on
 * the input seen as [outer, inner] (its normalised axis is the last). */
static int build_layer_norm(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    int64_t axis = nn_attr_int(node, "axis", -1);
    axis = axis < 0 ? axis + in->rank : axis;
    int has_bias = node->n_inputs > 2 && node->inputs[2] >= 0;
    if (!plan->env.data[node->inputs[1]] || (has_bias && !plan->env.data[node->inputs[2]]))
        return nn_fail_node(status, plan->graph, node, "scale and bias must be constants");
    amass_nn_tensor_type matrix = {.dtype = AMASS_NN_FLOAT32, .rank = 2, .dims = {1, 1}};
    for (int d = 0; d < in->rank; d++)
        matrix.dims[d < axis ? 0 : 1] *= in->dims[d];
    dnnl_memory_desc_t matrix_md, parameter_md, out_md;
    nn_plain_md(&matrix_md, &matrix);
    amass_nn_tensor_type parameter = {.dtype = AMASS_NN_FLOAT32, .rank = 1, .dims = {matrix.dims[1]}};
    nn_plain_md(&parameter_md, &parameter);
    int src = nn_plan_input_slot(plan, node, 0, status);
    src = src < 0 ? src : nn_plan_plain(plan, src, status);
    src = src < 0 ? src : nn_view_slot(plan, src, &matrix_md, 1, status);
    int dst = src < 0 ? src : nn_plan_new_slot(plan, &matrix_md, status);
    if (dst < 0)
        return status->code;
    dnnl_memory_t scale, shift = NULL;
    int result = nn_plan_weights(plan, node_index, 1, &parameter_md, plan->env.data[node->inputs[1]], &parameter_md,
                                 &scale, status);
    if (result == AMASS_OK && has_bias)
        result = nn_plan_weights(plan, node_index, 2, &parameter_md, plan->env.data[node->inputs[2]], &parameter_md,
                                 &shift, status);
    if (result != AMASS_OK)
        return result;
    dnnl_layer_normalization_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_status_t made = dnnl_layer_normalization_forward_desc_init(
        &desc, dnnl_forward_inference, &matrix_md, NULL, nn_attr_float(node, "epsilon", 1e-5f),
        dnnl_use_scale | (has_bias ? dnnl_use_shift : 0));
    if (made == dnnl_success)
        made = dnnl_primitive_desc_create(&pd, &desc, NULL, nn_session_engine(plan->session), NULL);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this layer normalization", made);
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg_memory(step, DNNL_ARG_SCALE, scale);
    if (shift)
        nn_step_arg_memory(step, DNNL_ARG_SHIFT, shift);
    nn_step_arg(step, DNNL_ARG_DST, dst);
    nn_plain_md(&out_md, &plan->env.types[node->outputs[0]]);
    nn_plan_set_md(plan, node->outputs[0], &out_md);
    plan->slots[node->outputs[0]].root = dst;
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    return AMASS_OK;
}

/* Gather of constant indices along one axis of a runtime tensor (the CLS
 * token of an encoder): each index is a strided view of the input, and a
 * oneDNN concat lays the views side by side. */
static int build_gather(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    int indices_value = node->n_inputs > 1 ? node->inputs[1] : -1;
    if (indices_value >= 0 && !plan->env.data[indices_value])
        return nn_build_gather_runtime(plan, node_index, status);
    if (indices_value < 0)
        return nn_fail_node(status, plan->graph, node, "the indices are missing");
    const amass_nn_tensor_type *indices_type = &plan->env.types[indices_value];
    size_t n_indices = amass_nn_type_count(indices_type);
    int64_t axis = nn_attr_int(node, "axis", 0);
    axis = axis < 0 ? axis + in->rank : axis;
    if (in->dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 data is gathered at run time");
    if (n_indices == 0 || n_indices > NN_MAX_ARGS - 2)
        return nn_fail_node(status, plan->graph, node, "%zu indices; 1 to %d run", n_indices, NN_MAX_ARGS - 2);
    int src = nn_plan_input_slot(plan, node, 0, status);
    src = src < 0 ? src : nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    dnnl_memory_desc_t sources[NN_MAX_ARGS];
    int slots[NN_MAX_ARGS];
    dnnl_dims_t dims, offsets;
    for (int d = 0; d < in->rank; d++) {
        dims[d] = d == axis ? 1 : in->dims[d];
        offsets[d] = 0;
    }
    for (size_t j = 0; j < n_indices; j++) {
        int64_t given = indices_type->dtype == AMASS_NN_INT32 ? ((const int32_t *)plan->env.data[indices_value])[j]
                                                               : ((const int64_t *)plan->env.data[indices_value])[j];
        int64_t index = given < 0 ? given + in->dims[axis] : given;
        if (index < 0 || index >= in->dims[axis])
            return nn_fail_node(status, plan->graph, node, "index %lld is out of range for a dimension of %lld",
                                (long long)given, (long long)in->dims[axis]);
        offsets[axis] = index;
        dnnl_status_t made = dnnl_memory_desc_init_submemory(&sources[j], &plan->slots[src].md, dims, offsets);
        if (made != dnnl_success)
            return nn_dnnl_fail(status, plan, node, "describe a gathered slice", made);
        slots[j] = nn_plan_new_slot(plan, &sources[j], status);
        if (slots[j] < 0)
            return status->code;
        plan->slots[slots[j]].root = plan->slots[src].root;
        plan->slots[slots[j]].external = plan->slots[src].external;
    }
    amass_nn_tensor_type gathered = *in;
    gathered.dims[axis] = (int64_t)n_indices;
    dnnl_memory_desc_t gathered_md, out_md;
    nn_plain_md(&gathered_md, &gathered);
    int dst = nn_plan_new_slot(plan, &gathered_md, status);
    if (dst < 0)
        return status->code;
    dnnl_primitive_desc_t pd;
    dnnl_status_t made = dnnl_concat_primitive_desc_create(&pd, &gathered_md, (int)n_indices, (int)axis, sources, NULL,
                                                           nn_session_engine(plan->session));
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this gather", made);
    nn_step *step = nn_plan_add_step(plan, pd, status);
    if (!step)
        return status->code;
    for (size_t j = 0; j < n_indices; j++)
        nn_step_arg(step, DNNL_ARG_MULTIPLE_SRC + (int)j, slots[j]);
    nn_step_arg(step, DNNL_ARG_DST, dst);
    nn_plain_md(&out_md, &plan->env.types[node->outputs[0]]);
    nn_plan_set_md(plan, node->outputs[0], &out_md);
    plan->slots[node->outputs[0]].root = dst;
    plan->slots[node->outputs[0]].plain = node->outputs[0];
    return AMASS_OK;
}

/* Expand of a runtime tensor: a view of it with stride 0 along the
 * broadcast dimensions, reordered by oneDNN into a plain output. */
static int build_expand(nn_plan *plan, const nn_node *node, amass_status *status)
{
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    const amass_nn_tensor_type *out = &plan->env.types[node->outputs[0]];
    if (in->dtype != AMASS_NN_FLOAT32)
        return nn_fail_node(status, plan->graph, node, "only float32 data is expanded at run time");
    int src = nn_plan_input_slot(plan, node, 0, status);
    src = src < 0 ? src : nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    dnnl_dims_t dims, strides;
    int64_t stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int from = d - (out->rank - in->rank);
        dims[d] = out->dims[d];
        strides[d] = from >= 0 && in->dims[from] != 1 ? stride : 0;
        if (from >= 0)
            stride *= in->dims[from];
    }
    dnnl_memory_desc_t broadcast;
    dnnl_status_t made = dnnl_memory_desc_init_by_strides(&broadcast, out->rank, dims, dnnl_f32, strides);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "describe this expansion", made);
    return nn_add_view_reorder(plan, node, src, &broadcast, "create this expansion", status);
}

int nn_build_math(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    switch (node->op) {
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
        if (node->n_inputs != 2)
            return nn_fail_node(status, plan->graph, node, "%d inputs; two run", node->n_inputs);
        return nn_build_binary(plan, node_index, status);
    case AMASS_NN_OP_WHERE:
        return build_where(plan, node_index, status);
    case AMASS_NN_OP_LAYER_NORMALIZATION:
        return build_layer_norm(plan, node_index, status);
    case AMASS_NN_OP_GATHER:
        return build_gather(plan, node_index, status);
    case AMASS_NN_OP_EXPAND:
        return build_expand(plan, node, status);
    default:
        return build_unary(plan, node, status);
    }
}
