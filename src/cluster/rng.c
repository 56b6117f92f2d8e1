/* xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64: a small,
 * fast generator whose stream is the same on every platform. */
#include "config.h"

#include <stdint.h>

#include "cluster.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int bits)
{
    return (x << bits) | (x >> (64 - bits));
}

void amass_rng_seed(amass_rng *rng, uint64_t seed)
{
    /* splitmix64 never yields four zero words, the one state xoshiro
     * cannot leave. */
    for (int i = 0; i < 4; i++)
        rng->state[i] = splitmix64(&seed);
}

uint64_t amass_rng_next(amass_rng *rng)
{
    uint64_t *s = rng->state;
    uint64_t result = rotate_left(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate_left(s[3], 45);
    return result;
}

double amass_rng_uniform(amass_rng *rng)
{
    /* The top 53 bits fill a double's mantissa exactly. */
    return (double)(amass_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t amass_rng_below(amass_rng *rng, uint64_t n)
{
    uint64_t threshold, r;
    if (n == 0)
        return 0;
    /* Rejecting the lowest 2^64 mod n values leaves a range that is a
     * multiple of n, so r % n has no bias. */
    threshold = (0 - n) % n;
    do
        r = amass_rng_next(rng);
    while (r < threshold);
    return r % n;
}
