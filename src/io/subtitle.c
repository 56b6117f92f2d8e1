/* SubRip and WebVTT cue times and the split of words into cues. */
#include "config.h"

#include <math.h>

#include "subtitle.h"

void amass_subtitle_append_time(amass_buf *buf, double seconds, int webvtt)
{
    long long milliseconds, hours;
    int minutes, whole_seconds, rest;
    if (!isfinite(seconds) || seconds < 0)
        seconds = 0;
    /* Past 10^15 ms a double no longer holds every millisecond anyway. */
    if (seconds > 1e12)
        seconds = 1e12;
    milliseconds = llround(seconds * 1000);
    hours = milliseconds / 3600000;
    minutes = (int)(milliseconds / 60000 % 60);
    whole_seconds = (int)(milliseconds / 1000 % 60);
    rest = (int)(milliseconds % 1000);
    amass_buf_printf(buf, "%02lld:%02d:%02d%c%03d", hours, minutes, whole_seconds, webvtt ? '.' : ',', rest);
}

size_t amass_subtitle_next_cue(const amass_subtitle_word *words, size_t n, double max_seconds, size_t max_chars)
{
    size_t count, chars;
    if (n == 0)
        return 0;
    chars = words[0].length;
    for (count = 1; count < n; count++) {
        if (chars + 1 + words[count].length > max_chars || words[count].end - words[0].start > max_seconds)
            break;
        chars += 1 + words[count].length;
    }
    return count;
}
