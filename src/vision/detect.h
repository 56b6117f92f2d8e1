/* libamass vision layer, detectors: decoders from a detector's raw output
 * tensors to boxes in model-input pixels (then amass_vision_box_to_input
 * and amass_vision_nms, vision.h, finish the job). One decoder per head
 * design; each takes plain float arrays, so it is tested without a model. */
#ifndef AMASS_VISION_DETECT_H
#define AMASS_VISION_DETECT_H

#include <stddef.h>

#include "vision.h"

/* A growing array of detections. */
typedef struct {
    amass_vision_detection *items;
    size_t count, capacity;
} amass_vision_detection_list;

void amass_vision_detection_list_init(amass_vision_detection_list *list);
void amass_vision_detection_list_free(amass_vision_detection_list *list);
amass_code amass_vision_detection_list_push(amass_vision_detection_list *list, size_t index, float score,
                                            const float box[4], amass_status *status);

/* ---- NanoDet (GFL head) -------------------------------------------------
 * One level of the head (one stride): for cell (x, y), row y * grid_width
 * + x, scores holds n_classes class scores already in 0..1 (the graph
 * ends in a sigmoid), distances holds 4 * n_bins logits, the left, top,
 * right and bottom sides in turn. Each side's distance is the expectation
 * of the softmax over its bins (generalised focal loss: bin k means k
 * strides) times the stride, measured from the cell's centre ((x + 0.5) *
 * stride, as @vladmandic/human places it). Every (cell, class) scoring >=
 * threshold is appended, its box clamped to 0..input_width/height. */
typedef struct {
    const float *scores;
    const float *distances;
    int grid_width, grid_height;
    float stride;
} amass_vision_nanodet_level;

amass_code amass_vision_decode_nanodet(const amass_vision_nanodet_level *level, size_t n_classes, size_t n_bins,
                                       float threshold, int input_width, int input_height,
                                       amass_vision_detection_list *out, amass_status *status);

/* ---- CenterNet (TTFNet-style box head) ---------------------------------
 * heatmap is grid_height x grid_width x n_classes (NHWC, as TensorFlow
 * writes it), each value a class's probability of an object centred
 * there; distances is grid_height x grid_width x 4: left, top, right,
 * bottom, in model-input pixels, from the point (x * stride, y * stride).
 * A peak is a value no smaller than any of its 8 neighbours in the same
 * class (the 3x3 max-pool test the model's own "detections" output
 * makes); the max_peaks highest peaks scoring >= threshold are appended,
 * highest first (0: no limit). */
amass_code amass_vision_decode_centernet(const float *heatmap, const float *distances, int grid_width, int grid_height,
                                         size_t n_classes, float stride, float threshold, size_t max_peaks,
                                         int input_width, int input_height, amass_vision_detection_list *out,
                                         amass_status *status);

/* After amass_vision_nms: drops a detection whose box has IoU >=
 * iou_threshold with a higher-scoring kept box of another class, as one
 * object named twice (a horse also called a cow); detections must be
 * sorted highest score first, as the NMS leaves them. Returns how many are
 * left at the front. */
size_t amass_vision_suppress_same_object(amass_vision_detection *detections, size_t n, float iou_threshold);

#endif
