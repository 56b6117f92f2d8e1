/* libamass vision layer: decoded images into the float tensors models
 * take (resize, crop, normalise, layout), and back from model outputs to
 * input-image coordinates. */
#ifndef AMASS_VISION_H
#define AMASS_VISION_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"
#include "../media/media.h"

/* ---- resize ---------------------------------------------------------- */

/* Resizes packed RGB (3 channels, rows of width * 3 bytes) to out_width x
 * out_height with the bilinear filter of PIL's Image.resize(...,
 * Image.BILINEAR), which torchvision's Resize uses on PIL images: a
 * triangle filter widened by the scale factor when shrinking (antialias),
 * horizontal pass then vertical, each rounded to 8 bits, 22-bit fixed-point
 * weights. The result equals PIL's to the last bit on the test images. */
amass_code amass_vision_resize_bilinear(const uint8_t *pixels, int width, int height, uint8_t *out, int out_width,
                                        int out_height, amass_status *status);

/* ---- preprocess ------------------------------------------------------ */

typedef enum {
    /* torchvision classifiers: Resize(resize_shorter) keeping the aspect
     * ratio, then CenterCrop(crop_height, crop_width) */
    AMASS_VISION_RESIZE_SHORTER_THEN_CROP,
    /* to crop_width x crop_height exactly, aspect ratio lost */
    AMASS_VISION_RESIZE_STRETCH,
    /* detectors (YOLO style): scaled to fit inside crop_width x
     * crop_height, aspect ratio kept, centred, the rest filled with
     * pad_value */
    AMASS_VISION_RESIZE_LETTERBOX
} amass_vision_resize_mode;

typedef enum { AMASS_VISION_LAYOUT_NCHW, AMASS_VISION_LAYOUT_NHWC } amass_vision_layout;

typedef struct {
    amass_vision_resize_mode resize_mode;
    int resize_shorter;         /* SHORTER_THEN_CROP: the shorter side after resizing; 0 = no resize */
    int crop_width, crop_height;    /* the output's width and height, in every mode */
    /* value = (pixel * scale - mean[c]) / std[c], pixel 0..255, c in the
     * OUTPUT channel order (B, G, R when bgr is set): torchvision uses
     * scale 1/255 with mean {0.485, 0.456, 0.406}, std {0.229, 0.224,
     * 0.225}; Caffe-style models scale 1 and means in 0..255. */
    float scale;
    float mean[3], std[3];
    amass_vision_layout layout;
    int bgr;                    /* channels written B, G, R */
    /* LETTERBOX fill and the pixels a crop larger than the image adds,
     * in 0..255 before normalisation (torchvision pads with 0, YOLO with
     * 114) */
    float pad_value;
} amass_vision_preprocess_spec;

/* Where input-image pixels went: output_x = input_x * scale_x + offset_x
 * (same for y), in continuous pixel coordinates (edges, not centres). */
typedef struct {
    double scale_x, scale_y;
    double offset_x, offset_y;
    int input_width, input_height;
} amass_vision_transform;

/* torchvision's ImageNet evaluation transform: Resize(256),
 * CenterCrop(224), ToTensor, Normalize(ImageNet mean/std), NCHW, RGB. */
void amass_vision_preprocess_spec_imagenet(amass_vision_preprocess_spec *spec);
/* AMASS_ERR_USAGE with a message when the spec cannot be used (std 0,
 * sizes out of range, unknown mode or layout). */
amass_code amass_vision_preprocess_check(const amass_vision_preprocess_spec *spec, amass_status *status);
/* Floats one image takes: 3 * crop_width * crop_height. */
size_t amass_vision_preprocess_output_count(const amass_vision_preprocess_spec *spec);
/* Writes one image's tensor to output (output_count floats; for a batch
 * in NCHW or NHWC, image i goes at output + i * output_count). transform
 * may be NULL. Fails only on a bad spec or memory. */
amass_code amass_vision_preprocess(const amass_vision_preprocess_spec *spec, const amass_image *image, float *output,
                                   amass_vision_transform *transform, amass_status *status);

/* Maps a box (x0, y0, x1, y1) in model-input pixels back to input-image
 * pixels, clamped to the image. */
void amass_vision_box_to_input(const amass_vision_transform *transform, const float box[4], float out[4]);

/* ---- postprocess ----------------------------------------------------- */

typedef struct {
    size_t index;   /* class index in the model's output */
    float score;
} amass_vision_class_score;

/* Whether scores already read as probabilities: every value in [0, 1]
 * and the sum within 1e-3 of 1 (a model ending in Softmax), so applying
 * softmax again would flatten them. */
int amass_vision_is_distribution(const float *scores, size_t n);
/* Softmax in place, the maximum subtracted first so exp cannot
 * overflow; the sum is kept in double. */
void amass_vision_softmax(float *scores, size_t n);
/* The at most k highest scores that are >= threshold, highest first;
 * equal scores keep the lower class index first (a stable order, so the
 * same input gives the same labels). NaN scores are never kept. Returns
 * how many were written to out (room for k). */
size_t amass_vision_top_k(const float *scores, size_t n, size_t k, float threshold, amass_vision_class_score *out);

/* ---- detections ------------------------------------------------------
 * What a detector's decoder (vision/detect_*.c) yields for one image, and
 * what the NMS, the record writers and --annotate take. */
typedef struct {
    size_t index;  /* class index in the model's labels */
    float score;   /* 0..1 */
    float box[4];  /* x0, y0, x1, y1 in input-image pixels (edges, not centres) */
} amass_vision_detection;

/* Per-class greedy non-maximum suppression: sorts by score (highest first,
 * ties by lower class index, then by position, so the result does not
 * depend on the decoder's order), drops a box whose IoU with a kept box of
 * the same class exceeds iou_threshold, and keeps at most max_keep (0: no
 * limit). Returns how many are left at the front of detections. */
size_t amass_vision_nms(amass_vision_detection *detections, size_t n, float iou_threshold, size_t max_keep);

/* Draws each detection's box and its caption (captions[i], e.g. "dog
 * 0.93") onto image in place, in a colour chosen by class index, clipped
 * to the image; captions of a classifier with no boxes (n_boxes 0) are
 * stacked in the top-left corner. For a person to look at: no claim of
 * pixel-exactness. */
amass_code amass_vision_annotate(amass_image *image, const amass_vision_detection *detections, size_t n_boxes,
                                 const char *const *captions, size_t n_captions, amass_status *status);

#endif
