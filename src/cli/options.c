/* Option parsing shared by the tools: one table per tool plus the common
 * table below, so --help, --list-options and the parser never disagree. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
    OPT_FORMAT = 256,
    OPT_HEADER,
    OPT_PRECISION,
    OPT_GZIP,
    OPT_OUTPUT,
    OPT_FILES_FROM,
    OPT_RECURSIVE,
    OPT_SHARD,
    OPT_RESUME,
    OPT_ERRORS,
    OPT_FAIL_FAST,
    OPT_THREADS,
    OPT_QUIET,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_HELP,
    OPT_VERSION,
    OPT_LIST_OPTIONS
};

static const amass_cli_option common_options[] = {
    {"format", 'f', "FORMAT", OPT_FORMAT, "output format: ndjson (default) or tsv"},
    {"header", 0, NULL, OPT_HEADER, "with -f tsv, start with a line of column names"},
    {"precision", 0, "N", OPT_PRECISION, "print numbers with N significant digits (default: shortest exact)"},
    {"gzip", 'z', NULL, OPT_GZIP, "compress the output with gzip"},
    {"output", 'o', "FILE", OPT_OUTPUT, "write records to FILE instead of standard output"},
    {"files-from", 0, "FILE", OPT_FILES_FROM, "read input names from FILE (- for stdin; NUL or newline separated)"},
    {"recursive", 'r', NULL, OPT_RECURSIVE, "read the files in directories given as inputs, recursively"},
    {"shard", 0, "I/N", OPT_SHARD, "keep only the inputs whose name hashes to shard I of N (0 <= I < N)"},
    {"resume", 0, "FILE", OPT_RESUME, "skip inputs whose records are already in FILE, an earlier output"},
    {"errors", 0, "FILE", OPT_ERRORS, "also write each failure as an NDJSON record to FILE"},
    {"fail-fast", 0, NULL, OPT_FAIL_FAST, "stop at the first bad input"},
    {"threads", 0, "N", OPT_THREADS, "use N threads (default: all cores)"},
    {"quiet", 'q', NULL, OPT_QUIET, "print only errors on standard error"},
    {"progress", 0, NULL, OPT_PROGRESS, "show a progress line on standard error (default when it is a terminal)"},
    {"no-progress", 0, NULL, OPT_NO_PROGRESS, "never show a progress line"},
    {"help", 'h', NULL, OPT_HELP, "print this help and exit"},
    {"version", 'V', NULL, OPT_VERSION, "print the version and exit"},
    {"list-options", 0, NULL, OPT_LIST_OPTIONS, "print every option this tool accepts, one per line, and exit"},
};

#define N_COMMON (sizeof common_options / sizeof common_options[0])

/* -f srt|vtt|txt: only amass-transcribe writes documents. */
static int subtitle_formats_allowed;

void amass_cli_allow_subtitle_formats(void)
{
    subtitle_formats_allowed = 1;
}

static void print_option_table(FILE *stream, const amass_cli_option *options, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char left[64];
        const amass_cli_option *o = &options[i];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name, o->argument ? " " : "",
                     o->argument ? o->argument : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->argument ? " " : "",
                     o->argument ? o->argument : "");
        if (strlen(left) > 24)
            fprintf(stream, "  %s\n  %-24s  %s\n", left, "", o->help);
        else
            fprintf(stream, "  %-24s  %s\n", left, o->help);
    }
}

static void print_help(const amass_cli_spec *spec)
{
    printf("Usage: %s %s\n%s\n\n", spec->program, spec->synopsis, spec->purpose);
    printf("Options for %s:\n", spec->program);
    print_option_table(stdout, spec->options, spec->n_options);
    printf("\nOptions every amass tool has:\n");
    print_option_table(stdout, common_options, N_COMMON);
    printf("\nWith no INPUT, or when INPUT is -, read standard input.\n"
           "Exit status: 0 all inputs succeeded, 1 some inputs failed, 2 usage or fatal error.\n"
           "Full documentation: man %s\n",
           spec->program);
}

static void list_options(const amass_cli_spec *spec)
{
    size_t i;
    for (i = 0; i < spec->n_options; i++)
        printf("--%s\n", spec->options[i].long_name);
    for (i = 0; i < N_COMMON; i++)
        printf("--%s\n", common_options[i].long_name);
}

static int usage_error(const amass_cli_spec *spec, const char *message)
{
    fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", spec->program, message, spec->program);
    return AMASS_EXIT_FATAL;
}

int amass_cli_parse_int(const char *option, const char *text, long min, long max, long *value,
                        amass_status *status)
{
    char *end;
    long parsed;
    errno = 0;
    parsed = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: '%s' is not a whole number", option, text);
    if (parsed < min || parsed > max)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: %ld is out of range (%ld to %ld)", option, parsed, min, max);
    *value = parsed;
    return AMASS_OK;
}

int amass_cli_parse_double(const char *option, const char *text, double min, double max, double *value,
                           amass_status *status)
{
    char *end;
    double parsed;
    errno = 0;
    parsed = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(parsed))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: '%s' is not a number", option, text);
    if (parsed < min || parsed > max)
        return amass_fail(status, AMASS_ERR_USAGE, "%s: %s is out of range (%g to %g)", option, text, min, max);
    *value = parsed;
    return AMASS_OK;
}

static int apply_common(amass_cli_common *common, int id, const char *argument, amass_status *status)
{
    long number;
    switch (id) {
    case OPT_FORMAT:
        if (amass_io_format_parse(argument, &common->format) != 0 ||
            (common->format > AMASS_FORMAT_TSV && !subtitle_formats_allowed))
            return amass_fail(status, AMASS_ERR_USAGE, "--format: '%s' is not a format (%s)", argument,
                              subtitle_formats_allowed ? "ndjson, tsv, srt, vtt, txt" : "ndjson, tsv");
        return AMASS_OK;
    case OPT_HEADER: common->header = 1; return AMASS_OK;
    case OPT_PRECISION:
        if (amass_cli_parse_int("--precision", argument, 1, 17, &number, status) != AMASS_OK)
            return status->code;
        common->precision = (int)number;
        return AMASS_OK;
    case OPT_GZIP: common->gzip = 1; return AMASS_OK;
    case OPT_OUTPUT: common->output_path = argument; return AMASS_OK;
    case OPT_FILES_FROM: common->files_from = argument; return AMASS_OK;
    case OPT_RECURSIVE: common->recursive = 1; return AMASS_OK;
    case OPT_SHARD: return amass_io_shard_parse(argument, &common->shard, status);
    case OPT_RESUME: common->resume_path = argument; return AMASS_OK;
    case OPT_ERRORS: common->errors_path = argument; return AMASS_OK;
    case OPT_FAIL_FAST: common->fail_fast = 1; return AMASS_OK;
    case OPT_THREADS:
        if (amass_cli_parse_int("--threads", argument, 1, 4096, &number, status) != AMASS_OK)
            return status->code;
        common->threads = (int)number;
        return AMASS_OK;
    case OPT_QUIET: common->quiet = 1; return AMASS_OK;
    case OPT_PROGRESS: common->progress = 1; return AMASS_OK;
    case OPT_NO_PROGRESS: common->progress = 0; return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_USAGE, "internal: unknown option id %d", id);
}

static void fill_long_option(struct option *entry, const amass_cli_option *o)
{
    entry->name = o->long_name;
    entry->has_arg = o->argument ? required_argument : no_argument;
    entry->flag = NULL;
    entry->val = o->id;
}

static void append_short(char *shorts, const amass_cli_option *o)
{
    size_t n = strlen(shorts);
    if (!o->short_name)
        return;
    shorts[n++] = (char)o->short_name;
    if (o->argument)
        shorts[n++] = ':';
    shorts[n] = '\0';
}

/* getopt returns the short letter for a short option; map it to the id. */
static int id_for_short(const amass_cli_spec *spec, int letter)
{
    size_t i;
    for (i = 0; i < spec->n_options; i++)
        if (spec->options[i].short_name == letter)
            return spec->options[i].id;
    for (i = 0; i < N_COMMON; i++)
        if (common_options[i].short_name == letter)
            return common_options[i].id;
    return -1;
}

int amass_cli_parse(const amass_cli_spec *spec, int argc, char **argv, amass_cli_common *common)
{
    size_t n_all = spec->n_options + N_COMMON, i;
    struct option *longs = amass_calloc_array(n_all + 1, sizeof *longs);
    char *shorts = amass_calloc_array(3 * n_all + 2, 1);
    amass_status status;
    int result = -1, c;

    memset(common, 0, sizeof *common);
    common->format = AMASS_FORMAT_NDJSON;
    common->output_path = "-";
    common->progress = -1;
    if (!longs || !shorts) {
        free(longs);
        free(shorts);
        fprintf(stderr, "%s: out of memory\n", spec->program);
        return AMASS_EXIT_FATAL;
    }
    shorts[0] = ':'; /* report a missing argument as ':' rather than '?' */
    for (i = 0; i < spec->n_options; i++) {
        fill_long_option(&longs[i], &spec->options[i]);
        append_short(shorts, &spec->options[i]);
    }
    for (i = 0; i < N_COMMON; i++) {
        fill_long_option(&longs[spec->n_options + i], &common_options[i]);
        append_short(shorts, &common_options[i]);
    }

    opterr = 0;
    optind = 1;
    while (result < 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        char message[256];
        int id = c;
        if (c == '?' || c == ':') {
            /* argv[optind - 1] is the offending word for long options; a
             * short one may sit inside a cluster like -qk, so use optopt. */
            char short_word[3] = {'-', (char)optopt, '\0'};
            int is_long = optopt == 0 || optopt < '0' || optopt >= 256;
            const char *word = is_long ? argv[optind - 1] : short_word;
            int length = is_long ? (int)strcspn(word, "=") : 2;
            snprintf(message, sizeof message, c == ':' ? "option '%.*s' needs a value" : "unknown option '%.*s'",
                     length, word);
            result = usage_error(spec, message);
            break;
        }
        if (c >= '0' && c < 256)
            id = id_for_short(spec, c);
        amass_status_clear(&status);
        if (id == OPT_HELP) {
            print_help(spec);
            result = AMASS_EXIT_OK;
        } else if (id == OPT_VERSION) {
            printf("%s (amass) %s\n", spec->program, PACKAGE_VERSION);
            result = AMASS_EXIT_OK;
        } else if (id == OPT_LIST_OPTIONS) {
            list_options(spec);
            result = AMASS_EXIT_OK;
        } else if (id >= 256) {
            if (apply_common(common, id, optarg, &status) != AMASS_OK)
                result = usage_error(spec, status.message);
        } else if (spec->on_option(spec->tool, id, optarg, &status) != AMASS_OK) {
            result = usage_error(spec, status.message);
        }
    }
    free(longs);
    free(shorts);
    if (result >= 0)
        return result;
    if (common->header && common->format != AMASS_FORMAT_TSV)
        return usage_error(spec, "--header goes with -f tsv");
    if (common->progress < 0)
        common->progress = !common->quiet && isatty(STDERR_FILENO);
    common->inputs = argv + optind;
    common->n_inputs = argc - optind;
    if (fflush(stdout) != 0)
        return AMASS_EXIT_FATAL;
    return -1;
}
