/* Non-maximum suppression over a detector's boxes: per class, greedy,
 * highest score first, in an order that does not depend on the decoder's;
 * then one label per object across classes. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "detect.h"

/* A total order, so qsort's instability cannot leak into the output:
 * score (NaN last), class index, then the box's coordinates. */
static int compare_detections(const void *a_pointer, const void *b_pointer)
{
    const amass_vision_detection *a = a_pointer, *b = b_pointer;
    int a_nan = isnan(a->score), b_nan = isnan(b->score), i;
    if (a_nan != b_nan)
        return a_nan - b_nan;
    if (!a_nan && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->index != b->index)
        return a->index < b->index ? -1 : 1;
    for (i = 0; i < 4; i++)
        if (a->box[i] != b->box[i])
            return a->box[i] < b->box[i] ? -1 : 1;
    return 0;
}

/* A box with x1 < x0 or y1 < y0 counts as empty. Two empty boxes have no
 * union to divide by: their IoU is 0, so a degenerate box never removes
 * another (nor is it removed), rather than dividing 0 by 0. */
static double intersection_over_union(const float a[4], const float b[4])
{
    double a_area = fmax(0.0, (double)a[2] - a[0]) * fmax(0.0, (double)a[3] - a[1]);
    double b_area = fmax(0.0, (double)b[2] - b[0]) * fmax(0.0, (double)b[3] - b[1]);
    double width = fmin(a[2], b[2]) - fmax(a[0], b[0]), height = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    double overlap, union_area;
    if (!(width > 0) || !(height > 0))
        return 0;
    overlap = width * height;
    union_area = a_area + b_area - overlap;
    return union_area > 0 ? overlap / union_area : 0;
}

size_t amass_vision_nms(amass_vision_detection *detections, size_t n, float iou_threshold, size_t max_keep)
{
    size_t n_kept = 0, i, j;
    if (n == 0)
        return 0;
    qsort(detections, n, sizeof *detections, compare_detections);
    for (i = 0; i < n && (max_keep == 0 || n_kept < max_keep); i++) {
        int suppressed = 0;
        if (isnan(detections[i].score))
            break; /* sorted last: none after it has a score either */
        for (j = 0; j < n_kept && !suppressed; j++)
            suppressed = detections[j].index == detections[i].index &&
                         intersection_over_union(detections[j].box, detections[i].box) > iou_threshold;
        if (!suppressed)
            detections[n_kept++] = detections[i];
    }
    return n_kept;
}

size_t amass_vision_suppress_same_object(amass_vision_detection *detections, size_t n, float iou_threshold)
{
    size_t n_kept = 0, i, j;
    for (i = 0; i < n; i++) {
        int same = 0;
        for (j = 0; j < n_kept && !same; j++)
            same = detections[j].index != detections[i].index &&
                   intersection_over_union(detections[j].box, detections[i].box) >= iou_threshold;
        if (!same)
            detections[n_kept++] = detections[i];
    }
    return n_kept;
}
