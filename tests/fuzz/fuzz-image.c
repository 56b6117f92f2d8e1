/* Fuzz target for image decoding: any bytes give either an upright RGB
 * image within the size limits or an input error naming the file; never a
 * crash, a leak or an allocation past the limits. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* small limits: a mutated header declaring 16000 x 16000 must not
     * cost a gigabyte per round */
    static const amass_image_limits limits = {4096, (int64_t)1 << 20};
    const char *path = amass_fuzz_write_file(data, size);
    size_t path_length = strlen(path), i, n;
    amass_image image;
    amass_status status;
    unsigned sum = 0;
    amass_status_clear(&status);
    if (amass_media_image_load_limited(path, &limits, &image, &status) == AMASS_OK) {
        if (image.width < 1 || image.height < 1 || image.width > limits.max_side || image.height > limits.max_side ||
            (int64_t)image.width * image.height > limits.max_pixels || image.channels != 3 || !image.pixels ||
            image.orientation < 1 || image.orientation > 8)
            abort();
        /* every byte read, so the sanitizers see a short buffer */
        n = (size_t)image.width * image.height * 3;
        for (i = 0; i < n; i++)
            sum += image.pixels[i];
        if (sum == 0xFFFFFFFFu)
            abort();
        amass_media_image_free(&image);
    } else if (image.pixels || strncmp(status.message, path, path_length) != 0 ||
               status.message[path_length] != ':' || status.code == AMASS_OK) {
        abort(); /* every message names the file */
    }
    return 0;
}
