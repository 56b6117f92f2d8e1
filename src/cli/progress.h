/* The progress line on stderr: items done, rate, and time left when the
 * total is known. Internal to the cli layer. */
#ifndef AMASS_CLI_PROGRESS_H
#define AMASS_CLI_PROGRESS_H

#include <stdint.h>

typedef struct {
    const char *program;
    int enabled;
    int shown;            /* a line is on screen and must be cleared first */
    double started;       /* when the current phase began */
    double last_drawn;
    char phase[32];
} amass_progress;

void amass_progress_init(amass_progress *progress, const char *program, int enabled);
void amass_progress_update(amass_progress *progress, const char *phase, uint64_t done, uint64_t total);
void amass_progress_clear(amass_progress *progress);

#endif
