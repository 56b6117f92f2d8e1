/* Fuzz target for the audio reader: any bytes give either a stream of
 * finite mono samples read with a bounded buffer, or an error naming the
 * file; never a crash, a leak or a buffer that grows with the input. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* enough to cross several blocks and the resampler's tail; a mutated
 * header can declare hours, and the stream is simply left there */
#define MAX_SAMPLES (1 << 20)

static void check_failure(const amass_status *status, const char *path, amass_code code)
{
    size_t n = strlen(path);
    if (code == AMASS_OK || status->code != code || strncmp(status->message, path, n) != 0 ||
        status->message[n] != ':')
        abort(); /* every message names the file */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte picks raw PCM now and then, so the raw path is fuzzed too */
    static const amass_audio_options raw = {8000, 11025, 3};
    const char *path = amass_fuzz_write_file(data, size);
    const amass_audio_options *options = size > 0 && data[0] == 0x7F ? &raw : NULL;
    amass_audio_reader *reader;
    amass_status status;
    amass_code code;
    float block[3000];
    size_t got, i;
    int64_t total = 0;
    amass_status_clear(&status);
    code = amass_media_audio_open(path, options, &reader, &status);
    if (code != AMASS_OK) {
        if (reader)
            abort();
        check_failure(&status, path, code);
        return 0;
    }
    while (total < MAX_SAMPLES) {
        code = amass_media_audio_read(reader, block, sizeof block / sizeof block[0], &got, &status);
        if (code != AMASS_OK) {
            check_failure(&status, path, code);
            break;
        }
        if (got == 0)
            break;
        if (got > sizeof block / sizeof block[0])
            abort();
        for (i = 0; i < got; i++)
            if (!isfinite(block[i]))
                abort();
        total += (int64_t)got;
    }
    if (amass_media_audio_samples_read(reader) != total ||
        amass_media_audio_peak_buffer_bytes(reader) > ((size_t)16 << 20))
        abort();
    amass_media_audio_close(reader);
    return 0;
}
