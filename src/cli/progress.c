/* Progress line: redrawn in place at most ten times a second so that it
 * costs nothing next to the work it reports on. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../base/base.h"
#include "progress.h"

void amass_progress_init(amass_progress *progress, const char *program, int enabled)
{
    memset(progress, 0, sizeof *progress);
    progress->program = program;
    progress->enabled = enabled;
}

static void format_duration(char *out, size_t size, double seconds)
{
    long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

void amass_progress_update(amass_progress *progress, const char *phase, uint64_t done, uint64_t total)
{
    double now, elapsed, rate;
    char eta[32] = "";
    if (!progress->enabled)
        return;
    now = amass_seconds_now();
    if (strncmp(progress->phase, phase, sizeof progress->phase - 1) != 0) {
        snprintf(progress->phase, sizeof progress->phase, "%s", phase);
        progress->started = now;
        progress->last_drawn = 0;
    }
    if (now - progress->last_drawn < 0.1 && !(total && done == total))
        return;
    progress->last_drawn = now;
    elapsed = now - progress->started;
    rate = elapsed > 0 ? (double)done / elapsed : 0;
    if (total && rate > 0) {
        char left[24];
        format_duration(left, sizeof left, (double)(total - (done < total ? done : total)) / rate);
        snprintf(eta, sizeof eta, "  ETA %s", left);
    }
    if (!total && !done)
        fprintf(stderr, "\r\033[K%s: %s...", progress->program, progress->phase);
    else if (total)
        fprintf(stderr, "\r\033[K%s: %s %llu/%llu (%.0f%%)  %.0f/s%s", progress->program, progress->phase,
                (unsigned long long)done, (unsigned long long)total, 100.0 * (double)done / (double)total, rate,
                eta);
    else
        fprintf(stderr, "\r\033[K%s: %s %llu  %.0f/s", progress->program, progress->phase, (unsigned long long)done,
                rate);
    fflush(stderr);
    progress->shown = 1;
}

void amass_progress_clear(amass_progress *progress)
{
    if (!progress->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    progress->shown = 0;
}
