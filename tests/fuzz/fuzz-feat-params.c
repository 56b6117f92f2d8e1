/* Fuzz target for the feat.params reader and the front end it configures:
 * any bytes either fail with a message naming the file, or give parameters
 * that open a front end (or are refused with a message) and run on a
 * little audio; never a crash, a leak or a stray read. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "speech/speech.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    amass_speech_params params;
    amass_speech_frontend *frontend = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_status status;
    amass_speech_params_default(&params);
    if (amass_speech_params_parse(&params, "fuzz.params", (const char *)data, size, &status) != AMASS_OK) {
        if (strncmp(status.message, "fuzz.params:", 12) != 0)
            abort();
        return 0;
    }
    if (amass_speech_frontend_open(&params, &frontend, &status) == AMASS_OK) {
        static int16_t samples[3000];
        amass_speech_frames frames;
        float *features;
        for (int i = 0; i < 3000; i++)
            samples[i] = (int16_t)((i * 7919) % 4001 - 2000);
        amass_speech_frames_init(&frames, amass_speech_frontend_n_cepstra(frontend));
        if (amass_speech_frontend_feed_int16(frontend, samples, 3000, &frames, &status) != AMASS_OK ||
            amass_speech_frontend_finish(frontend, &frames, &status) != AMASS_OK)
            abort();
        if (amass_speech_cmn_open(&params, &cmn, &status) == AMASS_OK) {
            amass_speech_cmn_apply(cmn, frames.data, frames.n_frames);
            amass_speech_cmn_end_utterance(cmn);
            amass_speech_cmn_close(cmn);
        }
        features = malloc((frames.n_frames * 3 + 1) * (size_t)frames.n_values * sizeof *features);
        if (!features)
            abort();
        amass_speech_features_1s_c_d_dd(frames.data, frames.n_frames, frames.n_values, features);
        free(features);
        amass_speech_frames_free(&frames);
        amass_speech_frontend_close(frontend);
    } else if (frontend || !status.message[0]) {
        abort();
    }
    return 0;
}
