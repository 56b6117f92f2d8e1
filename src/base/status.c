/* Status codes and the messages that travel with them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base.h"

void amass_status_clear(amass_status *status)
{
    if (!status)
        return;
    status->code = AMASS_OK;
    status->message[0] = '\0';
}

amass_code amass_failv(amass_status *status, amass_code code, const char *format, va_list args)
{
    if (status) {
        status->code = code;
        vsnprintf(status->message, sizeof status->message, format, args);
    }
    return code;
}

amass_code amass_fail(amass_status *status, amass_code code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    amass_failv(status, code, format, args);
    va_end(args);
    return code;
}

void amass_status_prefix(amass_status *status, const char *prefix)
{
    char old[AMASS_MESSAGE_MAX];
    size_t prefix_length, room, old_length;
    if (!status || !prefix)
        return;
    prefix_length = strlen(prefix);
    memcpy(old, status->message, sizeof old);
    /* what does not fit is cut from the end of the message */
    if (prefix_length > sizeof status->message - 3)
        prefix_length = sizeof status->message - 3;
    memcpy(status->message, prefix, prefix_length);
    memcpy(status->message + prefix_length, ": ", 2);
    room = sizeof status->message - prefix_length - 3;
    old_length = strlen(old);
    if (old_length > room)
        old_length = room;
    memcpy(status->message + prefix_length + 2, old, old_length);
    status->message[prefix_length + 2 + old_length] = '\0';
}

const char *amass_code_name(amass_code code)
{
    switch (code) {
    case AMASS_OK: return "ok";
    case AMASS_ERR_INPUT: return "bad input";
    case AMASS_ERR_USAGE: return "usage";
    case AMASS_ERR_IO: return "i/o error";
    case AMASS_ERR_NOMEM: return "out of memory";
    case AMASS_ERR_UNSUPPORTED: return "unsupported";
    case AMASS_ERR_FATAL: return "fatal";
    }
    return "unknown";
}
