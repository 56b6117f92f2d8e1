/* NanoDet's head decoded: per-cell class scores and distribution-focal
 * box sides (Li et al., "Generalized Focal Loss", 2020). */
#include "config.h"

#include <math.h>

#include "detect.h"

/* Bins beyond this are not a NanoDet head (its reg_max is 7 or 10). */
#define MAX_BINS 64

/* The expected bin of one side: softmax over the bins (maximum first
 * subtracted, so exp cannot overflow), then sum of k * p(k). */
static double expected_bin(const float *logits, size_t n_bins)
{
    double weights[MAX_BINS], sum = 0, expectation = 0;
    float max = logits[0];
    size_t k;
    for (k = 1; k < n_bins; k++)
        if (logits[k] > max)
            max = logits[k];
    for (k = 0; k < n_bins; k++) {
        weights[k] = exp((double)logits[k] - (double)max);
        sum += weights[k];
    }
    for (k = 0; k < n_bins; k++)
        expectation += (double)k * weights[k];
    return expectation / sum;
}

static float clamp(double value, double high)
{
    return (float)(value < 0 ? 0 : value > high ? high : value);
}

amass_code amass_vision_decode_nanodet(const amass_vision_nanodet_level *level, size_t n_classes, size_t n_bins,
                                       float threshold, int input_width, int input_height,
                                       amass_vision_detection_list *out, amass_status *status)
{
    int x, y;
    if (n_bins < 1 || n_bins > MAX_BINS || n_classes < 1 || level->grid_width < 1 || level->grid_height < 1 ||
        !(level->stride > 0))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "nanodet: a %d x %d grid, stride %g, %zu classes and %zu bins per side is not a NanoDet head",
                          level->grid_width, level->grid_height, (double)level->stride, n_classes, n_bins);
    for (y = 0; y < level->grid_height; y++) {
        for (x = 0; x < level->grid_width; x++) {
            size_t cell = (size_t)y * (size_t)level->grid_width + (size_t)x, c;
            const float *scores = level->scores + cell * n_classes;
            const float *sides = level->distances + cell * 4 * n_bins;
            double centre_x = (x + 0.5) * level->stride, centre_y = (y + 0.5) * level->stride;
            float box[4];
            int have_box = 0;
            for (c = 0; c < n_classes; c++) {
                if (!(scores[c] >= threshold))
                    continue;
                /* Most cells score nothing: decode the sides only for a cell that does. */
                if (!have_box) {
                    box[0] = clamp(centre_x - expected_bin(sides, n_bins) * level->stride, input_width);
                    box[1] = clamp(centre_y - expected_bin(sides + n_bins, n_bins) * level->stride, input_height);
                    box[2] = clamp(centre_x + expected_bin(sides + 2 * n_bins, n_bins) * level->stride, input_width);
                    box[3] = clamp(centre_y + expected_bin(sides + 3 * n_bins, n_bins) * level->stride, input_height);
                    have_box = 1;
                }
                if (amass_vision_detection_list_push(out, c, scores[c], box, status) != AMASS_OK)
                    return status->code;
            }
        }
    }
    return AMASS_OK;
}
