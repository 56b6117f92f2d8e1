/* The vision preprocess gives the tensors torchvision (PIL resize, centre
 * crop, ToTensor, Normalize) and a YOLO-style letterbox give, to the
 * numbers testdata/images/make-preprocess-expected computed with PIL and
 * numpy; boxes map back to input pixels; bad specs are refused. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "tap.h"
#include "vision/vision.h"

static char images[4096];

static void run_case(FILE *expected)
{
    char name[64], file[64], mode[16], layout[8], label[256], path[4200];
    amass_vision_preprocess_spec spec;
    amass_vision_transform transform;
    double transform_want[4], worst = 0, tolerance;
    amass_image image;
    amass_status status;
    float *got;
    size_t count, i;
    int bgr;
    memset(&spec, 0, sizeof spec);
    if (fscanf(expected, "%63s %63s %15s %d %d %d %f %f %f %f %f %f %f %7s %d %f %lf", name, file, mode,
               &spec.resize_shorter, &spec.crop_width, &spec.crop_height, &spec.scale, &spec.mean[0], &spec.mean[1],
               &spec.mean[2], &spec.std[0], &spec.std[1], &spec.std[2], layout, &bgr, &spec.pad_value,
               &tolerance) != 17 ||
        fscanf(expected, " transform %lf %lf %lf %lf values %zu", &transform_want[0], &transform_want[1],
               &transform_want[2], &transform_want[3], &count) != 5) {
        ok(0, "expected-values file parses");
        exit(done_testing());
    }
    spec.resize_mode = strcmp(mode, "shorter") == 0   ? AMASS_VISION_RESIZE_SHORTER_THEN_CROP
                       : strcmp(mode, "stretch") == 0 ? AMASS_VISION_RESIZE_STRETCH
                                                      : AMASS_VISION_RESIZE_LETTERBOX;
    spec.layout = strcmp(layout, "nchw") == 0 ? AMASS_VISION_LAYOUT_NCHW : AMASS_VISION_LAYOUT_NHWC;
    spec.bgr = bgr;
    snprintf(path, sizeof path, "%s/%s", images, file);
    amass_status_clear(&status);
    if (amass_media_image_load(path, &image, &status) != AMASS_OK) {
        ok(0, status.message);
        return;
    }
    snprintf(label, sizeof label, "%s: %zu values", name, count);
    is_int(amass_vision_preprocess_output_count(&spec), count, label);
    got = malloc(count * sizeof *got);
    snprintf(label, sizeof label, "%s: preprocess succeeds", name);
    ok(amass_vision_preprocess(&spec, &image, got, &transform, &status) == AMASS_OK, label);
    for (i = 0; i < count; i++) {
        double want;
        if (fscanf(expected, "%lf", &want) != 1) {
            ok(0, "expected values parse");
            exit(done_testing());
        }
        if (fabs(got[i] - want) > worst)
            worst = fabs(got[i] - want);
    }
    snprintf(label, sizeof label, "%s: every value within %g of PIL + numpy (worst %g)", name, tolerance, worst);
    ok(worst <= tolerance, label);
    snprintf(label, sizeof label, "%s: transform scale and offset", name);
    ok(fabs(transform.scale_x - transform_want[0]) < 1e-6 && fabs(transform.scale_y - transform_want[1]) < 1e-6 &&
           transform.offset_x == transform_want[2] && transform.offset_y == transform_want[3],
       label);
    free(got);
    amass_media_image_free(&image);
}

static void test_expected(void)
{
    char path[4200], word[16];
    FILE *expected;
    snprintf(path, sizeof path, "%s/preprocess-expected.txt", images);
    expected = fopen(path, "r");
    if (!ok(expected != NULL, "preprocess-expected.txt opens"))
        return;
    while (fscanf(expected, " %15s", word) == 1 && strcmp(word, "case") == 0)
        run_case(expected);
    fclose(expected);
}

static void test_resize(void)
{
    /* 4 x 1 halved: the triangle filter is stretched to 2 input pixels on
     * each side, so each output blends three inputs, not two */
    static const uint8_t ramp[12] = {0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40};
    uint8_t out[6], same[12];
    amass_status status;
    amass_status_clear(&status);
    ok(amass_vision_resize_bilinear(ramp, 4, 1, out, 2, 1, &status) == AMASS_OK, "resize 4 x 1 to 2 x 1");
    /* output 0 centres on input 1.0 and sees inputs 0..2 at distances
     * 0.5, 0.5, 1.5 halved: (3*0 + 3*100 + 1*200) / 7 = 71.4; output 1
     * sees inputs 1..3: (1*100 + 3*200 + 3*40) / 7 = 117.1 (PIL agrees) */
    is_int(out[0], 71, "antialiased halving: first pixel weighs 3:3:1 (PIL)");
    is_int(out[3], 117, "antialiased halving: second pixel weighs 1:3:3 (PIL)");
    ok(amass_vision_resize_bilinear(ramp, 4, 1, same, 4, 1, &status) == AMASS_OK && memcmp(same, ramp, 12) == 0,
       "resize to the same size copies");
    ok(amass_vision_resize_bilinear(ramp, 4, 1, out, 0, 1, &status) == AMASS_ERR_USAGE, "resize to 0 wide refused");
}

static void test_letterbox_boxes(void)
{
    /* 64 x 48 into 16 x 16: scale 0.25 -> 16 x 12, 2 rows of padding on top */
    amass_vision_preprocess_spec spec;
    amass_vision_transform transform;
    amass_image image = {64, 48, 3, NULL, 1};
    amass_status status;
    float *output, box[4] = {4, 4, 12, 14}, mapped[4];
    amass_vision_preprocess_spec_imagenet(&spec);
    spec.resize_mode = AMASS_VISION_RESIZE_LETTERBOX;
    spec.crop_width = spec.crop_height = 16;
    image.pixels = calloc(64 * 48 * 3, 1);
    output = malloc(amass_vision_preprocess_output_count(&spec) * sizeof *output);
    amass_status_clear(&status);
    ok(amass_vision_preprocess(&spec, &image, output, &transform, &status) == AMASS_OK, "letterbox 64 x 48 to 16 x 16");
    ok(transform.scale_x == 0.25 && transform.scale_y == 0.25 && transform.offset_x == 0 && transform.offset_y == 2,
       "letterbox: scale 0.25, offset 2 rows");
    amass_vision_box_to_input(&transform, box, mapped);
    ok(mapped[0] == 16 && mapped[1] == 8 && mapped[2] == 48 && mapped[3] == 48,
       "a box maps back to input pixels, clamped to the image");
    free(output);
    free(image.pixels);
}

static void test_bad_specs(void)
{
    amass_vision_preprocess_spec spec;
    amass_status status;
    amass_vision_preprocess_spec_imagenet(&spec);
    amass_status_clear(&status);
    ok(amass_vision_preprocess_check(&spec, &status) == AMASS_OK && spec.resize_shorter == 256 &&
           spec.crop_width == 224 && spec.crop_height == 224,
       "the ImageNet spec is torchvision's 256 / 224");
    is_int(amass_vision_preprocess_output_count(&spec), 3 * 224 * 224, "ImageNet input is 3 x 224 x 224 floats");
    spec.std[1] = 0;
    ok(amass_vision_preprocess_check(&spec, &status) == AMASS_ERR_USAGE && strstr(status.message, "std 2"),
       "std 0 refused, naming which");
    amass_vision_preprocess_spec_imagenet(&spec);
    spec.crop_width = 0;
    ok(amass_vision_preprocess_check(&spec, &status) == AMASS_ERR_USAGE, "output width 0 refused");
    amass_vision_preprocess_spec_imagenet(&spec);
    spec.mean[0] = NAN;
    ok(amass_vision_preprocess_check(&spec, &status) == AMASS_ERR_USAGE, "NaN mean refused");
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    snprintf(images, sizeof images, "%s/testdata/images", top ? top : ".");
    test_expected();
    test_resize();
    test_letterbox_boxes();
    test_bad_specs();
    return done_testing();
}
