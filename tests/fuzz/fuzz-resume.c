/* Fuzz target for --resume: any bytes give a set of names or an error
 * naming the file, never a crash or a leak. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_status status;
    amass_name_set *set;
    amass_status_clear(&status);
    set = amass_io_resume_load(path, &status);
    if (!set && !strstr(status.message, path))
        abort(); /* a failure must name the file */
    if (set && amass_io_name_set_size(set) > size + 1)
        abort(); /* each name takes at least one line */
    amass_io_name_set_free(set);
    return 0;
}
