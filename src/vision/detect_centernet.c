/* CenterNet's heads decoded: class heatmap peaks (Zhou et al., "Objects
 * as Points", 2019) with TTFNet-style distances to the four sides. */
#include "config.h"

#include <stdlib.h>

#include "detect.h"

/* A value no smaller than any neighbour of its 3x3 window: what
 * max_pool(3x3, stride 1, same padding) == heatmap tests in the model's
 * graph, so plateaus keep every equal cell, as there. */
static int is_peak(const float *heatmap, int grid_width, int grid_height, size_t n_classes, int x, int y, size_t c)
{
    float value = heatmap[((size_t)y * (size_t)grid_width + (size_t)x) * n_classes + c];
    int dx, dy;
    for (dy = -1; dy <= 1; dy++) {
        for (dx = -1; dx <= 1; dx++) {
            int nx = x + dx, ny = y + dy;
            if ((dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= grid_width || ny >= grid_height)
                continue;
            if (heatmap[((size_t)ny * (size_t)grid_width + (size_t)nx) * n_classes + c] > value)
                return 0;
        }
    }
    return 1;
}

/* Highest score first; equal scores in heatmap order (the order they
 * were found), so the top-K cut is deterministic. */
typedef struct {
    float score;
    size_t order, cell, index;
} peak;

static int compare_peaks(const void *a_pointer, const void *b_pointer)
{
    const peak *a = a_pointer, *b = b_pointer;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static float clamp(double value, double high)
{
    return (float)(value < 0 ? 0 : value > high ? high : value);
}

amass_code amass_vision_decode_centernet(const float *heatmap, const float *distances, int grid_width, int grid_height,
                                         size_t n_classes, float stride, float threshold, size_t max_peaks,
                                         int input_width, int input_height, amass_vision_detection_list *out,
                                         amass_status *status)
{
    peak *peaks = NULL;
    size_t n_peaks = 0, capacity = 0, i;
    int x, y;
    amass_code code = AMASS_OK;
    if (grid_width < 1 || grid_height < 1 || n_classes < 1 || !(stride > 0))
        return amass_fail(status, AMASS_ERR_USAGE, "centernet: a %d x %d grid, stride %g and %zu classes is not a CenterNet head",
                          grid_width, grid_height, (double)stride, n_classes);
    for (y = 0; y < grid_height; y++) {
        for (x = 0; x < grid_width; x++) {
            size_t cell = (size_t)y * (size_t)grid_width + (size_t)x, c;
            for (c = 0; c < n_classes; c++) {
                float score = heatmap[cell * n_classes + c];
                if (!(score >= threshold) || !is_peak(heatmap, grid_width, grid_height, n_classes, x, y, c))
                    continue;
                if (n_peaks == capacity) {
                    size_t grown = capacity ? capacity * 2 : 64;
                    peak *more = amass_realloc_array(peaks, grown, sizeof *more);
                    if (!more) {
                        free(peaks);
                        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %zu heatmap peaks", grown);
                    }
                    peaks = more;
                    capacity = grown;
                }
                peaks[n_peaks].score = score;
                peaks[n_peaks].order = n_peaks;
                peaks[n_peaks].cell = cell;
                peaks[n_peaks].index = c;
                n_peaks++;
            }
        }
    }
    if (n_peaks > 1)
        qsort(peaks, n_peaks, sizeof *peaks, compare_peaks);
    if (max_peaks && n_peaks > max_peaks)
        n_peaks = max_peaks;
    for (i = 0; i < n_peaks && code == AMASS_OK; i++) {
        const float *sides = distances + peaks[i].cell * 4;
        double point_x = (double)(peaks[i].cell % (size_t)grid_width) * stride;
        double point_y = (double)(peaks[i].cell / (size_t)grid_width) * stride;
        float box[4];
        box[0] = clamp(point_x - sides[0], input_width);
        box[1] = clamp(point_y - sides[1], input_height);
        box[2] = clamp(point_x + sides[2], input_width);
        box[3] = clamp(point_y + sides[3], input_height);
        code = amass_vision_detection_list_push(out, peaks[i].index, peaks[i].score, box, status);
    }
    free(peaks);
    return code;
}
