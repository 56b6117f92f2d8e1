/* Sphinx model files in memory: whole-file read, a byte-order-aware cursor, and the s3 header and checksum. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sphinx.h"
#include "sphinx_internal.h"

amass_code sphinx_file_read(sphinx_file *file, const char *path, amass_status *status)
{
    memset(file, 0, sizeof *file);
    file->path = path;
    FILE *stream = fopen(path, "rb");
    if (!stream)
        return amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
    long size = -1;
    if (fseek(stream, 0, SEEK_END) == 0)
        size = ftell(stream);
    if (size < 0 || fseek(stream, 0, SEEK_SET) != 0) {
        fclose(stream);
        return amass_fail(status, AMASS_ERR_IO, "%s: cannot seek: not a regular file?", path);
    }
    if (size == 0) {
        fclose(stream);
        return amass_fail(status, AMASS_ERR_INPUT, "%s: empty file", path);
    }
    if ((unsigned long)size > AMASS_SPHINX_FILE_MAX) {
        fclose(stream);
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %ld bytes is larger than any Sphinx model file (limit %zu)",
                          path, size, (size_t)AMASS_SPHINX_FILE_MAX);
    }
    /* One spare zero byte so text parsers may treat the data as a C string. */
    file->data = malloc((size_t)size + 1);
    if (!file->data) {
        fclose(stream);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory reading %ld bytes", path, size);
    }
    size_t got = fread(file->data, 1, (size_t)size, stream);
    int failed = ferror(stream);
    fclose(stream);
    if (failed || got != (size_t)size) {
        sphinx_file_free(file);
        return amass_fail(status, AMASS_ERR_IO, "%s: read failed", path);
    }
    file->data[size] = 0;
    file->length = (size_t)size;
    return AMASS_OK;
}

void sphinx_file_free(sphinx_file *file)
{
    free(file->data);
    file->data = NULL;
    file->length = file->position = 0;
}

size_t sphinx_file_left(const sphinx_file *file)
{
    return file->length - file->position;
}

static amass_code truncated(const sphinx_file *file, const char *what, amass_status *status)
{
    return amass_fail(status, AMASS_ERR_INPUT, "%s: truncated at byte %zu (reading %s)", file->path,
                      file->position, what);
}

amass_code sphinx_file_bytes(sphinx_file *file, const unsigned char **bytes, size_t n, const char *what,
                             amass_status *status)
{
    if (sphinx_file_left(file) < n)
        return truncated(file, what, status);
    *bytes = file->data + file->position;
    file->position += n;
    return AMASS_OK;
}

amass_code sphinx_file_int32(sphinx_file *file, int32_t *value, const char *what, amass_status *status)
{
    const unsigned char *b = NULL;
    if (sphinx_file_bytes(file, &b, 4, what, status))
        return status->code;
    uint32_t v;
    memcpy(&v, b, 4);
    if (file->swap)
        v = __builtin_bswap32(v);
    memcpy(value, &v, 4);
    return AMASS_OK;
}

amass_code sphinx_file_int16(sphinx_file *file, int16_t *value, const char *what, amass_status *status)
{
    const unsigned char *b = NULL;
    if (sphinx_file_bytes(file, &b, 2, what, status))
        return status->code;
    uint16_t v;
    memcpy(&v, b, 2);
    if (file->swap)
        v = __builtin_bswap16(v);
    memcpy(value, &v, 2);
    return AMASS_OK;
}

/* SphinxTrain's running checksum over 32-bit words: rotate left by 20, add. */
static uint32_t checksum_add(uint32_t sum, uint32_t word)
{
    return ((sum << 20) | (sum >> 12)) + word;
}

amass_code sphinx_s3_header(sphinx_file *file, sphinx_s3 *s3, amass_status *status)
{
    memset(s3, 0, sizeof *s3);
    if (file->length < 3 || memcmp(file->data, "s3\n", 3) != 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: not a Sphinx s3 parameter file (no \"s3\" header line)",
                          file->path);
    file->position = 3;
    int line_number = 1;
    for (;;) {
        const unsigned char *line = file->data + file->position;
        const unsigned char *end = memchr(line, '\n', sphinx_file_left(file));
        line_number++;
        if (!end)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: header line %d: no \"endhdr\" before the end of the file",
                              file->path, line_number);
        file->position = (size_t)(end - file->data) + 1;
        char name[64], value[64];
        size_t length = (size_t)(end - line);
        char text[256];
        if (length >= sizeof text)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: header line %d is %zu bytes long: not an s3 header",
                              file->path, line_number, length);
        memcpy(text, line, length);
        text[length] = 0;
        int fields = sscanf(text, "%63s %63s", name, value);
        if (fields < 1)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: header line %d is empty", file->path, line_number);
        if (strcmp(name, "endhdr") == 0)
            break;
        if (name[0] == '#')
            continue;
        if (fields != 2)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: header line %d: \"%s\" has no value", file->path,
                              line_number, name);
        if (strcmp(name, "chksum0") == 0)
            s3->has_checksum = strcmp(value, "yes") == 0;
    }
    const unsigned char *b = NULL;
    if (sphinx_file_bytes(file, &b, 4, "the byte-order magic", status))
        return status->code;
    uint32_t magic;
    memcpy(&magic, b, 4);
    if (magic == 0x11223344u)
        file->swap = 0;
    else if (magic == 0x44332211u)
        file->swap = 1;
    else
        return amass_fail(status, AMASS_ERR_INPUT, "%s: bad byte-order magic 0x%08x after the header (want 0x11223344)",
                          file->path, (unsigned)magic);
    return AMASS_OK;
}

amass_code sphinx_s3_int32(sphinx_file *file, sphinx_s3 *s3, int32_t *value, const char *what,
                           amass_status *status)
{
    if (sphinx_file_int32(file, value, what, status))
        return status->code;
    s3->checksum = checksum_add(s3->checksum, (uint32_t)*value);
    return AMASS_OK;
}

amass_code sphinx_s3_floats(sphinx_file *file, sphinx_s3 *s3, float *out, size_t n, amass_status *status)
{
    const unsigned char *b = NULL;
    if (n > sphinx_file_left(file) / 4)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: the header promises %zu values but only %zu bytes follow",
                          file->path, n, sphinx_file_left(file));
    if (sphinx_file_bytes(file, &b, n * 4, "values", status))
        return status->code;
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, b + 4 * i, 4);
        if (file->swap)
            v = __builtin_bswap32(v);
        s3->checksum = checksum_add(s3->checksum, v);
        memcpy(&out[i], &v, 4);
    }
    return AMASS_OK;
}

amass_code sphinx_s3_finish(sphinx_file *file, sphinx_s3 *s3, amass_status *status)
{
    if (s3->has_checksum) {
        uint32_t computed = s3->checksum;
        int32_t stored;
        if (sphinx_file_int32(file, &stored, "the checksum", status))
            return status->code;
        if ((uint32_t)stored != computed)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: checksum mismatch: file says %08x, data gives %08x",
                              file->path, (unsigned)(uint32_t)stored, (unsigned)computed);
    }
    if (sphinx_file_left(file) != 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %zu unexpected bytes after the data", file->path,
                          sphinx_file_left(file));
    return AMASS_OK;
}
