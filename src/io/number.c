/* Decimal text to float, exactly as strtof rounds it but several times
 * faster for the numbers vector files hold (up to 19 significant digits,
 * exponents within +-22). glibc's strtof spends most of amass-cluster's
 * reading time in multi-precision arithmetic it rarely needs.
 *
 * Clinger's fast path (1990): a mantissa below 2^53 and a power of ten up
 * to 10^22 are exact doubles, so one multiplication or division gives the
 * correctly rounded double d. Rounding d on to float gives the correctly
 * rounded float unless a float rounding midpoint lies within half a double
 * ulp of d; that is checked on the 29 bits float conversion drops, and
 * such rare inputs, like everything unusual (signs other than '-', hex,
 * inf, nan, subnormals, long mantissas), go to strtof. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Appends digits to mantissa; 0 when there are too many to stay exact. */
static int take_digits(const char **p, uint64_t *mantissa, int *significant, int *exponent, int after_point,
                       int *any)
{
    for (; is_digit(**p); (*p)++) {
        *any = 1;
        if (*mantissa == 0 && **p == '0') {
            if (after_point)
                (*exponent)--;
            continue;
        }
        if (*significant == 19)
            return 0;
        *mantissa = *mantissa * 10 + (uint64_t)(**p - '0');
        (*significant)++;
        if (after_point)
            (*exponent)--;
    }
    return 1;
}

float amass_io_parse_float(const char *text, char **end)
{
    const char *p = text;
    uint64_t mantissa = 0, bits, dropped;
    int negative = 0, significant = 0, exponent = 0, any = 0;
    double value;
    float result;

    if (*p == '-') {
        negative = 1;
        p++;
    }
    if (!take_digits(&p, &mantissa, &significant, &exponent, 0, &any))
        return strtof(text, end);
    if (*p == '.') {
        p++;
        if (!take_digits(&p, &mantissa, &significant, &exponent, 1, &any))
            return strtof(text, end);
    }
    if (!any || *p == 'x' || *p == 'X')
        return strtof(text, end);
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int exponent_negative = 0, written = 0;
        if (*q == '+' || *q == '-')
            exponent_negative = *q++ == '-';
        if (!is_digit(*q))
            return strtof(text, end);
        for (; is_digit(*q); q++)
            if (written < 10000)
                written = written * 10 + (*q - '0');
        exponent += exponent_negative ? -written : written;
        p = q;
    }
    if (mantissa == 0) {
        *end = (char *)(uintptr_t)p;
        return negative ? -0.0f : 0.0f;
    }
    if (mantissa > ((uint64_t)1 << 53) || exponent < -22 || exponent > 22)
        return strtof(text, end);
    value = exponent < 0 ? (double)mantissa / powers_of_ten[-exponent] : (double)mantissa * powers_of_ten[exponent];
    if (value < FLT_MIN || value > FLT_MAX)
        return strtof(text, end);
    memcpy(&bits, &value, sizeof bits);
    dropped = bits & (((uint64_t)1 << 29) - 1);
    if (dropped >= 0x0FFFFFFF && dropped <= 0x10000001)
        return strtof(text, end);
    result = (float)value;
    *end = (char *)(uintptr_t)p;
    return negative ? -result : result;
}
