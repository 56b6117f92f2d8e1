/* libamass formats layer: TensorFlow.js models, as tfjs-converter writes
 * them: a model.json ("format": "graph-model" with a TensorFlow GraphDef
 * topology, or "layers-model" with a Keras topology) and its weight
 * shards, imported onto the same nn graph IR as ONNX so every pass and
 * kernel serves both. */
#ifndef AMASS_FORMATS_TFJS_H
#define AMASS_FORMATS_TFJS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../nn/nn.h"

struct json_t;

typedef enum { AMASS_TFJS_GRAPH_MODEL, AMASS_TFJS_LAYERS_MODEL } amass_tfjs_format;

/* One weight of the manifest, decoded: float16 and affine-quantised
 * (uint8, uint16: value = q * scale + min) weights come out as FLOAT32;
 * int32 and bool stay as they are. data lives until amass_tfjs_close. */
typedef struct {
    const char *name;
    amass_nn_dtype dtype;
    int rank;
    int64_t dims[AMASS_NN_MAX_RANK];
    size_t n_elements;
    const void *data;
} amass_tfjs_weight;

typedef struct amass_tfjs_model amass_tfjs_model;

/* Reads path (model.json) and every shard its weightsManifest names
 * (relative to its directory): the JSON, each weight's dtype, shape and
 * quantisation, and that the shards hold exactly the bytes the manifest
 * asks for. On failure *model is NULL and the message begins with the
 * file at fault ("m/model.json: weight 'conv1/kernel': ..."). Immutable
 * once open; threads may share it. */
int amass_tfjs_open(const char *path, amass_tfjs_model **model, amass_status *status);
void amass_tfjs_close(amass_tfjs_model *model);

const char *amass_tfjs_path(const amass_tfjs_model *model);
amass_tfjs_format amass_tfjs_format_of(const amass_tfjs_model *model);
/* "modelTopology" (a jansson object, borrowed); for a graph model it holds
 * "node" (the GraphDef's nodes), for a layers model "model_config". */
const struct json_t *amass_tfjs_topology(const amass_tfjs_model *model);
/* The graph model's "signature" (inputs and outputs with their shapes),
 * or NULL when the file has none. */
const struct json_t *amass_tfjs_signature(const amass_tfjs_model *model);
size_t amass_tfjs_weight_count(const amass_tfjs_model *model);
const amass_tfjs_weight *amass_tfjs_weight_at(const amass_tfjs_model *model, size_t index);
const amass_tfjs_weight *amass_tfjs_weight_find(const amass_tfjs_model *model, const char *name);

/* ---- import ------------------------------------------------------------
 * The model as a prepared nn graph. The graph's inputs and outputs keep
 * TensorFlow's names, shapes and layout (NHWC images stay NHWC; a graph
 * model taking NCHW keeps NCHW), so outputs compare directly with
 * TensorFlow.js's; inside, the importer converts to the engine's layout.
 * A leading -1 (or a batch the topology fixes at 1 where the graph allows
 * any) becomes the dynamic batch. input_dims as in
 * amass_onnx_import_sized (NULL: the file's). Any op, attribute or dtype
 * the engine cannot run is refused with the node's name and op, never run
 * approximately. The graph keeps what it needs of the model. */
int amass_tfjs_import(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                      amass_nn_graph **graph, amass_status *status);
/* The same with chosen outputs instead of the model's: layer names for a
 * layers model (the output of the layer's first call, e.g. MobileNetV2's
 * "global_average_pooling2d_1" for 1280-d image features), node names for
 * a graph model. Only what the outputs need is imported. */
int amass_tfjs_import_outputs(const amass_tfjs_model *model, const int64_t *input_dims, size_t n_input_dims,
                              const char *const *outputs, size_t n_outputs, amass_nn_graph **graph,
                              amass_status *status);
int amass_formats_load_tfjs(const char *path, const int64_t *input_dims, size_t n_input_dims, amass_nn_graph **graph,
                            amass_status *status);

/* Any model file the formats layer reads, by its content's format: an
 * ONNX file, or a TF.js model.json (graph or layers). */
int amass_formats_load_model(const char *path, const int64_t *input_dims, size_t n_input_dims,
                             amass_nn_graph **graph, amass_status *status);

#endif
