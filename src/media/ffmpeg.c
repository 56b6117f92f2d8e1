/* FFmpeg glue shared by the media decoders: its logging kept quiet and its
 * error texts at hand. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "../base/base.h"
#include "media_internal.h"

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
/* Per thread, because worker threads decode different files at once and
 * FFmpeg's log callback is process-wide. */
static _Thread_local char last_error[256];

static void log_callback(void *context, int level, const char *format, va_list args)
{
    char line[1024];
    int print_prefix = 1;
    size_t n;
    if (level > AV_LOG_VERBOSE) /* the per-marker chatter costs time and tells a user nothing */
        return;
    av_log_format_line2(context, level, format, args, line, (int)sizeof line, &print_prefix);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    if (n == 0)
        return;
    if (level <= AV_LOG_ERROR) {
        /* the text without the "[png @ 0x...] " context prefix */
        const char *text = line;
        if (text[0] == '[') {
            const char *end = strstr(text, "] ");
            if (end)
                text = end + 2;
        }
        snprintf(last_error, sizeof last_error, "%s", text);
    }
    amass_log(AMASS_LOG_DEBUG, "ffmpeg: %s", line);
}

static void setup(void)
{
    av_log_set_callback(log_callback);
}

void amass_media_ffmpeg_setup(void)
{
    pthread_once(&setup_once, setup);
}

const char *amass_media_ffmpeg_last_error(void)
{
    return last_error;
}

void amass_media_ffmpeg_forget_error(void)
{
    last_error[0] = '\0';
}

const char *amass_media_ffmpeg_error_text(int error, char *buffer, size_t size)
{
    if (av_strerror(error, buffer, size) < 0)
        snprintf(buffer, size, "FFmpeg error %d", error);
    return buffer;
}
