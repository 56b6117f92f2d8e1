/* Unit tests of the Sphinx model and dictionary readers on the Debian en-us, an4 and tidigits models. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/formats/sphinx.h"
#include "tap.h"

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"
#define CMUDICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"
#define AN4 "/usr/share/pocketsphinx/test/data/an4_ci_cont"
#define TIDIGITS "/usr/share/pocketsphinx/test/data/tidigits/hmm"
#define MDEF_CONVERT "/usr/bin/pocketsphinx_mdef_convert"

static int exists(const char *path)
{
    return access(path, R_OK) == 0;
}

static int same_senones(const amass_sphinx_mdef *m, int32_t pid, int a, int b, int c)
{
    const int32_t *s = amass_sphinx_mdef_phone_senones(m, pid);
    if (s && s[0] == a && s[1] == b && s[2] == c)
        return 1;
    printf("#   phone %d has senones %d %d %d\n", (int)pid, s ? (int)s[0] : -1, s ? (int)s[1] : -1,
           s ? (int)s[2] : -1);
    return 0;
}

static int32_t id(const amass_sphinx_mdef *m, const char *name)
{
    return amass_sphinx_mdef_ciphone_id(m, name);
}

static void test_en_us_mdef(const amass_sphinx_mdef *m)
{
    /* Counts as pocketsphinx prints them loading this model. */
    is_int(amass_sphinx_mdef_n_ciphones(m), 42, "en-us: 42 CI phones");
    is_int(amass_sphinx_mdef_n_phones(m), 42 + 137053, "en-us: 137053 triphones");
    is_int(amass_sphinx_mdef_n_states(m), 3, "en-us: 3 emitting states");
    is_int(amass_sphinx_mdef_n_senones(m), 5126, "en-us: 5126 senones");
    is_int(amass_sphinx_mdef_n_ci_senones(m), 126, "en-us: 126 CI senones");
    is_int(amass_sphinx_mdef_n_transition_matrices(m), 42, "en-us: 42 transition matrices");
    is_int(amass_sphinx_mdef_n_senone_sequences(m), 29324, "en-us: 29324 senone sequences");
    is_int(amass_sphinx_mdef_silence(m), id(m, "SIL"), "en-us: silence phone is SIL");
    is_int(id(m, "SIL"), 32, "en-us: SIL is CI phone 32");
    is_str(amass_sphinx_mdef_ciphone_name(m, 0), "+NSN+", "en-us: phone 0 is +NSN+");
    is_int(id(m, "sil"), -1, "en-us: phone names are case-sensitive");
    const amass_sphinx_phone *sil = amass_sphinx_mdef_phone(m, 32);
    ok(sil && sil->filler && sil->transition_matrix == 32, "en-us: SIL is a filler with matrix 32");
    ok(same_senones(m, 32, 96, 97, 98), "en-us: SIL senones 96 97 98");
    ok(!amass_sphinx_mdef_phone(m, 42)->filler || 0, "en-us: first triphone is not a filler");
    /* Values from pocketsphinx_mdef_convert -text on the same file. */
    int32_t ah = id(m, "AH"), hh = id(m, "HH"), l = id(m, "L"), ow = id(m, "OW"), t = id(m, "T");
    int32_t pid = amass_sphinx_mdef_triphone(m, ah, hh, l, AMASS_SPHINX_WORD_BEGIN);
    ok(pid >= 42 && same_senones(m, pid, 362, 667, 735), "en-us: AH(HH,L) b senones 362 667 735");
    ok(pid >= 0 && amass_sphinx_mdef_phone(m, pid)->transition_matrix == 4, "en-us: AH(HH,L) b uses matrix 4");
    pid = amass_sphinx_mdef_triphone(m, ah, hh, l, AMASS_SPHINX_WORD_END);
    ok(pid >= 0 && same_senones(m, pid, 364, 663, 735), "en-us: AH(HH,L) e senones 364 663 735");
    pid = amass_sphinx_mdef_triphone(m, l, ah, ow, AMASS_SPHINX_WORD_INTERNAL);
    ok(pid >= 0 && same_senones(m, pid, 2966, 3024, 3111), "en-us: L(AH,OW) i senones 2966 3024 3111");
    const amass_sphinx_phone *p = amass_sphinx_mdef_phone(m, pid);
    ok(p && p->base == l && p->left == ah && p->right == ow && p->position == AMASS_SPHINX_WORD_INTERNAL,
       "en-us: phone table holds base, contexts and position");
    /* AE(B,AA) exists only word-internally: the nearest lookup backs off to it. */
    int32_t ae = id(m, "AE"), b = id(m, "B"), aa = id(m, "AA");
    is_int(amass_sphinx_mdef_triphone(m, ae, b, aa, AMASS_SPHINX_WORD_END), -1, "en-us: AE(B,AA) e does not exist");
    pid = amass_sphinx_mdef_triphone_nearest(m, ae, b, aa, AMASS_SPHINX_WORD_END);
    ok(pid >= 0 && same_senones(m, pid, 227, 285, 321), "en-us: AE(B,AA) e falls back to i: 227 285 321");
    /* A filler context reads as SIL. */
    int32_t nsn = id(m, "+NSN+");
    ok(amass_sphinx_mdef_triphone(m, ah, nsn, t, AMASS_SPHINX_WORD_BEGIN) ==
           amass_sphinx_mdef_triphone(m, ah, 32, t, AMASS_SPHINX_WORD_BEGIN) &&
           same_senones(m, amass_sphinx_mdef_triphone(m, ah, nsn, t, AMASS_SPHINX_WORD_BEGIN), 507, 548, 753),
       "en-us: AH(+NSN+,T) b is AH(SIL,T) b");
    /* ZH(AE,B) has no triphone at all, with or without SIL contexts. */
    int32_t zh = id(m, "ZH");
    is_int(amass_sphinx_mdef_triphone_nearest(m, zh, ae, b, AMASS_SPHINX_WORD_INTERNAL), zh,
           "en-us: ZH(AE,B) falls back to the CI phone");
    is_int(amass_sphinx_mdef_triphone_nearest(m, ah, -1, l, AMASS_SPHINX_WORD_BEGIN), ah,
           "en-us: no left context gives the CI phone");
    is_int(amass_sphinx_mdef_triphone(m, ah, 99, l, AMASS_SPHINX_WORD_BEGIN), -1, "en-us: bad context id is -1");
    is_int(amass_sphinx_mdef_senone_ciphone(m, 667), ah, "en-us: senone 667 (of AH(HH,L)) belongs to AH");
    is_int(amass_sphinx_mdef_senone_ciphone(m, 97), 32, "en-us: senone 97 belongs to SIL");
    is_int(amass_sphinx_mdef_senone_ciphone(m, 2966), l, "en-us: senone 2966 belongs to L");
    is_int(amass_sphinx_mdef_senone_ciphone(m, 5126), -1, "en-us: senone 5126 is out of range");
    int unused = 0;
    for (int32_t s = 0; s < 5126; s++)
        unused += amass_sphinx_mdef_senone_ciphone(m, s) < 0;
    is_int(unused, 0, "en-us: every senone belongs to a phone");
    ok(amass_sphinx_mdef_phone_senones(m, -1) == NULL && amass_sphinx_mdef_phone(m, 1 << 30) == NULL,
       "en-us: out-of-range phone ids give NULL");
}

/* Every triphone of the text conversion pocketsphinx writes must match the
 * binary reading: base, contexts, position, matrix and senones. */
static void test_text_matches_binary(const char *binary_path, const char *label)
{
    char directory[] = "/tmp/amass-sphinx-XXXXXX";
    if (!exists(MDEF_CONVERT) || !mkdtemp(directory)) {
        printf("ok %d # skip %s: %s not installed\n", ++tap_count, label, MDEF_CONVERT);
        return;
    }
    char text_path[256], command[1024];
    snprintf(text_path, sizeof text_path, "%s/mdef.txt", directory);
    snprintf(command, sizeof command, "%s -text '%s' '%s' >/dev/null 2>&1", MDEF_CONVERT, binary_path, text_path);
    int converted = system(command) == 0;
    amass_status st;
    amass_sphinx_mdef *binary = amass_sphinx_mdef_open(binary_path, &st);
    amass_sphinx_mdef *text = converted ? amass_sphinx_mdef_open(text_path, &st) : NULL;
    if (converted && !text)
        printf("#   %s\n", st.message);
    ok(binary && text, label);
    if (binary && text) {
        int32_t mismatches = 0, n = amass_sphinx_mdef_n_phones(text);
        int states = amass_sphinx_mdef_n_states(text);
        ok(n == amass_sphinx_mdef_n_phones(binary) && states == amass_sphinx_mdef_n_states(binary) &&
               amass_sphinx_mdef_n_senones(text) == amass_sphinx_mdef_n_senones(binary),
           "text and binary agree on counts");
        for (int32_t pid = 0; pid < n; pid++) {
            const amass_sphinx_phone *tp = amass_sphinx_mdef_phone(text, pid);
            int32_t other = pid < amass_sphinx_mdef_n_ciphones(text)
                                ? pid
                                : amass_sphinx_mdef_triphone(binary, tp->base, tp->left, tp->right, tp->position);
            const amass_sphinx_phone *bp = amass_sphinx_mdef_phone(binary, other);
            const int32_t *ts = amass_sphinx_mdef_phone_senones(text, pid);
            const int32_t *bs = amass_sphinx_mdef_phone_senones(binary, other);
            if (!bp || bp->transition_matrix != tp->transition_matrix || bp->filler != tp->filler ||
                memcmp(ts, bs, (size_t)states * sizeof *ts) != 0)
                mismatches++;
        }
        is_int(mismatches, 0, "every phone of the text mdef matches the binary one");
    }
    amass_sphinx_mdef_close(binary);
    amass_sphinx_mdef_close(text);
    unlink(text_path);
    rmdir(directory);
}

static void test_en_us_params(const amass_sphinx_mdef *m)
{
    amass_status st;
    amass_sphinx_gaussians *means = amass_sphinx_gaussians_open(EN_US "/means", 0, &st);
    ok(means, "en-us: means load");
    if (means) {
        ok(means->n_codebooks == 42 && means->n_streams == 3 && means->n_densities == 128,
           "en-us means: 42 codebooks x 3 streams x 128 densities");
        ok(means->stream_length[0] == 13 && means->stream_length[1] == 13 && means->stream_length[2] == 13,
           "en-us means: streams of 13 (svspec 0-12/13-25/26-38)");
        is_int(means->n_values, 42 * 128 * 39, "en-us means: 209664 values");
        const float *last = amass_sphinx_gaussians_vector(means, 41, 2, 127);
        ok(last && last + 13 == means->data + means->n_values, "en-us means: last vector ends the data");
        ok(amass_sphinx_gaussians_vector(means, 42, 0, 0) == NULL, "en-us means: codebook 42 out of range");
    }
    amass_sphinx_gaussians *variances = amass_sphinx_gaussians_open(EN_US "/variances", AMASS_SPHINX_VARIANCE_FLOOR, &st);
    ok(variances, "en-us: variances load");
    if (variances) {
        float smallest = INFINITY;
        for (size_t i = 0; i < variances->n_values; i++)
            smallest = fminf(smallest, variances->data[i]);
        ok(smallest >= AMASS_SPHINX_VARIANCE_FLOOR, "en-us variances: none below the floor");
    }
    amass_sphinx_gaussians *high = amass_sphinx_gaussians_open(EN_US "/variances", 1e6f, &st);
    ok(high && high->n_floored == high->n_values && high->data[0] == 1e6f, "a huge floor raises every variance");
    amass_sphinx_array3 *tmat = amass_sphinx_transitions_open(EN_US "/transition_matrices", &st);
    ok(tmat && tmat->dims[0] == 42 && tmat->dims[1] == 3 && tmat->dims[2] == 4,
       "en-us: 42 transition matrices of 3 x 4");
    if (tmat) {
        /* The file holds raw counts (72576.67, 13716, ...); rows come out normalised. */
        ok(fabs(tmat->data[0] - 72576.671875 / (72576.671875 + 13716.0)) < 1e-6, "en-us: matrix 0 row 0 normalised");
        ok(tmat->data[2] == 0 && tmat->data[3] == 0, "en-us: absent transitions stay zero");
        double worst = 0;
        for (int r = 0; r < 42 * 3; r++) {
            double sum = 0;
            for (int c = 0; c < 4; c++)
                sum += tmat->data[r * 4 + c];
            worst = fmax(worst, fabs(sum - 1));
        }
        ok(worst < 1e-3, "en-us: every transition row sums to 1");
    }
    amass_sphinx_sendump *sendump = amass_sphinx_sendump_open(EN_US "/sendump", amass_sphinx_mdef_n_senones(m), 3, &st);
    if (!sendump)
        printf("#   %s\n", st.message);
    ok(sendump && sendump->n_senones == 5126 && sendump->n_streams == 3 && sendump->n_densities == 128,
       "en-us sendump: 5126 senones x 3 streams x 128 densities");
    if (sendump) {
        double worst = 0, worst_over = 0;
        for (int32_t s = 0; s < sendump->n_senones; s += 97)
            for (int32_t f = 0; f < 3; f++) {
                double sum = 0;
                for (int32_t d = 0; d < 128; d++)
                    sum += exp(amass_sphinx_sendump_log_weight(sendump, s, f, d));
                worst = fmax(worst, fabs(sum - 1));
                worst_over = fmax(worst_over, sum - 1);
            }
        /* Each byte is a truncated negated log, so sums come out a little
         * under 1 (0.93 .. 0.98 on en-us), never over. */
        ok(worst < 0.08 && worst_over < 1e-6, "en-us sendump: weights of each senone and stream sum to about 1");
        ok(isinf(amass_sphinx_sendump_log_weight(sendump, 5126, 0, 0)), "en-us sendump: senone out of range");
    }
    amass_sphinx_sendump *wrong = amass_sphinx_sendump_open(EN_US "/sendump", 5000, 3, &st);
    ok(!wrong && strstr(st.message, "5126 senones, but the model definition has 5000"),
       "sendump: senone count checked against the mdef");
    amass_sphinx_gaussians_close(means);
    amass_sphinx_gaussians_close(variances);
    amass_sphinx_gaussians_close(high);
    amass_sphinx_array3_close(tmat);
    amass_sphinx_sendump_close(sendump);
}

static void swap_at(unsigned char *data, size_t at, int width)
{
    for (int i = 0; i < width / 2; i++) {
        unsigned char t = data[at + (size_t)i];
        data[at + (size_t)i] = data[at + (size_t)width - 1 - (size_t)i];
        data[at + (size_t)width - 1 - (size_t)i] = t;
    }
}

/* A big-endian copy of a little-endian binary mdef, field by field as the
 * format lays them out, must read the same model. */
static void test_big_endian_mdef(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char data[1 << 16];
    size_t length = f ? fread(data, 1, sizeof data, f) : 0;
    if (f)
        fclose(f);
    int32_t counts[10], description;
    memcpy(&description, data + 8, 4);
    memcpy(counts, data + 12 + (size_t)description, sizeof counts);
    size_t at = 12 + (size_t)description + sizeof counts, names = at;
    for (int i = 0; i < counts[0]; i++)
        at += strlen((char *)data + at) + 1;
    at = names + ((at - names + 3) & ~(size_t)3);
    for (size_t i = 0; i < 3; i++)  /* the marker (now "FDMB"), version, description length */
        swap_at(data, 4 * i, 4);
    for (size_t i = 0; i < 10; i++)
        swap_at(data, 12 + (size_t)description + 4 * i, 4);
    for (int32_t i = 0; i < counts[8]; i++, at += 8) {
        swap_at(data, at, 2);
        swap_at(data, at + 2, 2);
        swap_at(data, at + 4, 4);
    }
    for (int32_t i = 0; i < counts[1]; i++, at += 12) {
        swap_at(data, at, 4);
        swap_at(data, at + 4, 4);
    }
    swap_at(data, at, 4);
    for (at += 4; at + 2 <= length; at += 2)
        swap_at(data, at, 2);
    char copy[] = "/tmp/amass-sphinx-be-XXXXXX";
    int fd = mkstemp(copy);
    if (fd < 0 || write(fd, data, length) != (ssize_t)length) {
        ok(0, "big-endian mdef: write a copy");
        return;
    }
    close(fd);
    amass_status st;
    amass_sphinx_mdef *a = amass_sphinx_mdef_open(path, &st), *b = amass_sphinx_mdef_open(copy, &st);
    if (!b)
        printf("#   %s\n", st.message);
    int same = a && b && amass_sphinx_mdef_n_phones(a) == amass_sphinx_mdef_n_phones(b);
    for (int32_t pid = 0; same && pid < amass_sphinx_mdef_n_phones(a); pid++)
        same = memcmp(amass_sphinx_mdef_phone(a, pid), amass_sphinx_mdef_phone(b, pid), sizeof(amass_sphinx_phone)) == 0 &&
               memcmp(amass_sphinx_mdef_phone_senones(a, pid), amass_sphinx_mdef_phone_senones(b, pid),
                      (size_t)amass_sphinx_mdef_n_states(a) * sizeof(int32_t)) == 0;
    ok(same, "tidigits: a big-endian copy of the binary mdef reads the same phones");
    amass_sphinx_mdef_close(a);
    amass_sphinx_mdef_close(b);
    unlink(copy);
}

static void test_tidigits(void)
{
    amass_status st;
    amass_sphinx_mdef *m = amass_sphinx_mdef_open(TIDIGITS "/mdef", &st);
    ok(m && amass_sphinx_mdef_n_ciphones(m) == 34 && amass_sphinx_mdef_n_phones(m) == 430 &&
           amass_sphinx_mdef_n_states(m) == 5 && amass_sphinx_mdef_n_senones(m) == 670,
       "tidigits mdef: 34 CI + 396 CD phones, 5 states, 670 senones");
    /* The tidigits sendump is big-endian with 4-bit clustered weights. */
    amass_sphinx_sendump *s = amass_sphinx_sendump_open(TIDIGITS "/sendump", 670, 4, &st);
    if (!s)
        printf("#   %s\n", st.message);
    ok(s && s->n_streams == 4 && s->n_densities == 256, "tidigits sendump: 4 streams x 256 densities, clustered");
    if (s) {
        /* 16 levels are coarse: single sums stray, their mean does not. */
        double total = 0, lowest = INFINITY, highest = 0;
        int n = 0;
        for (int32_t sen = 0; sen < 670; sen++)
            for (int32_t f = 0; f < 4; f++) {
                double sum = 0;
                for (int32_t d = 0; d < 256; d++)
                    sum += exp(amass_sphinx_sendump_log_weight(s, sen, f, d));
                total += sum;
                lowest = fmin(lowest, sum);
                highest = fmax(highest, sum);
                n++;
            }
        printf("# tidigits weight sums: mean %g, range %g .. %g\n", total / n, lowest, highest);
        ok(fabs(total / n - 1) < 0.1 && lowest > 0.2 && highest < 3, "tidigits sendump: clustered weights sum to about 1");
    }
    amass_sphinx_sendump_close(s);
    amass_sphinx_mdef_close(m);
}

static void test_an4(void)
{
    amass_status st;
    amass_sphinx_mdef *m = amass_sphinx_mdef_open(AN4 "/mdef", &st);
    if (!m)
        printf("#   %s\n", st.message);
    ok(m && amass_sphinx_mdef_n_ciphones(m) == 34 && amass_sphinx_mdef_n_phones(m) == 34 &&
           amass_sphinx_mdef_n_senones(m) == 102 && amass_sphinx_mdef_n_transition_matrices(m) == 34 &&
           amass_sphinx_mdef_n_states(m) == 3,
       "an4 text mdef: 34 CI phones, 102 senones, 34 matrices, 3 states");
    if (m) {
        int32_t sil = amass_sphinx_mdef_silence(m);
        ok(sil >= 0 && amass_sphinx_mdef_phone(m, sil)->filler, "an4: SIL is a filler");
        ok(same_senones(m, 0, 0, 1, 2), "an4: AA senones 0 1 2");
        is_int(amass_sphinx_mdef_triphone_nearest(m, 3, 1, 2, AMASS_SPHINX_WORD_BEGIN), 3,
               "an4: a CI-only model answers every triphone with the CI phone");
    }
    amass_sphinx_gaussians *means = amass_sphinx_gaussians_open(AN4 "/means", 0, &st);
    ok(means && means->n_codebooks == 102 && means->n_streams == 1 && means->n_densities == 1 &&
           means->stream_length[0] == 39,
       "an4 means: 102 codebooks of one 39-dimensional Gaussian");
    amass_sphinx_array3 *mixw = amass_sphinx_mixture_weights_open(AN4 "/mixture_weights", &st);
    ok(mixw && mixw->dims[0] == 102 && mixw->dims[1] == 1 && mixw->dims[2] == 1,
       "an4 mixture weights: 102 senones x 1 stream x 1 density");
    amass_sphinx_array3 *tmat = amass_sphinx_transitions_open(AN4 "/transition_matrices", &st);
    ok(tmat && tmat->dims[0] == 34 && tmat->dims[1] == 3 && tmat->dims[2] == 4, "an4: 34 matrices of 3 x 4");
    amass_sphinx_gaussians_close(means);
    amass_sphinx_array3_close(mixw);
    amass_sphinx_array3_close(tmat);
    amass_sphinx_mdef_close(m);
}

typedef struct {
    int n;
    char first[AMASS_MESSAGE_MAX];
} failures;

static void on_failure(void *user, const char *input, size_t input_length, const char *message)
{
    failures *f = user;
    (void)input;
    (void)input_length;
    if (f->n++ == 0)
        snprintf(f->first, sizeof f->first, "%s", message);
}

static void test_dictionary(const amass_sphinx_mdef *m)
{
    amass_status st;
    failures f = {0};
    amass_reporter reporter = {.failure = on_failure, .user = &f};
    amass_sphinx_dict *d = amass_sphinx_dict_open(CMUDICT, EN_US "/noisedict", m, &reporter, &st);
    if (!d)
        printf("#   %s\n", st.message);
    ok(d, "cmudict loads against the en-us phone set");
    if (!d)
        return;
    printf("# %zu pronunciations, %zu lines skipped\n", amass_sphinx_dict_n_entries(d), amass_sphinx_dict_n_skipped(d));
    ok(amass_sphinx_dict_n_entries(d) > 130000, "cmudict: more than 130000 pronunciations");
    is_int(amass_sphinx_dict_n_skipped(d), 0, "cmudict: no line refused");
    const amass_sphinx_pronunciation *p;
    size_t n = amass_sphinx_dict_lookup(d, "hello", &p);
    int ok_hello = n == 2 && p[0].alternate == 1 && p[1].alternate == 2 && p[0].n_phones == 4 &&
                   p[0].phones[0] == id(m, "HH") && p[0].phones[1] == id(m, "AH") && p[0].phones[2] == id(m, "L") &&
                   p[0].phones[3] == id(m, "OW") && p[1].phones[1] == id(m, "EH");
    ok(ok_hello, "cmudict: hello = HH AH L OW, hello(2) = HH EH L OW");
    n = amass_sphinx_dict_lookup(d, "the", &p);
    ok(n >= 2 && !p[0].filler, "cmudict: 'the' has alternates");
    is_int(amass_sphinx_dict_lookup(d, "hello(2)", &p), 0, "cmudict: alternates are found under the base word");
    is_int(amass_sphinx_dict_lookup(d, "xyzzyplugh", &p), 0, "cmudict: unknown word");
    n = amass_sphinx_dict_lookup(d, "<sil>", &p);
    ok(n == 1 && p[0].filler && p[0].n_phones == 1 && p[0].phones[0] == id(m, "SIL"), "noisedict: <sil> is SIL");
    n = amass_sphinx_dict_lookup(d, "[NOISE]", &p);
    ok(n == 1 && p[0].filler && p[0].phones[0] == id(m, "+NSN+"), "noisedict: [NOISE] is +NSN+");
    n = amass_sphinx_dict_lookup(d, "</s>", &p);
    ok(n == 1 && p[0].filler, "noisedict: </s>");
    amass_sphinx_dict_close(d);
}

int main(void)
{
    amass_status st;
    if (!exists(EN_US "/mdef") || !exists(CMUDICT)) {
        printf("1..0 # SKIP Debian pocketsphinx-en-us is not installed\n");
        return 0;
    }
    amass_sphinx_mdef *m = amass_sphinx_mdef_open(EN_US "/mdef", &st);
    if (!m)
        printf("#   %s\n", st.message);
    ok(m, "en-us binary mdef loads");
    if (!m)
        return done_testing();
    test_en_us_mdef(m);
    test_en_us_params(m);
    test_dictionary(m);
    test_text_matches_binary(EN_US "/mdef", "en-us: pocketsphinx's text conversion loads");
    if (exists(TIDIGITS "/mdef")) {
        test_tidigits();
        test_big_endian_mdef(TIDIGITS "/mdef");
        test_text_matches_binary(TIDIGITS "/mdef", "tidigits: pocketsphinx's text conversion loads");
    } else {
        printf("ok %d # skip pocketsphinx-testdata not installed\n", ++tap_count);
    }
    if (exists(AN4 "/mdef"))
        test_an4();
    else
        printf("ok %d # skip pocketsphinx-testdata not installed\n", ++tap_count);
    amass_sphinx_mdef_close(m);
    return done_testing();
}
