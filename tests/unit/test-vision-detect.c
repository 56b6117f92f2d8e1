/* The detector decoders and the NMS on small hand-made tensors whose boxes
 * are known: NanoDet's distribution sides, CenterNet's peaks and top-K,
 * and the NMS's ties, empty boxes, NaN scores and IoU limits 0 and 1. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vision/detect.h"

static amass_vision_detection detection(size_t index, float score, float x0, float y0, float x1, float y1)
{
    amass_vision_detection d;
    d.index = index;
    d.score = score;
    d.box[0] = x0, d.box[1] = y0, d.box[2] = x1, d.box[3] = y1;
    return d;
}

static int same_box(const float *box, float x0, float y0, float x1, float y1, float tolerance)
{
    return fabsf(box[0] - x0) <= tolerance && fabsf(box[1] - y0) <= tolerance && fabsf(box[2] - x1) <= tolerance &&
           fabsf(box[3] - y1) <= tolerance;
}

static void test_nms(void)
{
    amass_vision_detection d[8], e[8];
    size_t n;

    /* IoU of [0,10]^2 and [1,11]x[0,10] is 90/110 = 0.82 */
    d[0] = detection(3, 0.6f, 1, 0, 11, 10);
    d[1] = detection(3, 0.9f, 0, 0, 10, 10);
    d[2] = detection(4, 0.5f, 0, 0, 10, 10);
    n = amass_vision_nms(d, 3, 0.5f, 0);
    is_int(n, 2, "nms: the overlapping box of the same class goes, another class's stays");
    ok(d[0].score == 0.9f && d[0].index == 3 && d[1].index == 4, "nms: the best box kept, highest score first");
    d[0] = detection(3, 0.6f, 1, 0, 11, 10);
    d[1] = detection(3, 0.9f, 0, 0, 10, 10);
    is_int(amass_vision_nms(d, 2, 0.85f, 0), 2, "nms: IoU 0.82 below the threshold keeps both");

    /* Equal scores: the lower class first, then the box nearer the origin,
     * whatever order the decoder gave them in. */
    d[0] = detection(2, 0.7f, 5, 0, 15, 10);
    d[1] = detection(2, 0.7f, 4, 0, 14, 10);
    d[2] = detection(1, 0.7f, 30, 30, 40, 40);
    memcpy(e, d, sizeof d);
    e[0] = d[2], e[2] = d[0];
    n = amass_vision_nms(d, 3, 0.5f, 0);
    is_int(n, 2, "nms ties: one of the two equal boxes of class 2 goes");
    ok(d[0].index == 1 && d[1].index == 2 && d[1].box[0] == 4, "nms ties: class 1 first, then the box at x 4");
    is_int(amass_vision_nms(e, 3, 0.5f, 0), 2, "nms ties: same count in another input order");
    ok(memcmp(d, e, 2 * sizeof *d) == 0, "nms ties: same result in another input order");

    /* Empty and inverted boxes: IoU 0 with everything, even each other. */
    d[0] = detection(0, 0.9f, 5, 5, 5, 5);
    d[1] = detection(0, 0.8f, 5, 5, 5, 5);
    d[2] = detection(0, 0.7f, 0, 0, 10, 10);
    d[3] = detection(0, 0.6f, 10, 10, 0, 0);
    is_int(amass_vision_nms(d, 4, 0.5f, 0), 4, "nms: zero-area and inverted boxes neither suppress nor go");

    /* NaN scores never survive, wherever they are. */
    d[0] = detection(0, NAN, 0, 0, 10, 10);
    d[1] = detection(0, 0.2f, 0, 0, 10, 10);
    d[2] = detection(1, NAN, 50, 50, 60, 60);
    n = amass_vision_nms(d, 3, 0.5f, 0);
    is_int(n, 1, "nms: NaN scores dropped");
    ok(n == 1 && d[0].score == 0.2f, "nms: a NaN score does not suppress a real one");
    d[0] = detection(0, NAN, 0, 0, 10, 10);
    is_int(amass_vision_nms(d, 1, 0.5f, 0), 0, "nms: only NaN gives nothing");

    /* IoU limit 0: any overlap suppresses; touching edges do not overlap. */
    d[0] = detection(0, 0.9f, 0, 0, 10, 10);
    d[1] = detection(0, 0.8f, 9.9f, 9.9f, 20, 20);
    d[2] = detection(0, 0.7f, 10, 0, 20, 9);
    is_int(amass_vision_nms(d, 3, 0.0f, 0), 2, "nms iou 0: the slightest overlap goes, a box touching an edge stays");
    /* IoU limit 1: nothing exceeds 1, identical boxes all stay. */
    d[0] = detection(0, 0.9f, 0, 0, 10, 10);
    d[1] = detection(0, 0.8f, 0, 0, 10, 10);
    d[2] = detection(0, 0.7f, 0, 0, 10, 10);
    is_int(amass_vision_nms(d, 3, 1.0f, 0), 3, "nms iou 1: identical boxes all stay");
    d[0] = detection(0, 0.9f, 0, 0, 10, 10);
    d[1] = detection(0, 0.8f, 0, 0, 10, 10);
    is_int(amass_vision_nms(d, 2, 0.999f, 0), 1, "nms iou 0.999: an identical box goes");

    /* max_keep counts kept boxes, not candidates. */
    d[0] = detection(0, 0.9f, 0, 0, 10, 10);
    d[1] = detection(0, 0.8f, 0, 0, 10, 10);
    d[2] = detection(0, 0.7f, 20, 20, 30, 30);
    d[3] = detection(0, 0.6f, 40, 40, 50, 50);
    n = amass_vision_nms(d, 4, 0.5f, 2);
    ok(n == 2 && d[1].score == 0.7f, "nms max_keep 2: the two best distinct boxes");
    is_int(amass_vision_nms(d, 0, 0.5f, 0), 0, "nms: no detections");

    /* One object named twice: the lower class on nearly the same box goes;
     * the same class (NMS's business) and a smaller overlap stay. */
    d[0] = detection(7, 0.9f, 0, 0, 10, 10);
    d[1] = detection(8, 0.8f, 0, 0, 10, 9);     /* IoU 0.9 */
    d[2] = detection(7, 0.7f, 0, 0, 10, 9);     /* same class */
    d[3] = detection(9, 0.6f, 0, 0, 10, 7);     /* IoU 0.7 */
    n = amass_vision_suppress_same_object(d, 4, 0.8f);
    ok(n == 3 && d[0].index == 7 && d[1].index == 7 && d[2].index == 9, "same object: another class on the same box goes");
    is_int(amass_vision_suppress_same_object(d, 0, 0.8f), 0, "same object: no detections");
}

/* Logits putting nearly all the mass on bin k. */
static void one_hot(float *logits, size_t n_bins, size_t k)
{
    size_t i;
    for (i = 0; i < n_bins; i++)
        logits[i] = i == k ? 40.0f : 0.0f;
}

static void test_nanodet(void)
{
    enum { GRID = 2, CLASSES = 3, BINS = 4 };
    float scores[GRID * GRID * CLASSES] = {0}, distances[GRID * GRID * 4 * BINS] = {0};
    amass_vision_nanodet_level level = {scores, distances, GRID, GRID, 8.0f};
    amass_vision_detection_list list;
    amass_status status;
    float *cell;
    amass_status_clear(&status);
    amass_vision_detection_list_init(&list);

    /* cell (1, 0): centre (12, 4); sides 1, 2, 3, 0 bins of 8 pixels */
    scores[1 * CLASSES + 2] = 0.9f;
    scores[1 * CLASSES + 0] = 0.29f;
    cell = distances + 1 * 4 * BINS;
    one_hot(cell, BINS, 1), one_hot(cell + BINS, BINS, 2), one_hot(cell + 2 * BINS, BINS, 3),
        one_hot(cell + 3 * BINS, BINS, 0);
    /* cell (0, 1): centre (4, 12); all sides uniform: expectation 1.5 bins = 12 pixels */
    scores[2 * CLASSES + 1] = 0.5f;
    is_int(amass_vision_decode_nanodet(&level, CLASSES, BINS, 0.3f, 64, 64, &list, &status), AMASS_OK,
           "nanodet: decodes");
    is_int(list.count, 2, "nanodet: the two scores >= 0.3, not the 0.29");
    if (list.count == 2) {
        ok(list.items[0].index == 2 && list.items[0].score == 0.9f, "nanodet: class and score of cell (1, 0)");
        ok(same_box(list.items[0].box, 4, 0, 36, 4, 1e-3f), "nanodet: one-hot bins times the stride; top clamped to 0");
        ok(list.items[1].index == 1 && same_box(list.items[1].box, 0, 0, 16, 24, 1e-3f),
           "nanodet: uniform bins give the middle distance (clamped at the left)");
    }
    list.count = 0;
    is_int(amass_vision_decode_nanodet(&level, CLASSES, BINS, 0.3f, 30, 20, &list, &status), AMASS_OK,
           "nanodet: decodes into a small input");
    ok(list.count == 2 && same_box(list.items[0].box, 4, 0, 30, 4, 1e-3f), "nanodet: boxes clamped to the input");

    list.count = 0;
    level.stride = 0;
    is_int(amass_vision_decode_nanodet(&level, CLASSES, BINS, 0.3f, 64, 64, &list, &status), AMASS_ERR_USAGE,
           "nanodet: stride 0 refused");
    ok(strstr(status.message, "not a NanoDet head") != NULL, "nanodet: the message says why");
    level.stride = 8;
    is_int(amass_vision_decode_nanodet(&level, CLASSES, 0, 0.3f, 64, 64, &list, &status), AMASS_ERR_USAGE,
           "nanodet: no bins refused");
    amass_vision_detection_list_free(&list);
}

static void test_centernet(void)
{
    enum { W = 4, H = 3, CLASSES = 2 };
    float heatmap[H * W * CLASSES] = {0}, distances[H * W * 4] = {0};
    amass_vision_detection_list list;
    amass_status status;
    size_t i;
    amass_status_clear(&status);
    amass_vision_detection_list_init(&list);
#define HEAT(x, y, c) heatmap[((y) * W + (x)) * CLASSES + (c)]
    HEAT(2, 1, 0) = 0.8f;   /* a peak */
    HEAT(2, 2, 0) = 0.7f;   /* its neighbour: not a peak */
    HEAT(0, 0, 1) = 0.5f;   /* a plateau of two: both peaks */
    HEAT(1, 0, 1) = 0.5f;
    HEAT(3, 2, 1) = 0.6f;   /* a peak in the corner */
    HEAT(2, 1, 1) = 0.2f;   /* a peak below the threshold */
    for (i = 0; i < 4; i++)
        distances[(1 * W + 2) * 4 + i] = (float)(i + 1);   /* point (8, 4): box (7, 2, 11, 8) */
    distances[(2 * W + 3) * 4 + 2] = 100;                  /* right side past the input */
    is_int(amass_vision_decode_centernet(heatmap, distances, W, H, CLASSES, 4.0f, 0.3f, 0, 16, 12, &list, &status),
           AMASS_OK, "centernet: decodes");
    is_int(list.count, 4, "centernet: three peaks and a plateau of two, not the neighbour nor the weak one");
    if (list.count == 4) {
        ok(list.items[0].index == 0 && list.items[0].score == 0.8f, "centernet: highest peak first");
        ok(same_box(list.items[0].box, 7, 2, 11, 8, 1e-6f), "centernet: sides from (x, y) times the stride");
        ok(list.items[1].index == 1 && same_box(list.items[1].box, 12, 8, 16, 8, 1e-6f),
           "centernet: corner peak, right side clamped to the input");
        ok(list.items[2].score == 0.5f && list.items[2].box[0] == 0 && list.items[3].box[0] == 4,
           "centernet: equal peaks in heatmap order");
    }
    list.count = 0;
    is_int(amass_vision_decode_centernet(heatmap, distances, W, H, CLASSES, 4.0f, 0.3f, 2, 16, 12, &list, &status),
           AMASS_OK, "centernet: top 2");
    ok(list.count == 2 && list.items[0].score == 0.8f && list.items[1].score == 0.6f, "centernet: max_peaks keeps the best");
    list.count = 0;
    HEAT(2, 1, 0) = NAN;
    is_int(amass_vision_decode_centernet(heatmap, distances, W, H, CLASSES, 4.0f, 0.3f, 0, 16, 12, &list, &status),
           AMASS_OK, "centernet: a NaN in the heatmap");
    ok(list.count == 4 && list.items[0].score == 0.7f, "centernet: the NaN is no peak; its neighbour becomes one");
    is_int(amass_vision_decode_centernet(heatmap, distances, 0, H, CLASSES, 4.0f, 0.3f, 0, 16, 12, &list, &status),
           AMASS_ERR_USAGE, "centernet: an empty grid refused");
#undef HEAT
    amass_vision_detection_list_free(&list);
}

int main(void)
{
    test_nms();
    test_nanodet();
    test_centernet();
    return done_testing();
}
