/* Steps the library runs itself instead of a oneDNN primitive (index
 * gathers, resampling modes oneDNN does not have), on plain buffers. */
#include "config.h"

#include <stdlib.h>

#include "nn_layout.h"

nn_step *nn_plan_add_host_step(nn_plan *plan, nn_host_kernel kernel, void *params, void (*free_params)(void *),
                               amass_status *status)
{
    nn_step *step = nn_plan_add_step(plan, NULL, status);
    if (!step) {
        free_params(params);
        return NULL;
    }
    step->host_kernel = kernel;
    step->host_params = params;
    step->host_free = free_params;
    return step;
}

int nn_plan_add_plain_host_step(nn_plan *plan, nn_host_kernel kernel, void *params, void (*free_params)(void *),
                                int src, int out, amass_status *status)
{
    nn_step *step = nn_plan_add_host_step(plan, kernel, params, free_params, status);
    if (!step)
        return status->code;
    dnnl_memory_desc_t md;
    nn_plain_md(&md, &plan->env.types[out]);
    nn_plan_set_md(plan, out, &md);
    plan->slots[out].plain = out;
    nn_step_arg(step, DNNL_ARG_SRC, src);
    nn_step_arg(step, DNNL_ARG_DST, out);
    return AMASS_OK;
}

dnnl_status_t nn_run_host_step(dnnl_stream_t stream, const nn_step *step)
{
    void *data[NN_MAX_ARGS];
    /* The primitives before it must have finished writing its inputs. */
    dnnl_status_t result = dnnl_stream_wait(stream);
    for (int a = 0; a < step->n_args && result == dnnl_success; a++)
        result = dnnl_memory_get_data_handle(step->exec_args[a].memory, &data[a]);
    if (result == dnnl_success)
        step->host_kernel(step->host_params, data);
    return result;
}
