/* A minimal TAP producer for the C unit tests: each check prints one
 * "ok N - name" or "not ok N - name" line; done_testing() prints the plan
 * and returns the exit status. */
#ifndef AMASS_TAP_H
#define AMASS_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static int tap_ok(int passed, const char *file, int line, const char *name)
{
    tap_count++;
    if (!passed)
        tap_failed++;
    printf("%sok %d - %s\n", passed ? "" : "not ", tap_count, name);
    if (!passed)
        printf("#   failed at %s:%d\n", file, line);
    fflush(stdout);
    return passed;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

#define is_int(got, want, name)                                                                             \
    do {                                                                                                    \
        long long tap_got_ = (long long)(got), tap_want_ = (long long)(want);                              \
        if (!tap_ok(tap_got_ == tap_want_, __FILE__, __LINE__, (name)))                                     \
            printf("#   got %lld, want %lld\n", tap_got_, tap_want_);                                       \
    } while (0)

#define is_str(got, want, name)                                                                             \
    do {                                                                                                    \
        const char *tap_got_ = (got), *tap_want_ = (want);                                                  \
        int tap_same_ = tap_got_ && tap_want_ && strcmp(tap_got_, tap_want_) == 0;                          \
        if (!tap_ok(tap_same_, __FILE__, __LINE__, (name)))                                                 \
            printf("#   got  \"%s\"\n#   want \"%s\"\n", tap_got_ ? tap_got_ : "(null)",                    \
                   tap_want_ ? tap_want_ : "(null)");                                                       \
    } while (0)

/* |got - want| <= tolerance * max(1, |want|) */
#define is_close(got, want, tolerance, name)                                                                \
    do {                                                                                                    \
        double tap_got_ = (got), tap_want_ = (want);                                                        \
        double tap_scale_ = fabs(tap_want_) > 1 ? fabs(tap_want_) : 1;                                      \
        if (!tap_ok(fabs(tap_got_ - tap_want_) <= (tolerance) * tap_scale_, __FILE__, __LINE__, (name)))    \
            printf("#   got %.17g, want %.17g\n", tap_got_, tap_want_);                                     \
    } while (0)

/* A check that cannot run here (a model or data set not installed). */
static inline void tap_skip(const char *name, const char *reason)
{
    printf("ok %d - %s # SKIP %s\n", ++tap_count, name, reason);
    fflush(stdout);
}

static int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
