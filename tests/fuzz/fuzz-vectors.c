/* Fuzz target for the vector record reader: any bytes, read to the end,
 * must give only well-formed records or reported bad ones, never a crash,
 * a leak or a record with a non-finite value. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_vector_reader *reader;
    amass_vector_record record;
    amass_read_result result;
    amass_status status;
    size_t i, path_length = strlen(path);
    amass_status_clear(&status);
    reader = amass_io_vectors_open(path, size % 2 ? "embedding" : NULL, &status);
    if (!reader)
        abort(); /* the file exists: opening cannot fail */
    while ((result = amass_io_vectors_next(reader, &record, &status)) != AMASS_READ_END) {
        if (result == AMASS_READ_RECORD) {
            if (record.dim == 0 || !record.input || record.line < 1)
                abort();
            for (i = 0; i < record.dim; i++)
                if (!isfinite(record.values[i]))
                    abort();
        } else if (strncmp(status.message, path, path_length) != 0 || status.message[path_length] != ':') {
            abort(); /* every message names the file */
        }
        if (result == AMASS_READ_FATAL)
            break;
        amass_status_clear(&status);
    }
    amass_io_vectors_close(reader);
    return 0;
}
