/* The image feed: whatever the number of decoding threads and the depth
 * of the ring, images come back in input order with the tensors a plain
 * decode gives, bad files carry their reason, --shard and --resume
 * filters apply, and closing early neither hangs nor leaks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"
#include "models/models.h"
#include "tap.h"

#define N_NAMES 12

static char paths[N_NAMES][512];
static char *names[N_NAMES];
static amass_vision_preprocess_spec spec;

static void make_names(void)
{
    static const char *const files[N_NAMES] = {"scene.png",      "quadrants.jpg",   "missing.jpg",  "gray.jpg",
                                               "pattern.bmp",    "tone.wav",        "pattern.gif",  "cmyk.jpg",
                                               "pattern.png",    "quadrants.webp",  "scene-tall.png", "orientation-6.jpg"};
    const char *top = getenv("top_srcdir");
    int i;
    for (i = 0; i < N_NAMES; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/testdata/images/%s", top ? top : ".", files[i]);
        names[i] = paths[i];
    }
}

static int is_bad(int i)
{
    return strstr(names[i], "missing.jpg") || strstr(names[i], "tone.wav");
}

/* The tensor of one image decoded here, on this thread. */
static float *reference_tensor(const char *path)
{
    size_t count = amass_vision_preprocess_output_count(&spec);
    float *tensor = malloc(count * sizeof *tensor);
    amass_image image;
    amass_status status;
    amass_status_clear(&status);
    if (!tensor || amass_media_image_load(path, &image, &status) != AMASS_OK) {
        free(tensor);
        return NULL;
    }
    if (amass_vision_preprocess(&spec, &image, tensor, NULL, &status) != AMASS_OK) {
        free(tensor);
        tensor = NULL;
    }
    amass_media_image_free(&image);
    return tensor;
}

static void test_order(int n_threads, size_t depth, float *const *want)
{
    size_t count = amass_vision_preprocess_output_count(&spec);
    amass_status status;
    amass_input_list *inputs;
    amass_image_feed *feed;
    amass_image_feed_item item;
    int i = 0, result, in_order = 1, same = 1, reasons = 1;
    char label[160];
    amass_status_clear(&status);
    inputs = amass_io_inputs_open(names, N_NAMES, NULL, 0, &status);
    feed = inputs ? amass_image_feed_open(inputs, NULL, NULL, &spec, n_threads, depth, &status) : NULL;
    snprintf(label, sizeof label, "%d threads, depth %zu: the feed opens", n_threads, depth);
    if (!ok(feed != NULL, label)) {
        printf("#   %s\n", status.message);
        amass_io_inputs_close(inputs);
        return;
    }
    while ((result = amass_image_feed_next(feed, &item, &status)) == 1) {
        if (i >= N_NAMES || strcmp(item.name, names[i]) != 0) {
            in_order = 0;
            break;
        }
        if (is_bad(i))
            reasons &= !item.tensor && item.problem && strncmp(item.problem, names[i], strlen(names[i])) == 0;
        else
            same &= item.tensor && want[i] && memcmp(item.tensor, want[i], count * sizeof(float)) == 0;
        i++;
    }
    snprintf(label, sizeof label, "%d threads, depth %zu: every input once, in input order", n_threads, depth);
    ok(result == 0 && in_order && i == N_NAMES, label);
    snprintf(label, sizeof label, "%d threads, depth %zu: tensors identical to a plain decode", n_threads, depth);
    ok(same, label);
    snprintf(label, sizeof label, "%d threads, depth %zu: bad files come with a reason naming them", n_threads, depth);
    ok(reasons, label);
    snprintf(label, sizeof label, "%d threads, depth %zu: the end stays the end", n_threads, depth);
    ok(amass_image_feed_next(feed, &item, &status) == 0, label);
    amass_image_feed_close(feed);
    amass_io_inputs_close(inputs);
}

static void test_filters_and_early_close(void)
{
    amass_status status;
    amass_input_list *inputs;
    amass_image_feed *feed;
    amass_image_feed_item item;
    amass_shard shard;
    int kept = 0, all_kept_by_shard = 1, i;
    amass_status_clear(&status);
    if (amass_io_shard_parse("1/3", &shard, &status) != AMASS_OK) {
        ok(0, "shard 1/3 parses");
        return;
    }
    inputs = amass_io_inputs_open(names, N_NAMES, NULL, 0, &status);
    feed = amass_image_feed_open(inputs, &shard, NULL, &spec, 3, 2, &status);
    while (feed && amass_image_feed_next(feed, &item, &status) == 1) {
        kept++;
        all_kept_by_shard &= amass_io_shard_keeps(&shard, item.name, strlen(item.name));
    }
    for (i = 0; i < N_NAMES; i++)
        kept -= amass_io_shard_keeps(&shard, names[i], strlen(names[i]));
    ok(feed && kept == 0 && all_kept_by_shard, "--shard: exactly the shard's inputs come out");
    amass_image_feed_close(feed);
    amass_io_inputs_close(inputs);

    inputs = amass_io_inputs_open(names, N_NAMES, NULL, 0, &status);
    feed = amass_image_feed_open(inputs, NULL, NULL, &spec, 4, 3, &status);
    ok(feed && amass_image_feed_next(feed, &item, &status) == 1 && strcmp(item.name, names[0]) == 0,
       "a feed stopped after one item");
    amass_image_feed_close(feed);
    amass_io_inputs_close(inputs);
    ok(1, "closes with its workers still busy, without hanging");
}

int main(void)
{
    float *want[N_NAMES];
    int i;
    make_names();
    amass_vision_preprocess_spec_imagenet(&spec);
    spec.resize_shorter = 20;
    spec.crop_width = spec.crop_height = 16;
    for (i = 0; i < N_NAMES; i++)
        want[i] = is_bad(i) ? NULL : reference_tensor(names[i]);
    for (i = 0; i < N_NAMES; i++)
        if (!is_bad(i) && !want[i])
            printf("# %s does not decode here\n", names[i]);
    test_order(1, 1, want);
    test_order(1, 8, want);
    test_order(4, 1, want);
    test_order(4, 3, want);
    test_order(8, 20, want);
    test_filters_and_early_close();
    for (i = 0; i < N_NAMES; i++)
        free(want[i]);
    return done_testing();
}
