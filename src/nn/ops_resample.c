/* Resize and Upsample. Nearest is an index gather (ops_gather.c); linear
 * is our own bilinear kernel over the last two axes, because oneDNN's
 * resampling knows only the half-pixel mapping while ONNX has five. The
 * weights follow ONNX Runtime's (coordinates clamped into the input, two
 * equal taps at the border), so results match it to rounding. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layout.h"

typedef struct {
    int64_t low, high;
    float weight_low, weight_high;
} tap;

typedef struct {
    int64_t outer, in_height, in_width, out_height, out_width;
    tap *rows, *columns;
} bilinear;

static void fill_taps(const nn_resize *resize, int d, int64_t length_in, int64_t length_out, tap *taps)
{
    for (int64_t x = 0; x < length_out; x++) {
        /* ONNX Runtime skips the mapping on an axis of scale 1. */
        float source = d < 0 || resize->scale[d] == 1.0f ? (float)x : nn_resize_source(resize, d, x);
        float last = (float)(length_in - 1);
        source = source < 0 ? 0 : source > last ? last : source;
        int64_t low = (int64_t)source < length_in - 1 ? (int64_t)source : length_in - 1;
        int64_t high = low + 1 < length_in - 1 ? low + 1 : length_in - 1;
        taps[x].low = low;
        taps[x].high = high;
        if (low == high) {
            taps[x].weight_low = taps[x].weight_high = 0.5f;
        } else {
            taps[x].weight_low = fabsf(source - (float)high);
            taps[x].weight_high = fabsf(source - (float)low);
        }
    }
}

static void bilinear_kernel(const void *params, void *const *data)
{
    const bilinear *plan = params;
    const float *in = data[0];
    float *out = data[1];
    int64_t planes = plan->outer * plan->out_height;
#pragma omp parallel for schedule(static) if (planes * plan->out_width > 32768)
    for (int64_t row = 0; row < planes; row++) {
        int64_t plane = row / plan->out_height, y = row % plan->out_height;
        const tap *vertical = &plan->rows[y];
        const float *top = in + (plane * plan->in_height + vertical->low) * plan->in_width;
        const float *bottom = in + (plane * plan->in_height + vertical->high) * plan->in_width;
        float *target = out + row * plan->out_width;
        for (int64_t x = 0; x < plan->out_width; x++) {
            const tap *horizontal = &plan->columns[x];
            target[x] = horizontal->weight_low * vertical->weight_low * top[horizontal->low] +
                        horizontal->weight_high * vertical->weight_low * top[horizontal->high] +
                        horizontal->weight_low * vertical->weight_high * bottom[horizontal->low] +
                        horizontal->weight_high * vertical->weight_high * bottom[horizontal->high];
        }
    }
}

static void bilinear_release(void *params)
{
    bilinear *plan = params;
    if (plan) {
        free(plan->rows);
        free(plan->columns);
    }
    free(plan);
}

/* Whether nearest resizing picks input floor(x / F) for output x on every
 * axis: integer factors F on the spatial axes only, and a mapping and
 * rounding that land strictly inside [floor(x / F) - 0.5, floor(x / F) + 1)
 * (half_pixel rounds, asymmetric floors). That is oneDNN's nearest
 * resampling exactly, which runs on blocked layouts without reorders. */
static int is_integer_upsampling(const nn_resize *resize)
{
    int rounds = resize->nearest == NN_NEAREST_ROUND_PREFER_FLOOR || resize->nearest == NN_NEAREST_ROUND_PREFER_CEIL;
    int floors = resize->nearest == NN_NEAREST_FLOOR || resize->nearest == NN_NEAREST_SIMPLE;
    int mapping = ((resize->transform == NN_RESIZE_HALF_PIXEL || resize->transform == NN_RESIZE_PYTORCH_HALF_PIXEL) &&
                   rounds) ||
                  ((resize->transform == NN_RESIZE_ASYMMETRIC || resize->transform == NN_RESIZE_TF_HALF_PIXEL_FOR_NN) &&
                   floors);
    if (resize->linear || !mapping || resize->rank < 3 || resize->rank > 5)
        return 0;
    for (int d = 0; d < resize->rank; d++) {
        float factor = resize->scale[d];
        if (d < 2 ? factor != 1.0f || resize->out[d] != resize->in[d]
                  : factor != floorf(factor) || factor < 1 || factor > 64 ||
                        resize->out[d] != resize->in[d] * (int64_t)factor || resize->out[d] < 2)
            return 0;
    }
    return 1;
}

static int build_resampling(nn_plan *plan, const nn_node *node, const nn_resize *resize, int src,
                            amass_status *status)
{
    float factors[3];
    dnnl_memory_desc_t dst_any;
    dnnl_dims_t dims;
    for (int d = 0; d < resize->rank; d++)
        dims[d] = resize->out[d];
    for (int d = 2; d < resize->rank; d++)
        factors[d - 2] = resize->scale[d];
    dnnl_memory_desc_init_by_tag(&dst_any, resize->rank, dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_resampling_desc_t desc;
    dnnl_status_t made = dnnl_resampling_forward_desc_init(&desc, dnnl_forward_inference, dnnl_resampling_nearest,
                                                           factors, &plan->slots[src].md, &dst_any);
    if (made != dnnl_success)
        return nn_dnnl_fail(status, plan, node, "create this resampling", made);
    return nn_add_simple_step(plan, node, &desc, NULL, DNNL_ARG_SRC, src, "create this resampling", NULL, status);
}

int nn_build_resize(nn_plan *plan, int node_index, amass_status *status)
{
    const nn_node *node = &plan->graph->nodes[node_index];
    nn_resize resize;
    int result = nn_resize_geometry(plan->graph, node, &plan->env, &resize, status);
    if (result != AMASS_OK)
        return result;
    int src = nn_plan_input_slot(plan, node, 0, status);
    if (src >= 0 && is_integer_upsampling(&resize))
        return build_resampling(plan, node, &resize, src, status);
    if (src >= 0)
        src = nn_plan_plain(plan, src, status);
    if (src < 0)
        return status->code;
    if (!resize.linear)
        return nn_add_gather_step(plan, node, src, 0, status);
    int rank = resize.rank;
    bilinear *params = calloc(1, sizeof *params);
    if (!params)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    params->outer = 1;
    for (int d = 0; d < rank - 2; d++)
        params->outer *= resize.in[d];
    params->in_height = rank >= 2 ? resize.in[rank - 2] : 1;
    params->out_height = rank >= 2 ? resize.out[rank - 2] : 1;
    params->in_width = resize.in[rank - 1];
    params->out_width = resize.out[rank - 1];
    params->rows = malloc((size_t)params->out_height * sizeof *params->rows);
    params->columns = malloc((size_t)params->out_width * sizeof *params->columns);
    if (!params->rows || !params->columns) {
        bilinear_release(params);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    fill_taps(&resize, rank >= 2 ? rank - 2 : -1, params->in_height, params->out_height, params->rows);
    fill_taps(&resize, rank - 1, params->in_width, params->out_width, params->columns);
    return nn_plan_add_plain_host_step(plan, bilinear_kernel, params, bilinear_release, src, node->outputs[0],
                                       status);
}
