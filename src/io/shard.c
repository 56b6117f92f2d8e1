/* --shard I/N: which inputs this run keeps, by a hash of the name that is
 * the same on every machine, so N runs split one list with no overlap. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

/* Digits only: strtoul would take "-1" (as a huge number) and " 2". */
static int parse_count(const char *start, const char *end, uint32_t *value)
{
    uint64_t number = 0;
    const char *p;
    if (start == end || end - start > 10)
        return -1;
    for (p = start; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        number = number * 10 + (uint64_t)(*p - '0');
    }
    if (number > UINT32_MAX)
        return -1;
    *value = (uint32_t)number;
    return 0;
}

int amass_io_shard_parse(const char *text, amass_shard *shard, amass_status *status)
{
    const char *slash = strchr(text, '/');
    uint32_t index, count;
    if (!slash || parse_count(text, slash, &index) != 0 || parse_count(slash + 1, slash + strlen(slash), &count) != 0)
        return amass_fail(status, AMASS_ERR_USAGE, "--shard '%s': expected I/N, two whole numbers such as 0/4", text);
    if (count == 0)
        return amass_fail(status, AMASS_ERR_USAGE, "--shard '%s': N must be at least 1", text);
    if (index >= count)
        return amass_fail(status, AMASS_ERR_USAGE, "--shard '%s': I counts from 0 and must be less than N (%u)", text,
                          (unsigned)count);
    shard->index = index;
    shard->count = count;
    return AMASS_OK;
}

int amass_io_shard_keeps(const amass_shard *shard, const char *name, size_t length)
{
    if (!shard || shard->count == 0)
        return 1;
    return amass_hash_bytes(name, length) % shard->count == shard->index;
}
