/* Helpers shared by the Sphinx model readers: the whole file in memory, a
 * bounds-checked cursor over it that swaps byte order when told to, and
 * the s3 parameter-file header. */
#ifndef AMASS_FORMATS_SPHINX_INTERNAL_H
#define AMASS_FORMATS_SPHINX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

typedef struct {
    const char *path;
    unsigned char *data;
    size_t length;
    size_t position;
    int swap;  /* the file's byte order is not the machine's */
} sphinx_file;

/* Reads path whole (refusing more than AMASS_SPHINX_FILE_MAX bytes and
 * empty files). */
amass_code sphinx_file_read(sphinx_file *file, const char *path, amass_status *status);
void sphinx_file_free(sphinx_file *file);
size_t sphinx_file_left(const sphinx_file *file);
/* Each fails with "PATH: truncated at byte N (reading WHAT)". */
amass_code sphinx_file_int32(sphinx_file *file, int32_t *value, const char *what, amass_status *status);
amass_code sphinx_file_int16(sphinx_file *file, int16_t *value, const char *what, amass_status *status);
amass_code sphinx_file_bytes(sphinx_file *file, const unsigned char **bytes, size_t n, const char *what,
                             amass_status *status);

/* The s3 header: checks "s3", reads name/value lines up to "endhdr" and the
 * byte-order magic, leaving the cursor on the first count. */
typedef struct {
    int has_checksum;
    uint32_t checksum;  /* running sum over the 32-bit words read after the magic */
} sphinx_s3;

amass_code sphinx_s3_header(sphinx_file *file, sphinx_s3 *s3, amass_status *status);
/* An int32 read after the header, added to the checksum. */
amass_code sphinx_s3_int32(sphinx_file *file, sphinx_s3 *s3, int32_t *value, const char *what,
                           amass_status *status);
/* n floats, added to the checksum; n was checked against the file size. */
amass_code sphinx_s3_floats(sphinx_file *file, sphinx_s3 *s3, float *out, size_t n, amass_status *status);
/* The checksum (when the header promised one) and no trailing bytes. */
amass_code sphinx_s3_finish(sphinx_file *file, sphinx_s3 *s3, amass_status *status);

#endif
