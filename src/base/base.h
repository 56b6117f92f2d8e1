/* libamass base layer: status codes and messages, the log hook, growable
 * buffers, checked allocation, UTF-8. Every other layer builds on this. */
#ifndef AMASS_BASE_H
#define AMASS_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* What went wrong, coarse enough for a tool to choose its exit status. */
typedef enum {
    AMASS_OK = 0,
    AMASS_ERR_INPUT,       /* one input item is bad; the batch goes on */
    AMASS_ERR_USAGE,       /* a bad option or argument value */
    AMASS_ERR_IO,          /* reading or writing failed */
    AMASS_ERR_NOMEM,
    AMASS_ERR_UNSUPPORTED,
    AMASS_ERR_FATAL        /* the run cannot go on at all */
} amass_code;

#define AMASS_MESSAGE_MAX 1024

/* Every fallible call fills one of these; the message names the input and
 * the cause so a tool can print it as it is. */
typedef struct {
    amass_code code;
    char message[AMASS_MESSAGE_MAX];
} amass_status;

void amass_status_clear(amass_status *status);
/* Sets code and a printf-style message; returns code so callers can write
 * `return amass_fail(st, AMASS_ERR_INPUT, "%s: empty", path);`. */
amass_code amass_fail(amass_status *status, amass_code code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
amass_code amass_failv(amass_status *status, amass_code code, const char *format, va_list args);
/* Prefixes the existing message with "prefix: " (e.g. a file name). */
void amass_status_prefix(amass_status *status, const char *prefix);
const char *amass_code_name(amass_code code);

/* Logging: the library never prints; tools install a callback. */
typedef enum { AMASS_LOG_ERROR, AMASS_LOG_WARN, AMASS_LOG_INFO, AMASS_LOG_DEBUG } amass_log_level;
typedef void (*amass_log_fn)(amass_log_level level, const char *message, void *user);
void amass_log_set_handler(amass_log_fn handler, void *user);
void amass_log(amass_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* How a long-running library call tells its caller about bad items and
 * progress without printing: the tool decides what to do with them. */
typedef struct {
    /* One bad input item: input names it, message says why (it already
     * begins with the input's name where that helps the reader). */
    void (*failure)(void *user, const char *input, size_t input_length, const char *message);
    /* Nonzero when the caller wants to stop (e.g. --fail-fast after a failure). */
    int (*stop_requested)(void *user);
    /* Work done so far in a named phase; total 0 when unknown. */
    void (*progress)(void *user, const char *phase, uint64_t done, uint64_t total);
    void *user;
} amass_reporter;

void amass_report_failure(const amass_reporter *reporter, const char *input, size_t input_length,
                          const char *message);
int amass_report_stop_requested(const amass_reporter *reporter);
void amass_report_progress(const amass_reporter *reporter, const char *phase, uint64_t done, uint64_t total);

/* Allocation with overflow checks; NULL on overflow or exhaustion. */
void *amass_alloc_array(size_t count, size_t size);
void *amass_calloc_array(size_t count, size_t size);
void *amass_realloc_array(void *ptr, size_t count, size_t size);
char *amass_strndup(const char *s, size_t n);

/* Growable byte buffer. A failed allocation sets `failed` and later appends
 * are ignored, so record builders check once at the end. */
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} amass_buf;

void amass_buf_init(amass_buf *buf);
void amass_buf_free(amass_buf *buf);
void amass_buf_reset(amass_buf *buf);
int amass_buf_reserve(amass_buf *buf, size_t extra);
void amass_buf_append(amass_buf *buf, const void *data, size_t n);
void amass_buf_append_str(amass_buf *buf, const char *s);
void amass_buf_append_char(amass_buf *buf, char c);
void amass_buf_printf(amass_buf *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* UTF-8: length of the valid sequence at s (1-4), or 0 if the bytes there
 * are not valid UTF-8 (overlong, surrogate, truncated, > U+10FFFF). */
size_t amass_utf8_sequence_length(const unsigned char *s, size_t available, uint32_t *codepoint);
int amass_utf8_is_valid(const char *s, size_t n);

/* 64-bit FNV-1a: a stable hash for sharding and hash sets. */
uint64_t amass_hash_bytes(const void *data, size_t n);

/* Monotonic clock in seconds. */
double amass_seconds_now(void);

#endif
