/* The 16-bit floats weight files store (IEEE half and bfloat16), widened
 * to float32: the engine computes in float32 and keeps its own bfloat16
 * path (amass_nn_set_bf16), so smaller weights on disk cost nothing at
 * run time. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "formats.h"

float amass_half_to_float(uint16_t half)
{
    uint32_t sign = (uint32_t)(half >> 15), exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ff;
    float magnitude;
    if (exponent == 0)
        magnitude = ldexpf((float)mantissa, -24); /* subnormal */
    else if (exponent == 31)
        magnitude = mantissa ? NAN : INFINITY;
    else
        magnitude = ldexpf((float)(mantissa | 0x400), (int)exponent - 25);
    return sign ? -magnitude : magnitude;
}

float amass_bfloat16_to_float(uint16_t bits)
{
    uint32_t word = (uint32_t)bits << 16; /* bfloat16 is float32's top half */
    float value;
    memcpy(&value, &word, sizeof value);
    return value;
}
