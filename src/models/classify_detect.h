/* The classify pipeline's detector path (classify_detect.c), as
 * classify.c calls it: a model whose manifest names a detector head
 * ("postprocess": "nanodet" or "centernet") gives objects with boxes
 * instead of class scores. Internal to the models layer. */
#ifndef AMASS_MODELS_CLASSIFY_DETECT_H
#define AMASS_MODELS_CLASSIFY_DETECT_H

#include <stddef.h>

#include "../nn/nn.h"
#include "models.h"

typedef struct amass_classify_detector amass_classify_detector;

/* 1 for a detector head this build decodes, 0 for a classifier (NULL,
 * "softmax" or "none"), -1 for anything else. */
int amass_classify_detector_kind(const char *postprocess);

/* Reads the head's layout off the session's outputs at batch 1 (which
 * output is which, grids, strides, classes) and checks it against the
 * labels (n_labels 0: none); holds buffers for batch images. where names
 * the model in messages. */
int amass_classify_detector_open(const char *postprocess, const char *where, const amass_nn_graph *graph,
                                 amass_nn_session *session, const amass_vision_preprocess_spec *spec,
                                 size_t n_labels, const amass_classify_options *options, size_t batch,
                                 amass_classify_detector **detector, amass_status *status);
void amass_classify_detector_close(amass_classify_detector *detector);
/* The number of classes the head scores. */
size_t amass_classify_detector_classes(const amass_classify_detector *detector);

/* Runs n_images preprocessed images (image_count floats each, one after
 * the other) through the session: as one batch when the model's batch is
 * dynamic, else one at a time. */
int amass_classify_detector_run(amass_classify_detector *detector, amass_nn_session *session, size_t n_images,
                                const float *input, size_t image_count, amass_status *status);

/* Called with an image's objects before its record is written (for
 * --annotate): 1 to write the record, 0 to leave it out, -1 to end the run
 * (status filled). */
typedef int (*amass_classify_objects_hook)(void *context, const amass_vision_detection *objects, size_t n,
                                           amass_status *status);

/* Writes image's record from the last run: the objects scoring at least
 * the threshold, after NMS, in input-image pixels, highest score first,
 * at most the cap; labels (n_labels 0: class numbers). t >= 0: a video
 * frame's time, written after "input". hook (NULL: none) sees the objects
 * first. */
int amass_classify_detector_write(amass_classify_detector *detector, size_t image, const char *input, double t,
                                  const amass_vision_transform *transform, const char *model_name,
                                  const char *const *labels, size_t n_labels, const amass_classify_sink *sink,
                                  amass_classify_objects_hook hook, void *hook_context, amass_status *status);

/* The model file as a graph, by the manifest's format ("onnx", "tfjs"),
 * with the manifest's chosen outputs (n_outputs 0: the model's own; only
 * TF.js models can choose). */
int amass_classify_load_graph(const char *format, const char *path, const char *const *outputs, size_t n_outputs,
                              amass_nn_graph **graph, amass_status *status);

/* The preprocess spec of an image model: options (the user's, or zeroed
 * but for model_path, which names the model in messages) over the
 * manifest's input (manifest may be NULL) over the graph's one input
 * shape over torchvision's ImageNet defaults. amass-embed's image mode
 * shares it, so an image is seen the same way by both tools. */
int amass_classify_make_spec(const amass_classify_options *options, const amass_nn_graph *graph,
                             const amass_model_manifest *manifest, amass_vision_preprocess_spec *spec,
                             amass_status *status);

#endif
