/* amass_vision_annotate: boxes drawn where they belong, in their class's
 * colour, clipped to the picture; captions in the built-in font, non-ASCII
 * as '?'; and the JPEG writer's round trip through the image loader. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media/media.h"
#include "tap.h"
#include "vision/vision.h"

static const uint8_t background = 100;

static amass_image blank(int width, int height)
{
    amass_image image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.orientation = 1;
    image.pixels = malloc((size_t)width * height * 3);
    memset(image.pixels, background, (size_t)width * height * 3);
    return image;
}

static const uint8_t *pixel(const amass_image *image, int x, int y)
{
    return image->pixels + ((size_t)y * image->width + x) * 3;
}

static int is_colour(const amass_image *image, int x, int y, const uint8_t colour[3])
{
    return memcmp(pixel(image, x, y), colour, 3) == 0;
}

static int is_background(const amass_image *image, int x, int y)
{
    const uint8_t *p = pixel(image, x, y);
    return p[0] == background && p[1] == background && p[2] == background;
}

static int count_changed(const amass_image *image)
{
    int x, y, n = 0;
    for (y = 0; y < image->height; y++)
        for (x = 0; x < image->width; x++)
            n += !is_background(image, x, y);
    return n;
}

static void test_box(void)
{
    amass_image image = blank(100, 80);
    amass_vision_detection detection = {0, 0.9f, {10.0f, 30.0f, 60.0f, 70.0f}};
    amass_status status;
    uint8_t colour[3];
    amass_status_clear(&status);
    ok(amass_vision_annotate(&image, &detection, 1, NULL, 0, &status) == AMASS_OK, "one box, no caption");
    memcpy(colour, pixel(&image, 10, 50), 3);
    ok(!(colour[0] == colour[1] && colour[1] == colour[2]), "the left edge is drawn in a colour, not gray");
    ok(is_colour(&image, 11, 50, colour), "2 pixels thick: the second column too");
    ok(is_background(&image, 12, 50), "and not a third");
    ok(is_background(&image, 9, 50), "nothing left of the box");
    ok(is_colour(&image, 35, 30, colour) && is_colour(&image, 35, 31, colour) && is_background(&image, 35, 32),
       "top edge: rows 30 and 31");
    ok(is_colour(&image, 35, 69, colour) && is_colour(&image, 35, 68, colour) && is_background(&image, 35, 70),
       "bottom edge: rows 68 and 69, inside x1, y1");
    ok(is_colour(&image, 59, 50, colour) && is_background(&image, 60, 50), "right edge ends at x1");
    ok(is_background(&image, 35, 50), "the inside is left alone");
    is_int(count_changed(&image), 2 * 2 * 50 + 2 * 2 * 40 - 4 * 4, "exactly the outline's pixels change");
    free(image.pixels);
}

static void test_class_colours(void)
{
    amass_image image = blank(60, 20);
    amass_vision_detection detections[2] = {{0, 0.9f, {0, 0, 20, 20}}, {1, 0.8f, {30, 0, 50, 20}}};
    amass_status status;
    amass_status_clear(&status);
    amass_vision_annotate(&image, detections, 2, NULL, 0, &status);
    ok(memcmp(pixel(&image, 0, 10), pixel(&image, 30, 10), 3) != 0, "two classes, two colours");
    detections[1].index = 12;
    free(image.pixels);
    image = blank(60, 20);
    amass_vision_annotate(&image, detections, 2, NULL, 0, &status);
    ok(memcmp(pixel(&image, 0, 10), pixel(&image, 30, 10), 3) == 0, "class 12 wraps round to class 0's colour");
    free(image.pixels);
}

static void test_clipping(void)
{
    amass_image image = blank(40, 30);
    amass_vision_detection detections[3] = {{3, 0.5f, {-100.0f, -50.0f, 500.0f, 400.0f}},
                                            {4, 0.5f, {NAN, NAN, NAN, NAN}},
                                            {5, 0.5f, {200.0f, 200.0f, 300.0f, 300.0f}}};
    const char *captions[3] = {"far too long a caption for so small a picture", "nan", "outside"};
    amass_status status;
    amass_status_clear(&status);
    ok(amass_vision_annotate(&image, detections, 3, captions, 3, &status) == AMASS_OK,
       "boxes past every edge, NaN and outside the picture are drawn clipped, not refused");
    ok(!is_background(&image, 0, 29) && !is_background(&image, 39, 29), "the outsized box runs along the picture's edges");
    free(image.pixels);
    image = blank(40, 30);
    amass_vision_annotate(&image, detections + 1, 2, captions + 1, 2, &status);
    is_int(count_changed(&image), 0, "a NaN box and one outside the picture draw nothing, captions included");
    free(image.pixels);
}

static void test_captions(void)
{
    amass_image image = blank(100, 80), question = blank(100, 80), corner = blank(200, 60);
    amass_vision_detection detection = {0, 0.9f, {10.0f, 30.0f, 60.0f, 70.0f}};
    const char *accented[1] = {"caf\xc3\xa9"}, *plain[1] = {"caf?"};
    const char *labels[2] = {"dog 0.93", "cat 0.05"};
    amass_status status;
    uint8_t colour[3];
    int x, y, white = 0;
    amass_status_clear(&status);
    amass_vision_annotate(&image, &detection, 1, accented, 1, &status);
    amass_vision_annotate(&question, &detection, 1, plain, 1, &status);
    ok(memcmp(image.pixels, question.pixels, (size_t)100 * 80 * 3) == 0,
       "a two-byte UTF-8 letter is drawn as one '?'");
    memcpy(colour, pixel(&image, 10, 50), 3);
    ok(is_colour(&image, 10, 21, colour), "the caption band sits on the box's top edge, in the box's colour");
    ok(!is_background(&image, 10, 29) && is_background(&image, 10, 20), "9 pixels tall (7 + padding), above the box");
    (void)colour;
    ok(amass_vision_annotate(&corner, NULL, 0, labels, 2, &status) == AMASS_OK, "a classifier's labels: no boxes");
    ok(!is_background(&corner, 0, 0) && !is_background(&corner, 0, 17) && is_background(&corner, 0, 18),
       "two caption bands stacked in the top-left corner");
    for (y = 0; y < 18; y++)
        for (x = 0; x < 60; x++)
            white += memcmp(pixel(&corner, x, y), "\xff\xff\xff", 3) == 0;
    ok(white > 40, "with white letters on them");
    ok(is_background(&corner, 199, 59) && is_background(&corner, 100, 5), "the rest of the picture untouched");
    free(image.pixels);
    free(question.pixels);
    free(corner.pixels);
}

static void test_refusals(void)
{
    amass_image image = {0, 0, 3, NULL, 1};
    amass_status status;
    amass_status_clear(&status);
    is_int(amass_vision_annotate(&image, NULL, 0, NULL, 0, &status), AMASS_ERR_USAGE, "no pixels: refused");
}

static void test_jpeg_round_trip(void)
{
    char directory[] = "/tmp/amass-annotate-XXXXXX", path[256], missing[300];
    amass_image image = blank(97, 61), back;
    amass_vision_detection detection = {0, 0.9f, {20.0f, 10.0f, 80.0f, 50.0f}};
    amass_status status;
    uint8_t colour[3];
    amass_status_clear(&status);
    if (!mkdtemp(directory)) {
        ok(0, "a scratch directory");
        return;
    }
    /* a thicker outline than the 2 px lines, so 4:2:0 chroma has whole blocks to keep */
    amass_vision_annotate(&image, &detection, 1, NULL, 0, &status);
    detection.box[0] += 2, detection.box[1] += 2, detection.box[2] -= 2, detection.box[3] -= 2;
    amass_vision_annotate(&image, &detection, 1, NULL, 0, &status);
    memcpy(colour, pixel(&image, 20, 30), 3);
    snprintf(path, sizeof path, "%s/out.jpg", directory);
    ok(amass_media_image_save_jpeg(path, &image, &status) == AMASS_OK, "an odd-sized picture written as JPEG");
    ok(amass_media_image_load(path, &back, &status) == AMASS_OK, "and read back by the image loader");
    is_int(back.width, 97, "width kept");
    is_int(back.height, 61, "height kept");
    if (back.pixels) {
        const uint8_t *got = pixel(&back, 21, 30);
        ok(abs(got[0] - colour[0]) < 40 && abs(got[1] - colour[1]) < 40 && abs(got[2] - colour[2]) < 40,
           "the box edge keeps the box colour");
        got = pixel(&back, 50, 30);
        ok(abs(got[0] - background) < 8 && abs(got[1] - background) < 8 && abs(got[2] - background) < 8,
           "the inside stays gray");
    }
    amass_media_image_free(&back);
    snprintf(missing, sizeof missing, "%s/no/such/dir/out.jpg", directory);
    is_int(amass_media_image_save_jpeg(missing, &image, &status), AMASS_ERR_IO, "an unwritable path fails");
    ok(strstr(status.message, "no/such/dir/out.jpg: No such file or directory") != NULL, "naming the path and cause");
    ok(access(missing, F_OK) != 0, "leaving nothing behind");
    unlink(path);
    rmdir(directory);
    free(image.pixels);
}

int main(void)
{
    test_box();
    test_class_colours();
    test_clipping();
    test_captions();
    test_refusals();
    test_jpeg_round_trip();
    return done_testing();
}
