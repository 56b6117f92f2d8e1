/* Fuzz target for the Sphinx model and dictionary readers: the first byte
 * picks the reader (mdef, means, variances, mixture weights, transition
 * matrices, sendump, dictionary), the rest is the file. Any bytes must load
 * as a consistent model or fail with a message naming the file. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/sphinx.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;
static char mdef_path[64] = "/tmp/amass-fuzz-mdef-XXXXXX";
static amass_sphinx_mdef *dictionary_mdef;

/* The dictionary reader needs a phone set: a three-phone text mdef. */
static void remove_mdef(void)
{
    unlink(mdef_path);
    amass_sphinx_mdef_close(dictionary_mdef);
}

static const amass_sphinx_mdef *phone_set(void)
{
    static const char text[] = "0.3\n3 n_base\n1 n_tri\n16 n_state_map\n12 n_tied_state\n9 n_tied_ci_state\n"
                               "3 n_tied_tmat\nAH - - - n/a 0 0 1 2 N\nHH - - - n/a 1 3 4 5 N\n"
                               "SIL - - - filler 2 6 7 8 N\nAH HH SIL e n/a 0 9 10 11 N\n";
    if (dictionary_mdef)
        return dictionary_mdef;
    int fd = mkstemp(mdef_path);
    if (fd < 0 || write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1))
        abort();
    close(fd);
    amass_status status;
    dictionary_mdef = amass_sphinx_mdef_open(mdef_path, &status);
    if (!dictionary_mdef)
        abort();
    atexit(remove_mdef);
    return dictionary_mdef;
}

static void check_mdef(const amass_sphinx_mdef *m)
{
    int32_t n = amass_sphinx_mdef_n_phones(m), states = amass_sphinx_mdef_n_states(m);
    for (int32_t pid = 0; pid < n; pid++) {
        const amass_sphinx_phone *p = amass_sphinx_mdef_phone(m, pid);
        const int32_t *senones = amass_sphinx_mdef_phone_senones(m, pid);
        for (int32_t s = 0; s < states; s++)
            if (senones[s] < 0 || senones[s] >= amass_sphinx_mdef_n_senones(m))
                abort();
        if (pid >= amass_sphinx_mdef_n_ciphones(m)) {
            if (amass_sphinx_mdef_triphone(m, p->base, p->left, p->right, p->position) < 0 &&
                !amass_sphinx_mdef_phone(m, p->left)->filler && !amass_sphinx_mdef_phone(m, p->right)->filler)
                abort();
            if (amass_sphinx_mdef_triphone_nearest(m, p->base, p->left, p->right, AMASS_SPHINX_WORD_SINGLE) < 0)
                abort();
        }
        sink += (unsigned)strlen(amass_sphinx_mdef_ciphone_name(m, p->base));
    }
}

static int names_file(const amass_status *status, const char *path)
{
    size_t n = strlen(path);
    return strncmp(status->message, path, n) == 0 && status->message[n] == ':';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const amass_sphinx_mdef *phones = data[0] % 7 == 6 ? phone_set() : NULL;
    const char *path = amass_fuzz_write_file(data + 1, size - 1);
    amass_status status;
    amass_status_clear(&status);
    void *loaded = NULL;
    switch (data[0] % 7) {
    case 0: {
        amass_sphinx_mdef *m = amass_sphinx_mdef_open(path, &status);
        if (m)
            check_mdef(m);
        loaded = m;
        amass_sphinx_mdef_close(m);
        break;
    }
    case 1:
    case 2: {
        amass_sphinx_gaussians *g = amass_sphinx_gaussians_open(path, data[0] % 7 == 2 ? 0.0001f : 0, &status);
        if (g) {
            const float *last = amass_sphinx_gaussians_vector(g, g->n_codebooks - 1, g->n_streams - 1, g->n_densities - 1);
            if (!last || last + g->stream_length[g->n_streams - 1] != g->data + g->n_values)
                abort();
        }
        loaded = g;
        amass_sphinx_gaussians_close(g);
        break;
    }
    case 3:
    case 4: {
        amass_sphinx_array3 *a = data[0] % 7 == 3 ? amass_sphinx_mixture_weights_open(path, &status)
                                                  : amass_sphinx_transitions_open(path, &status);
        if (a && a->n_values != (size_t)a->dims[0] * (size_t)a->dims[1] * (size_t)a->dims[2])
            abort();
        for (size_t i = 0; a && i < a->n_values; i++)
            if (!(a->data[i] >= 0 && a->data[i] <= 1.0001f))
                abort();
        loaded = a;
        amass_sphinx_array3_close(a);
        break;
    }
    case 5: {
        amass_sphinx_sendump *s = amass_sphinx_sendump_open(path, -1, -1, &status);
        if (s)
            sink += (unsigned)amass_sphinx_sendump_log_weight(s, s->n_senones - 1, s->n_streams - 1, s->n_densities - 1);
        loaded = s;
        amass_sphinx_sendump_close(s);
        break;
    }
    default: {
        amass_sphinx_dict *d = amass_sphinx_dict_open(path, NULL, phones, NULL, &status);
        for (size_t i = 0; d && i < amass_sphinx_dict_n_entries(d); i++) {
            const amass_sphinx_pronunciation *e = amass_sphinx_dict_entry(d, i), *first;
            size_t n = amass_sphinx_dict_lookup(d, e->word, &first);
            if (n == 0 || e < first || e >= first + n || e->n_phones < 1)
                abort();
        }
        loaded = d;
        amass_sphinx_dict_close(d);
        break;
    }
    }
    if (!loaded && !names_file(&status, path))
        abort(); /* every message names the file */
    return 0;
}
