/* libamass models layer: the image embed pipeline (amass-embed on images).
 * An image model is a model directory whose manifest names a feature
 * tensor ("features": {"output", "dim"}, e.g. a classifier's pooled
 * layer) or whose task is "embed" (the network's output is the vector).
 * Images are decoded ahead by the image feed and preprocessed exactly as
 * amass-classify does, batched, run, and written as the text pipeline's
 * vector records (embed_text.h's amass_embed_sink), in input order. */
#ifndef AMASS_MODELS_EMBED_IMAGE_H
#define AMASS_MODELS_EMBED_IMAGE_H

#include <stddef.h>

#include "../base/base.h"
#include "../io/io.h"
#include "embed_text.h"

/* 1 when the model directory at path is an image embedding model as
 * above, in a format the pipeline reads (onnx, tfjs); 0 otherwise (a text
 * model, no manifest, a manifest that does not parse). */
int amass_image_embedder_accepts(const char *path);

typedef struct {
    size_t batch;        /* images per network run; 0: 8 (1 when the model's batch is fixed) */
    int decode_threads;  /* 0: 1 */
    int normalize;       /* L2-normalise each vector */
    int bf16;            /* convolutions and matrix products in bfloat16 (amass_nn_session_set_bf16) */
} amass_embed_image_options;

typedef struct amass_image_embedder amass_image_embedder;

/* Opens the model at path: the manifest, the graph cut at the feature
 * tensor, the preprocess spec, a session. For task "embed" without
 * "features" the vector is the model's output; of several, the widest
 * (FaceRes: the 1024-d descriptor beside age and gender). The vector's
 * size must match "features.dim" when the manifest gives it. */
int amass_image_embedder_open(const char *path, const amass_embed_image_options *options,
                              amass_image_embedder **embedder, amass_status *status);
void amass_image_embedder_close(amass_image_embedder *embedder);
size_t amass_image_embedder_dim(const amass_image_embedder *embedder);
/* The manifest's name: the records' "model". */
const char *amass_image_embedder_name(const amass_image_embedder *embedder);

/* Embeds every image of inputs. An image that cannot be read or decoded
 * is reported through sink->reporter and the run goes on. Returns
 * AMASS_OK, or an error that ends the run. */
int amass_image_embedder_run(amass_image_embedder *embedder, amass_input_list *inputs, const amass_embed_sink *sink,
                             amass_status *status);

#endif
