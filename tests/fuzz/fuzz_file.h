/* The fuzz targets read files, so each input is written to one file
 * reused for the whole run: an in-memory file where Linux has them (a
 * temporary file rewritten thousands of times costs disk flushes). */
#ifndef AMASS_FUZZ_FILE_H
#define AMASS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static char amass_fuzz_path[64] = "/tmp/amass-fuzz-XXXXXX";
static int amass_fuzz_fd = -1, amass_fuzz_is_temporary;

static void amass_fuzz_remove_file(void)
{
    if (amass_fuzz_is_temporary)
        unlink(amass_fuzz_path);
}

static const char *amass_fuzz_write_file(const uint8_t *data, size_t size)
{
    if (amass_fuzz_fd < 0) {
        amass_fuzz_fd = memfd_create("amass-fuzz", 0);
        if (amass_fuzz_fd >= 0) {
            snprintf(amass_fuzz_path, sizeof amass_fuzz_path, "/proc/self/fd/%d", amass_fuzz_fd);
        } else {
            amass_fuzz_fd = mkstemp(amass_fuzz_path);
            if (amass_fuzz_fd < 0)
                abort();
            amass_fuzz_is_temporary = 1;
            atexit(amass_fuzz_remove_file);
        }
    }
    if (ftruncate(amass_fuzz_fd, 0) != 0 || (size && pwrite(amass_fuzz_fd, data, size, 0) != (ssize_t)size))
        abort();
    return amass_fuzz_path;
}

#endif
