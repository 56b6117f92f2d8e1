/* Growable byte buffer used to build records before they are written whole. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

void amass_buf_init(amass_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void amass_buf_free(amass_buf *buf)
{
    free(buf->data);
    amass_buf_init(buf);
}

void amass_buf_reset(amass_buf *buf)
{
    buf->length = 0;
    buf->failed = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

int amass_buf_reserve(amass_buf *buf, size_t extra)
{
    size_t need, capacity;
    char *grown;
    if (buf->failed)
        return -1;
    if (extra > SIZE_MAX - buf->length - 1) {
        buf->failed = 1;
        return -1;
    }
    need = buf->length + extra + 1; /* always room for a terminating NUL */
    if (need <= buf->capacity)
        return 0;
    capacity = buf->capacity ? buf->capacity : 256;
    while (capacity < need)
        capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
    grown = realloc(buf->data, capacity);
    if (!grown) {
        buf->failed = 1;
        return -1;
    }
    buf->data = grown;
    buf->capacity = capacity;
    return 0;
}

void amass_buf_append(amass_buf *buf, const void *data, size_t n)
{
    if (amass_buf_reserve(buf, n) != 0)
        return;
    if (n)
        memcpy(buf->data + buf->length, data, n);
    buf->length += n;
    buf->data[buf->length] = '\0';
}

void amass_buf_append_str(amass_buf *buf, const char *s)
{
    amass_buf_append(buf, s, strlen(s));
}

void amass_buf_append_char(amass_buf *buf, char c)
{
    amass_buf_append(buf, &c, 1);
}

void amass_buf_printf(amass_buf *buf, const char *format, ...)
{
    va_list args;
    int n;
    char small[128];
    va_start(args, format);
    n = vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (n < 0) {
        buf->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        amass_buf_append(buf, small, (size_t)n);
        return;
    }
    if (amass_buf_reserve(buf, (size_t)n) != 0)
        return;
    va_start(args, format);
    vsnprintf(buf->data + buf->length, (size_t)n + 1, format, args);
    va_end(args);
    buf->length += (size_t)n;
}
