/* The running tool: where records and failures go, and the exit status
 * that sums them up. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "progress.h"
#include "../nn/nn.h"

struct amass_cli {
    const amass_cli_spec *spec;
    const amass_cli_common *common;
    amass_output *output;
    amass_record_writer *writer;
    amass_output *errors_output;
    amass_record_writer *errors_writer;
    amass_reporter reporter;
    amass_progress progress;
    unsigned long failures;
    int errors_file_failed;
};

static void on_log(amass_log_level level, const char *message, void *user)
{
    amass_cli *cli = user;
    if (level == AMASS_LOG_ERROR) {
        amass_cli_error(cli, "%s", message);
        return;
    }
    if (cli->common->quiet || level == AMASS_LOG_DEBUG)
        return;
    amass_progress_clear(&cli->progress);
    fprintf(stderr, "%s: %s%s\n", cli->spec->program, level == AMASS_LOG_WARN ? "warning: " : "", message);
}

static void on_failure(void *user, const char *input, size_t input_length, const char *message)
{
    amass_cli_fail_input(user, input, input_length, message);
}

static int on_stop_requested(void *user)
{
    amass_cli *cli = user;
    return cli->common->fail_fast && cli->failures > 0;
}

static void on_progress(void *user, const char *phase, uint64_t done, uint64_t total)
{
    amass_cli *cli = user;
    amass_progress_update(&cli->progress, phase, done, total);
}

/* --resume FILE -o FILE: the run finishes FILE instead of replacing it. */
static int continues_resumed_output(const amass_cli_common *common)
{
    struct stat resume_stat, output_stat;
    if (!common->resume_path || strcmp(common->output_path, "-") == 0)
        return 0;
    if (strcmp(common->resume_path, common->output_path) == 0)
        return 1;
    return stat(common->resume_path, &resume_stat) == 0 && stat(common->output_path, &output_stat) == 0 &&
           resume_stat.st_dev == output_stat.st_dev && resume_stat.st_ino == output_stat.st_ino;
}

amass_cli *amass_cli_start(const amass_cli_spec *spec, const amass_cli_common *common)
{
    amass_status status;
    amass_cli *cli = calloc(1, sizeof *cli);
    if (!cli) {
        fprintf(stderr, "%s: out of memory\n", spec->program);
        return NULL;
    }
    /* A reader that goes away (head, a closed pipe) ends us quietly, as it
     * does cat; inherited SIG_IGN would turn that into EPIPE errors. */
    signal(SIGPIPE, SIG_DFL);
    cli->spec = spec;
    cli->common = common;
    amass_progress_init(&cli->progress, spec->program, common->progress);
    cli->reporter.failure = on_failure;
    cli->reporter.stop_requested = on_stop_requested;
    cli->reporter.progress = on_progress;
    cli->reporter.user = cli;
    amass_log_set_handler(on_log, cli);
    amass_nn_set_threads(common->threads);

    amass_status_clear(&status);
    if (continues_resumed_output(common)) {
        if (common->gzip)
            amass_fail(&status, AMASS_ERR_USAGE,
                       "%s: a gzip output cannot be continued in place; write the rest to a new file",
                       common->output_path);
        else
            cli->output = amass_io_output_open_continue(common->output_path, &status);
    } else {
        cli->output = amass_io_output_open(common->output_path, common->gzip, &status);
    }
    if (cli->output)
        cli->writer = amass_io_writer_new(cli->output, common->format, common->header, common->precision);
    if (cli->output && cli->writer && common->errors_path) {
        cli->errors_output = amass_io_output_open(common->errors_path, 0, &status);
        if (cli->errors_output)
            cli->errors_writer = amass_io_writer_new(cli->errors_output, AMASS_FORMAT_NDJSON, 0, 0);
    }
    if (!cli->output || !cli->writer || (common->errors_path && !cli->errors_writer)) {
        fprintf(stderr, "%s: %s\n", spec->program, status.message[0] ? status.message : "out of memory");
        amass_io_writer_free(cli->writer);
        amass_io_output_close(cli->output, &status);
        amass_io_writer_free(cli->errors_writer);
        amass_io_output_close(cli->errors_output, &status);
        free(cli);
        return NULL;
    }
    return cli;
}

amass_record_writer *amass_cli_writer(amass_cli *cli)
{
    return cli->writer;
}

amass_output *amass_cli_output(amass_cli *cli)
{
    return cli->output;
}

const amass_reporter *amass_cli_reporter(amass_cli *cli)
{
    return &cli->reporter;
}

const amass_cli_common *amass_cli_options(const amass_cli *cli)
{
    return cli->common;
}

/* "program: message" on stderr, the progress line cleared first. */
static void print_line(amass_cli *cli, const char *format, va_list args)
{
    amass_progress_clear(&cli->progress);
    fprintf(stderr, "%s: ", cli->spec->program);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void amass_cli_error(amass_cli *cli, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    print_line(cli, format, args);
    va_end(args);
}

void amass_cli_note(amass_cli *cli, const char *format, ...)
{
    va_list args;
    if (cli->common->quiet)
        return;
    va_start(args, format);
    print_line(cli, format, args);
    va_end(args);
}

void amass_cli_note_bf16(amass_cli *cli, int requested)
{
    if (requested && !amass_nn_bf16_available())
        amass_cli_note(cli, "--bf16: this CPU has no bfloat16 instructions (AVX512-BF16); computing in float32");
}

void amass_cli_fail_input(amass_cli *cli, const char *input, size_t input_length, const char *message)
{
    amass_status status;
    cli->failures++;
    amass_cli_error(cli, "%s", message);
    if (!cli->errors_writer || cli->errors_file_failed)
        return;
    amass_io_record_begin(cli->errors_writer);
    amass_io_field_string(cli->errors_writer, "input", input, input_length);
    amass_io_field_string(cli->errors_writer, "error", message, strlen(message));
    amass_status_clear(&status);
    if (amass_io_record_end(cli->errors_writer, &status) != AMASS_OK ||
        amass_io_output_flush(cli->errors_output, &status) != AMASS_OK) {
        cli->errors_file_failed = 1;
        amass_cli_error(cli, "%s", status.message);
    }
}

int amass_cli_finish(amass_cli *cli, int fatal)
{
    amass_status status;
    int exit_status;
    if (!cli)
        return AMASS_EXIT_FATAL;
    amass_progress_clear(&cli->progress);
    exit_status = fatal ? AMASS_EXIT_FATAL : cli->failures ? AMASS_EXIT_INPUT_FAILED : AMASS_EXIT_OK;
    amass_io_writer_free(cli->writer);
    amass_status_clear(&status);
    if (amass_io_output_close(cli->output, &status) != AMASS_OK) {
        amass_cli_error(cli, "%s", status.message);
        exit_status = AMASS_EXIT_FATAL;
    }
    amass_io_writer_free(cli->errors_writer);
    amass_status_clear(&status);
    if (amass_io_output_close(cli->errors_output, &status) != AMASS_OK || cli->errors_file_failed) {
        if (status.message[0])
            amass_cli_error(cli, "%s", status.message);
        exit_status = AMASS_EXIT_FATAL;
    }
    amass_log_set_handler(NULL, NULL);
    free(cli);
    return exit_status;
}
