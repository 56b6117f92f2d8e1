/* Sphinx's feat.params: the "-name value" pairs an acoustic model ships to
 * say how its front end was configured, read over sphinx_fe's defaults. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "speech.h"

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

/* Where a value is being read, for messages. */
typedef struct {
    const char *file;
    int line;
    const char *name;
} place;

static amass_code bad_value(amass_status *status, const place *at, const char *value, const char *why)
{
    return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s: '%s' %s", at->file, at->line, at->name, value, why);
}

static amass_code read_number(const place *at, const char *value, double low, double high, double *out,
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

static amass_code read_integer(const place *at, const char *value, int low, int high, int *out,
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

static amass_code read_flag(const place *at, const char *value, int *out, amass_status *status)
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

static amass_code read_name(const place *at, const char *value, char *out, amass_status *status)
{
    if (strlen(value) >= AMASS_SPEECH_NAME_MAX)
        return bad_value(status, at, value, "is too long");
    strcpy(out, value);
    return AMASS_OK;
}

static amass_code read_cmn_init(const place *at, const char *value, amass_speech_params *p, amass_status *status)
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

static amass_code set_parameter(amass_speech_params *p, const place *at, const char *value, amass_status *status)
{
    const char *name = at->name;
    /* About the acoustic model or the decoder, not the front end. */
    static const char *const ignored[] = {"-svspec", "-model", "-mllr", "-lda", "-ldadim", "-input_endian",
                                          "-warp_type", "-seed", "-mach_endian", "-nchans", "-whichchan"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (strcmp(name, ignored[i]) == 0)
            return AMASS_OK;
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
    return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: unknown parameter '%s'", at->file, at->line, name);
}

amass_code amass_speech_params_parse(amass_speech_params *p, const char *file, const char *text, size_t length,
                                     amass_status *status)
{
    /* The name waiting for its value, and the line it was on. */
    char name[AMASS_SPEECH_NAME_MAX + 1] = "";
    int name_line = 0, line = 1;
    size_t i = 0;
    while (i < length) {
        char token[512];
        size_t start, n;
        if (text[i] == '\n') {
            line++, i++;
            continue;
        }
        if (isspace((unsigned char)text[i])) {
            i++;
            continue;
        }
        if (text[i] == '#') {
            while (i < length && text[i] != '\n')
                i++;
            continue;
        }
        start = i;
        while (i < length && !isspace((unsigned char)text[i]))
            i++;
        n = i - start;
        if (memchr(text + start, '\0', n))
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: not a text file (NUL byte)", file, line);
        if (n >= sizeof token)
            return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: a word of %zu bytes is too long", file, line, n);
        memcpy(token, text + start, n);
        token[n] = '\0';
        if (!name[0]) {
            if (token[0] != '-' || n < 2)
                return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: expected a -name, found '%s'", file, line, token);
            if (n > AMASS_SPEECH_NAME_MAX)
                return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: unknown parameter '%.40s...'", file, line, token);
            memcpy(name, token, n + 1);
            name_line = line;
        } else {
            place at = {file, line, name};
            amass_code code;
            if (line != name_line)
                return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s has no value", file, name_line, name);
            if ((code = set_parameter(p, &at, token, status)) != AMASS_OK)
                return code;
            name[0] = '\0';
        }
    }
    if (name[0])
        return amass_fail(status, AMASS_ERR_INPUT, "%s:%d: %s has no value", file, name_line, name);
    return AMASS_OK;
}

amass_code amass_speech_params_read(amass_speech_params *p, const char *path, amass_status *status)
{
    /* feat.params files are a few hundred bytes; anything large is not one. */
    enum { max_size = 1 << 20 };
    FILE *file = fopen(path, "rb");
    char *text;
    size_t length;
    amass_code code;
    if (!file)
        return amass_fail(status, AMASS_ERR_IO, "%s: %s", path, strerror(errno));
    text = malloc(max_size + 1);
    if (!text) {
        fclose(file);
        return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
    }
    length = fread(text, 1, max_size + 1, file);
    if (ferror(file)) {
        code = amass_fail(status, AMASS_ERR_IO, "%s: read error", path);
    } else if (length > max_size) {
        code = amass_fail(status, AMASS_ERR_INPUT, "%s: too large for a feat.params file (over 1 MiB)", path);
    } else {
        code = amass_speech_params_parse(p, path, text, length, status);
    }
    free(text);
    fclose(file);
    return code;
}
