/* Tests of what decides which inputs a run keeps: --shard, the name set,
 * and --resume reading an earlier output. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io/io.h"
#include "tap.h"

static char path[] = "/tmp/amass-test-sets-XXXXXX";

static void test_shard_parse(void)
{
    static const char *const bad[] = {"3/3", "a/2", "1/0", "-1/2", "1", "1/", "/2", "1/2/3", " 1/2", "1/2 ",
                                      "0/4294967296", "+1/2", ""};
    amass_shard shard;
    amass_status status;
    size_t i;
    int all_refused = 1;
    amass_status_clear(&status);
    is_int(amass_io_shard_parse("2/5", &shard, &status), AMASS_OK, "2/5 parses");
    ok(shard.index == 2 && shard.count == 5, "2/5 is index 2 of 5");
    is_int(amass_io_shard_parse("0/1", &shard, &status), AMASS_OK, "0/1 parses");
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        amass_status_clear(&status);
        if (amass_io_shard_parse(bad[i], &shard, &status) != AMASS_ERR_USAGE || !strstr(status.message, bad[i])) {
            printf("# \"%s\" accepted or badly reported: %s\n", bad[i], status.message);
            all_refused = 0;
        }
    }
    ok(all_refused, "bad shard texts refused with a usage error naming them");
    amass_io_shard_parse("3/3", &shard, &status);
    printf("# %s\n", status.message);
}

static void test_shard_partition(void)
{
    enum { N_NAMES = 10000, N_SHARDS = 7 };
    amass_shard shards[N_SHARDS], none = {0, 0};
    amass_status status;
    int counts[N_SHARDS] = {0}, exactly_one = 1, i, s, balanced = 1;
    char name[64];
    for (s = 0; s < N_SHARDS; s++) {
        snprintf(name, sizeof name, "%d/%d", s, N_SHARDS);
        amass_io_shard_parse(name, &shards[s], &status);
    }
    for (i = 0; i < N_NAMES; i++) {
        int kept = 0;
        snprintf(name, sizeof name, "images/%06d.jpg", i);
        for (s = 0; s < N_SHARDS; s++)
            if (amass_io_shard_keeps(&shards[s], name, strlen(name))) {
                kept++;
                counts[s]++;
            }
        exactly_one &= kept == 1;
    }
    ok(exactly_one, "every one of 10000 names is kept by exactly one of 7 shards");
    for (s = 0; s < N_SHARDS; s++)
        balanced &= counts[s] > N_NAMES / N_SHARDS * 8 / 10 && counts[s] < N_NAMES / N_SHARDS * 12 / 10;
    ok(balanced, "shards within 20% of an even split");
    ok(amass_io_shard_keeps(&none, "x", 1) && amass_io_shard_keeps(NULL, "x", 1), "no sharding keeps everything");
    /* FNV-1a is part of the contract: machines must agree forever */
    ok(amass_hash_bytes("a", 1) == 0xaf63dc4c8601ec8cULL &&
           amass_io_shard_keeps(&shards[0xaf63dc4c8601ec8cULL % N_SHARDS], "a", 1),
       "the hash is FNV-1a 64");
}

static void test_name_set(void)
{
    amass_name_set *set = amass_io_name_set_new();
    char name[64];
    int i, all_added = 1, all_found = 1, none_extra = 1;
    for (i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "file-%d", i);
        all_added &= amass_io_name_set_add(set, name, strlen(name)) == 1;
    }
    ok(all_added, "10^5 names added");
    is_int(amass_io_name_set_size(set), 100000, "size 10^5");
    is_int(amass_io_name_set_add(set, "file-7", 6), 0, "adding again says it was there");
    is_int(amass_io_name_set_size(set), 100000, "and the size stays");
    for (i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "file-%d", i);
        all_found &= amass_io_name_set_contains(set, name, strlen(name));
        snprintf(name, sizeof name, "file-%d", i + 100000);
        none_extra &= !amass_io_name_set_contains(set, name, strlen(name));
    }
    ok(all_found, "every name found");
    ok(none_extra, "no other name found");
    ok(!amass_io_name_set_contains(set, "file-1", 5), "a prefix is not the name");
    ok(!amass_io_name_set_contains(set, "", 0), "empty name not there yet");
    is_int(amass_io_name_set_add(set, "", 0), 1, "empty name added");
    ok(amass_io_name_set_contains(set, "", 0), "empty name there");
    is_int(amass_io_name_set_add(set, "a\0b", 3), 1, "name with a NUL added");
    ok(amass_io_name_set_contains(set, "a\0b", 3) && !amass_io_name_set_contains(set, "a", 1),
       "names are byte strings");
    amass_io_name_set_free(set);
    amass_io_name_set_free(NULL);
}

static void write_text(const char *text, int gzip, size_t cut)
{
    if (gzip) {
        gzFile file = gzopen(path, "wb");
        gzwrite(file, text, (unsigned)strlen(text));
        gzclose(file);
        if (cut) {
            char data[4096];
            FILE *in = fopen(path, "rb");
            size_t n = fread(data, 1, sizeof data, in);
            fclose(in);
            in = fopen(path, "wb");
            fwrite(data, 1, n > cut ? n - cut : 0, in);
            fclose(in);
        }
    } else {
        FILE *file = fopen(path, "wb");
        fputs(text, file);
        fclose(file);
    }
}

/* The names loaded, sorted by the order given in `probe`, as "a b c", or
 * "!message" on failure. */
static const char *load(const char *text, int gzip, size_t cut, const char *const *probe)
{
    static char result[2048];
    amass_status status;
    amass_name_set *set;
    size_t used = 0, i;
    write_text(text, gzip, cut);
    amass_status_clear(&status);
    set = amass_io_resume_load(path, &status);
    if (!set) {
        snprintf(result, sizeof result, "!%s", status.message);
        return result;
    }
    result[0] = '\0';
    for (i = 0; probe[i]; i++)
        if (amass_io_name_set_contains(set, probe[i], strlen(probe[i])))
            used += (size_t)snprintf(result + used, sizeof result - used, "%s%s", used ? " " : "", probe[i]);
    used += (size_t)snprintf(result + used, sizeof result - used, " (%zu)", amass_io_name_set_size(set));
    amass_io_name_set_free(set);
    return result;
}

static void test_resume(void)
{
    static const char *const probe[] = {"a", "b", "c", "d", "x\ty", "input", "v.ndjson:3", NULL};
    char want[1024];
    amass_status status;
    amass_name_set *set;
    const char *got;

    is_str(load("{\"input\":\"a\",\"cluster\":0}\n{\"input\":\"b\",\"cluster\":1}\n", 0, 0, probe), "a b (2)",
           "NDJSON inputs");
    is_str(load("{\"input\":\"a\"}\n{\"input\":\"b\",\"clu", 0, 0, probe), "a (1)", "cut-off last line ignored");
    is_str(load("{\"input\":\"a\"}\n{\"input\":\"b\"}", 0, 0, probe), "a (1)",
           "a last line without its newline is not done either");
    is_str(load("input\tcluster\na\t0\nx\\ty\t1\n\nv.ndjson:3\t0\n", 0, 0, probe), "a x\ty v.ndjson:3 (3)",
           "TSV first column, unescaped; header and blank lines skipped");
    is_str(load("a\t0\nb\t1\nc\t", 0, 0, probe), "a b (2)", "TSV cut-off last line ignored");
    is_str(load("{\"input\":\"a\"}\n{\"input\":\"b\"}\n{\"input\":\"c\"}\n", 1, 0, probe), "a b c (3)", "gzip");
    is_str(load("{\"input\":\"a\"}\n{\"input\":\"b\"}\n{\"input\":\"c\"}\n", 1, 4, probe), "a b c (3)",
           "gzip without its trailer (interrupted -z run)");
    is_str(load("", 0, 0, probe), " (0)", "empty file, empty set");

    got = load("{\"input\":\"a\"}\n{\"input\":\"b\n{\"input\":\"c\"}\n", 0, 0, probe);
    snprintf(want, sizeof want, "!--resume: %s:2: not a JSON record", path);
    ok(strncmp(got, want, strlen(want)) == 0, "a corrupt line in the middle is an error naming file:line");
    printf("# %s\n", got);
    got = load("{\"cluster\":0}\n", 0, 0, probe);
    snprintf(want, sizeof want, "!--resume: %s:1: a record without an \"input\" string", path);
    is_str(got, want, "a record without input is an error (not an output of ours)");

    amass_status_clear(&status);
    set = amass_io_resume_load("/tmp/amass-no-such-output.ndjson", &status);
    ok(set && amass_io_name_set_size(set) == 0, "missing file: empty set, no error");
    amass_io_name_set_free(set);
    amass_status_clear(&status);
    set = amass_io_resume_load("/nonexistent-dir/x/out.ndjson", &status);
    ok(set && amass_io_name_set_size(set) == 0, "missing directory too");
    amass_io_name_set_free(set);
    set = amass_io_resume_load("/tmp", &status);
    ok(!set && strstr(status.message, "/tmp: is a directory"), "a directory is an error");
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    test_shard_parse();
    test_shard_partition();
    test_name_set();
    test_resume();
    unlink(path);
    return done_testing();
}
