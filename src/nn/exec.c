/* The executor: a session keeps one plan per input shape (oneDNN
 * primitives, buffers), at most NN_MAX_PLANS of them, and the weights
 * reordered once; running a plan executes its steps. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn_ops.h"
#include "nn_layout.h"

struct nn_weight {
    int node, input;
    dnnl_memory_desc_t md;
    dnnl_memory_t memory;
    void *buffer;
};

/* Plans a session keeps; past it the least recently run one is dropped.
 * A text encoder sees one shape per (batch, length) pair, and callers that
 * bucket lengths stay well under it; the weights are shared by all plans,
 * so a re-plan costs primitive creation only. */
#define NN_MAX_PLANS 16

struct amass_nn_session {
    const amass_nn_graph *graph;
    uint64_t runs;
    /* per input: the float32 copy of an integer input (nn_value) */
    float **staging;
    size_t *staging_count;
    int64_t *key; /* scratch for a plan key */
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    nn_plan **plans;
    int n_plans;
    nn_weight *weights;
    int n_weights;
    amass_nn_session_stats stats;
    int winograd;
    int bf16;
};

static void plan_free(nn_plan *plan);
static int plan_for(amass_nn_session *session, const int64_t *input_dims, nn_plan **plan, amass_status *status);

dnnl_engine_t nn_session_engine(const amass_nn_session *session)
{
    return session->engine;
}

int nn_session_winograd(const amass_nn_session *session)
{
    return session->winograd;
}

void amass_nn_session_set_winograd(amass_nn_session *session, int enabled)
{
    /* Plans made under the other setting are dropped, not mixed. */
    if (!!enabled != session->winograd) {
        for (int p = 0; p < session->n_plans; p++)
            plan_free(session->plans[p]);
        session->n_plans = 0;
    }
    session->winograd = !!enabled;
}

int amass_nn_bf16_available(void)
{
    /* The ISA values are nested bit sets: a newer ISA contains the bits
     * of the ones it extends. */
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return ((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) == (unsigned)dnnl_cpu_isa_avx512_core_bf16;
}

void amass_nn_session_set_bf16(amass_nn_session *session, int enabled)
{
    int wanted = enabled && amass_nn_bf16_available();
    if (wanted != session->bf16) {
        for (int p = 0; p < session->n_plans; p++)
            plan_free(session->plans[p]);
        session->n_plans = 0;
    }
    session->bf16 = wanted;
}

dnnl_data_type_t nn_session_compute_type(const amass_nn_session *session)
{
    return session->bf16 ? dnnl_bf16 : dnnl_f32;
}

void nn_session_count_primitive(amass_nn_session *session)
{
    session->stats.primitives_created++;
}

int nn_pd_is_reference(const_dnnl_primitive_desc_t pd)
{
    const char *kernel = NULL;
    return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &kernel) != dnnl_success || !kernel ||
           strncmp(kernel, "ref", 3) == 0;
}

int nn_dnnl_fail(amass_status *status, const nn_plan *plan, const nn_node *node, const char *what,
                 dnnl_status_t result)
{
    if (node)
        return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: node '%s' (%s): oneDNN cannot %s (status %d)",
                          plan->graph->name, nn_node_label(node), node->op_type, what, (int)result);
    return amass_fail(status, AMASS_ERR_FATAL, "%s: oneDNN cannot %s (status %d)", plan->graph->name, what,
                      (int)result);
}

void nn_plain_md(dnnl_memory_desc_t *md, const amass_nn_tensor_type *type)
{
    dnnl_dims_t dims, strides;
    int rank = type->rank > 0 ? type->rank : 1;
    dims[0] = 1;
    for (int d = 0; d < type->rank; d++)
        dims[d] = type->dims[d];
    strides[rank - 1] = 1;
    for (int d = rank - 2; d >= 0; d--)
        strides[d] = strides[d + 1] * (dims[d + 1] > 0 ? dims[d + 1] : 1);
    dnnl_memory_desc_init_by_strides(md, rank, dims, dnnl_f32, strides);
}

static void plain_like(dnnl_memory_desc_t *plain, const dnnl_memory_desc_t *md)
{
    amass_nn_tensor_type type = {.dtype = AMASS_NN_FLOAT32, .rank = md->ndims};
    for (int d = 0; d < md->ndims; d++)
        type.dims[d] = md->dims[d];
    nn_plain_md(plain, &type);
}

int nn_plan_new_slot(nn_plan *plan, const dnnl_memory_desc_t *md, amass_status *status)
{
    if (plan->n_slots == plan->slots_capacity) {
        int capacity = plan->slots_capacity * 2 + 16;
        nn_slot *slots = amass_realloc_array(plan->slots, (size_t)capacity, sizeof *slots);
        if (!slots)
            return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
        plan->slots = slots;
        plan->slots_capacity = capacity;
    }
    nn_slot *slot = &plan->slots[plan->n_slots];
    memset(slot, 0, sizeof *slot);
    slot->root = plan->n_slots;
    slot->plain = -1;
    slot->last_read = -1;
    slot->written_at = -1;
    if (md) {
        slot->md = *md;
        slot->has_md = 1;
    }
    return plan->n_slots++;
}

void nn_plan_set_md(nn_plan *plan, int slot, const dnnl_memory_desc_t *md)
{
    plan->slots[slot].md = *md;
    plan->slots[slot].has_md = 1;
}

nn_step *nn_plan_add_step(nn_plan *plan, dnnl_primitive_desc_t pd, amass_status *status)
{
    if (plan->n_steps == plan->steps_capacity) {
        int capacity = plan->steps_capacity * 2 + 16;
        nn_step *steps = amass_realloc_array(plan->steps, (size_t)capacity, sizeof *steps);
        if (!steps) {
            dnnl_primitive_desc_destroy(pd);
            amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
            return NULL;
        }
        plan->steps = steps;
        plan->steps_capacity = capacity;
    }
    nn_step *step = &plan->steps[plan->n_steps++];
    memset(step, 0, sizeof *step);
    step->pd = pd;
    step->dst_slot = -1;
    step->sum_slot = -1;
    return step;
}

void nn_step_arg(nn_step *step, int kind, int slot)
{
    step->arg_kind[step->n_args] = kind;
    step->arg_slot[step->n_args] = slot;
    step->arg_memory[step->n_args] = NULL;
    if (kind == DNNL_ARG_DST)
        step->dst_slot = slot;
    step->n_args++;
}

void nn_step_arg_memory(nn_step *step, int kind, dnnl_memory_t memory)
{
    step->arg_kind[step->n_args] = kind;
    step->arg_slot[step->n_args] = -1;
    step->arg_memory[step->n_args] = memory;
    step->n_args++;
}

static int add_reorder(nn_plan *plan, int from, const dnnl_memory_desc_t *md, amass_status *status)
{
    dnnl_primitive_desc_t pd;
    dnnl_engine_t engine = plan->session->engine;
    dnnl_status_t result = dnnl_reorder_primitive_desc_create(&pd, &plan->slots[from].md, engine, md, engine, NULL);
    if (result != dnnl_success)
        return -nn_dnnl_fail(status, plan, NULL, "reorder between layouts", result);
    int to = nn_plan_new_slot(plan, md, status);
    nn_step *step = to < 0 ? NULL : nn_plan_add_step(plan, pd, status);
    if (to < 0 || !step) {
        if (to < 0)
            dnnl_primitive_desc_destroy(pd);
        return -status->code;
    }
    nn_step_arg(step, DNNL_ARG_FROM, from);
    nn_step_arg(step, DNNL_ARG_TO, to);
    return to;
}

int nn_plan_plain(nn_plan *plan, int slot, amass_status *status)
{
    if (plan->slots[slot].plain >= 0)
        return plan->slots[slot].plain;
    dnnl_memory_desc_t plain;
    plain_like(&plain, &plan->slots[slot].md);
    int result = dnnl_memory_desc_equal(&plain, &plan->slots[slot].md) ? slot : add_reorder(plan, slot, &plain, status);
    if (result >= 0) {
        plan->slots[slot].plain = result;
        plan->slots[result].plain = result;
    }
    return result;
}

int nn_plan_as(nn_plan *plan, int slot, const dnnl_memory_desc_t *md, amass_status *status)
{
    if (dnnl_memory_desc_equal(md, &plan->slots[slot].md))
        return slot;
    int plain = plan->slots[slot].plain, converted = plan->slots[slot].converted;
    if (plain >= 0 && dnnl_memory_desc_equal(md, &plan->slots[plain].md))
        return plain;
    if (converted > 0 && dnnl_memory_desc_equal(md, &plan->slots[converted].md))
        return converted;
    /* Remembered, so a tensor feeding a conv and a residual sum in the
     * same layout is reordered once. */
    converted = add_reorder(plan, slot, md, status);
    if (converted >= 0)
        plan->slots[slot].converted = converted;
    return converted;
}

int nn_plan_f32(nn_plan *plan, int slot, amass_status *status)
{
    if (plan->slots[slot].md.data_type == dnnl_f32)
        return slot;
    /* Strides count elements, so the same blocking holds for f32. */
    dnnl_memory_desc_t md = plan->slots[slot].md;
    md.data_type = dnnl_f32;
    return nn_plan_as(plan, slot, &md, status);
}

int nn_plan_known_slot(nn_plan *plan, int value, amass_status *status)
{
    amass_nn_dtype dtype = plan->env.types[value].dtype;
    if (dtype == AMASS_NN_UINT8)
        return -amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: value '%s' is %s; only float32 tensors run",
                           plan->graph->name, plan->graph->values[value].name, amass_nn_dtype_name(dtype));
    if (!plan->slots[value].has_md) {
        const void *data = plan->env.data[value];
        if (dtype != AMASS_NN_FLOAT32) {
            /* An integer or boolean constant meeting runtime tensors is
             * carried as float32 like them (nn_value); the plan owns the copy. */
            size_t count = amass_nn_type_count(&plan->env.types[value]);
            float *copy = amass_alloc_array(count + 1, sizeof *copy);
            void **kept = copy ? amass_realloc_array(plan->carried, (size_t)plan->n_carried + 1, sizeof *kept) : NULL;
            if (!kept) {
                free(copy);
                return -amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
            }
            for (size_t i = 0; i < count; i++)
                copy[i] = (float)nn_load_number(dtype, data, i);
            plan->carried = kept;
            plan->carried[plan->n_carried++] = copy;
            data = copy;
        }
        amass_nn_tensor_type type = plan->env.types[value];
        type.dtype = AMASS_NN_FLOAT32;
        dnnl_memory_desc_t md;
        nn_plain_md(&md, &type);
        nn_plan_set_md(plan, value, &md);
        plan->slots[value].external = data;
        plan->slots[value].plain = value;
    }
    return value;
}

int nn_plan_input_slot(nn_plan *plan, const nn_node *node, int i, amass_status *status)
{
    int value = node->inputs[i];
    if (value < 0)
        return -nn_fail_node(status, plan->graph, node, "input %d is missing", i);
    if (plan->env.data[value])
        return nn_plan_known_slot(plan, value, status);
    if (!plan->slots[value].has_md)
        return -nn_fail_node(status, plan->graph, node, "input '%s' has no producer that runs",
                             plan->graph->values[value].name);
    return value;
}

int nn_plan_weights(nn_plan *plan, int node, int input, const dnnl_memory_desc_t *user_md, const void *data,
                    const dnnl_memory_desc_t *wanted, dnnl_memory_t *memory, amass_status *status)
{
    amass_nn_session *session = plan->session;
    for (int w = 0; w < session->n_weights; w++)
        if (session->weights[w].node == node && session->weights[w].input == input &&
            dnnl_memory_desc_equal(&session->weights[w].md, wanted)) {
            *memory = session->weights[w].memory;
            return AMASS_OK;
        }
    nn_weight *grown = amass_realloc_array(session->weights, (size_t)session->n_weights + 1, sizeof *grown);
    if (!grown)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for weights");
    session->weights = grown;
    nn_weight *weight = &session->weights[session->n_weights];
    memset(weight, 0, sizeof *weight);
    weight->node = node;
    weight->input = input;
    weight->md = *wanted;
    size_t bytes = dnnl_memory_desc_get_size(wanted);
    weight->buffer = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!weight->buffer)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for weights");
    dnnl_memory_t source = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_status_t result = dnnl_memory_create(&weight->memory, wanted, session->engine, weight->buffer);
    if (result == dnnl_success)
        result = dnnl_memory_create(&source, user_md, session->engine, (void *)data);
    if (result == dnnl_success)
        result = dnnl_reorder_primitive_desc_create(&pd, user_md, session->engine, wanted, session->engine, NULL);
    if (result == dnnl_success)
        result = dnnl_primitive_create(&reorder, pd);
    if (result == dnnl_success) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, weight->memory}};
        result = dnnl_primitive_execute(reorder, session->stream, 2, args);
        if (result == dnnl_success)
            result = dnnl_stream_wait(session->stream);
    }
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(source);
    if (result != dnnl_success) {
        dnnl_memory_destroy(weight->memory);
        free(weight->buffer);
        return nn_dnnl_fail(status, plan, &plan->graph->nodes[node], "reorder weights", result);
    }
    session->n_weights++;
    session->stats.weight_reorders++;
    *memory = weight->memory;
    return AMASS_OK;
}

static void plan_free(nn_plan *plan)
{
    if (!plan)
        return;
    for (int s = 0; s < plan->n_steps; s++) {
        dnnl_primitive_destroy(plan->steps[s].primitive);
        dnnl_primitive_desc_destroy(plan->steps[s].pd);
        dnnl_primitive_destroy(plan->steps[s].sum_copy);
        dnnl_primitive_desc_destroy(plan->steps[s].sum_copy_pd);
        if (plan->steps[s].host_free)
            plan->steps[s].host_free(plan->steps[s].host_params);
    }
    for (int s = 0; s < plan->n_slots; s++)
        dnnl_memory_destroy(plan->slots[s].memory);
    nn_env_free(&plan->env);
    free(plan->slots);
    free(plan->steps);
    free(plan->arena);
    free(plan->input_slots);
    free(plan->output_slots);
    free(plan->output_bound);
    free(plan->input_dims);
    for (int c = 0; c < plan->n_carried; c++)
        free(plan->carried[c]);
    free(plan->carried);
    free(plan);
}

static void bind_root(nn_plan *plan, int root, void *data)
{
    for (int s = 0; s < plan->n_slots; s++)
        if (plan->slots[s].root == root && plan->slots[s].memory)
            dnnl_memory_set_data_handle(plan->slots[s].memory, data);
}

/* An output can live in the caller's array when its storage is written
 * by a step, is no input's, and no other output shares it. */
static void choose_bound_outputs(nn_plan *plan)
{
    const amass_nn_graph *graph = plan->graph;
    for (int o = 0; o < graph->n_outputs; o++) {
        int root = plan->slots[plan->output_slots[o]].root, bound = !plan->slots[root].external;
        for (int i = 0; i < graph->n_inputs; i++)
            bound &= plan->slots[plan->input_slots[i]].root != root;
        for (int other = 0; other < graph->n_outputs; other++)
            bound &= other == o || plan->slots[plan->output_slots[other]].root != root;
        plan->output_bound[o] = bound;
    }
}

static int build_node(nn_plan *plan, int n, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[n];
    switch (node->op) {
    case AMASS_NN_OP_CONV:
        return nn_build_conv(plan, n, status);
    case AMASS_NN_OP_GEMM:
    case AMASS_NN_OP_MATMUL:
        return nn_build_matmul(plan, n, status);
    case AMASS_NN_OP_RELU:
    case AMASS_NN_OP_CLIP:
    case AMASS_NN_OP_SIGMOID:
    case AMASS_NN_OP_HARD_SIGMOID:
    case AMASS_NN_OP_HARD_SWISH:
    case AMASS_NN_OP_TANH:
        return nn_build_eltwise(plan, n, status);
    case AMASS_NN_OP_ADD:
    case AMASS_NN_OP_SUB:
    case AMASS_NN_OP_MUL:
    case AMASS_NN_OP_DIV:
        return nn_build_binary(plan, n, status);
    case AMASS_NN_OP_MAX_POOL:
    case AMASS_NN_OP_AVERAGE_POOL:
    case AMASS_NN_OP_GLOBAL_AVERAGE_POOL:
        return nn_build_pool(plan, n, status);
    case AMASS_NN_OP_BATCH_NORMALIZATION:
        return nn_build_batch_norm(plan, n, status);
    case AMASS_NN_OP_SOFTMAX:
        return nn_build_softmax(plan, n, status);
    case AMASS_NN_OP_REDUCE_SUM:
    case AMASS_NN_OP_REDUCE_MAX:
    case AMASS_NN_OP_REDUCE_MIN:
    case AMASS_NN_OP_REDUCE_PROD:
    case AMASS_NN_OP_REDUCE_L2:
    case AMASS_NN_OP_REDUCE_MEAN:
        return nn_build_reduce(plan, n, status);
    case AMASS_NN_OP_EXP:
    case AMASS_NN_OP_LOG:
    case AMASS_NN_OP_SQRT:
    case AMASS_NN_OP_NEG:
    case AMASS_NN_OP_ABS:
    case AMASS_NN_OP_RECIPROCAL:
    case AMASS_NN_OP_LEAKY_RELU:
    case AMASS_NN_OP_ELU:
    case AMASS_NN_OP_SOFTPLUS:
    case AMASS_NN_OP_GELU:
    case AMASS_NN_OP_POW:
    case AMASS_NN_OP_MAX:
    case AMASS_NN_OP_MIN:
    case AMASS_NN_OP_WHERE:
    case AMASS_NN_OP_LAYER_NORMALIZATION:
    case AMASS_NN_OP_GATHER:
    case AMASS_NN_OP_EXPAND:
        return nn_build_math(plan, n, status);
    case AMASS_NN_OP_FLATTEN:
    case AMASS_NN_OP_RESHAPE:
    case AMASS_NN_OP_SQUEEZE:
    case AMASS_NN_OP_UNSQUEEZE:
    case AMASS_NN_OP_IDENTITY:
    case AMASS_NN_OP_TRANSPOSE:
    case AMASS_NN_OP_CONCAT:
        return nn_build_layout(plan, n, status);
    case AMASS_NN_OP_SLICE:
    case AMASS_NN_OP_SPLIT:
    case AMASS_NN_OP_PAD:
        return nn_build_gather(plan, n, status);
    case AMASS_NN_OP_RESIZE:
    case AMASS_NN_OP_UPSAMPLE:
        return nn_build_resize(plan, n, status);
    case AMASS_NN_OP_CONV_TRANSPOSE:
        return nn_build_deconv(plan, n, status);
    case AMASS_NN_OP_DEPTH_TO_SPACE:
        return nn_build_depth_to_space(plan, n, status);
    case AMASS_NN_OP_CAST:
        return nn_build_cast(plan, n, status);
    case AMASS_NN_OP_EQUAL:
    case AMASS_NN_OP_LESS:
    case AMASS_NN_OP_GREATER:
    case AMASS_NN_OP_NOT:
    case AMASS_NN_OP_CUMSUM:
        return nn_build_logic_runtime(plan, n, status);
    default:
        return nn_fail_node(status, plan->graph, node, "unsupported operator '%s' at run time", node->op_type);
    }
}

static int plan_build(amass_nn_session *session, const int64_t *input_dims, nn_plan **out, amass_status *status)
{
    const amass_nn_graph *graph = session->graph;
    nn_plan *plan = calloc(1, sizeof *plan);
    int result = AMASS_OK;
    if (!plan || !nn_env_init(&plan->env, graph, graph->n_nodes)) {
        free(plan);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    }
    plan->graph = graph;
    plan->session = session;
    plan->batch = input_dims[0];
    plan->input_dims = malloc(((size_t)graph->n_inputs * AMASS_NN_MAX_RANK + 1) * sizeof *plan->input_dims);
    if (plan->input_dims)
        memcpy(plan->input_dims, input_dims, (size_t)graph->n_inputs * AMASS_NN_MAX_RANK * sizeof *input_dims);
    plan->input_slots = calloc((size_t)graph->n_inputs + 1, sizeof *plan->input_slots);
    plan->output_slots = calloc((size_t)graph->n_outputs + 1, sizeof *plan->output_slots);
    plan->output_bound = calloc((size_t)graph->n_outputs + 1, sizeof *plan->output_bound);
    if (!plan->input_slots || !plan->output_slots || !plan->output_bound || !plan->input_dims)
        result = amass_fail(status, AMASS_ERR_NOMEM, "out of memory planning");
    if (result == AMASS_OK)
        result = nn_infer_dims(graph, input_dims, &plan->env, status);
    for (int v = 0; v < graph->n_values && result == AMASS_OK; v++)
        if (nn_plan_new_slot(plan, NULL, status) < 0)
            result = status->code;
    for (int i = 0; i < graph->n_inputs && result == AMASS_OK; i++) {
        dnnl_memory_desc_t md;
        nn_plain_md(&md, &plan->env.types[graph->inputs[i]]);
        nn_plan_set_md(plan, graph->inputs[i], &md);
        plan->slots[graph->inputs[i]].plain = graph->inputs[i];
        plan->input_slots[i] = graph->inputs[i];
    }
    for (int n = 0; n < graph->n_nodes && result == AMASS_OK; n++)
        if (!graph->nodes[n].dead && !plan->env.folded_node[n])
            result = build_node(plan, n, status);
    for (int o = 0; o < graph->n_outputs && result == AMASS_OK; o++) {
        int value = graph->outputs[o];
        int slot = plan->env.data[value] ? nn_plan_known_slot(plan, value, status) : value;
        if (slot >= 0)
            slot = nn_plan_plain(plan, slot, status);
        if (slot < 0)
            result = status->code;
        plan->output_slots[o] = slot;
    }
    if (result == AMASS_OK)
        result = nn_plan_memory(plan, status);
    if (result == AMASS_OK)
        choose_bound_outputs(plan);
    for (int s = 0; s < plan->n_steps && result == AMASS_OK; s++) {
        nn_step *step = &plan->steps[s];
        dnnl_status_t made = step->host_kernel ? dnnl_success : dnnl_primitive_create(&step->primitive, step->pd);
        if (made == dnnl_success && step->sum_slot >= 0 && !step->sum_in_place) {
            made = dnnl_reorder_primitive_desc_create(&step->sum_copy_pd, &plan->slots[step->sum_slot].md,
                                                      session->engine, &plan->slots[step->dst_slot].md,
                                                      session->engine, NULL);
            if (made == dnnl_success)
                made = dnnl_primitive_create(&step->sum_copy, step->sum_copy_pd);
            session->stats.primitives_created++;
        }
        if (made != dnnl_success) {
            result = nn_dnnl_fail(status, plan, NULL, "create a primitive", made);
            break;
        }
        session->stats.primitives_created++;
        for (int a = 0; a < step->n_args; a++) {
            step->exec_args[a].arg = step->arg_kind[a];
            step->exec_args[a].memory = step->arg_slot[a] >= 0 ? plan->slots[step->arg_slot[a]].memory
                                                                : step->arg_memory[a];
        }
    }
    if (result != AMASS_OK) {
        plan_free(plan);
        return result;
    }
    *out = plan;
    return AMASS_OK;
}

amass_nn_session *amass_nn_session_open(const amass_nn_graph *graph, amass_status *status)
{
    if (!graph->prepared) {
        amass_fail(status, AMASS_ERR_USAGE, "%s: the graph is not prepared", graph->name);
        return NULL;
    }
    amass_nn_session *session = calloc(1, sizeof *session);
    if (!session) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    session->graph = graph;
    dnnl_status_t result = dnnl_engine_create(&session->engine, dnnl_cpu, 0);
    if (result == dnnl_success)
        result = dnnl_stream_create(&session->stream, session->engine, dnnl_stream_default_flags);
    if (result != dnnl_success) {
        amass_fail(status, AMASS_ERR_FATAL, "%s: cannot create a oneDNN CPU engine (status %d)", graph->name,
                   (int)result);
        amass_nn_session_close(session);
        return NULL;
    }
    session->staging = calloc((size_t)graph->n_inputs + 1, sizeof *session->staging);
    session->staging_count = calloc((size_t)graph->n_inputs + 1, sizeof *session->staging_count);
    session->key = calloc((size_t)graph->n_inputs * AMASS_NN_MAX_RANK + 1, sizeof *session->key);
    int64_t *dims = session->key;
    if (!session->staging || !session->staging_count || !dims) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        amass_nn_session_close(session);
        return NULL;
    }
    /* Planning the model's own batch size (1 when dynamic; 2 for other
     * dynamic dimensions, a size prepare has inferred) now makes anything
     * oneDNN cannot run an error at load, not at the first run. */
    int64_t batch = 1;
    for (int i = 0; i < graph->n_inputs; i++)
        if (graph->values[graph->inputs[i]].type.rank > 0 && graph->values[graph->inputs[i]].type.dims[0] > 0)
            batch = graph->values[graph->inputs[i]].type.dims[0];
    for (int i = 0; i < graph->n_inputs; i++) {
        const amass_nn_tensor_type *type = &graph->values[graph->inputs[i]].type;
        for (int d = 0; d < type->rank; d++)
            dims[i * AMASS_NN_MAX_RANK + d] = type->dims[d] >= 0 ? type->dims[d] : d == 0 ? batch : 2;
    }
    nn_plan *plan;
    int planned = plan_for(session, dims, &plan, status);
    if (planned != AMASS_OK) {
        amass_nn_session_close(session);
        return NULL;
    }
    return session;
}

void amass_nn_session_close(amass_nn_session *session)
{
    if (!session)
        return;
    for (int p = 0; p < session->n_plans; p++)
        plan_free(session->plans[p]);
    for (int w = 0; w < session->n_weights; w++) {
        dnnl_memory_destroy(session->weights[w].memory);
        free(session->weights[w].buffer);
    }
    free(session->weights);
    free(session->plans);
    for (int i = 0; session->staging && i < session->graph->n_inputs; i++)
        free(session->staging[i]);
    free(session->staging);
    free(session->staging_count);
    free(session->key);
    if (session->stream)
        dnnl_stream_destroy(session->stream);
    if (session->engine)
        dnnl_engine_destroy(session->engine);
    free(session);
}

static int plan_for(amass_nn_session *session, const int64_t *input_dims, nn_plan **plan, amass_status *status)
{
    const amass_nn_graph *graph = session->graph;
    size_t key_count = (size_t)graph->n_inputs * AMASS_NN_MAX_RANK;
    session->runs++;
    for (int p = 0; p < session->n_plans; p++)
        if (!memcmp(session->plans[p]->input_dims, input_dims, key_count * sizeof *input_dims)) {
            *plan = session->plans[p];
            (*plan)->last_used = session->runs;
            return AMASS_OK;
        }
    for (int i = 0; i < graph->n_inputs; i++) {
        const nn_value *input = &graph->values[graph->inputs[i]];
        for (int d = 0; d < input->type.rank; d++) {
            int64_t given = input_dims[i * AMASS_NN_MAX_RANK + d];
            if (given < 1 || given > (1 << 20))
                return amass_fail(status, AMASS_ERR_USAGE, "%s: input '%s': dimension %d of %lld is out of range",
                                  graph->name, input->name, d, (long long)given);
            if (input->type.dims[d] != AMASS_NN_DYNAMIC && input->type.dims[d] != given)
                return amass_fail(status, AMASS_ERR_USAGE, "%s: input '%s' has a fixed %s of %lld, not %lld",
                                  graph->name, input->name, d == 0 ? "batch" : "dimension",
                                  (long long)input->type.dims[d], (long long)given);
        }
    }
    if (session->n_plans == NN_MAX_PLANS) {
        int oldest = 0;
        for (int p = 1; p < session->n_plans; p++)
            if (session->plans[p]->last_used < session->plans[oldest]->last_used)
                oldest = p;
        plan_free(session->plans[oldest]);
        session->plans[oldest] = session->plans[--session->n_plans];
    }
    nn_plan **plans = amass_realloc_array(session->plans, (size_t)session->n_plans + 1, sizeof *plans);
    if (!plans)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    session->plans = plans;
    int result = plan_build(session, input_dims, plan, status);
    if (result != AMASS_OK)
        return result;
    (*plan)->last_used = session->runs;
    session->plans[session->n_plans++] = *plan;
    session->stats.plans++;
    if ((*plan)->arena_bytes > session->stats.arena_bytes)
        session->stats.arena_bytes = (*plan)->arena_bytes;
    return AMASS_OK;
}

/* The plan key of the batch-only interface: every other dimension fixed. */
static int batch_dims(const amass_nn_session *session, int64_t batch, int64_t *dims, amass_status *status)
{
    const amass_nn_graph *graph = session->graph;
    for (int i = 0; i < graph->n_inputs; i++) {
        const nn_value *input = &graph->values[graph->inputs[i]];
        if (input->declared_dtype != AMASS_NN_FLOAT32)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: input '%s' is %s; run it with amass_nn_session_run_typed",
                              graph->name, input->name, amass_nn_dtype_name(input->declared_dtype));
        for (int d = 0; d < input->type.rank; d++) {
            if (d > 0 && input->type.dims[d] == AMASS_NN_DYNAMIC)
                return amass_fail(status, AMASS_ERR_USAGE,
                                  "%s: input '%s': dimension %d is dynamic; run it with amass_nn_session_run_typed",
                                  graph->name, input->name, d);
            int64_t fixed = input->type.dims[d];
            dims[i * AMASS_NN_MAX_RANK + d] = d == 0 && fixed == AMASS_NN_DYNAMIC ? batch : fixed;
        }
        if (input->type.rank > 0 && input->type.dims[0] != AMASS_NN_DYNAMIC && input->type.dims[0] != batch)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: input '%s' has a fixed batch of %lld, not %lld",
                              graph->name, input->name, (long long)input->type.dims[0], (long long)batch);
    }
    if (batch < 1 || batch > (1 << 20))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: batch size %lld out of range", graph->name, (long long)batch);
    return AMASS_OK;
}

/* The plan key of the typed interface, checking ranks and element types. */
static int typed_dims(const amass_nn_session *session, const amass_nn_tensor_type *types, int64_t *dims,
                      amass_status *status)
{
    const amass_nn_graph *graph = session->graph;
    for (int i = 0; i < graph->n_inputs; i++) {
        const nn_value *input = &graph->values[graph->inputs[i]];
        if (types[i].dtype != input->declared_dtype || types[i].rank != input->type.rank)
            return amass_fail(status, AMASS_ERR_USAGE, "%s: input '%s' is %s of rank %d, not %s of rank %d",
                              graph->name, input->name, amass_nn_dtype_name(input->declared_dtype),
                              input->type.rank, amass_nn_dtype_name(types[i].dtype), types[i].rank);
        for (int d = 0; d < input->type.rank; d++)
            dims[i * AMASS_NN_MAX_RANK + d] = types[i].dims[d];
    }
    return AMASS_OK;
}

int amass_nn_session_output_type(amass_nn_session *session, int64_t batch, size_t index, amass_nn_tensor_type *type,
                                 amass_status *status)
{
    nn_plan *plan;
    if (index >= (size_t)session->graph->n_outputs)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: no output %zu", session->graph->name, index);
    int result = batch_dims(session, batch, session->key, status);
    if (result == AMASS_OK)
        result = plan_for(session, session->key, &plan, status);
    if (result == AMASS_OK)
        *type = plan->env.types[session->graph->outputs[index]];
    return result;
}

int amass_nn_session_output_type_typed(amass_nn_session *session, const amass_nn_tensor_type *input_types,
                                       size_t index, amass_nn_tensor_type *type, amass_status *status)
{
    nn_plan *plan;
    if (index >= (size_t)session->graph->n_outputs)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: no output %zu", session->graph->name, index);
    int result = typed_dims(session, input_types, session->key, status);
    if (result == AMASS_OK)
        result = plan_for(session, session->key, &plan, status);
    if (result == AMASS_OK)
        *type = plan->env.types[session->graph->outputs[index]];
    return result;
}

static size_t slot_bytes(const nn_plan *plan, int slot)
{
    return dnnl_memory_desc_get_size(&plan->slots[slot].md);
}

/* The float32 input data of a typed run: integer inputs converted into
 * the session's staging buffers (the graph carries them as float32). */
static int stage_inputs(amass_nn_session *session, const nn_plan *plan, const void *const *inputs,
                        const void **staged, amass_status *status)
{
    const amass_nn_graph *graph = session->graph;
    for (int i = 0; i < graph->n_inputs; i++) {
        const nn_value *input = &graph->values[graph->inputs[i]];
        staged[i] = inputs[i];
        if (input->declared_dtype == AMASS_NN_FLOAT32)
            continue;
        size_t count = amass_nn_type_count(&plan->env.types[graph->inputs[i]]);
        if (count > session->staging_count[i]) {
            float *grown = realloc(session->staging[i], count * sizeof *grown);
            if (!grown)
                return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            session->staging[i] = grown;
            session->staging_count[i] = count;
        }
        for (size_t j = 0; j < count; j++) {
            int64_t value = input->declared_dtype == AMASS_NN_INT64 ? ((const int64_t *)inputs[i])[j]
                                                                    : ((const int32_t *)inputs[i])[j];
            if (value > (1 << 24) || value < -(1 << 24))
                return amass_fail(status, AMASS_ERR_INPUT, "%s: input '%s': value %lld is beyond 2^24", graph->name,
                                  input->name, (long long)value);
            session->staging[i][j] = (float)value;
        }
        staged[i] = session->staging[i];
    }
    return AMASS_OK;
}

static int run_plan(amass_nn_session *session, nn_plan *plan, const void *const *inputs, float *const *outputs,
                    amass_status *status);

int amass_nn_session_run(amass_nn_session *session, int64_t batch, const float *const *inputs,
                         float *const *outputs, amass_status *status)
{
    nn_plan *plan;
    int result = batch_dims(session, batch, session->key, status);
    if (result == AMASS_OK)
        result = plan_for(session, session->key, &plan, status);
    if (result != AMASS_OK)
        return result;
    return run_plan(session, plan, (const void *const *)inputs, outputs, status);
}

int amass_nn_session_run_typed(amass_nn_session *session, const amass_nn_tensor_type *input_types,
                               const void *const *inputs, float *const *outputs, amass_status *status)
{
    nn_plan *plan;
    const void *staged_small[16];
    int n_inputs = session->graph->n_inputs;
    const void **staged = n_inputs <= 16 ? staged_small : calloc((size_t)n_inputs, sizeof *staged);
    if (!staged)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    int result = typed_dims(session, input_types, session->key, status);
    if (result == AMASS_OK)
        result = plan_for(session, session->key, &plan, status);
    if (result == AMASS_OK)
        result = stage_inputs(session, plan, inputs, staged, status);
    if (result == AMASS_OK)
        result = run_plan(session, plan, staged, outputs, status);
    if (staged != staged_small)
        free(staged);
    return result;
}

static int run_plan(amass_nn_session *session, nn_plan *plan, const void *const *inputs, float *const *outputs,
                    amass_status *status)
{
    /* The caller's buffers are bound in place of arena buffers: the
     * input is read where it lies, and an output's last step writes
     * straight into the caller's array, saving two copies per run. */
    for (int i = 0; i < session->graph->n_inputs; i++)
        bind_root(plan, plan->slots[plan->input_slots[i]].root, (void *)inputs[i]);
    for (int o = 0; o < session->graph->n_outputs; o++)
        if (plan->output_bound[o])
            bind_root(plan, plan->slots[plan->output_slots[o]].root, outputs[o]);
    for (int s = 0; s < plan->n_steps; s++) {
        nn_step *step = &plan->steps[s];
        dnnl_status_t done = dnnl_success;
        if (step->sum_copy) {
            dnnl_exec_arg_t copy[2] = {{DNNL_ARG_FROM, plan->slots[step->sum_slot].memory},
                                       {DNNL_ARG_TO, plan->slots[step->dst_slot].memory}};
            done = dnnl_primitive_execute(step->sum_copy, session->stream, 2, copy);
        }
        if (done == dnnl_success && step->host_kernel)
            done = nn_run_host_step(session->stream, step);
        else if (done == dnnl_success)
            done = dnnl_primitive_execute(step->primitive, session->stream, step->n_args, step->exec_args);
        if (done != dnnl_success)
            return nn_dnnl_fail(status, plan, NULL, "execute a step", done);
    }
    dnnl_status_t waited = dnnl_stream_wait(session->stream);
    if (waited != dnnl_success)
        return nn_dnnl_fail(status, plan, NULL, "finish the run", waited);
    for (int o = 0; o < session->graph->n_outputs; o++) {
        if (plan->output_bound[o])
            continue;
        const nn_slot *slot = &plan->slots[plan->output_slots[o]];
        const void *data = slot->external ? slot->external : plan->arena + plan->slots[slot->root].offset;
        /* An output that is a view of an input (Identity of it) lies in
         * the caller's input, which was bound in place of the arena. */
        for (int i = 0; i < session->graph->n_inputs; i++)
            if (plan->slots[plan->input_slots[i]].root == slot->root)
                data = inputs[i];
        memcpy(outputs[o], data, slot_bytes(plan, plan->output_slots[o]));
    }
    return AMASS_OK;
}

void amass_nn_session_get_stats(const amass_nn_session *session, amass_nn_session_stats *stats)
{
    *stats = session->stats;
}
