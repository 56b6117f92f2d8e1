/* TF.js graph models: indexing and resampling: StridedSlice (with its
 * masks), Slice, GatherV2, ResizeBilinear / ResizeNearestNeighbor with
 * TensorFlow's coordinate modes, and SparseToDense of constants. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs_graph_internal.h"

static const char *fresh(tfjs_converter *converter, const char *hint)
{
    return tfjs_fresh_name(&converter->builder, hint);
}

static int add_ints(tfjs_converter *converter, const char *name, const int64_t *values, int64_t count,
                    amass_status *status)
{
    if (!name)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    return tfjs_add_int64s(&converter->builder, name, values, &count, 1, status);
}

/* Slice of input axes [0, n) by starts/ends/steps, as engine Slice. */
static int add_slice(tfjs_converter *converter, const tfjs_node *node, const char *input, const int64_t *starts,
                     const int64_t *ends, const int64_t *steps, int n, const char *output, amass_status *status)
{
    int64_t axes[AMASS_NN_MAX_RANK];
    for (int k = 0; k < n; k++)
        axes[k] = k;
    const char *inputs[5] = {input, fresh(converter, "starts"), fresh(converter, "ends"), fresh(converter, "axes"),
                             fresh(converter, "steps")};
    int result = add_ints(converter, inputs[1], starts, n, status);
    if (result == AMASS_OK)
        result = add_ints(converter, inputs[2], ends, n, status);
    if (result == AMASS_OK)
        result = add_ints(converter, inputs[3], axes, n, status);
    if (result == AMASS_OK)
        result = add_ints(converter, inputs[4], steps, n, status);
    if (result == AMASS_OK)
        result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SLICE, node->name, inputs, 5, output, NULL, 0, status);
    return result;
}

static int translate_strided_slice(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 4)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs a tensor, begin, end and strides");
    const int64_t *begin = tfjs_known_ints(node->inputs[1]), *end = tfjs_known_ints(node->inputs[2]),
                  *strides = tfjs_known_ints(node->inputs[3]);
    size_t n = node->inputs[1]->count;
    if (!begin || !end || !strides || node->inputs[2]->count != n || node->inputs[3]->count != n ||
        n > AMASS_NN_MAX_RANK)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED,
                         "begin, end and strides must be integer constants of one length");
    int64_t masks[5] = {0, 0, 0, 0, 0};
    static const char *const mask_names[5] = {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask",
                                              "shrink_axis_mask"};
    for (int m = 0; m < 5; m++)
        if (tfjs_attr_get_int(node, mask_names[m], &masks[m]) < 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "attribute '%s' is not an integer",
                             mask_names[m]);
    if (masks[2])
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "ellipsis_mask is not supported");
    int64_t starts[AMASS_NN_MAX_RANK], ends[AMASS_NN_MAX_RANK], steps[AMASS_NN_MAX_RANK];
    int64_t squeeze[AMASS_NN_MAX_RANK], unsqueeze[AMASS_NN_MAX_RANK];
    int n_axes = 0, n_squeeze = 0, n_unsqueeze = 0, out_position = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t bit = (int64_t)1 << i;
        if (masks[3] & bit) {
            unsqueeze[n_unsqueeze++] = out_position++;
            continue;
        }
        int64_t step = strides[i];
        if (step == 0)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "a stride of 0");
        if (masks[4] & bit) {
            starts[n_axes] = begin[i];
            ends[n_axes] = begin[i] == -1 ? INT64_MAX : begin[i] + 1;
            steps[n_axes] = 1;
            squeeze[n_squeeze++] = n_axes;
        } else {
            starts[n_axes] = masks[0] & bit ? (step > 0 ? 0 : INT64_MAX) : begin[i];
            ends[n_axes] = masks[1] & bit ? (step > 0 ? INT64_MAX : INT64_MIN) : end[i];
            steps[n_axes] = step;
            out_position++;
        }
        n_axes++;
    }
    const char *input = tfjs_plain(converter, node->inputs[0], status);
    if (!input)
        return status->code;
    const char *sliced = n_squeeze || n_unsqueeze ? fresh(converter, "sliced") : node->result;
    int result = add_slice(converter, node, input, starts, ends, steps, n_axes, sliced, status);
    if (result == AMASS_OK && n_squeeze) {
        const char *squeezed = n_unsqueeze ? fresh(converter, "squeezed") : node->result;
        amass_nn_attr attr = tfjs_attr_ints("axes", squeeze, (size_t)n_squeeze);
        result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SQUEEZE, node->name, &sliced, 1, squeezed, &attr, 1,
                               status);
        sliced = squeezed;
    }
    if (result == AMASS_OK && n_unsqueeze) {
        amass_nn_attr attr = tfjs_attr_ints("axes", unsqueeze, (size_t)n_unsqueeze);
        result = tfjs_add_node(&converter->builder, AMASS_NN_OP_UNSQUEEZE, node->name, &sliced, 1, node->result, &attr,
                               1, status);
    }
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->result, NULL, -1, status) ? AMASS_OK : status->code;
}

static int translate_slice(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 3)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs a tensor, begin and size");
    const int64_t *begin = tfjs_known_ints(node->inputs[1]), *size = tfjs_known_ints(node->inputs[2]);
    size_t n = node->inputs[1]->count;
    if (!begin || !size || node->inputs[2]->count != n || n > AMASS_NN_MAX_RANK)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "begin and size must be integer constants");
    int64_t ends[AMASS_NN_MAX_RANK], steps[AMASS_NN_MAX_RANK];
    for (size_t i = 0; i < n; i++) {
        if (begin[i] < 0 || size[i] < -1)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "begin or size out of range");
        ends[i] = size[i] == -1 ? INT64_MAX : begin[i] + size[i];
        steps[i] = 1;
    }
    const char *input = tfjs_plain(converter, node->inputs[0], status);
    if (!input)
        return status->code;
    int result = add_slice(converter, node, input, begin, ends, steps, (int)n, node->result, status);
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->result, NULL, (int)n, status) ? AMASS_OK : status->code;
}

static int translate_gather(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    int64_t axis = 0, batch_dims = 0;
    if (tfjs_attr_get_int(node, "batch_dims", &batch_dims) < 0 || batch_dims != 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "batch_dims other than 0");
    if (!strcmp(node->op, "GatherV2")) {
        if (node->n_inputs != 3 || !tfjs_known_ints(node->inputs[2]) || node->inputs[2]->count != 1)
            return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the axis must be an integer constant");
        axis = tfjs_known_ints(node->inputs[2])[0];
    } else if (node->n_inputs != 2) {
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs params and indices");
    }
    const char *inputs[2] = {tfjs_plain(converter, node->inputs[0], status), NULL};
    if (!inputs[0] || !(inputs[1] = tfjs_plain(converter, node->inputs[1], status)))
        return status->code;
    amass_nn_attr attr = tfjs_attr_int("axis", axis);
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_GATHER, node->name, inputs, 2, node->result, &attr, 1,
                               status);
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->result, NULL, -1, status) ? AMASS_OK : status->code;
}

static int translate_resize(tfjs_converter *converter, const tfjs_node *node, int linear, amass_status *status)
{
    int align_corners = 0, half_pixel = 0;
    if (tfjs_attr_get_bool(node, "align_corners", &align_corners) < 0 ||
        tfjs_attr_get_bool(node, "half_pixel_centers", &half_pixel) < 0)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "align_corners / half_pixel_centers not booleans");
    if (align_corners && half_pixel)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "align_corners and half_pixel_centers together");
    if (node->n_inputs != 2 || !tfjs_known_ints(node->inputs[1]) || node->inputs[1]->count != 2)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED, "the size must be a constant [height, width]");
    const int64_t *size = tfjs_known_ints(node->inputs[1]);
    if (size[0] < 1 || size[1] < 1 || size[0] > 1 << 16 || size[1] > 1 << 16)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "size out of range");
    tfjs_tensor *x = node->inputs[0];
    if (x->rank >= 0 && x->rank != 4)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "the input has rank %d, not 4", x->rank);
    const char *input = tfjs_as(converter, x, tfjs_nhwc_to_nchw, 4, status);
    if (!input)
        return status->code;
    /* sizes = Shape(input)[0:2] ++ size: the batch and channels come from
     * the input, so the batch stays free; folds at prepare */
    const char *shape = fresh(converter, "shape"), *lead = fresh(converter, "lead"),
               *spatial = fresh(converter, "spatial"), *sizes = fresh(converter, "sizes");
    int result = tfjs_add_node(&converter->builder, AMASS_NN_OP_SHAPE, node->name, &input, 1, shape, NULL, 0, status);
    int64_t starts[1] = {0}, ends[1] = {2}, steps[1] = {1};
    if (result == AMASS_OK)
        result = add_slice(converter, node, shape, starts, ends, steps, 1, lead, status);
    if (result == AMASS_OK)
        result = add_ints(converter, spatial, size, 2, status);
    const char *parts[2] = {lead, spatial};
    amass_nn_attr axis = tfjs_attr_int("axis", 0);
    if (result == AMASS_OK)
        result = tfjs_add_node(&converter->builder, AMASS_NN_OP_CONCAT, node->name, parts, 2, sizes, &axis, 1, status);
    if (result != AMASS_OK)
        return result;
    const char *transform = align_corners ? "align_corners" : half_pixel ? (linear ? "half_pixel" : "tf_half_pixel_for_nn")
                                                                         : "asymmetric";
    /* TF's nearest floors the source coordinate, or rounds half up when
     * aligning corners */
    const char *nearest = align_corners ? "round_prefer_ceil" : "floor";
    amass_nn_attr attrs[3] = {tfjs_attr_string("mode", linear ? "linear" : "nearest"),
                              tfjs_attr_string("coordinate_transformation_mode", transform),
                              tfjs_attr_string("nearest_mode", nearest)};
    const char *inputs[4] = {input, "", "", sizes};
    result = tfjs_add_node(&converter->builder, AMASS_NN_OP_RESIZE, node->name, inputs, 4, node->result, attrs, 3,
                           status);
    if (result != AMASS_OK)
        return result;
    return tfjs_define(converter, node->name, node->result, tfjs_nhwc_to_nchw, 4, status) ? AMASS_OK : status->code;
}

static int translate_sparse_to_dense(tfjs_converter *converter, const tfjs_node *node, amass_status *status)
{
    if (node->n_inputs != 4)
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "needs indices, shape, values and a default");
    const tfjs_tensor *indices = node->inputs[0], *shape = node->inputs[1], *values = node->inputs[2],
                      *fill = node->inputs[3];
    const int64_t *dims = tfjs_known_ints(shape), *at = tfjs_known_ints(indices);
    if (!dims || !at || !values->known || !fill->known || fill->count != 1 || values->dtype != fill->dtype ||
        shape->count > AMASS_NN_MAX_RANK)
        return tfjs_fail(converter, node, status, AMASS_ERR_UNSUPPORTED,
                         "runs only on constants (the engine has no SparseToDense on run-time tensors)");
    int rank = (int)shape->count;
    size_t count = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] < 0 || dims[d] > 1 << 24 || (count *= (size_t)dims[d]) > (size_t)1 << 24)
            return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "output shape out of range");
    }
    /* indices: [n, rank] (or [n] for rank 1, or a scalar) */
    size_t n = indices->rank == 0 ? 1 : (size_t)indices->dims[0];
    size_t width = indices->rank == 2 ? (size_t)indices->dims[1] : 1;
    if (width != (size_t)rank || (values->count != 1 && values->count != n))
        return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "indices, values and shape do not agree");
    size_t element = amass_nn_dtype_size(values->dtype);
    unsigned char *out = amass_alloc_array(count ? count : 1, element);
    if (!out)
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", converter->builder.path);
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * element, fill->data, element);
    for (size_t k = 0; k < n; k++) {
        size_t offset = 0;
        for (int d = 0; d < rank; d++) {
            int64_t index = at[k * width + (size_t)d];
            if (index < 0 || index >= dims[d]) {
                free(out);
                return tfjs_fail(converter, node, status, AMASS_ERR_INPUT, "index out of range");
            }
            offset = offset * (size_t)dims[d] + (size_t)index;
        }
        memcpy(out + offset * element, (const unsigned char *)values->data + (values->count == 1 ? 0 : k) * element,
               element);
    }
    tfjs_tensor *defined = tfjs_define_known(converter, node->name, values->dtype, dims, rank, out, status);
    free(out);
    return defined ? AMASS_OK : status->code;
}

int tfjs_translate_index(tfjs_converter *converter, const tfjs_node *node, int *result, amass_status *status)
{
    static const char *const ops[] = {"StridedSlice", "Slice", "GatherV2", "Gather", "ResizeBilinear",
                                      "ResizeNearestNeighbor", "SparseToDense"};
    size_t kind = sizeof ops / sizeof ops[0];
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (!strcmp(node->op, ops[k]))
            kind = k;
    if (kind == sizeof ops / sizeof ops[0])
        return 0;
    if (!converter)
        return 1;
    switch (kind) {
    case 0: *result = translate_strided_slice(converter, node, status); break;
    case 1: *result = translate_slice(converter, node, status); break;
    case 2:
    case 3: *result = translate_gather(converter, node, status); break;
    case 4:
    case 5: *result = translate_resize(converter, node, kind == 4, status); break;
    default: *result = translate_sparse_to_dense(converter, node, status); break;
    }
    return 1;
}
