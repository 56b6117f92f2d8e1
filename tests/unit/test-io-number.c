/* amass_io_parse_float must agree with strtof bit for bit and stop at the
 * same character, on every kind of text, so the fast path never changes a
 * value read from a vector file. */
#include "config.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "tap.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* 1 when both parsers give the same bits and the same end. */
static int agrees(const char *text)
{
    char *fast_end, *slow_end;
    float fast = amass_io_parse_float(text, &fast_end);
    float slow = strtof(text, &slow_end);
    uint32_t fast_bits, slow_bits;
    memcpy(&fast_bits, &fast, sizeof fast_bits);
    memcpy(&slow_bits, &slow, sizeof slow_bits);
    if ((fast_bits == slow_bits || (fast != fast && slow != slow)) && fast_end == slow_end)
        return 1;
    printf("#   \"%s\": got %.9g (end +%td), strtof %.9g (end +%td)\n", text, fast, fast_end - text, slow,
           slow_end - text);
    return 0;
}

static int agrees_on_printed_floats(const char *format, long count)
{
    char text[64];
    long i, bad = 0;
    for (i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)next_random();
        float value;
        memcpy(&value, &bits, sizeof value);
        snprintf(text, sizeof text, format, (double)value);
        if (!agrees(text) && ++bad > 5)
            return 0;
    }
    return bad == 0;
}

static int agrees_on_random_decimals(long count)
{
    char text[64];
    long i, bad = 0;
    for (i = 0; i < count; i++) {
        uint64_t r = next_random();
        int digits = 1 + (int)(r % 22), point = (int)((r >> 8) % (unsigned)(digits + 1)), j;
        size_t n = 0;
        if (r & (1u << 20))
            text[n++] = '-';
        for (j = 0; j < digits; j++) {
            if (j == point && j > 0)
                text[n++] = '.';
            text[n++] = (char)('0' + next_random() % 10);
        }
        if (r & (1u << 21))
            n += (size_t)snprintf(text + n, sizeof text - n, "e%d", (int)((r >> 24) % 90) - 45);
        text[n] = '\0';
        if (!agrees(text) && ++bad > 5)
            return 0;
    }
    return bad == 0;
}

int main(void)
{
    static const char *cases[] = {
        "0", "-0", "0.0", "1", "-1", "0.1", "0.5", "3.14159274", "1e10", "1E-10", "1e+3", "123456789012345678",
        "1234567890123456789012", "16777216", "16777217", "16777218", "16777219", "33554433", "3.4028235e38",
        "3.4028236e38", "3.40282347e+38", "1e39", "-1e39", "1.17549435e-38", "1.1754942e-38", "1e-45", "1.4e-45",
        "7e-46", "1e-50", "0.000001", "100000000000000000000000", "1e22", "1e23", "1e-22", "1e-23", "5e-324",
        "inf", "-inf", "nan", "infinity", "+1", " 1", "1 ", ".5", "-.5", "5.", "1e", "1e+", "1e-", "e5", ".", "-",
        "", "0x10", "0x1p3", "-0x1p-2", "1.5x", "00000000000000000000001", "0.00000000000000000000000001",
        "1.00000000000000000000000001", "9007199254740993", "9007199254740992e-10", "0.30000001192092896",
        "0.1000000015", "2.5e-8", "1e-10000", "1e10000", "12e-1000000000000",
    };
    size_t i;
    int all = 1;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        all &= agrees(cases[i]);
    ok(all, "edge cases: signs, zeros, midpoints, limits, subnormals, hex, inf/nan, malformed");
    ok(agrees_on_printed_floats("%.9g", 1000000), "1e6 random floats printed %.9g (shortest-or-exact form)");
    ok(agrees_on_printed_floats("%.8g", 300000), "random floats printed %.8g (needs rounding)");
    ok(agrees_on_printed_floats("%.6e", 300000), "random floats printed %.6e");
    ok(agrees_on_printed_floats("%.12f", 300000), "random floats printed %.12f");
    ok(agrees_on_random_decimals(2000000), "2e6 random decimal strings, 1-22 digits, exponents -45..44");
    return done_testing();
}
