/* Bilinear resize as PIL computes it (Image.resize with Image.BILINEAR), so
 * models see the pixels they were trained and evaluated on through
 * torchvision's Resize on PIL images. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision.h"

/* PIL keeps weights in 22 bits so that 255 * sum(weights) plus rounding
 * fits an int32; the same precision gives the same roundings. */
#define WEIGHT_BITS 22

/* The taps of one output sample along one axis. */
typedef struct {
    int first, count;
} taps;

static double triangle(double x)
{
    if (x < 0)
        x = -x;
    return x < 1 ? 1 - x : 0;
}

/* Weights for resizing an axis of in_size samples to out_size: output
 * sample i covers input [(i + 0.5) * scale -/+ support] with support 1
 * input pixel when enlarging and `scale` input pixels when shrinking (the
 * filter stretched so that every input pixel contributes: antialias).
 * Returns the weights, max_taps per output sample, or NULL. */
static int32_t *axis_weights(int in_size, int out_size, taps *spans, int *max_taps_out)
{
    double scale = (double)in_size / out_size, filter_scale = scale < 1 ? 1 : scale;
    double support = filter_scale, inverse_scale = 1.0 / filter_scale;
    int max_taps = (int)support * 2 + 3, i, j;
    double *weights = amass_alloc_array((size_t)max_taps, sizeof *weights);
    int32_t *fixed = amass_calloc_array((size_t)out_size * (size_t)max_taps, sizeof *fixed);
    if (!weights || !fixed) {
        free(weights);
        free(fixed);
        return NULL;
    }
    for (i = 0; i < out_size; i++) {
        double center = (i + 0.5) * scale, total = 0;
        int first = (int)(center - support + 0.5), last = (int)(center + support + 0.5);
        if (first < 0)
            first = 0;
        if (last > in_size)
            last = in_size;
        if (last - first > max_taps)
            last = first + max_taps;
        for (j = first; j < last; j++) {
            /* times the inverse, not divided: PIL's rounding */
            weights[j - first] = triangle((j - center + 0.5) * inverse_scale);
            total += weights[j - first];
        }
        for (j = 0; j < last - first; j++) {
            double w = total != 0 ? weights[j] / total : 0;
            /* round half away from zero, as PIL does */
            fixed[(size_t)i * max_taps + j] = (int32_t)(w < 0 ? w * (1 << WEIGHT_BITS) - 0.5
                                                              : w * (1 << WEIGHT_BITS) + 0.5);
        }
        spans[i].first = first;
        spans[i].count = last - first;
    }
    free(weights);
    *max_taps_out = max_taps;
    return fixed;
}

static uint8_t to_byte(int32_t sum)
{
    sum >>= WEIGHT_BITS;
    return (uint8_t)(sum < 0 ? 0 : sum > 255 ? 255 : sum);
}

/* The two passes round to bytes in between, as PIL's two-pass resize does. */
static void resize_horizontal(const uint8_t *in, int in_width, int height, uint8_t *out, int out_width,
                              const int32_t *weights, const taps *spans, int max_taps)
{
    for (int y = 0; y < height; y++) {
        const uint8_t *row = in + (size_t)y * in_width * 3;
        uint8_t *out_row = out + (size_t)y * out_width * 3;
        for (int x = 0; x < out_width; x++) {
            const int32_t *k = weights + (size_t)x * max_taps;
            int32_t r = 1 << (WEIGHT_BITS - 1), g = r, b = r;
            const uint8_t *p = row + (size_t)spans[x].first * 3;
            for (int t = 0; t < spans[x].count; t++, p += 3) {
                r += p[0] * k[t];
                g += p[1] * k[t];
                b += p[2] * k[t];
            }
            out_row[x * 3] = to_byte(r);
            out_row[x * 3 + 1] = to_byte(g);
            out_row[x * 3 + 2] = to_byte(b);
        }
    }
}

/* Row by row into int32 sums (acc holds width * 3 of them): the inner
 * loop runs along a row, contiguous, vectorised (omp simd: -O2 alone
 * does not). */
static void resize_vertical(const uint8_t *in, int width, uint8_t *out, int out_height, const int32_t *weights,
                            const taps *spans, int max_taps, int32_t *acc)
{
    size_t row_bytes = (size_t)width * 3, i;
    for (int y = 0; y < out_height; y++) {
        const int32_t *k = weights + (size_t)y * max_taps;
        uint8_t *out_row = out + (size_t)y * row_bytes;
        for (i = 0; i < row_bytes; i++)
            acc[i] = 1 << (WEIGHT_BITS - 1);
        for (int t = 0; t < spans[y].count; t++) {
            const uint8_t *row = in + (size_t)(spans[y].first + t) * row_bytes;
            int32_t weight = k[t];
#pragma omp simd
            for (i = 0; i < row_bytes; i++)
                acc[i] += row[i] * weight;
        }
#pragma omp simd
        for (i = 0; i < row_bytes; i++)
            out_row[i] = to_byte(acc[i]);
    }
}

amass_code amass_vision_resize_bilinear(const uint8_t *pixels, int width, int height, uint8_t *out, int out_width,
                                        int out_height, amass_status *status)
{
    int32_t *weights_x = NULL, *weights_y = NULL;
    taps *spans_x = NULL, *spans_y = NULL;
    uint8_t *middle = NULL;
    int32_t *acc = NULL;
    int taps_x = 0, taps_y = 0;
    if (width <= 0 || height <= 0 || out_width <= 0 || out_height <= 0)
        return amass_fail(status, AMASS_ERR_USAGE, "resize: %d x %d to %d x %d: sizes must be positive", width,
                          height, out_width, out_height);
    if (width == out_width && height == out_height) {
        memcpy(out, pixels, (size_t)width * height * 3);
        return AMASS_OK;
    }
    spans_x = amass_alloc_array((size_t)out_width, sizeof *spans_x);
    spans_y = amass_alloc_array((size_t)out_height, sizeof *spans_y);
    middle = amass_alloc_array((size_t)out_width * 3, (size_t)height);
    acc = amass_alloc_array((size_t)out_width * 3, sizeof *acc);
    if (spans_x && spans_y && middle && acc) {
        weights_x = axis_weights(width, out_width, spans_x, &taps_x);
        weights_y = axis_weights(height, out_height, spans_y, &taps_y);
    }
    if (!weights_x || !weights_y) {
        free(spans_x);
        free(spans_y);
        free(middle);
        free(acc);
        free(weights_x);
        free(weights_y);
        return amass_fail(status, AMASS_ERR_NOMEM, "resize: out of memory for %d x %d to %d x %d", width, height,
                          out_width, out_height);
    }
    /* PIL skips a pass whose size does not change; the pass would be an
     * exact copy anyway, skipping it only saves time */
    if (width != out_width)
        resize_horizontal(pixels, width, height, middle, out_width, weights_x, spans_x, taps_x);
    else
        memcpy(middle, pixels, (size_t)width * height * 3);
    if (height != out_height)
        resize_vertical(middle, out_width, out, out_height, weights_y, spans_y, taps_y, acc);
    else
        memcpy(out, middle, (size_t)out_width * height * 3);
    free(spans_x);
    free(spans_y);
    free(middle);
    free(acc);
    free(weights_x);
    free(weights_y);
    return AMASS_OK;
}
