/* Fuzz target for the tokenizer: the input's first byte picks what the
 * rest is. Even: text, tokenized by the fixture vocabulary under two
 * normalizer settings, with and without truncation; every id must be in
 * the vocabulary, [CLS] first and [SEP] last. Odd: a tokenizer.json (or,
 * when the byte is 1 mod 4, a vocab.txt), which must open or fail with a
 * message naming the file. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static amass_text_tokenizer *tokenizers[2];
static amass_text_encoding encoding;
static char json_link[64];

static void remove_link(void)
{
    unlink(json_link);
}

static void close_all(void)
{
    amass_text_tokenizer_close(tokenizers[0]);
    amass_text_tokenizer_close(tokenizers[1]);
    amass_text_encoding_free(&encoding);
}

static void open_fixtures(void)
{
    static const char *const names[] = {"uncased", "raw"};
    const char *srcdir = getenv("top_srcdir");
    char path[4096];
    amass_status status;
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/tests/unit/text-tokenizer/%s", srcdir ? srcdir : ".", names[i]);
        amass_status_clear(&status);
        if (amass_text_tokenizer_open(path, &tokenizers[i], &status) != AMASS_OK) {
            fprintf(stderr, "fuzz-tokenizer: %s\n", status.message);
            abort();
        }
    }
    amass_text_encoding_init(&encoding);
    atexit(close_all);
}

static void check_text(const char *text, size_t size, size_t max_length)
{
    amass_text_tokenizer_info info;
    amass_status status;
    for (size_t t = 0; t < 2; t++) {
        amass_text_tokenizer_get_info(tokenizers[t], &info);
        amass_status_clear(&status);
        if (amass_text_tokenizer_encode(tokenizers[t], text, size, max_length, &encoding, &status) != AMASS_OK)
            abort();
        if (encoding.length < 2 || encoding.ids[0] != info.cls_id || encoding.ids[encoding.length - 1] != info.sep_id)
            abort();
        if (max_length && (encoding.length > max_length || (encoding.full_length > max_length) != (encoding.length < encoding.full_length)))
            abort();
        for (size_t i = 0; i < encoding.length; i++)
            if (!amass_text_tokenizer_token(tokenizers[t], encoding.ids[i]))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tokenizers[0])
        open_fixtures();
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0) {
        check_text((const char *)data + 1, size - 1, 0);
        check_text((const char *)data + 1, size - 1, 3 + data[0] % 16);
    } else {
        char path[128];
        const char *file = amass_fuzz_write_file(data + 1, size - 1);
        amass_text_tokenizer *tokenizer;
        amass_status status;
        /* the loader picks the format by the name's ending */
        snprintf(path, sizeof path, "%s", file);
        amass_status_clear(&status);
        if (data[0] % 4 == 3) {
            if (!json_link[0]) {
                snprintf(json_link, sizeof json_link, "/tmp/amass-fuzz-tokenizer-%ld.json", (long)getpid());
                if (symlink(file, json_link) != 0)
                    abort();
                atexit(remove_link);
            }
            snprintf(path, sizeof path, "%s", json_link);
        }
        if (amass_text_tokenizer_open(path, &tokenizer, &status) == AMASS_OK) {
            amass_text_tokenizer_info info;
            amass_text_tokenizer_get_info(tokenizer, &info);
            amass_status_clear(&status);
            if (amass_text_tokenizer_encode(tokenizer, "Hello, world! caf\xC3\xA9 [MASK]", 25, 0, &encoding, &status) !=
                AMASS_OK)
                abort();
            amass_text_tokenizer_close(tokenizer);
        } else if (strncmp(status.message, path, strlen(path)) != 0 && strstr(status.message, "out of memory") == NULL) {
            fprintf(stderr, "fuzz-tokenizer: message names no file: %s\n", status.message);
            abort();
        }
    }
    return 0;
}
