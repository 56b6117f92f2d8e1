/* Image decoding: every supported format gives the pixels that were
 * written, EXIF orientation turns pictures upright, and bad files (empty,
 * cut short, not images, absurd sizes) fail with a message naming them. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/media.h"
#include "tap.h"

static char images[4096], scratch[64] = "/tmp/amass-media-test-XXXXXX";

static const char *image_path(const char *name)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", images, name);
    return path;
}

/* testdata/images/make-images: pattern.* are 20 x 12 with this pixel at (x, y) */
static void pattern_pixel(int x, int y, int rgb[3])
{
    rgb[0] = x * 12;
    rgb[1] = y * 20;
    rgb[2] = (x * 7 + y * 13) % 256;
}

static const int quadrant_colours[4][3] = {{220, 30, 30}, {30, 200, 40}, {40, 50, 210}, {230, 220, 40}};

static int pixel_within(const amass_image *image, int x, int y, const int want[3], int tolerance)
{
    const uint8_t *p = image->pixels + ((size_t)y * image->width + x) * 3;
    for (int c = 0; c < 3; c++)
        if (abs(p[c] - want[c]) > tolerance) {
            printf("#   pixel (%d, %d) is %d %d %d, want %d %d %d\n", x, y, p[0], p[1], p[2], want[0], want[1], want[2]);
            return 0;
        }
    return 1;
}

static void test_lossless(const char *name)
{
    amass_image image;
    amass_status status;
    char label[256];
    int x, y, same = 1;
    amass_status_clear(&status);
    snprintf(label, sizeof label, "%s decodes", name);
    if (!ok(amass_media_image_load(image_path(name), &image, &status) == AMASS_OK, label)) {
        printf("#   %s\n", status.message);
        return;
    }
    snprintf(label, sizeof label, "%s is 20 x 12 RGB", name);
    ok(image.width == 20 && image.height == 12 && image.channels == 3 && image.orientation == 1, label);
    for (y = 0; y < 12 && same; y++)
        for (x = 0; x < 20 && same; x++) {
            int want[3];
            pattern_pixel(x, y, want);
            same = pixel_within(&image, x, y, want, 0);
        }
    snprintf(label, sizeof label, "%s: every pixel exact", name);
    ok(same, label);
    amass_media_image_free(&image);
    ok(image.pixels == NULL && image.width == 0, "free empties the image");
}

/* The 64 x 32 quadrant picture, upright, checked at the block centres. */
static void check_quadrants(const char *name, int tolerance, int orientation)
{
    static const int centres[4][2] = {{16, 8}, {48, 8}, {16, 24}, {48, 24}};
    amass_image image;
    amass_status status;
    char label[256];
    int q, good = 1;
    amass_status_clear(&status);
    snprintf(label, sizeof label, "%s decodes", name);
    if (!ok(amass_media_image_load(image_path(name), &image, &status) == AMASS_OK, label)) {
        printf("#   %s\n", status.message);
        return;
    }
    snprintf(label, sizeof label, "%s is 64 x 32 once upright (orientation %d)", name, orientation);
    ok(image.width == 64 && image.height == 32 && image.orientation == orientation, label);
    if (image.width == 64 && image.height == 32)
        for (q = 0; q < 4; q++)
            good &= pixel_within(&image, centres[q][0], centres[q][1], quadrant_colours[q], tolerance);
    snprintf(label, sizeof label, "%s: quadrant colours in place", name);
    ok(good, label);
    amass_media_image_free(&image);
}

/* Flat (200, 60, 90) at 37 x 23: every pixel, edges included. */
static void test_flat(const char *name)
{
    static const int flat[3] = {200, 60, 90};
    amass_image image;
    amass_status status;
    char label[128];
    int x, y, same = 1;
    amass_status_clear(&status);
    snprintf(label, sizeof label, "%s decodes at 37 x 23", name);
    if (!ok(amass_media_image_load(image_path(name), &image, &status) == AMASS_OK && image.width == 37 &&
                image.height == 23,
            label))
        return;
    for (y = 0; y < 23 && same; y++)
        for (x = 0; x < 37 && same; x++)
            same = pixel_within(&image, x, y, flat, 3);
    snprintf(label, sizeof label, "%s: every pixel within 3 of the flat colour", name);
    ok(same, label);
    amass_media_image_free(&image);
}

static void test_gray(void)
{
    amass_image image;
    amass_status status;
    int x, y, q, same = 1;
    amass_status_clear(&status);
    if (ok(amass_media_image_load(image_path("gray-16bit.png"), &image, &status) == AMASS_OK,
           "16-bit gray PNG decodes")) {
        ok(image.width == 16 && image.height == 8, "16-bit gray PNG is 16 x 8");
        /* stored as 257 * v: narrowed to exactly v on all three channels */
        for (y = 0; y < 8 && same; y++)
            for (x = 0; x < 16 && same; x++) {
                int v = (x * 16 + y) % 256, want[3] = {v, v, v};
                same = pixel_within(&image, x, y, want, 0);
            }
        ok(same, "16-bit gray PNG: every pixel exact, gray on R, G and B");
        amass_media_image_free(&image);
    }
    if (ok(amass_media_image_load(image_path("gray.jpg"), &image, &status) == AMASS_OK, "gray JPEG decodes")) {
        static const int centres[4][2] = {{16, 8}, {48, 8}, {16, 24}, {48, 24}};
        same = image.width == 64 && image.height == 32;
        /* PIL's convert("L"): ITU-R 601-2 luma, full range (no 16-235) */
        for (q = 0; q < 4 && same; q++) {
            const int *c = quadrant_colours[q];
            int v = (c[0] * 299 + c[1] * 587 + c[2] * 114 + 500) / 1000, want[3] = {v, v, v};
            same = pixel_within(&image, centres[q][0], centres[q][1], want, 3);
        }
        ok(same, "gray JPEG: full-range gray levels on R, G and B");
        amass_media_image_free(&image);
    }
}

/* A failure returns the code, empties the image and names the file. */
static void expect_failure(const char *path, amass_code code, const char *fragment, const char *label)
{
    amass_image image;
    amass_status status;
    amass_code got;
    size_t n = strlen(path);
    amass_status_clear(&status);
    memset(&image, 0x5a, sizeof image);
    got = amass_media_image_load(path, &image, &status);
    if (!ok(got == code && image.pixels == NULL && strncmp(status.message, path, n) == 0 &&
                status.message[n] == ':' && strstr(status.message + n, fragment),
            label))
        printf("#   code %s, message \"%s\", want %s and \"%s\"\n", amass_code_name(got), status.message,
               amass_code_name(code), fragment);
    amass_media_image_free(&image);
}

static const char *write_file(const char *name, const void *data, size_t size)
{
    static char path[256];
    FILE *file;
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    file = fopen(path, "wb");
    if (!file || (size && fwrite(data, 1, size, file) != size) || fclose(file) != 0) {
        printf("# cannot write %s\n", path);
        exit(1);
    }
    return path;
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    unsigned char *data = malloc(1 << 20);
    *size = file && data ? fread(data, 1, 1 << 20, file) : 0;
    if (file)
        fclose(file);
    return data;
}

/* Cut at many offsets: an error naming the file, or a picture of the full
 * size when FFmpeg accepts a partial decode (JPEG does), never a crash. */
static void test_truncated(const char *name, int width, int height)
{
    size_t size, cut;
    unsigned char *data = slurp(image_path(name), &size);
    int all_fine = 1, failures = 0, decoded = 0;
    char label[256];
    for (cut = 0; cut < size; cut += cut < 64 ? 7 : 41) {
        char cut_name[64];
        const char *path;
        amass_image image;
        amass_status status;
        size_t n;
        snprintf(cut_name, sizeof cut_name, "cut-%zu-%s", cut, name);
        path = write_file(cut_name, data, cut);
        n = strlen(path);
        amass_status_clear(&status);
        if (amass_media_image_load(path, &image, &status) == AMASS_OK) {
            decoded++;
            if (image.width != width || image.height != height || !image.pixels) {
                printf("#   %s: %d x %d\n", path, image.width, image.height);
                all_fine = 0;
            }
            amass_media_image_free(&image);
        } else {
            failures++;
            if (status.code != AMASS_ERR_INPUT || strncmp(status.message, path, n) != 0 || image.pixels) {
                printf("#   %s: %s\n", path, status.message);
                all_fine = 0;
            }
        }
        unlink(path);
    }
    snprintf(label, sizeof label, "%s cut short anywhere: an input error naming the file or the full-size picture (%d failed, %d decoded)",
             name, failures, decoded);
    ok(all_fine && failures > 0, label);
    free(data);
}

static void test_bad_input(void)
{
    char text[] = "this is a text file, not a picture\nsecond line\n";
    char path[256];
    expect_failure(write_file("empty.jpg", "", 0), AMASS_ERR_INPUT, ": not an image: the file is empty",
                   "empty file: not an image, saying it is empty");
    expect_failure(write_file("notes.jpg", text, sizeof text - 1), AMASS_ERR_INPUT,
                   ": not an image: Invalid data found when processing input",
                   "text file: not an image, with FFmpeg's reason");
    expect_failure(image_path("tone.wav"), AMASS_ERR_INPUT, ": not an image: it is a WAV",
                   "WAV audio: not an image, saying what it is");
    expect_failure(image_path("clip.mkv"), AMASS_ERR_INPUT, ": not an image: it is a Matroska",
                   "video file: not an image");
    expect_failure(image_path("huge-side.png"), AMASS_ERR_INPUT, ": image too large: 40000 x 8 pixels",
                   "PNG declaring 40000 x 8: refused, with its size");
    expect_failure(image_path("huge-area.png"), AMASS_ERR_INPUT, ": image too large: 20000 x 20000 pixels",
                   "PNG declaring 20000 x 20000: refused, with its size");
    snprintf(path, sizeof path, "%s/missing.png", scratch);
    expect_failure(path, AMASS_ERR_INPUT, ": No such file or directory", "missing file: the system's reason");
    snprintf(path, sizeof path, "%s", scratch);
    expect_failure(path, AMASS_ERR_INPUT, ": is a directory", "a directory: an input error saying so");
}

static void test_limits(void)
{
    amass_image_limits limits = {20, 240};
    amass_image image;
    amass_status status;
    amass_status_clear(&status);
    ok(amass_media_image_load_limited(image_path("pattern.png"), &limits, &image, &status) == AMASS_OK,
       "an image exactly at the limits decodes");
    amass_media_image_free(&image);
    limits.max_pixels = 239;
    ok(amass_media_image_load_limited(image_path("pattern.png"), &limits, &image, &status) == AMASS_ERR_INPUT &&
           strstr(status.message, "image too large: 20 x 12 pixels"),
       "one pixel over the area limit: refused");
    limits.max_pixels = 1000;
    limits.max_side = 19;
    ok(amass_media_image_load_limited(image_path("pattern.gif"), &limits, &image, &status) == AMASS_ERR_INPUT &&
           strstr(status.message, "image too large"),
       "one pixel over the side limit (GIF, known from its header): refused");
}

/* Names are file names, never FFmpeg protocols or image-sequence patterns. */
static void test_odd_names(void)
{
    static const char *const names[] = {"img%03d.png", "concat:a.png", "file:b.png", "-"};
    size_t size, i;
    unsigned char *data = slurp(image_path("pattern.png"), &size);
    char here[4096];
    if (!getcwd(here, sizeof here) || chdir(scratch) != 0) {
        ok(0, "enter the scratch directory");
        free(data);
        return;
    }
    for (i = 0; i < sizeof names / sizeof *names; i++) {
        amass_image image;
        amass_status status;
        char label[128];
        FILE *file = fopen(names[i], "wb");
        if (file) {
            fwrite(data, 1, size, file);
            fclose(file);
        }
        amass_status_clear(&status);
        snprintf(label, sizeof label, "a file named \"%s\" is read as that file", names[i]);
        ok(amass_media_image_load(names[i], &image, &status) == AMASS_OK && image.width == 20, label);
        amass_media_image_free(&image);
        unlink(names[i]);
    }
    if (chdir(here) != 0)
        printf("# cannot return to %s\n", here);
    free(data);
}

/* The scratch directory is flat; it goes at exit, whichever way the test
 * leaves (write_file exits on failure), so runs do not pile up in /tmp. */
static void remove_scratch(void)
{
    DIR *directory = opendir(scratch);
    struct dirent *entry;
    char path[4200];
    if (directory) {
        while ((entry = readdir(directory))) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", scratch, entry->d_name);
            unlink(path);
        }
        closedir(directory);
    }
    if (rmdir(scratch) != 0)
        printf("# cannot remove %s\n", scratch);
}

int main(void)
{
    static const char *const lossless[] = {"pattern.png", "pattern.bmp", "pattern.tif", "pattern-lossless.webp",
                                           "pattern.gif", "pattern-alpha.png", "pattern-palette.png",
                                           "pattern-16bit.png", "pattern-animated.png"};
    const char *top = getenv("top_srcdir");
    size_t i;
    snprintf(images, sizeof images, "%s/testdata/images", top ? top : ".");
    if (!mkdtemp(scratch)) {
        printf("Bail out! cannot make a scratch directory\n");
        return 1;
    }
    atexit(remove_scratch);
    for (i = 0; i < sizeof lossless / sizeof *lossless; i++)
        test_lossless(lossless[i]);
    check_quadrants("quadrants.jpg", 6, 1);
    check_quadrants("quadrants.webp", 6, 1);
    check_quadrants("cmyk.jpg", 6, 1);
    for (int o = 1; o <= 8; o++) {
        char name[32];
        snprintf(name, sizeof name, "orientation-%d.jpg", o);
        check_quadrants(name, 6, o);
    }
    check_quadrants("orientation-6.webp", 6, 6);
    check_quadrants("orientation-6.png", 0, 6);
    check_quadrants("orientation-6.tif", 0, 6);
    test_gray();
    test_flat("flat-odd-420.jpg");
    test_flat("flat-odd-422.jpg");
    test_bad_input();
    test_limits();
    test_truncated("quadrants.jpg", 64, 32);
    test_truncated("pattern.png", 20, 12);
    test_truncated("pattern.gif", 20, 12);
    test_truncated("pattern-lossless.webp", 20, 12);
    test_odd_names();
    return done_testing();
}
