/* Fuzz target for the n-gram language model readers (ARPA and the Sphinx
 * trie binary): any bytes must load as a model every query can walk, or
 * fail with a message naming the file; never a crash or a stray read. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/sphinx_lm.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int visit(const int32_t *words, int n, float prob, float backoff, void *user)
{
    const amass_lm *model = user;
    int32_t history[AMASS_LM_MAX_ORDER];
    int i, matched;
    float got;
    (void)backoff;
    for (i = 0; i + 1 < n; i++)
        history[i] = words[n - 2 - i];
    got = amass_formats_lm_log10_probability(model, words[n - 1], history, n - 1, &matched);
    /* A stored n-gram is found with its own probability. */
    if (matched != n || !(got == prob || (isnan(got) && isnan(prob))))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    size_t path_length = strlen(path);
    amass_status status;
    amass_lm *model;
    amass_status_clear(&status);
    model = amass_formats_lm_open(path, &status);
    if (model) {
        int n;
        uint32_t word, vocabulary = amass_formats_lm_vocabulary_size(model);
        for (n = 1; n <= amass_formats_lm_order(model); n++)
            amass_formats_lm_each(model, n, visit, model);
        for (word = 0; word < vocabulary && word < 64; word++) {
            int32_t history[AMASS_LM_MAX_ORDER], i;
            for (i = 0; i < AMASS_LM_MAX_ORDER; i++)
                history[i] = (int32_t)((word * 7 + (uint32_t)i * 13) % vocabulary);
            (void)amass_formats_lm_log10_probability(model, (int32_t)word, history, AMASS_LM_MAX_ORDER, NULL);
            if (amass_formats_lm_word_id(model, amass_formats_lm_word(model, (int32_t)word),
                                         strlen(amass_formats_lm_word(model, (int32_t)word))) != (int32_t)word)
                abort();
        }
        amass_formats_lm_close(model);
    } else if (strncmp(status.message, path, path_length) != 0 || status.message[path_length] != ':') {
        abort(); /* every message names the file */
    }
    return 0;
}
