/* An image into a model's input tensor: resize (shorter side then centre
 * crop, stretch, or letterbox), normalise per channel, NCHW or NHWC, RGB
 * or BGR, as the model's spec says. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vision.h"

/* Large enough for any model input; keeps size arithmetic far from int
 * overflow. */
#define MAX_OUTPUT_SIDE 16384

void amass_vision_preprocess_spec_imagenet(amass_vision_preprocess_spec *spec)
{
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    memset(spec, 0, sizeof *spec);
    spec->resize_mode = AMASS_VISION_RESIZE_SHORTER_THEN_CROP;
    spec->resize_shorter = 256;
    spec->crop_width = 224;
    spec->crop_height = 224;
    spec->scale = 1.0f / 255.0f;
    memcpy(spec->mean, mean, sizeof mean);
    memcpy(spec->std, std, sizeof std);
    spec->layout = AMASS_VISION_LAYOUT_NCHW;
}

amass_code amass_vision_preprocess_check(const amass_vision_preprocess_spec *spec, amass_status *status)
{
    int c;
    if (spec->resize_mode != AMASS_VISION_RESIZE_SHORTER_THEN_CROP && spec->resize_mode != AMASS_VISION_RESIZE_STRETCH &&
        spec->resize_mode != AMASS_VISION_RESIZE_LETTERBOX)
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: unknown resize mode %d", (int)spec->resize_mode);
    if (spec->layout != AMASS_VISION_LAYOUT_NCHW && spec->layout != AMASS_VISION_LAYOUT_NHWC)
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: unknown layout %d", (int)spec->layout);
    if (spec->crop_width < 1 || spec->crop_width > MAX_OUTPUT_SIDE || spec->crop_height < 1 ||
        spec->crop_height > MAX_OUTPUT_SIDE)
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: output size %d x %d is not within 1 to %d",
                          spec->crop_width, spec->crop_height, MAX_OUTPUT_SIDE);
    if (spec->resize_shorter < 0 || spec->resize_shorter > MAX_OUTPUT_SIDE)
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: resize size %d is not within 0 to %d",
                          spec->resize_shorter, MAX_OUTPUT_SIDE);
    if (!isfinite(spec->scale) || !isfinite(spec->pad_value))
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: scale and pad value must be finite");
    for (c = 0; c < 3; c++) {
        if (!isfinite(spec->mean[c]))
            return amass_fail(status, AMASS_ERR_USAGE, "preprocess: mean %d is not a finite number", c + 1);
        if (!isfinite(spec->std[c]) || spec->std[c] == 0)
            return amass_fail(status, AMASS_ERR_USAGE, "preprocess: std %d must be a finite nonzero number", c + 1);
    }
    return AMASS_OK;
}

size_t amass_vision_preprocess_output_count(const amass_vision_preprocess_spec *spec)
{
    return (size_t)3 * (size_t)spec->crop_width * (size_t)spec->crop_height;
}

/* Python's round() of d / 2 (half to even), as torchvision's CenterCrop
 * computes its offset: int(round((size - crop) / 2.0)). */
static int centre_offset(int size, int crop)
{
    int d = size - crop, half = d / 2;
    if (d < 0)
        /* torchvision pads a too-small image by (crop - size) // 2 on the
         * leading side, then crops at 0 */
        return -((crop - size) / 2);
    if (d % 2 == 0)
        return half;
    return half % 2 == 0 ? half : half + 1;
}

/* torchvision Resize(size) with an int: the shorter side becomes size, the
 * longer int(size * long / short) (truncated, computed in doubles). */
static void shorter_side_size(int width, int height, int size, int *out_width, int *out_height)
{
    if (width <= height) {
        *out_width = size;
        *out_height = (int)((double)size * height / width);
    } else {
        *out_height = size;
        *out_width = (int)((double)size * width / height);
    }
    if (*out_width < 1)
        *out_width = 1;
    if (*out_height < 1)
        *out_height = 1;
}

/* Writes the crop_width x crop_height window at (left, top) of pixels
 * (width x height) normalised; outside the pixels, pad_value. */
static void write_tensor(const amass_vision_preprocess_spec *spec, const uint8_t *pixels, int width, int height,
                         int left, int top, float *output)
{
    int out_w = spec->crop_width, out_h = spec->crop_height, x, y, c;
    size_t plane = (size_t)out_w * out_h;
    float pad[3];
    for (c = 0; c < 3; c++)
        pad[c] = (spec->pad_value * spec->scale - spec->mean[c]) / spec->std[c];
    for (y = 0; y < out_h; y++) {
        int source_y = y + top;
        for (x = 0; x < out_w; x++) {
            int source_x = x + left, inside = source_y >= 0 && source_y < height && source_x >= 0 && source_x < width;
            const uint8_t *p = inside ? pixels + ((size_t)source_y * width + source_x) * 3 : NULL;
            for (c = 0; c < 3; c++) {
                int source_channel = spec->bgr ? 2 - c : c;
                /* torchvision's ToTensor divides by 255 where we multiply by
                 * scale: the two differ by at most an ulp */
                float value = inside ? ((float)p[source_channel] * spec->scale - spec->mean[c]) / spec->std[c]
                                     : pad[c];
                if (spec->layout == AMASS_VISION_LAYOUT_NCHW)
                    output[c * plane + (size_t)y * out_w + x] = value;
                else
                    output[((size_t)y * out_w + x) * 3 + c] = value;
            }
        }
    }
}

amass_code amass_vision_preprocess(const amass_vision_preprocess_spec *spec, const amass_image *image, float *output,
                                   amass_vision_transform *transform, amass_status *status)
{
    int width = image->width, height = image->height, resized_width = width, resized_height = height;
    int left = 0, top = 0;
    uint8_t *resized = NULL;
    const uint8_t *pixels = image->pixels;
    amass_code code = amass_vision_preprocess_check(spec, status);
    if (code != AMASS_OK)
        return code;
    if (width < 1 || height < 1 || image->channels != 3 || !image->pixels)
        return amass_fail(status, AMASS_ERR_USAGE, "preprocess: the image has no RGB pixels");
    switch (spec->resize_mode) {
    case AMASS_VISION_RESIZE_SHORTER_THEN_CROP:
        if (spec->resize_shorter > 0)
            shorter_side_size(width, height, spec->resize_shorter, &resized_width, &resized_height);
        left = centre_offset(resized_width, spec->crop_width);
        top = centre_offset(resized_height, spec->crop_height);
        break;
    case AMASS_VISION_RESIZE_STRETCH:
        resized_width = spec->crop_width;
        resized_height = spec->crop_height;
        break;
    case AMASS_VISION_RESIZE_LETTERBOX: {
        double ratio_x = (double)spec->crop_width / width, ratio_y = (double)spec->crop_height / height;
        double ratio = ratio_x < ratio_y ? ratio_x : ratio_y;
        /* YOLOv5's letterbox: round() of the scaled size (half to even, as
         * nearbyint in the default rounding mode), padding split with the
         * odd pixel on the right and bottom */
        resized_width = (int)nearbyint(width * ratio);
        resized_height = (int)nearbyint(height * ratio);
        if (resized_width < 1)
            resized_width = 1;
        if (resized_height < 1)
            resized_height = 1;
        if (resized_width > spec->crop_width)
            resized_width = spec->crop_width;
        if (resized_height > spec->crop_height)
            resized_height = spec->crop_height;
        left = -((spec->crop_width - resized_width) / 2);
        top = -((spec->crop_height - resized_height) / 2);
        break;
    }
    }
    if (resized_width != width || resized_height != height) {
        resized = amass_alloc_array((size_t)resized_width * 3, (size_t)resized_height);
        if (!resized)
            return amass_fail(status, AMASS_ERR_NOMEM, "preprocess: out of memory");
        code = amass_vision_resize_bilinear(image->pixels, width, height, resized, resized_width, resized_height,
                                            status);
        if (code != AMASS_OK) {
            free(resized);
            return code;
        }
        pixels = resized;
    }
    write_tensor(spec, pixels, resized_width, resized_height, left, top, output);
    free(resized);
    if (transform) {
        transform->scale_x = (double)resized_width / width;
        transform->scale_y = (double)resized_height / height;
        transform->offset_x = -left;
        transform->offset_y = -top;
        transform->input_width = width;
        transform->input_height = height;
    }
    return AMASS_OK;
}

static float clamp(double v, double high)
{
    return (float)(v < 0 ? 0 : v > high ? high : v);
}

void amass_vision_box_to_input(const amass_vision_transform *transform, const float box[4], float out[4])
{
    out[0] = clamp((box[0] - transform->offset_x) / transform->scale_x, transform->input_width);
    out[1] = clamp((box[1] - transform->offset_y) / transform->scale_y, transform->input_height);
    out[2] = clamp((box[2] - transform->offset_x) / transform->scale_x, transform->input_width);
    out[3] = clamp((box[3] - transform->offset_y) / transform->scale_y, transform->input_height);
}
