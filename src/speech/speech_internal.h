/* Pieces of the speech front end shared between its files, not public. */
#ifndef AMASS_SPEECH_INTERNAL_H
#define AMASS_SPEECH_INTERNAL_H

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
