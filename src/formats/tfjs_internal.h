/* What the TF.js importers share (the graph-model converter, tfjs_graph*.c,
 * and the layers-model converter): a builder that adds nn nodes and
 * constants under generated names, weights as constants, and the layout
 * helpers between TensorFlow's NHWC/HWIO and the engine's NCHW/OIHW. Not
 * part of the public interface. */
#ifndef AMASS_TFJS_INTERNAL_H
#define AMASS_TFJS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tfjs.h"

/* Permutations between the two image layouts, for tfjs_add_transpose. */
extern const int64_t tfjs_nhwc_to_nchw[4];
extern const int64_t tfjs_nchw_to_nhwc[4];

typedef struct {
    const amass_tfjs_model *model;
    amass_nn_graph *graph;
    const char *path;  /* the model.json, first word of every message */
    unsigned serial;   /* for generated names */
    char **names;      /* generated names, freed by tfjs_builder_free */
    size_t n_names, names_capacity;
} tfjs_builder;

void tfjs_builder_init(tfjs_builder *builder, const amass_tfjs_model *model, amass_nn_graph *graph);
void tfjs_builder_free(tfjs_builder *builder);

/* A fresh value name "amass.<hint>.<n>", owned by the builder (NULL when
 * out of memory). */
const char *tfjs_fresh_name(tfjs_builder *builder, const char *hint);

/* Attribute constructors for amass_nn_node_spec. */
amass_nn_attr tfjs_attr_int(const char *name, int64_t value);
amass_nn_attr tfjs_attr_float(const char *name, float value);
amass_nn_attr tfjs_attr_ints(const char *name, const int64_t *values, size_t count);
amass_nn_attr tfjs_attr_string(const char *name, const char *value);

/* One nn node with a single output; node_name labels it in messages. */
int tfjs_add_node(tfjs_builder *builder, amass_nn_op op, const char *node_name, const char *const *inputs,
                  size_t n_inputs, const char *output, const amass_nn_attr *attrs, size_t n_attrs,
                  amass_status *status);
/* A node with several outputs (Split). */
int tfjs_add_node_outputs(tfjs_builder *builder, amass_nn_op op, const char *node_name, const char *const *inputs,
                          size_t n_inputs, const char *const *outputs, size_t n_outputs, const amass_nn_attr *attrs,
                          size_t n_attrs, amass_status *status);
/* output = Transpose(input, perm). */
int tfjs_add_transpose(tfjs_builder *builder, const char *node_name, const char *input, const char *output,
                       const int64_t *perm, int rank, amass_status *status);

/* Constants, copied into the graph. */
int tfjs_add_floats(tfjs_builder *builder, const char *name, const float *values, const int64_t *dims, int rank,
                    amass_status *status);
int tfjs_add_int64s(tfjs_builder *builder, const char *name, const int64_t *values, const int64_t *dims, int rank,
                    amass_status *status);
/* A weight as it is (any dtype the engine holds), under name. */
int tfjs_add_weight(tfjs_builder *builder, const char *name, const amass_tfjs_weight *weight,
                    amass_status *status);
/* A float32 weight of shape [h, w, in, out] (TensorFlow's HWIO) as an
 * [out, in, h, w] constant (the engine's OIHW); a depthwise kernel [h, w,
 * channels, multiplier] as [channels * multiplier, 1, h, w] with depthwise
 * set. A [in, out] Dense kernel with rank 2 becomes [out, in]. */
int tfjs_add_conv_kernel(tfjs_builder *builder, const char *name, const amass_tfjs_weight *weight, int depthwise,
                         amass_status *status);

/* The weight named name, or a message "m/model.json: <context>: no weight
 * 'name'". */
const amass_tfjs_weight *tfjs_weight(const tfjs_builder *builder, const char *name, const char *context,
                                     amass_status *status);

/* TensorFlow's "SAME" padding for one spatial dimension: the output is
 * ceil(in / stride), and the odd pixel of padding goes at the end. */
void tfjs_same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t *begin, int64_t *end);

#endif
