/* Sphinx's option files (feat.params, and dnn.params after them): "-name
 * value" pairs, one or more a line, a value on its name's line, '#' to the
 * end of the line a comment. This file splits them; each reader gives the
 * pairs their meaning. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech_internal.h"

/* Longer than any name or value a Sphinx tool writes (an -svspec of 39
 * dimensions is about 30 bytes). */
#define WORD_MAX 511

amass_code speech_options_parse(const char *file, const char *text, size_t length, speech_option_fn each,
                                void *context, amass_status *status)
{
    /* The name waiting for its value, and the line it was on. */
    char name[WORD_MAX + 1] = "";
    int name_line = 0, line = 1;
    size_t i = 0;
    while (i < length) {
        char word[WORD_MAX + 1];
        size_t start, n;
        if (text[i] == '\n') {
            line++, i++;
            continue;
        }
        if (isspace((unsigned char)text[i])) {
            i++;
            continue;
        }
        if (text[i] == '#') {
            while (i < length && text[i] != '\n')
                i++;
            continue;
        }
        start = i;
        while (i < length && !isspace((unsigned char)text[i]))
            i++;
        n = i - start;
        if (memchr(text + start, '\0', n))
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: not a text file (NUL byte)", file, line);
        if (n > WORD_MAX)
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: a word of %zu bytes is too long", file, line, n);
        memcpy(word, text + start, n);
        word[n] = '\0';
        if (!name[0]) {
            if (word[0] != '-' || n < 2)
                return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: expected a -name, found '%s'", file, line, word);
            memcpy(name, word, n + 1);
            name_line = line;
        } else {
            speech_option option = {file, line, name, word};
            amass_code code;
            if (line != name_line)
                return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s has no value", file, name_line, name);
            if ((code = each(context, &option, status)) != AMASS_OK)
                return code;
            name[0] = '\0';
        }
    }
    if (name[0])
        return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s has no value", file, name_line, name);
    return AMASS_OK;
}

amass_code speech_options_read(const char *path, speech_option_fn each, void *context, amass_status *status)
{
    /* These files are a few hundred bytes; anything large is not one. */
    enum { max_size = 1 << 20 };
    FILE *file = fopen(path, "rb");
    char *text;
    size_t length;
    amass_code code;
    if (!file)
        return amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
    text = malloc(max_size + 1);
    if (!text) {
        fclose(file);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    length = fread(text, 1, max_size + 1, file);
    if (ferror(file))
        code = amass_fail(status, AMASS_ERR_IO, "%s: read error", path);
    else if (length > max_size)
        code = amass_fail(status, AMASS_ERR_INPUT, "%s: too large for an option file (over 1 MiB)", path);
    else
        code = speech_options_parse(path, text, length, each, context, status);
    free(text);
    fclose(file);
    return code;
}
