/* Images decoded ahead of inference: worker threads take the next input
 * name, decode and preprocess it into a ring of slots while the caller
 * runs the model on the previous batch; the caller takes the slots back
 * strictly in input order, so the output never depends on the timing. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../media/media.h"
#include "models.h"

typedef enum {
    SLOT_EMPTY,    /* free for a worker to claim */
    SLOT_BUSY,     /* a worker is decoding into it */
    SLOT_READY     /* waiting for the caller */
} slot_state;

typedef enum {
    SLOT_IMAGE,    /* tensor filled */
    SLOT_VIDEO,    /* video opened, for the caller to read */
    SLOT_BAD,      /* this input failed; problem says why */
    SLOT_END,      /* no more inputs */
    SLOT_FATAL     /* the run cannot go on; problem holds the status */
} slot_kind;

typedef struct {
    slot_state state;
    slot_kind kind;
    char *name;
    float *tensor;
    amass_vision_transform transform;   /* where the image's pixels went in the tensor */
    amass_status problem;
    amass_video_reader *video;   /* SLOT_VIDEO until the caller takes it */
    amass_image image;           /* kept when the feed keeps pictures */
} feed_slot;

struct amass_image_feed {
    amass_input_list *inputs;
    const amass_shard *shard;
    const amass_name_set *done;
    const amass_vision_preprocess_spec *spec;
    size_t image_count;
    amass_image_feed_extras extras;

    pthread_mutex_t lock;
    pthread_cond_t slot_freed;   /* the caller gave a slot back, or stop */
    pthread_cond_t slot_ready;   /* a worker finished a slot */
    feed_slot *slots;
    size_t depth;
    size_t next_claim;           /* sequence number the next worker takes */
    size_t next_take;            /* sequence number the caller takes next */
    int taken;                   /* the caller holds slot next_take - 1 */
    int input_over;              /* the list ended or failed: claim no more */
    int stopping;

    pthread_t *workers;
    int n_workers;
};

/* The next input to decode, after --shard and --resume; called with the
 * lock held, as the input list is not thread-safe. Fills the slot's kind
 * for anything but an image to decode, and returns 1 for one. */
static int claim_input(amass_image_feed *feed, feed_slot *slot)
{
    const char *name;
    for (;;) {
        int result;
        amass_status_clear(&slot->problem);
        result = amass_io_inputs_next(feed->inputs, &name, &slot->problem);
        if (result == 0 || result == -2) {
            slot->kind = result == 0 ? SLOT_END : SLOT_FATAL;
            feed->input_over = 1;
            return 0;
        }
        if (result == -1) {
            slot->kind = SLOT_BAD;
            slot->name[0] = '\0';
            return 0;
        }
        if (feed->shard && !amass_io_shard_keeps(feed->shard, name, strlen(name)))
            continue;
        if (feed->done && amass_io_name_set_contains(feed->done, name, strlen(name)))
            continue;
        free(slot->name);
        if (!(slot->name = amass_strndup(name, strlen(name)))) {
            amass_fail(&slot->problem, AMASS_ERR_NOMEM, "out of memory");
            slot->kind = SLOT_FATAL;
            feed->input_over = 1;
            return 0;
        }
        return 1;
    }
}

/* Decodes outside the lock; a bad file is the input's failure, running
 * out of memory or a preprocess failure ends the run as it did before
 * decoding moved to threads. */
static void decode_into(const amass_image_feed *feed, feed_slot *slot)
{
    amass_image image;
    amass_status_clear(&slot->problem);
    amass_media_image_free(&slot->image);
    if (feed->extras.video && amass_media_probe(slot->name) == AMASS_MEDIA_VIDEO) {
        slot->kind = amass_media_video_open(slot->name, feed->extras.video, &slot->video, &slot->problem) == AMASS_OK
                         ? SLOT_VIDEO
                     : slot->problem.code == AMASS_ERR_NOMEM ? SLOT_FATAL
                                                             : SLOT_BAD;
        return;
    }
    if (amass_media_image_load(slot->name, &image, &slot->problem) != AMASS_OK) {
        slot->kind = slot->problem.code == AMASS_ERR_NOMEM ? SLOT_FATAL : SLOT_BAD;
        return;
    }
    slot->kind = amass_vision_preprocess(feed->spec, &image, slot->tensor, &slot->transform, &slot->problem) == AMASS_OK
                     ? SLOT_IMAGE
                     : SLOT_FATAL;
    if (feed->extras.keep_images)
        slot->image = image;
    else
        amass_media_image_free(&image);
}

static void *worker_main(void *argument)
{
    amass_image_feed *feed = argument;
    pthread_mutex_lock(&feed->lock);
    for (;;) {
        feed_slot *slot = &feed->slots[feed->next_claim % feed->depth];
        while (!feed->stopping && !feed->input_over && slot->state != SLOT_EMPTY) {
            pthread_cond_wait(&feed->slot_freed, &feed->lock);
            slot = &feed->slots[feed->next_claim % feed->depth];
        }
        if (feed->stopping || feed->input_over)
            break;
        feed->next_claim++;
        if (claim_input(feed, slot)) {
            slot->state = SLOT_BUSY;
            pthread_mutex_unlock(&feed->lock);
            decode_into(feed, slot);
            pthread_mutex_lock(&feed->lock);
        }
        slot->state = SLOT_READY;
        pthread_cond_broadcast(&feed->slot_ready);
    }
    pthread_mutex_unlock(&feed->lock);
    return NULL;
}

static void free_feed(amass_image_feed *feed)
{
    size_t i;
    if (feed->slots)
        for (i = 0; i < feed->depth; i++) {
            free(feed->slots[i].name);
            free(feed->slots[i].tensor);
            amass_media_video_close(feed->slots[i].video);
            amass_media_image_free(&feed->slots[i].image);
        }
    free(feed->slots);
    free(feed->workers);
    pthread_cond_destroy(&feed->slot_ready);
    pthread_cond_destroy(&feed->slot_freed);
    pthread_mutex_destroy(&feed->lock);
    free(feed);
}

amass_image_feed *amass_image_feed_open(amass_input_list *inputs, const amass_shard *shard,
                                        const amass_name_set *done, const amass_vision_preprocess_spec *spec,
                                        int n_threads, size_t depth, amass_status *status)
{
    return amass_image_feed_open_with(inputs, shard, done, spec, n_threads, depth, NULL, status);
}

amass_image_feed *amass_image_feed_open_with(amass_input_list *inputs, const amass_shard *shard,
                                             const amass_name_set *done, const amass_vision_preprocess_spec *spec,
                                             int n_threads, size_t depth, const amass_image_feed_extras *extras,
                                             amass_status *status)
{
    amass_image_feed *feed = calloc(1, sizeof *feed);
    size_t i;
    int error;
    if (!feed) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&feed->lock, NULL);
    pthread_cond_init(&feed->slot_freed, NULL);
    pthread_cond_init(&feed->slot_ready, NULL);
    feed->inputs = inputs;
    feed->shard = shard;
    feed->done = done;
    feed->spec = spec;
    if (extras)
        feed->extras = *extras;
    feed->image_count = amass_vision_preprocess_output_count(spec);
    feed->depth = depth ? depth : 1;
    n_threads = n_threads < 1 ? 1 : n_threads;
    feed->slots = amass_calloc_array(feed->depth, sizeof *feed->slots);
    feed->workers = amass_calloc_array((size_t)n_threads, sizeof *feed->workers);
    for (i = 0; feed->slots && i < feed->depth; i++) {
        /* The name buffer always exists, so an unreadable list entry can be "". */
        feed->slots[i].name = calloc(1, 1);
        feed->slots[i].tensor = amass_alloc_array(feed->image_count, sizeof(float));
        if (!feed->slots[i].name || !feed->slots[i].tensor)
            break;
    }
    if (!feed->slots || !feed->workers || i < feed->depth) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %zu decoded images", feed->depth);
        free_feed(feed);
        return NULL;
    }
    for (; feed->n_workers < n_threads; feed->n_workers++)
        if ((error = pthread_create(&feed->workers[feed->n_workers], NULL, worker_main, feed)) != 0) {
            amass_fail(status, AMASS_ERR_FATAL, "cannot start a decoding thread: %s", strerror(error));
            amass_image_feed_close(feed);
            return NULL;
        }
    return feed;
}

int amass_image_feed_next(amass_image_feed *feed, amass_image_feed_item *item, amass_status *status)
{
    feed_slot *slot;
    pthread_mutex_lock(&feed->lock);
    if (feed->taken) {
        feed_slot *previous = &feed->slots[(feed->next_take - 1) % feed->depth];
        if (previous->kind == SLOT_END || previous->kind == SLOT_FATAL) {
            /* the end stays the end */
            pthread_mutex_unlock(&feed->lock);
            if (previous->kind == SLOT_FATAL)
                *status = previous->problem;
            return previous->kind == SLOT_END ? 0 : -1;
        }
        previous->state = SLOT_EMPTY;
        feed->taken = 0;
        pthread_cond_broadcast(&feed->slot_freed);
    }
    slot = &feed->slots[feed->next_take % feed->depth];
    while (slot->state != SLOT_READY)
        pthread_cond_wait(&feed->slot_ready, &feed->lock);
    feed->next_take++;
    feed->taken = 1;
    pthread_mutex_unlock(&feed->lock);
    switch (slot->kind) {
    case SLOT_END: return 0;
    case SLOT_FATAL: *status = slot->problem; return -1;
    case SLOT_BAD:
        item->name = slot->name;
        item->tensor = NULL;
        item->problem = slot->problem.message;
        item->video = NULL;
        item->image = NULL;
        return 1;
    case SLOT_VIDEO:
        item->name = slot->name;
        item->tensor = NULL;
        item->problem = NULL;
        item->video = slot->video;
        slot->video = NULL;
        item->image = NULL;
        return 1;
    case SLOT_IMAGE:
        item->name = slot->name;
        item->tensor = slot->tensor;
        item->transform = slot->transform;
        item->problem = NULL;
        item->video = NULL;
        item->image = slot->image.pixels ? &slot->image : NULL;
        return 1;
    }
    return 0;
}

void amass_image_feed_close(amass_image_feed *feed)
{
    int i;
    if (!feed)
        return;
    pthread_mutex_lock(&feed->lock);
    feed->stopping = 1;
    pthread_cond_broadcast(&feed->slot_freed);
    pthread_mutex_unlock(&feed->lock);
    for (i = 0; i < feed->n_workers; i++)
        pthread_join(feed->workers[i], NULL);
    free_feed(feed);
}
