/* The input both sides of the TF.js parity test run on: a darknet photo
 * stretched to the model's size with the library's PIL-exact bilinear
 * resize, pixels / 255, in the model's layout. make-fixtures writes it for
 * TensorFlow.js through tfjs-input; tfjs-parity recomputes it. */
#ifndef AMASS_PARITY_TFJS_INPUT_H
#define AMASS_PARITY_TFJS_INPUT_H

#include <stdlib.h>

#include "media/media.h"
#include "vision/vision.h"

/* A malloc'ed tensor of 3 * width * height floats, or NULL (status set). */
static inline float *tfjs_parity_input(const char *photo, int width, int height, int nchw, amass_status *status)
{
    amass_image image;
    if (amass_media_image_load(photo, &image, status) != AMASS_OK)
        return NULL;
    amass_vision_preprocess_spec spec = {0};
    spec.resize_mode = AMASS_VISION_RESIZE_STRETCH;
    spec.crop_width = width;
    spec.crop_height = height;
    spec.scale = 1.0f / 255;
    for (int c = 0; c < 3; c++)
        spec.std[c] = 1;
    spec.layout = nchw ? AMASS_VISION_LAYOUT_NCHW : AMASS_VISION_LAYOUT_NHWC;
    float *tensor = malloc(amass_vision_preprocess_output_count(&spec) * sizeof *tensor);
    if (!tensor || amass_vision_preprocess(&spec, &image, tensor, NULL, status) != AMASS_OK) {
        free(tensor);
        tensor = NULL;
    }
    amass_media_image_free(&image);
    return tensor;
}

#endif
