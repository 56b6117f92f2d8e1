/* Sphinx's feat.params: the "-name value" pairs an acoustic model ships to
 * say how its front end was configured, read over sphinx_fe's defaults. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "speech_internal.h"

void amass_speech_params_default(amass_speech_params *p)
{
    memset(p, 0, sizeof *p);
    p->sample_rate = 16000;
    p->frame_rate = 100;
    p->window_length = 0.025625;
    p->fft_size = 512;
    p->lower_frequency = 133.33334;
    p->upper_frequency = 6855.4976;
    p->n_filters = 40;
    p->n_cepstra = 13;
    p->preemphasis = 0.97;
    p->transform = AMASS_SPEECH_TRANSFORM_LEGACY;
    p->unit_area = 1;
    p->round_filters = 1;
    p->remove_noise = 1;
    p->cmn = AMASS_SPEECH_CMN_LIVE;
    /* sphinxbase's -cmninit default */
    p->n_cmn_init = 3;
    p->cmn_init[0] = 40;
    p->cmn_init[1] = 3;
    p->cmn_init[2] = -1;
    strcpy(p->feature_type, "1s_c_d_dd");
    strcpy(p->agc, "none");
}

static amass_code bad_value(amass_status *status, const speech_option *at, const char *value, const char *why)
{
    return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s: '%s' %s", at->file, at->line, at->name, value, why);
}

static amass_code read_number(const speech_option *at, const char *value, double low, double high, double *out,
                              amass_status *status)
{
    char *end;
    double x;
    errno = 0;
    x = strtod(value, &end);
    if (end == value || *end || errno == ERANGE || !isfinite(x))
        return bad_value(status, at, value, "is not a number");
    if (x < low || x > high)
        return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s: %s is out of range (%g to %g)", at->file, at->line,
                          at->name, value, low, high);
    *out = x;
    return AMASS_OK;
}

static amass_code read_integer(const speech_option *at, const char *value, int low, int high, int *out,
                               amass_status *status)
{
    double x;
    amass_code code = read_number(at, value, low, high, &x, status);
    if (code != AMASS_OK)
        return code;
    if (x != floor(x))
        return bad_value(status, at, value, "is not a whole number");
    *out = (int)x;
    return AMASS_OK;
}

static amass_code read_flag(const speech_option *at, const char *value, int *out, amass_status *status)
{
    static const char *const yes[] = {"yes", "true", "1", "on"}, *const no[] = {"no", "false", "0", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return *out = 1, AMASS_OK;
        if (strcasecmp(value, no[i]) == 0)
            return *out = 0, AMASS_OK;
    }
    return bad_value(status, at, value, "is not yes or no");
}

static amass_code read_name(const speech_option *at, const char *value, char *out, amass_status *status)
{
    if (strlen(value) >= AMASS_SPEECH_NAME_MAX)
        return bad_value(status, at, value, "is too long");
    strcpy(out, value);
    return AMASS_OK;
}

static amass_code read_cmn_init(const speech_option *at, const char *value, amass_speech_params *p,
                                amass_status *status)
{
    const char *s = value;
    int n = 0;
    while (*s) {
        char *end;
        double x;
        if (n == AMASS_SPEECH_MAX_CEPSTRA)
            return bad_value(status, at, value, "has too many values");
        errno = 0;
        x = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(x) || (*end && *end != ','))
            return bad_value(status, at, value, "is not a comma-separated list of numbers");
        p->cmn_init[n++] = (float)x;
        s = *end ? end + 1 : end;
        if (*end && !*s)
            return bad_value(status, at, value, "ends with a comma");
    }
    if (n == 0)
        return bad_value(status, at, value, "is empty");
    p->n_cmn_init = n;
    return AMASS_OK;
}

/* A speech_option_fn over an amass_speech_params. */
static amass_code set_parameter(void *params, const speech_option *at, amass_status *status)
{
    amass_speech_params *p = params;
    const char *name = at->name, *value = at->value;
    /* About the acoustic model or the decoder, not the front end. */
    static const char *const ignored[] = {"-model", "-mllr", "-lda", "-ldadim", "-input_endian",
                                          "-warp_type", "-seed", "-mach_endian", "-nchans", "-whichchan"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (strcmp(name, ignored[i]) == 0)
            return AMASS_OK;
    if (strcmp(name, "-svspec") == 0) {
        if (strlen(value) >= sizeof p->svspec)
            return bad_value(status, at, value, "is too long");
        strcpy(p->svspec, value);
        return AMASS_OK;
    }
    if (strcmp(name, "-samprate") == 0)
        return read_number(at, value, 1000, 384000, &p->sample_rate, status);
    if (strcmp(name, "-frate") == 0)
        return read_number(at, value, 1, 10000, &p->frame_rate, status);
    if (strcmp(name, "-wlen") == 0)
        return read_number(at, value, 1e-4, 1, &p->window_length, status);
    if (strcmp(name, "-nfft") == 0)
        return read_integer(at, value, 2, 65536, &p->fft_size, status);
    if (strcmp(name, "-lowerf") == 0)
        return read_number(at, value, 0, 192000, &p->lower_frequency, status);
    if (strcmp(name, "-upperf") == 0)
        return read_number(at, value, 0, 192000, &p->upper_frequency, status);
    if (strcmp(name, "-nfilt") == 0)
        return read_integer(at, value, 1, 1024, &p->n_filters, status);
    if (strcmp(name, "-ncep") == 0)
        return read_integer(at, value, 1, AMASS_SPEECH_MAX_CEPSTRA, &p->n_cepstra, status);
    if (strcmp(name, "-alpha") == 0)
        return read_number(at, value, 0, 0.9999, &p->preemphasis, status);
    if (strcmp(name, "-lifter") == 0)
        return read_integer(at, value, 0, 10000, &p->lifter, status);
    if (strcmp(name, "-remove_dc") == 0)
        return read_flag(at, value, &p->remove_dc, status);
    if (strcmp(name, "-unit_area") == 0)
        return read_flag(at, value, &p->unit_area, status);
    if (strcmp(name, "-round_filters") == 0)
        return read_flag(at, value, &p->round_filters, status);
    if (strcmp(name, "-doublebw") == 0)
        return read_flag(at, value, &p->double_bandwidth, status);
    if (strcmp(name, "-dither") == 0)
        return read_flag(at, value, &p->dither, status);
    if (strcmp(name, "-remove_noise") == 0)
        return read_flag(at, value, &p->remove_noise, status);
    if (strcmp(name, "-remove_silence") == 0)
        return read_flag(at, value, &p->remove_silence, status);
    if (strcmp(name, "-varnorm") == 0)
        return read_flag(at, value, &p->variance_normalize, status);
    if (strcmp(name, "-cmninit") == 0)
        return read_cmn_init(at, value, p, status);
    if (strcmp(name, "-feat") == 0)
        return read_name(at, value, p->feature_type, status);
    if (strcmp(name, "-agc") == 0)
        return read_name(at, value, p->agc, status);
    if (strcmp(name, "-transform") == 0) {
        if (strcmp(value, "legacy") == 0)
            p->transform = AMASS_SPEECH_TRANSFORM_LEGACY;
        else if (strcmp(value, "dct") == 0)
            p->transform = AMASS_SPEECH_TRANSFORM_DCT;
        else if (strcmp(value, "htk") == 0)
            p->transform = AMASS_SPEECH_TRANSFORM_HTK;
        else
            return bad_value(status, at, value, "is not one of legacy, dct, htk");
        return AMASS_OK;
    }
    if (strcmp(name, "-cmn") == 0) {
        if (strcmp(value, "none") == 0)
            p->cmn = AMASS_SPEECH_CMN_NONE;
        else if (strcmp(value, "batch") == 0 || strcmp(value, "current") == 0)
            p->cmn = AMASS_SPEECH_CMN_BATCH;
        else if (strcmp(value, "live") == 0 || strcmp(value, "prior") == 0)
            p->cmn = AMASS_SPEECH_CMN_LIVE;
        else
            return bad_value(status, at, value, "is not one of none, batch, live (current, prior)");
        return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: unknown parameter '%.64s'", at->file, at->line, name);
}

amass_code amass_speech_params_parse(amass_speech_params *p, const char *file, const char *text, size_t length,
                                     amass_status *status)
{
    return speech_options_parse(file, text, length, set_parameter, p, status);
}

amass_code amass_speech_params_read(amass_speech_params *p, const char *path, amass_status *status)
{
    return speech_options_read(path, set_parameter, p, status);
}
