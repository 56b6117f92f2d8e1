/* Pieces of the speech front end shared between its files, not public. */
#ifndef AMASS_SPEECH_INTERNAL_H
#define AMASS_SPEECH_INTERNAL_H

#include <stddef.h>

#include "speech.h"

/* One "-name value" pair of an option file, where it stands for messages. */
typedef struct {
    const char *file;
    int line;
    const char *name;
    const char *value;
} speech_option;

/* Gives a pair its meaning; fails with "FILE:LINE: ..." for a bad one. */
typedef amass_code (*speech_option_fn)(void *context, const speech_option *option, amass_status *status);

/* Splits option-file text (feat.params' syntax: '#' comments, a value on
 * its name's line) into pairs and hands each to each(); file names it in
 * messages. speech_options_read does the same for a file of at most 1 MiB. */
amass_code speech_options_parse(const char *file, const char *text, size_t length, speech_option_fn each,
                                void *context, amass_status *status);
amass_code speech_options_read(const char *path, speech_option_fn each, void *context, amass_status *status);

/* Sphinx's noise removal: spectral subtraction on the mel energies with a
 * tracked noise floor and temporal masking (sphinx_fe -remove_noise). */
typedef struct speech_noise speech_noise;

speech_noise *speech_noise_create(int n_filters);
void speech_noise_free(speech_noise *noise);
/* The next frame starts a new utterance (the estimates start over). */
void speech_noise_reset(speech_noise *noise);
/* Rewrites one frame's mel energies (before the log) in place. */
void speech_noise_apply(speech_noise *noise, double *mel_energies);

#endif
