/* Subtitle documents (SubRip .srt, WebVTT .vtt): cue times and the split
 * of a transcript into cues short enough to read. The transcribe pipeline
 * writes them; the pieces live here so they are tested on their own. */
#ifndef AMASS_IO_SUBTITLE_H
#define AMASS_IO_SUBTITLE_H

#include <stddef.h>

#include "../base/base.h"

/* "HH:MM:SS,mmm" (SubRip) or "HH:MM:SS.mmm" (WebVTT), rounded to the
 * millisecond; negative and non-finite times print as 0, hours go past 99
 * when they must. */
void amass_subtitle_append_time(amass_buf *buf, double seconds, int webvtt);

/* A timed word for cue splitting. */
typedef struct {
    const char *text;
    size_t length;
    double start, end;   /* seconds */
} amass_subtitle_word;

/* How many of the n words (at least 1 when n > 0) make the next cue: as
 * many as fit in max_seconds from the first word's start to the last's
 * end and in max_chars with single spaces between them; a word that alone
 * breaks a limit is a cue by itself. Lines end at word boundaries only. */
size_t amass_subtitle_next_cue(const amass_subtitle_word *words, size_t n, double max_seconds, size_t max_chars);

#endif
