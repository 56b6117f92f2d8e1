/* Forwarding to an optional amass_reporter, so callers may pass NULL. */
#include "config.h"

#include "base.h"

void amass_report_failure(const amass_reporter *reporter, const char *input, size_t input_length,
                          const char *message)
{
    if (reporter && reporter->failure)
        reporter->failure(reporter->user, input, input_length, message);
}

int amass_report_stop_requested(const amass_reporter *reporter)
{
    return reporter && reporter->stop_requested ? reporter->stop_requested(reporter->user) : 0;
}

void amass_report_progress(const amass_reporter *reporter, const char *phase, uint64_t done, uint64_t total)
{
    if (reporter && reporter->progress)
        reporter->progress(reporter->user, phase, done, total);
}
