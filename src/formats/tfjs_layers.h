/* TF.js layers models (Keras topologies): what the importer's files
 * (tfjs_layers.c: the topology; tfjs_layers_conv.c and tfjs_layers_ops.c:
 * one layer onto nn nodes; tfjs_layers_emit.c: nodes, weights, layout,
 * config fields) share. */
#ifndef AMASS_FORMATS_TFJS_LAYERS_H
#define AMASS_FORMATS_TFJS_LAYERS_H

#include <jansson.h>

#include "tfjs.h"

/* The layers-model importer behind amass_tfjs_import and
 * amass_tfjs_import_outputs: outputs names layers (their first call's
 * output); NULL / 0 takes the model's output_layers. */
int tfjs_layers_import(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                       const char *const *outputs, size_t n_outputs, amass_nn_graph **graph, amass_status *status);

/* A Keras tensor: its value in the graph and its Keras shape (dims[0] the
 * batch, AMASS_NN_DYNAMIC when free). A rank-4 tensor (NHWC to Keras) is
 * held channels-first in the graph, the layout the engine's convolutions
 * take; every other rank is held as Keras shapes it. */
/* Limits on what a file may ask for: an input dimension, and the values
 * of one sample of any tensor (so size arithmetic stays in int64). */
#define TFJS_LAYERS_MAX_DIMENSION ((int64_t)1 << 24)
#define TFJS_LAYERS_MAX_COUNT ((int64_t)1 << 40)

typedef struct {
    const char *value; /* owned by the importer */
    int rank;
    int64_t dims[AMASS_NN_MAX_RANK];
} tfjs_layer_tensor;

typedef struct {
    const amass_tfjs_model *model;
    const char *path;
    amass_nn_graph *graph;
    const char *layer;      /* the layer being imported, for messages and weight names */
    const char *class_name;
    int call;               /* which call of the layer (Keras' node index) */
    unsigned serial;        /* numbers the values the importer makes */
    char **names;           /* every name made, freed with the importer */
    size_t n_names, names_capacity;
} tfjs_layers_importer;

/* tfjs_layers_emit.c */
int tfjs_layers_fail(const tfjs_layers_importer *im, amass_status *status, amass_code code, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
/* A copy of text kept until the importer is freed; NULL when out of memory. */
const char *tfjs_layers_keep(tfjs_layers_importer *im, const char *text);
void tfjs_layers_importer_free(tfjs_layers_importer *im);
/* Adds a node of the current layer with one new output, named in *output. */
int tfjs_layers_node(tfjs_layers_importer *im, amass_nn_op op, const char *const *inputs, size_t n_inputs,
                     const amass_nn_attr *attrs, size_t n_attrs, const char **output, amass_status *status);
/* Adds a float32 constant (copied) of the current layer. */
int tfjs_layers_constant(tfjs_layers_importer *im, int rank, const int64_t *dims, const float *data,
                         const char **name, amass_status *status);
/* A 1-D int64 constant (a shape), copied. */
int tfjs_layers_int_constant(tfjs_layers_importer *im, size_t count, const int64_t *data, const char **name,
                             amass_status *status);
/* The current layer's weight "<layer>/<suffix>": float32 of exactly this
 * shape, else a message naming the weight and both shapes. */
int tfjs_layers_weight(tfjs_layers_importer *im, const char *suffix, int rank, const int64_t *dims,
                       const float **data, amass_status *status);
/* The tensor's value in Keras' own layout (NHWC for rank 4), and back. */
int tfjs_layers_to_keras(tfjs_layers_importer *im, const tfjs_layer_tensor *tensor, const char **value,
                         amass_status *status);
int tfjs_layers_from_keras(tfjs_layers_importer *im, const char *value, int rank, const char **internal,
                           amass_status *status);
/* The axis of the graph's value that Keras' axis (of a rank-rank tensor) names. */
int tfjs_layers_internal_axis(int rank, int keras_axis);

/* Config readers: absent keys (or JSON null) give the fallback; a value
 * of the wrong kind fails naming the key. */
int tfjs_layers_config_int(tfjs_layers_importer *im, const json_t *config, const char *key, int64_t fallback,
                           int64_t *value, amass_status *status);
/* An int or a list of two ints (the two spatial axes). */
int tfjs_layers_config_pair(tfjs_layers_importer *im, const json_t *config, const char *key, int64_t fallback,
                            int64_t pair[2], amass_status *status);
int tfjs_layers_config_number(tfjs_layers_importer *im, const json_t *config, const char *key, double fallback,
                              double *value, amass_status *status);
int tfjs_layers_config_bool(tfjs_layers_importer *im, const json_t *config, const char *key, int fallback,
                            int *value, amass_status *status);
int tfjs_layers_config_string(tfjs_layers_importer *im, const json_t *config, const char *key, const char *fallback,
                              const char **value, amass_status *status);

/* Attributes of one node, built on the stack. */
typedef struct {
    amass_nn_attr items[8];
    size_t count;
} tfjs_layers_attrs;

void tfjs_layers_attr_int(tfjs_layers_attrs *list, const char *name, int64_t value);
void tfjs_layers_attr_float(tfjs_layers_attrs *list, const char *name, float value);
void tfjs_layers_attr_ints(tfjs_layers_attrs *list, const char *name, const int64_t *values, size_t count);
void tfjs_layers_attr_string(tfjs_layers_attrs *list, const char *name, const char *value);
/* Checks a layer's input rank, and that an image layer is channels_last. */
int tfjs_layers_need_rank(tfjs_layers_importer *im, const tfjs_layer_tensor *in, int rank, amass_status *status);
int tfjs_layers_channels_last(tfjs_layers_importer *im, const json_t *config, amass_status *status);

/* One layer call: config is the layer's, in its input, out its result. */
#define TFJS_LAYERS_CONVERTER(name)                                                                                   \
    int name(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *in, tfjs_layer_tensor *out,      \
             amass_status *status)

/* tfjs_layers_conv.c: the layers with weights or windows */
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_conv);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_depthwise);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_separable);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_batch_norm);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_dense);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_pool);
TFJS_LAYERS_CONVERTER(tfjs_layers_convert_global_pool);

/* tfjs_layers_ops.c: the activation in config's "activation" applied to
 * tensor in place. */
int tfjs_layers_activate_config(tfjs_layers_importer *im, const json_t *config, tfjs_layer_tensor *tensor,
                                amass_status *status);
/* One call of a layer on its input tensors. */
int tfjs_layers_convert(tfjs_layers_importer *im, const json_t *config, const tfjs_layer_tensor *inputs,
                        size_t n_inputs, tfjs_layer_tensor *output, amass_status *status);
/* Whether the importer knows the class (so unknown ones fail before any work). */
int tfjs_layers_class_known(const char *class_name);

#endif
