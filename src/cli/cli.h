/* libamass cli layer: the command-line contract every amass tool shares
 * (DESIGN.md, "Command-line contract"). The highest layer: only tools/
 * use it. It parses the common options, prints --help from one option
 * table, reports bad inputs (stderr, --errors file, --fail-fast), shows
 * progress and turns the outcome into the exit status:
 *   0 everything succeeded, 1 some inputs failed, 2 usage or fatal error. */
#ifndef AMASS_CLI_H
#define AMASS_CLI_H

#include "../base/base.h"
#include "../io/io.h"

#define AMASS_EXIT_OK 0
#define AMASS_EXIT_INPUT_FAILED 1
#define AMASS_EXIT_FATAL 2

/* One tool-specific option. A tool numbers its options 1 to 47 (below
 * '0', so getopt's short letters never collide with an id); the common
 * options use ids from 256 up. */
typedef struct {
    const char *long_name;
    int short_name;         /* 0 for none */
    const char *argument;   /* placeholder shown in --help ("N"), NULL for a flag */
    int id;
    const char *help;       /* one line */
} amass_cli_option;

typedef struct {
    const char *program;     /* "amass-cluster" */
    const char *synopsis;    /* "[OPTIONS] [INPUT...]" */
    const char *purpose;     /* one line under the usage line */
    const amass_cli_option *options;
    size_t n_options;
    /* Called for each tool option; returns AMASS_OK or fails with a message
     * (printed as a usage error, exit 2). */
    int (*on_option)(void *tool, int id, const char *argument, amass_status *status);
    void *tool;
} amass_cli_spec;

/* The options every tool has. */
typedef struct {
    amass_format format;
    int header;
    int precision;          /* 0: shortest round-trip */
    int gzip;
    const char *output_path; /* "-" for stdout */
    const char *files_from;
    int recursive;
    amass_shard shard;
    const char *resume_path;
    const char *errors_path;
    int fail_fast;
    int threads;            /* 0: all cores */
    int quiet;
    int progress;           /* -1 until decided: on when stderr is a terminal */
    char **inputs;
    int n_inputs;
} amass_cli_common;

/* Parses argv. Returns -1 when the tool should run; otherwise the exit
 * status to leave with at once (0 after --help/--version/--list-options,
 * 2 after a usage error, which it has printed). */
int amass_cli_parse(const amass_cli_spec *spec, int argc, char **argv, amass_cli_common *common);

/* Lets -f take srt, vtt and txt too (amass-transcribe); call before
 * amass_cli_parse. */
void amass_cli_allow_subtitle_formats(void);

/* Number parsing for option values, with messages naming the option. */
int amass_cli_parse_int(const char *option, const char *text, long min, long max, long *value,
                        amass_status *status);
int amass_cli_parse_double(const char *option, const char *text, double min, double max, double *value,
                           amass_status *status);

/* The running tool: output, errors file, failure count, progress line. */
typedef struct amass_cli amass_cli;

/* Opens the output and the --errors file, installs the log handler, makes
 * SIGPIPE end the process quietly. On failure prints why and returns NULL
 * (exit 2). */
amass_cli *amass_cli_start(const amass_cli_spec *spec, const amass_cli_common *common);
amass_record_writer *amass_cli_writer(amass_cli *cli);
/* The output itself, for documents that are not records (-f srt). */
amass_output *amass_cli_output(amass_cli *cli);
const amass_reporter *amass_cli_reporter(amass_cli *cli);
const amass_cli_common *amass_cli_options(const amass_cli *cli);
/* "program: message" on stderr (always, even with -q). */
void amass_cli_error(amass_cli *cli, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* A line for the user on stderr unless -q. */
void amass_cli_note(amass_cli *cli, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* --bf16 asked for on a CPU without bfloat16 instructions: says float32 runs instead. */
void amass_cli_note_bf16(amass_cli *cli, int requested);
/* One bad input: stderr line, --errors record, counted for the exit status. */
void amass_cli_fail_input(amass_cli *cli, const char *input, size_t input_length, const char *message);
/* Closes everything; returns the exit status. fatal: the run itself failed
 * (already reported), so the status is 2. A failed write to the output is
 * reported here and is fatal too. */
int amass_cli_finish(amass_cli *cli, int fatal);

/* ---- model tools (--model, --model-path, --list-models) ----------------
 * The search path is model_path (--model-path, may be NULL), then
 * AMASS_MODEL_PATH, then the installed models directory. */

/* The model --model names (NULL: the default model) for a tool of task;
 * the path to open, to be freed. On failure prints why and returns NULL
 * (exit 2). */
char *amass_cli_select_model(const amass_cli_spec *spec, const char *model, const char *model_path,
                             const char *task);
/* --list-models: one record per model on the search path (name, task,
 * format, directory), earlier directories shadowing later ones; a broken
 * manifest is an error line on stderr and the listing goes on. Returns
 * the exit status. */
int amass_cli_list_models(const amass_cli_spec *spec, const amass_cli_common *common, const char *model_path);

#endif
