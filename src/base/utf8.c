/* UTF-8 validation as RFC 3629 defines it: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
#include "config.h"

#include "base.h"

size_t amass_utf8_sequence_length(const unsigned char *s, size_t available, uint32_t *codepoint)
{
    uint32_t cp;
    size_t length, i;
    if (available == 0)
        return 0;
    if (s[0] < 0x80) {
        length = 1;
        cp = s[0];
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        length = 2;
        cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        length = 3;
        cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        length = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (length > available)
        return 0;
    for (i = 1; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (codepoint)
        *codepoint = cp;
    return length;
}

int amass_utf8_is_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t length = amass_utf8_sequence_length(p + i, n - i, NULL);
        if (length == 0)
            return 0;
        i += length;
    }
    return 1;
}
