/* Small shared utilities: a stable hash and a monotonic clock. */
#include "config.h"

#include <time.h>

#include "base.h"

uint64_t amass_hash_bytes(const void *data, size_t n)
{
    /* FNV-1a: stable across machines and releases, which --shard relies on. */
    const unsigned char *p = data;
    uint64_t hash = 14695981039346656037ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        hash ^= p[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

double amass_seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}
