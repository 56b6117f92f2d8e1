/* JPEG's colour as libjpeg (and so PIL) produces it: chroma upsampled by
 * the "fancy" triangle filter, then JFIF's full-range YCbCr to RGB in
 * 16-bit fixed point, a row at a time. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "../base/base.h"
#include "media_internal.h"

/* Each output sample is 3/4 of the nearer and 1/4 of the farther stored
 * sample in each subsampled direction (chroma sited between luma samples,
 * as JFIF has it), edges repeated; rounded once at the end. swscale 5.1
 * interpolates such chroma horizontally but not vertically (nearest rows),
 * which put a sharp red/green edge up to 52 levels away from PIL. */
void amass_media_upsample_chroma_row(const uint8_t *plane, int stride, int source_width, int source_height,
                                     int shift_x, int shift_y, int y, uint16_t *column, uint8_t *out, int width)
{
    const uint8_t *near_row = plane + (size_t)(y >> shift_y) * stride, *far_row = near_row;
    int x, j;
    if (shift_y) {
        int far_y = y & 1 ? (y >> 1) + 1 : (y >> 1) - 1;
        far_y = far_y < 0 ? 0 : far_y >= source_height ? source_height - 1 : far_y;
        far_row = plane + (size_t)far_y * stride;
    }
    /* vertical blend, weights summing to 4 (3 + 1, or 4 + 0) */
    for (j = 0; j < source_width; j++)
        column[j] = (uint16_t)(3 * near_row[j] + far_row[j]);
    if (!shift_x) {
        for (x = 0; x < width; x++)
            out[x] = (uint8_t)((4 * column[x] + 8) >> 4);
        return;
    }
    /* horizontal: even outputs lean left, odd ones right; 16 in all */
    for (x = 0; x < width; x++) {
        int near = x >> 1, far = x & 1 ? near + 1 : near - 1;
        far = far < 0 ? 0 : far >= source_width ? source_width - 1 : far;
        out[x] = (uint8_t)((3 * column[near] + column[far] + 8) >> 4);
    }
}

/* JFIF (ITU-T T.871) coefficients in 16-bit fixed point, rounded to
 * nearest as libjpeg's tables are. */
#define FIXED(x) ((int32_t)((x) * 65536.0 + 0.5))
#define HALF (1 << 15)

static uint8_t clamp_byte(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int amass_media_jfif_to_rgb(const uint8_t *const planes[3], const int strides[3], int shift_x, int shift_y,
                            int width, int height, uint8_t *rgb)
{
    int source_width = (width + (1 << shift_x) - 1) >> shift_x;
    int source_height = (height + (1 << shift_y) - 1) >> shift_y;
    uint16_t *column = amass_alloc_array((size_t)source_width, sizeof *column);
    uint8_t *cb = amass_alloc_array((size_t)width, 2), *cr = cb ? cb + width : NULL;
    int x, y;
    if (!column || !cb) {
        free(column);
        free(cb);
        return -1;
    }
    for (y = 0; y < height; y++) {
        const uint8_t *luma = planes[0] + (size_t)y * strides[0];
        uint8_t *out = rgb + (size_t)y * width * 3;
        amass_media_upsample_chroma_row(planes[1], strides[1], source_width, source_height, shift_x, shift_y, y,
                                        column, cb, width);
        amass_media_upsample_chroma_row(planes[2], strides[2], source_width, source_height, shift_x, shift_y, y,
                                        column, cr, width);
        for (x = 0; x < width; x++) {
            int32_t l = luma[x], blue_difference = cb[x] - 128, red_difference = cr[x] - 128;
            /* arithmetic right shifts of negative sums, as libjpeg's */
            out[3 * x] = clamp_byte(l + ((FIXED(1.40200) * red_difference + HALF) >> 16));
            out[3 * x + 1] = clamp_byte(
                l + ((-FIXED(0.34414) * blue_difference - FIXED(0.71414) * red_difference + HALF) >> 16));
            out[3 * x + 2] = clamp_byte(l + ((FIXED(1.77200) * blue_difference + HALF) >> 16));
        }
    }
    free(column);
    free(cb);
    return 0;
}
