/* DepthToSpace (and so PixelShuffle exports): channel blocks moved into
 * block x block pixel squares, a host copy over plain buffers. */
#include "config.h"

#include <stdlib.h>

#include "nn_layout.h"

typedef struct {
    int64_t batch, channels, height, width, block; /* output channels, input height/width */
    int crd;
} shuffle;

static void shuffle_kernel(const void *params, void *const *data)
{
    const shuffle *plan = params;
    const float *in = data[0];
    float *out = data[1];
    int64_t block = plan->block, planes = plan->batch * plan->channels;
    int64_t out_height = plan->height * block, out_width = plan->width * block;
#pragma omp parallel for schedule(static) if (planes * out_height * out_width > 32768)
    for (int64_t plane = 0; plane < planes; plane++) {
        int64_t n = plane / plan->channels, c = plane % plan->channels;
        for (int64_t y = 0; y < out_height; y++) {
            int64_t h = y / block, i = y % block;
            float *target = out + (plane * out_height + y) * out_width;
            for (int64_t x = 0; x < out_width; x++) {
                int64_t w = x / block, j = x % block;
                /* DCR: channel (i * block + j) * C + c; CRD: c * block^2 + i * block + j */
                int64_t source = plan->crd ? c * block * block + i * block + j : (i * block + j) * plan->channels + c;
                target[x] = in[((n * plan->channels * block * block + source) * plan->height + h) * plan->width + w];
            }
        }
    }
}

int nn_build_depth_to_space(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    nn_depth_to_space geometry;
    int result = nn_depth_to_space_geometry(plan->graph, node, &plan->env, &geometry, status);
    if (result != AMASS_OK)
        return result;
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    shuffle *params = malloc(sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    const amass_nn_tensor_type *in = &plan->env.types[node->inputs[0]];
    params->batch = in->dims[0];
    params->channels = in->dims[1] / (geometry.block * geometry.block);
    params->height = in->dims[2];
    params->width = in->dims[3];
    params->block = geometry.block;
    params->crd = geometry.crd;
    return nn_plan_add_plain_host_step(plan, shuffle_kernel, params, free, src, node->outputs[0], status);
}
