/* Runs a fuzz target without libFuzzer: over each file named on the
 * command line and over deterministic mutations of it (bit flips, cuts,
 * insertions of bytes and tokens the parsers care about), printing TAP.
 * AMASS_FUZZ_ROUNDS sets the mutations per file (default 2000). A crash
 * or a sanitizer report ends the run, which the TAP driver reports. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t state;

/* splitmix64: the same mutations on every machine, so a failure repeats */
static uint64_t next_random(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t below(size_t n)
{
    return n ? (size_t)(next_random() % n) : 0;
}

static const char *const tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\t", "\n", "\r\n", "\0", "\xff",
                                     "\xc3", "\xed\xa0\x80", "1e999", "-0", "nan", "inf", "1e39", "\"input\":",
                                     "\"embedding\":", "[]", "null", "true", "0x1p3", "\\t", "input\t", "1e-50",
                                     "99999999999999999999"};

/* One to four edits of buffer (length *n, capacity cap). */
static void mutate(unsigned char *buffer, size_t *n, size_t cap)
{
    int edits = 1 + (int)below(4), e;
    for (e = 0; e < edits; e++) {
        size_t at = below(*n + 1), len;
        switch (below(5)) {
        case 0: /* bit flip */
            if (*n)
                buffer[below(*n)] ^= (unsigned char)(1u << below(8));
            break;
        case 1: /* cut the end off */
            *n = below(*n + 1);
            break;
        case 2: /* delete a piece */
            len = below(*n - at + 1) % 16;
            memmove(buffer + at, buffer + at + len, *n - at - len);
            *n -= len;
            break;
        case 3: { /* insert a token */
            const char *token = tokens[below(sizeof tokens / sizeof *tokens)];
            len = token[0] ? strlen(token) : 1;
            if (*n + len > cap)
                break;
            memmove(buffer + at + len, buffer + at, *n - at);
            memcpy(buffer + at, token, len);
            *n += len;
            break;
        }
        default: /* insert random bytes */
            len = 1 + below(8);
            if (*n + len > cap)
                break;
            memmove(buffer + at + len, buffer + at, *n - at);
            for (size_t i = 0; i < len; i++)
                buffer[at + i] = (unsigned char)next_random();
            *n += len;
        }
    }
}

int main(int argc, char **argv)
{
    const char *rounds_text = getenv("AMASS_FUZZ_ROUNDS");
    long rounds = rounds_text ? atol(rounds_text) : 2000, round;
    int i;
    for (i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        unsigned char *seed, *buffer;
        size_t seed_length, cap, n;
        if (!file) {
            printf("not ok %d - %s: cannot open\n", i, argv[i]);
            continue;
        }
        fseek(file, 0, SEEK_END);
        seed_length = (size_t)ftell(file);
        rewind(file);
        cap = seed_length * 2 + 256;
        seed = malloc(seed_length + 1);
        buffer = malloc(cap);
        if (!seed || !buffer || fread(seed, 1, seed_length, file) != seed_length)
            return 2;
        fclose(file);
        LLVMFuzzerTestOneInput(seed, seed_length);
        state = 0x5EED0000u + (uint64_t)i;
        for (round = 0; round < rounds; round++) {
            /* mostly fresh mutations of the seed, sometimes stacked */
            if (round == 0 || below(4) != 0) {
                memcpy(buffer, seed, seed_length);
                n = seed_length;
            }
            mutate(buffer, &n, cap);
            LLVMFuzzerTestOneInput(buffer, n);
        }
        printf("ok %d - %s (%ld mutations)\n", i, argv[i], rounds);
        fflush(stdout);
        free(seed);
        free(buffer);
    }
    printf("1..%d\n", argc - 1);
    return 0;
}
