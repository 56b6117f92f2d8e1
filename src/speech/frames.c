/* A growable block of fixed-width float frames, the currency between the
 * front end, the feature stage and (later) the scorers. */
#include "config.h"

#include <stdlib.h>

#include "speech.h"

void amass_speech_frames_init(amass_speech_frames *frames, int n_values)
{
    frames->data = NULL;
    frames->n_frames = 0;
    frames->capacity = 0;
    frames->n_values = n_values;
}

void amass_speech_frames_free(amass_speech_frames *frames)
{
    free(frames->data);
    frames->data = NULL;
    frames->n_frames = frames->capacity = 0;
}

float *amass_speech_frames_append(amass_speech_frames *frames)
{
    if (frames->n_values <= 0)
        return NULL;
    if (frames->n_frames == frames->capacity) {
        size_t capacity = frames->capacity ? frames->capacity * 2 : 256;
        float *data = amass_realloc_array(frames->data, capacity, (size_t)frames->n_values * sizeof *data);
        if (!data)
            return NULL;
        frames->data = data;
        frames->capacity = capacity;
    }
    return frames->data + frames->n_frames++ * (size_t)frames->n_values;
}
