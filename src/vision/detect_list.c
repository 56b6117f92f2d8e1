/* The growing detection array the decoders append to. */
#include "config.h"

#include <stdlib.h>

#include "detect.h"

void amass_vision_detection_list_init(amass_vision_detection_list *list)
{
    list->items = NULL;
    list->count = list->capacity = 0;
}

void amass_vision_detection_list_free(amass_vision_detection_list *list)
{
    free(list->items);
    amass_vision_detection_list_init(list);
}

amass_code amass_vision_detection_list_push(amass_vision_detection_list *list, size_t index, float score,
                                            const float box[4], amass_status *status)
{
    amass_vision_detection *detection;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 64;
        amass_vision_detection *items = amass_realloc_array(list->items, capacity, sizeof *items);
        if (!items)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for %zu detections", capacity);
        list->items = items;
        list->capacity = capacity;
    }
    detection = &list->items[list->count++];
    detection->index = index;
    detection->score = score;
    detection->box[0] = box[0];
    detection->box[1] = box[1];
    detection->box[2] = box[2];
    detection->box[3] = box[3];
    return AMASS_OK;
}
