/* Tests of input enumeration: arguments, stdin, --files-from lists
 * (newline, NUL, gzip, "-"), directories with and without -r. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io/io.h"
#include "tap.h"

static char directory[] = "/tmp/amass-test-inputs-XXXXXX";

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *file = fopen(name, "wb");
    fwrite(data, 1, n, file);
    fclose(file);
}

/* All names joined with ' '; a bad entry shows as "!" and its message is
 * kept; "#" when the list itself failed. */
static const char *enumerate(char *const *args, int n_args, const char *files_from, int recursive, char *message,
                             size_t size)
{
    static char joined[4096];
    amass_status status;
    amass_input_list *list;
    const char *name;
    size_t used = 0;
    int got;
    joined[0] = '\0';
    amass_status_clear(&status);
    list = amass_io_inputs_open(args, n_args, files_from, recursive, &status);
    if (!list)
        return "(open failed)";
    while ((got = amass_io_inputs_next(list, &name, &status)) != 0) {
        if (got == 1) {
            used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s", used ? " " : "", name);
        } else {
            used += (size_t)snprintf(joined + used, sizeof joined - used, "%s%s", used ? " " : "",
                                     got == -1 ? "!" : "#");
            if (message)
                snprintf(message, size, "%s", status.message);
            if (got == -2)
                break;
        }
    }
    amass_io_inputs_close(list);
    return joined;
}

static void test_args(void)
{
    char *args[] = {"b.tsv", "-", "missing.tsv", "a.tsv"};
    is_str(enumerate(NULL, 0, NULL, 0, NULL, 0), "-", "no arguments: stdin");
    is_str(enumerate(args, 4, NULL, 0, NULL, 0), "b.tsv - missing.tsv a.tsv",
           "arguments in order; a missing name is passed on for the tool to report");
}

static void test_lists(void)
{
    char message[1024] = "";
    char *args[] = {"first"};
    gzFile file;
    int saved, fd;

    write_file("list-newline", "one\ntwo words\r\n\n\nthree", 22);
    is_str(enumerate(NULL, 0, "list-newline", 0, NULL, 0), "one two words three",
           "newline list: CRLF, empty entries skipped, no final newline");
    is_str(enumerate(args, 1, "list-newline", 0, NULL, 0), "first one two words three", "arguments, then the list");
    write_file("list-nul", "a\nb\0c d\0\0e", 10);
    is_str(enumerate(NULL, 0, "list-nul", 0, NULL, 0), "a\nb c d e", "a NUL makes the list NUL-separated");
    file = gzopen("list.gz", "wb");
    gzputs(file, "x\ny\n");
    gzclose(file);
    is_str(enumerate(NULL, 0, "list.gz", 0, NULL, 0), "x y", "gzip list");
    write_file("list-empty", "", 0);
    is_str(enumerate(NULL, 0, "list-empty", 0, NULL, 0), "", "empty list: no inputs, not stdin");

    saved = dup(STDIN_FILENO);
    fd = open("list-newline", O_RDONLY);
    dup2(fd, STDIN_FILENO);
    close(fd);
    is_str(enumerate(NULL, 0, "-", 0, NULL, 0), "one two words three", "--files-from - reads stdin");
    dup2(saved, STDIN_FILENO);
    close(saved);

    is_str(enumerate(args, 1, "no-such-list", 0, message, sizeof message), "first #",
           "a missing list fails the list after the arguments");
    ok(strstr(message, "--files-from") && strstr(message, "no-such-list: No such file or directory"),
       "the message names the list");
}

static void test_directories(void)
{
    char message[1024] = "";
    char *tree[] = {"d"}, *tree_slash[] = {"d/"}, *mixed[] = {"a.tsv", "d", "z.tsv"};
    char *linked[] = {"link-to-d"};
    mkdir("d", 0777);
    mkdir("d/sub", 0777);
    mkdir("d/empty", 0777);
    mkdir("d/B", 0777);
    write_file("d/sub/x.tsv", "", 0);
    write_file("d/a.tsv", "", 0);
    write_file("d/Z.tsv", "", 0);
    write_file("d/B/1", "", 0);
    write_file("d/.hidden", "", 0);
    write_file("d/sub-file", "", 0);
    if (symlink("a.tsv", "d/file-link") != 0 || symlink("../d", "d/sub/loop") != 0 ||
        symlink("nowhere", "d/dangling") != 0 || symlink("d", "link-to-d") != 0)
        printf("# symlink failed\n");
    mkfifo("d/fifo", 0666);

    is_str(enumerate(tree, 1, NULL, 1, NULL, 0),
           "d/.hidden d/B/1 d/Z.tsv d/a.tsv d/file-link d/sub/x.tsv d/sub-file",
           "-r: sorted by bytes, regular files and links to them, symlinked dirs and fifos skipped");
    is_str(enumerate(tree_slash, 1, NULL, 1, NULL, 0),
           "d/.hidden d/B/1 d/Z.tsv d/a.tsv d/file-link d/sub/x.tsv d/sub-file", "-r on \"d/\": no double slash");
    is_str(enumerate(linked, 1, NULL, 1, NULL, 0),
           "link-to-d/.hidden link-to-d/B/1 link-to-d/Z.tsv link-to-d/a.tsv link-to-d/file-link link-to-d/sub/x.tsv "
           "link-to-d/sub-file",
           "a symlink to a directory named on the command line is walked");
    is_str(enumerate(mixed, 3, NULL, 0, message, sizeof message), "a.tsv ! z.tsv",
           "a directory without -r is a bad entry and the rest goes on");
    is_str(message, "d: is a directory (use -r to read the files in it)", "and says what to do");
    write_file("list-dirs", "d/empty\nd/B\n", 12);
    is_str(enumerate(NULL, 0, "list-dirs", 1, NULL, 0), "d/B/1", "directories from a list are walked too");

    if (geteuid() != 0) {
        mkdir("d/locked", 0000);
        message[0] = '\0';
        is_str(enumerate(tree, 1, NULL, 1, message, sizeof message),
               "d/.hidden d/B/1 d/Z.tsv d/a.tsv d/file-link ! d/sub/x.tsv d/sub-file",
               "an unreadable directory is a bad entry, the walk goes on");
        ok(strstr(message, "d/locked: Permission denied") != NULL, "and is named");
        rmdir("d/locked");
    } else {
        ok(1, "# skip unreadable directory: running as root");
        ok(1, "# skip");
    }
}

int main(void)
{
    char command[600];
    if (!mkdtemp(directory) || chdir(directory) != 0)
        return 1;
    test_args();
    test_lists();
    test_directories();
    if (chdir("/") != 0)
        return 1;
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    if (system(command) != 0)
        printf("# could not remove %s\n", directory);
    return done_testing();
}
