/* Voice-activity segmentation on c0 with a running noise floor,
 * hysteresis, hangover and a cap on utterance length (see vad.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vad.h"

/* The first two seconds set the noise floor before any decision, so a
 * file that opens with speech is not taken for its own background. */
#define WARMUP_SECONDS 2.0
/* The floor falls quickly to quieter frames and rises slowly (about a
 * second) through quiet stretches only, so speech never lifts it. */
#define FLOOR_FALL 0.1
#define FLOOR_RISE 0.01

typedef enum { STATE_WARMUP, STATE_SILENCE, STATE_SPEECH } vad_state;

struct amass_speech_vad {
    amass_speech_vad_options options;
    uint64_t min_speech, min_silence, padding, max_utterance, warmup; /* in frames */
    float start_c0, stop_c0;

    float *history;          /* c0 of frame t at t % capacity */
    uint64_t capacity;
    uint64_t n_frames;       /* pushed */
    uint64_t n_processed;    /* decided (lags n_frames during the warmup) */
    uint64_t warmup_start;   /* warmup: the leading frames of digital silence before it */

    vad_state state;
    double floor;
    uint64_t loud_run;       /* silence: consecutive loud frames */
    uint64_t quiet_run;      /* speech: consecutive quiet frames */
    uint64_t start;          /* speech: the open utterance's first frame */
    uint64_t last_loud;      /* speech: its last loud frame */
    uint64_t last_end;       /* the end of the last utterance: the next starts here at the earliest */

    amass_speech_segment *queue;
    size_t queue_head, queue_count, queue_capacity;
};

double amass_speech_vad_c0_per_db(const amass_speech_params *params)
{
    double per_db = log(10.0) / 10.0;
    int n = params->n_filters > 0 ? params->n_filters : 1;
    switch (params->transform) {
    case AMASS_SPEECH_TRANSFORM_LEGACY: return per_db;
    case AMASS_SPEECH_TRANSFORM_DCT: return per_db * sqrt((double)n);
    case AMASS_SPEECH_TRANSFORM_HTK: return per_db * sqrt(2.0 * n);
    }
    return per_db;
}

void amass_speech_vad_options_default(amass_speech_vad_options *options, const amass_speech_params *params)
{
    memset(options, 0, sizeof *options);
    options->frame_rate = params ? params->frame_rate : 100;
    options->c0_per_db = params ? amass_speech_vad_c0_per_db(params) : log(10.0) / 10.0;
    options->start_threshold = 10;
    options->stop_threshold = 6;
    options->min_speech = 0.1;
    options->min_silence = 0.5;
    options->padding = 0.25;
    options->max_utterance = 30;
}

static uint64_t frames_of(double seconds, double frame_rate)
{
    return (uint64_t)llround(seconds * frame_rate);
}

amass_code amass_speech_vad_open(const amass_speech_vad_options *options, amass_speech_vad **result,
                                 amass_status *status)
{
    amass_speech_vad *vad;
    const amass_speech_vad_options *o = options;
    *result = NULL;
    if (!(o->frame_rate >= 1 && o->frame_rate <= 10000) || !(o->c0_per_db > 0 && isfinite(o->c0_per_db)))
        return amass_fail(status, AMASS_ERR_USAGE, "voice activity: frame rate %g or c0 scale %g out of range",
                          o->frame_rate, o->c0_per_db);
    if (!(o->start_threshold >= 0 && o->start_threshold <= 100))
        return amass_fail(status, AMASS_ERR_USAGE, "voice activity: threshold %g dB is out of range (0 to 100)",
                          o->start_threshold);
    if (!(o->stop_threshold >= 0 && o->stop_threshold <= o->start_threshold))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "voice activity: stop threshold %g dB must be from 0 to the start threshold (%g dB)",
                          o->stop_threshold, o->start_threshold);
    if (!(o->min_speech >= 0 && o->min_speech <= 10) || !(o->min_silence >= 0 && o->min_silence <= 10) ||
        !(o->padding >= 0 && o->padding <= 10))
        return amass_fail(status, AMASS_ERR_USAGE,
                          "voice activity: minimum speech, minimum silence and padding must be 0 to 10 seconds");
    if (!(o->max_utterance >= 1 && o->max_utterance <= 3600))
        return amass_fail(status, AMASS_ERR_USAGE, "--max-utterance: %g seconds is out of range (1 to 3600)",
                          o->max_utterance);
    if (!(vad = calloc(1, sizeof *vad)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    vad->options = *o;
    vad->min_speech = frames_of(o->min_speech, o->frame_rate);
    vad->min_speech = vad->min_speech ? vad->min_speech : 1;
    vad->min_silence = frames_of(o->min_silence, o->frame_rate);
    vad->min_silence = vad->min_silence ? vad->min_silence : 1;
    vad->padding = frames_of(o->padding, o->frame_rate);
    vad->max_utterance = frames_of(o->max_utterance, o->frame_rate);
    vad->max_utterance = vad->max_utterance < 2 ? 2 : vad->max_utterance;
    vad->warmup = o->whole_stream ? 0 : frames_of(WARMUP_SECONDS, o->frame_rate);
    vad->start_c0 = (float)(o->start_threshold * o->c0_per_db);
    vad->stop_c0 = (float)(o->stop_threshold * o->c0_per_db);
    /* The open utterance, the frames before it that padding may reach back
     * to, and the warmup all fit. */
    vad->capacity = vad->max_utterance + vad->padding + vad->min_speech + vad->warmup + 2;
    if (!(vad->history = amass_alloc_array((size_t)vad->capacity, sizeof *vad->history))) {
        free(vad);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    amass_speech_vad_reset(vad);
    *result = vad;
    return AMASS_OK;
}

void amass_speech_vad_close(amass_speech_vad *vad)
{
    if (!vad)
        return;
    free(vad->history);
    free(vad->queue);
    free(vad);
}

void amass_speech_vad_reset(amass_speech_vad *vad)
{
    vad->n_frames = vad->n_processed = vad->warmup_start = 0;
    vad->loud_run = vad->quiet_run = vad->start = vad->last_loud = vad->last_end = 0;
    vad->queue_head = vad->queue_count = 0;
    vad->floor = 0;
    vad->state = vad->options.whole_stream ? STATE_SPEECH : STATE_WARMUP;
}

static amass_code emit(amass_speech_vad *vad, uint64_t start, uint64_t end, amass_status *status)
{
    if (end <= start)
        return AMASS_OK;
    if (vad->queue_count == vad->queue_capacity) {
        size_t capacity = vad->queue_capacity ? vad->queue_capacity * 2 : 8, i;
        amass_speech_segment *grown = amass_alloc_array(capacity, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (i = 0; i < vad->queue_count; i++)
            grown[i] = vad->queue[(vad->queue_head + i) % vad->queue_capacity];
        free(vad->queue);
        vad->queue = grown;
        vad->queue_capacity = capacity;
        vad->queue_head = 0;
    }
    vad->queue[(vad->queue_head + vad->queue_count) % vad->queue_capacity].start = start;
    vad->queue[(vad->queue_head + vad->queue_count) % vad->queue_capacity].end = end;
    vad->queue_count++;
    vad->last_end = end;
    return AMASS_OK;
}

/* The open utterance is max_utterance long: end it at the quietest frame
 * of its second half, where a pause between words most likely is. */
static amass_code cut_long_utterance(amass_speech_vad *vad, uint64_t now, amass_status *status)
{
    uint64_t t, cut = now;
    float lowest = INFINITY;
    for (t = vad->start + vad->max_utterance / 2; t <= now; t++) {
        float c0 = vad->history[t % vad->capacity];
        if (c0 < lowest) {
            lowest = c0;
            cut = t;
        }
    }
    if (emit(vad, vad->start, cut, status) != AMASS_OK)
        return status->code;
    vad->start = cut;
    vad->last_loud = now;
    vad->quiet_run = 0;
    return AMASS_OK;
}

/* c0 < 0 is Sphinx's mark of a frame with no energy: digital silence,
 * exact zeros (a padded file, a gap between joined recordings). Such
 * frames are quiet but say nothing about the noise floor: followed, they
 * would drag it far below the recording's real background, which would
 * then pass for speech. */
static int is_digital_silence(float c0)
{
    return c0 < 0;
}

static void follow_floor(amass_speech_vad *vad, float c0)
{
    if (is_digital_silence(c0))
        return;
    if (c0 < vad->floor)
        vad->floor += FLOOR_FALL * (c0 - vad->floor);
    else if (vad->state == STATE_SILENCE)
        vad->floor += FLOOR_RISE * (c0 - vad->floor);
}

/* Decides frame t. */
static amass_code process(amass_speech_vad *vad, uint64_t t, amass_status *status)
{
    float c0 = vad->history[t % vad->capacity];
    vad->n_processed = t + 1;
    if (vad->options.whole_stream) {
        vad->last_loud = t;
    } else if (vad->state == STATE_SILENCE) {
        vad->loud_run = c0 > vad->floor + vad->start_c0 ? vad->loud_run + 1 : 0;
        if (vad->loud_run >= vad->min_speech) {
            uint64_t back = vad->loud_run + vad->padding;
            vad->start = t + 1 >= back ? t + 1 - back : 0;
            if (vad->start < vad->last_end)
                vad->start = vad->last_end;
            vad->state = STATE_SPEECH;
            vad->last_loud = t;
            vad->quiet_run = 0;
        }
    } else {
        if (c0 > vad->floor + vad->stop_c0) {
            vad->last_loud = t;
            vad->quiet_run = 0;
        } else if (++vad->quiet_run >= vad->min_silence) {
            uint64_t end = vad->last_loud + 1 + vad->padding;
            follow_floor(vad, c0);
            vad->state = STATE_SILENCE;
            vad->loud_run = 0;
            return emit(vad, vad->start, end < t + 1 ? end : t + 1, status);
        }
    }
    if (!vad->options.whole_stream)
        follow_floor(vad, c0);
    if (vad->state == STATE_SPEECH && t + 1 - vad->start >= vad->max_utterance)
        return cut_long_utterance(vad, t, status);
    return AMASS_OK;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* The floor starts at the 10th percentile of the warmup frames with any
 * energy (all of them if none has), then the warmup frames are decided
 * like any other. The leading digital silence before the warmup is
 * silence: deciding it changes nothing. */
static amass_code end_warmup(amass_speech_vad *vad, amass_status *status)
{
    uint64_t first = vad->warmup_start, n_frames = vad->n_frames - first, t;
    size_t n = 0;
    float *sorted;
    if (n_frames == 0) {
        vad->state = STATE_SILENCE;
        vad->n_processed = vad->n_frames;
        return AMASS_OK;
    }
    if (!(sorted = amass_alloc_array((size_t)n_frames, sizeof *sorted)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    for (t = first; t < vad->n_frames; t++)
        if (!is_digital_silence(vad->history[t % vad->capacity]))
            sorted[n++] = vad->history[t % vad->capacity];
    if (n == 0)
        for (t = first; t < vad->n_frames; t++)
            sorted[n++] = vad->history[t % vad->capacity];
    qsort(sorted, n, sizeof *sorted, compare_floats);
    vad->floor = sorted[n / 10];
    free(sorted);
    vad->state = STATE_SILENCE;
    vad->n_processed = first;
    for (t = first; t < vad->n_frames; t++)
        if (process(vad, t, status) != AMASS_OK)
            return status->code;
    return AMASS_OK;
}

amass_code amass_speech_vad_push(amass_speech_vad *vad, float c0, amass_status *status)
{
    uint64_t t = vad->n_frames++;
    vad->history[t % vad->capacity] = isfinite(c0) ? c0 : -1e30f;
    if (vad->state == STATE_WARMUP) {
        /* the warmup is of frames with energy: zeros before it would set
         * the floor far below the recording's background */
        if (t == vad->warmup_start && is_digital_silence(vad->history[t % vad->capacity]))
            vad->warmup_start++;
        return vad->n_frames - vad->warmup_start >= vad->warmup ? end_warmup(vad, status) : AMASS_OK;
    }
    return process(vad, t, status);
}

amass_code amass_speech_vad_finish(amass_speech_vad *vad, amass_status *status)
{
    uint64_t n = vad->n_frames, end;
    if (vad->state == STATE_WARMUP && end_warmup(vad, status) != AMASS_OK)
        return status->code;
    if (vad->state != STATE_SPEECH)
        return AMASS_OK;
    end = vad->options.whole_stream ? n : vad->last_loud + 1 + vad->padding;
    vad->state = vad->options.whole_stream ? STATE_SPEECH : STATE_SILENCE;
    return emit(vad, vad->start, end < n ? end : n, status);
}

int amass_speech_vad_next(amass_speech_vad *vad, amass_speech_segment *segment)
{
    if (vad->queue_count == 0)
        return 0;
    *segment = vad->queue[vad->queue_head];
    vad->queue_head = (vad->queue_head + 1) % vad->queue_capacity;
    vad->queue_count--;
    return 1;
}

uint64_t amass_speech_vad_first_needed(const amass_speech_vad *vad)
{
    uint64_t first;
    if (vad->queue_count)
        return vad->queue[vad->queue_head].start;
    switch (vad->state) {
    case STATE_WARMUP: return vad->warmup_start > vad->padding ? vad->warmup_start - vad->padding : 0;
    case STATE_SPEECH: return vad->start;
    case STATE_SILENCE:
        first = vad->n_processed >= vad->loud_run + vad->padding ? vad->n_processed - vad->loud_run - vad->padding : 0;
        return first > vad->last_end ? first : vad->last_end;
    }
    return 0;
}

uint64_t amass_speech_vad_n_frames(const amass_speech_vad *vad)
{
    return vad->n_frames;
}
