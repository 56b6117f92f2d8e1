/* The log hook: the library reports warnings through it and never prints. */
#include "config.h"

#include <stdio.h>

#include "base.h"

static amass_log_fn log_handler;
static void *log_user;

void amass_log_set_handler(amass_log_fn handler, void *user)
{
    log_handler = handler;
    log_user = user;
}

void amass_log(amass_log_level level, const char *format, ...)
{
    char message[AMASS_MESSAGE_MAX];
    va_list args;
    if (!log_handler)
        return;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    log_handler(level, message, log_user);
}
