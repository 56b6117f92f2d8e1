/* Unit tests of the Sphinx model and dictionary readers on hostile input: corrupt copies of the Debian en-us model. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/formats/sphinx.h"
#include "tap.h"

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"

static int exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Counts the refused lines a reader reports and keeps the first message. */
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

/* Corrupt copies go to a scratch directory removed at the end. */
static char scratch[] = "/tmp/amass-sphinx-bad-XXXXXX";

static char *scratch_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    return path;
}

static unsigned char *slurp(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *length = (size_t)n;
    return data;
}

static const char *write_file(const char *name, const void *data, size_t length)
{
    const char *path = scratch_path(name);
    FILE *f = fopen(path, "wb");
    if (f) {
        if (length)
            fwrite(data, 1, length, f);
        fclose(f);
    }
    return path;
}

/* Offset just past "endhdr\n" and the magic in an s3 file. */
static size_t s3_data_offset(const unsigned char *data, size_t length)
{
    const unsigned char *end = memmem(data, length, "endhdr\n", 7);
    return end ? (size_t)(end - data) + 7 + 4 : 0;
}

static void expect_fail(void *object, const amass_status *st, const char *fragment, const char *name)
{
    int failed = object == NULL && strstr(st->message, fragment) != NULL;
    if (!tap_ok(failed, __FILE__, __LINE__, name))
        printf("#   message: %s\n", st->message);
}

static void test_bad_params(void)
{
    amass_status st;
    size_t length;
    unsigned char *means = slurp(EN_US "/means", &length);
    if (!means)
        return;
    size_t data = s3_data_offset(means, length);
    const char *path;
    void *g;

    path = write_file("empty", "", 0);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "empty file", "means: empty file");
    g = amass_sphinx_gaussians_open(scratch_path("missing"), 0, &st);
    expect_fail(g, &st, "No such file", "means: missing file");
    g = amass_sphinx_gaussians_open(EN_US "/mdef", 0, &st);
    expect_fail(g, &st, "not a Sphinx s3 parameter file", "means: not an s3 file");

    path = write_file("truncated", means, length / 2);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "truncated", "means: truncated at half");
    path = write_file("truncated-header", means, 30);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "endhdr", "means: cut inside the header");

    unsigned char *copy = malloc(length);
    memcpy(copy, means, length);
    copy[data - 4] = 0x55;
    path = write_file("magic", copy, length);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "byte-order magic", "means: wrong byte-order magic");

    memcpy(copy, means, length);
    copy[length / 2] ^= 0x40;
    path = write_file("flipped", copy, length);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "checksum mismatch", "means: a flipped byte fails the checksum");

    /* A codebook count near 2^31 must be refused from the file size, not allocated. */
    memcpy(copy, means, length);
    int32_t huge = 0x7fffff00;
    memcpy(copy + data, &huge, 4);
    path = write_file("huge", copy, length);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "only", "means: a huge codebook count is checked against the file size");
    memcpy(copy, means, length);
    memcpy(copy + data + 8, &huge, 4);
    path = write_file("huge-density", copy, length);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "only", "means: a huge density count is checked against the file size");
    memcpy(copy, means, length);
    int32_t negative = -3;
    memcpy(copy + data + 4, &negative, 4);
    path = write_file("negative", copy, length);
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "must be positive", "means: a negative stream count");

    /* The same file in the other byte order still loads. */
    memcpy(copy, means, length);
    for (size_t i = data - 4; i + 4 <= length; i += 4) {
        unsigned char t0 = copy[i], t1 = copy[i + 1];
        copy[i] = copy[i + 3];
        copy[i + 1] = copy[i + 2];
        copy[i + 2] = t1;
        copy[i + 3] = t0;
    }
    path = write_file("swapped", copy, length);
    amass_sphinx_gaussians *a = amass_sphinx_gaussians_open(path, 0, &st);
    amass_sphinx_gaussians *b = amass_sphinx_gaussians_open(EN_US "/means", 0, &st);
    ok(a && b && a->n_values == b->n_values && memcmp(a->data, b->data, a->n_values * sizeof(float)) == 0,
       "means: the big-endian copy reads the same values");
    amass_sphinx_gaussians_close(a);
    amass_sphinx_gaussians_close(b);

    path = write_file("trailing", copy, length);
    {
        FILE *f = fopen(path, "ab");
        fputs("junk", f);
        fclose(f);
    }
    g = amass_sphinx_gaussians_open(path, 0, &st);
    expect_fail(g, &st, "unexpected bytes", "means: trailing bytes");
    free(copy);
    free(means);

    unsigned char *tmat = slurp(EN_US "/transition_matrices", &length);
    data = s3_data_offset(tmat, length);
    int32_t five = 5;
    memcpy(tmat + data + 8, &five, 4);
    path = write_file("tmat", tmat, length);
    g = amass_sphinx_transitions_open(path, &st);
    expect_fail(g, &st, "want n x (n + 1)", "transition matrices: 3 x 5 refused");
    free(tmat);
}

static void test_bad_sendump(void)
{
    amass_status st;
    size_t length;
    unsigned char *sendump = slurp(EN_US "/sendump", &length);
    if (!sendump)
        return;
    const char *path = write_file("sendump-short", sendump, length - 100);
    void *s = amass_sphinx_sendump_open(path, -1, -1, &st);
    expect_fail(s, &st, "need 1968384 bytes", "sendump: truncated");
    path = write_file("sendump-header", sendump, 200);
    s = amass_sphinx_sendump_open(path, -1, -1, &st);
    expect_fail(s, &st, "truncated", "sendump: cut inside the header");
    unsigned char *copy = malloc(length);
    memcpy(copy, sendump, length);
    memset(copy, 0x7f, 4);
    path = write_file("sendump-title", copy, length);
    s = amass_sphinx_sendump_open(path, -1, -1, &st);
    expect_fail(s, &st, "not a sendump", "sendump: bad title length");
    /* Rows and columns sit just before the weights: claim 2^30 senones. */
    memcpy(copy, sendump, length);
    int32_t huge = 1 << 30;
    memcpy(copy + 640 - 4, &huge, 4);
    path = write_file("sendump-huge", copy, length);
    s = amass_sphinx_sendump_open(path, -1, -1, &st);
    expect_fail(s, &st, "the file has", "sendump: a huge senone count is checked against the file size");
    path = write_file("sendump-empty", "", 0);
    s = amass_sphinx_sendump_open(path, -1, -1, &st);
    expect_fail(s, &st, "empty file", "sendump: empty");
    free(copy);
    free(sendump);
}

static void test_bad_mdef(void)
{
    amass_status st;
    size_t length;
    unsigned char *mdef = slurp(EN_US "/mdef", &length);
    if (!mdef)
        return;
    const char *path = write_file("mdef-short", mdef, length - 10);
    void *m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "mdef-short", "binary mdef: truncated");
    path = write_file("mdef-header", mdef, 1080);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "truncated", "binary mdef: cut in the counts");
    unsigned char *copy = malloc(length);
    memcpy(copy, mdef, length);
    int32_t huge = 0x7ffffff0;
    memcpy(copy + 1064 + 4, &huge, 4);  /* n_phone */
    path = write_file("mdef-huge", copy, length);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "only", "binary mdef: a huge phone count is checked against the file size");
    memcpy(copy, mdef, length);
    memcpy(copy, "BMDX", 4);
    path = write_file("mdef-magic", copy, length);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "not a Sphinx model definition", "mdef: wrong magic");
    memcpy(copy, mdef, length);
    copy[length - 1] = 0x7f;  /* the last senone id becomes >= 5126 */
    path = write_file("mdef-senone", copy, length);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "out of range", "binary mdef: a senone id out of range");
    path = write_file("mdef-empty", "", 0);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "empty file", "mdef: empty");
    free(copy);
    free(mdef);

    static const char text_lie[] = "0.3\n34 n_base\n900000 n_tri\n3600136 n_state_map\n102 n_tied_state\n"
                                   "102 n_tied_ci_state\n34 n_tied_tmat\nAA - - - n/a 0 0 1 2 N\n";
    path = write_file("mdef-text-lie", text_lie, sizeof text_lie - 1);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "do not fit", "text mdef: a huge triphone count is checked against the file size");
    static const char text_short[] = "0.3\n2 n_base\n0 n_tri\n8 n_state_map\n6 n_tied_state\n"
                                     "6 n_tied_ci_state\n2 n_tied_tmat\nAA - - - n/a 0 0 1 2 N\n";
    path = write_file("mdef-text-short", text_short, sizeof text_short - 1);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "the file ends after 1", "text mdef: fewer phones than promised");
    static const char text_bad[] = "0.3\n2 n_base\n0 n_tri\n8 n_state_map\n6 n_tied_state\n"
                                   "6 n_tied_ci_state\n2 n_tied_tmat\nAA - - - n/a 0 0 1 2 N\nB - - - n/a 1 3 4 9 N\n";
    path = write_file("mdef-text-bad", text_bad, sizeof text_bad - 1);
    m = amass_sphinx_mdef_open(path, &st);
    expect_fail(m, &st, "senone id 9 out of range", "text mdef: senone id out of range");
}

static void test_bad_dictionary(const amass_sphinx_mdef *mdef)
{
    amass_status st;
    /* Non-UTF-8, an unknown phone, an overlong line and an empty
     * pronunciation are skipped with their line numbers; the rest loads. */
    amass_buf text;
    amass_buf_init(&text);
    amass_buf_append_str(&text, ";;; comment\nhello HH AH L OW\ncaf\xe9 K AE F EY\nqq QQ AH\n");
    amass_buf_append_str(&text, "long");
    for (int i = 0; i < 2000; i++)
        amass_buf_append_str(&text, " AH");
    amass_buf_append_str(&text, "\nlonely\nhello(2) HH EH L OW\nworld W ER L D\nhello(2) HH AH L AH");
    const char *path = write_file("dict", text.data, text.length);
    failures f = {0};
    amass_reporter reporter = {.failure = on_failure, .user = &f};
    amass_sphinx_dict *d = amass_sphinx_dict_open(path, NULL, mdef, &reporter, &st);
    ok(d, "a dictionary with bad lines still loads");
    if (d) {
        is_int(amass_sphinx_dict_n_entries(d), 3, "bad dictionary: 3 good pronunciations kept");
        is_int(amass_sphinx_dict_n_skipped(d), 5, "bad dictionary: 4 bad lines and a duplicate skipped");
        is_int(f.n, 4, "bad dictionary: each skipped line reported");
        ok(strstr(f.first, ":3: not valid UTF-8") != NULL, "bad dictionary: the report names line 3");
        const amass_sphinx_pronunciation *p;
        ok(amass_sphinx_dict_lookup(d, "hello", &p) == 2 && p[1].phones[1] == amass_sphinx_mdef_ciphone_id(mdef, "EH"),
           "bad dictionary: hello keeps both pronunciations, the first hello(2) wins");
        ok(amass_sphinx_dict_lookup(d, "world", &p) == 1, "bad dictionary: lines after bad ones load (the last, without newline, is read: the duplicate)");
    }
    amass_sphinx_dict_close(d);
    amass_buf_free(&text);
    path = write_file("dict-empty", "", 0);
    d = amass_sphinx_dict_open(path, NULL, mdef, NULL, &st);
    expect_fail(d, &st, "empty file", "dictionary: empty file");
    path = write_file("dict-useless", "x QQ\n", 5);
    d = amass_sphinx_dict_open(path, NULL, mdef, NULL, &st);
    expect_fail(d, &st, "no usable pronunciations", "dictionary: nothing usable");
}

int main(void)
{
    amass_status st;
    if (!exists(EN_US "/mdef")) {
        printf("1..0 # SKIP Debian pocketsphinx-en-us is not installed\n");
        return 0;
    }
    amass_sphinx_mdef *m = amass_sphinx_mdef_open(EN_US "/mdef", &st);
    ok(m, "en-us binary mdef loads");
    if (m && mkdtemp(scratch)) {
        test_bad_params();
        test_bad_sendump();
        test_bad_mdef();
        test_bad_dictionary(m);
        char command[600];
        snprintf(command, sizeof command, "rm -rf '%s'", scratch);
        if (system(command) != 0)
            printf("# could not remove %s\n", scratch);
    }
    amass_sphinx_mdef_close(m);
    return done_testing();
}
