/* amass-transcribe: audio files in, text with word times out, with a
 * Sphinx acoustic model, dictionary and language model. Options in, one
 * library run (src/models/transcribe.h) out. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/transcribe.h"

enum {
    OPT_MODEL = 1,
    OPT_MODEL_PATH,
    OPT_LIST_MODELS,
    OPT_HMM,
    OPT_DICT,
    OPT_LM,
    OPT_RAW,
    OPT_NO_VAD,
    OPT_VAD_THRESHOLD,
    OPT_MAX_UTTERANCE,
    OPT_UNORDERED,
    OPT_LW,
    OPT_WIP,
    OPT_PIP,
    OPT_BEAM,
    OPT_WBEAM,
    OPT_PBEAM,
    OPT_SILPROB,
    OPT_FILLPROB,
    OPT_MAXHMMPF,
    OPT_MAXWPF,
    OPT_ACOUSTIC
};

typedef struct {
    amass_transcribe_options transcribe;
    const char *model;
    const char *model_path;
    int list_models;
} transcribe_tool;

static const amass_cli_option transcribe_options[] = {
    {"model", 'm', "NAME|PATH", OPT_MODEL, "a transcribe model on the search path, or its directory (default: the path's default)"},
    {"model-path", 0, "DIR[:DIR...]", OPT_MODEL_PATH, "look for models in these directories first"},
    {"list-models", 0, NULL, OPT_LIST_MODELS, "list the models on the search path and exit"},
    {"hmm", 0, "DIR", OPT_HMM, "the acoustic model directory (mdef, means, ...) instead of the model's"},
    {"dict", 0, "FILE", OPT_DICT, "the pronouncing dictionary instead of the model's"},
    {"lm", 0, "FILE", OPT_LM, "the language model (Sphinx trie binary or ARPA) instead of the model's"},
    {"acoustic", 0, "gmm|dnn|auto", OPT_ACOUSTIC, "the acoustic scorer (default: the manifest's; auto: dnn when the directory has dnn.onnx)"},
    {"raw", 0, "RATE", OPT_RAW, "inputs are headerless signed 16-bit little-endian mono PCM at RATE Hz"},
    {"no-vad", 0, NULL, OPT_NO_VAD, "decode each file as one utterance (cut only at --max-utterance)"},
    {"vad-threshold", 0, "DB", OPT_VAD_THRESHOLD, "speech starts this many dB above the noise floor (default 10)"},
    {"max-utterance", 0, "SECONDS", OPT_MAX_UTTERANCE, "cut longer speech at its quietest point (default 30)"},
    {"unordered", 0, NULL, OPT_UNORDERED, "write records as files finish, not in input order"},
    {"lw", 0, "X", OPT_LW, "language weight (default 6.5)"},
    {"wip", 0, "P", OPT_WIP, "word insertion penalty, a probability (default 0.65)"},
    {"pip", 0, "P", OPT_PIP, "phone insertion penalty, a probability (default 1)"},
    {"beam", 0, "P", OPT_BEAM, "keep HMMs within this ratio of the best (default 1e-48)"},
    {"wbeam", 0, "P", OPT_WBEAM, "keep word exits within this ratio of the best (default 7e-29)"},
    {"pbeam", 0, "P", OPT_PBEAM, "enter the next phone within this ratio of the best (default 1e-48)"},
    {"silprob", 0, "P", OPT_SILPROB, "silence word probability (default 0.005)"},
    {"fillprob", 0, "P", OPT_FILLPROB, "filler word probability (default 1e-8)"},
    {"maxhmmpf", 0, "N", OPT_MAXHMMPF, "at most N active HMMs a frame, 0 for no limit (default 30000)"},
    {"maxwpf", 0, "N", OPT_MAXWPF, "at most N word exits a frame, 0 for no limit (default: none)"},
};

/* A probability option: (0, 1]. */
static int parse_probability(const char *option, const char *argument, double *value, amass_status *status)
{
    if (amass_cli_parse_double(option, argument, 0, 1, value, status) != AMASS_OK)
        return status->code;
    if (!(*value > 0))
        return amass_fail(status, AMASS_ERR_USAGE, "%s: %s is not a probability above 0", option, argument);
    return AMASS_OK;
}

static int on_search_option(amass_speech_search_options *search, int id, const char *argument, amass_status *status)
{
    long number;
    switch (id) {
    case OPT_LW: return amass_cli_parse_double("--lw", argument, 0, 1000, &search->language_weight, status);
    case OPT_WIP: return parse_probability("--wip", argument, &search->word_insertion_penalty, status);
    case OPT_PIP: return parse_probability("--pip", argument, &search->phone_insertion_penalty, status);
    case OPT_BEAM: return parse_probability("--beam", argument, &search->beam, status);
    case OPT_WBEAM: return parse_probability("--wbeam", argument, &search->word_beam, status);
    case OPT_PBEAM: return parse_probability("--pbeam", argument, &search->phone_beam, status);
    case OPT_SILPROB: return parse_probability("--silprob", argument, &search->silence_probability, status);
    case OPT_FILLPROB: return parse_probability("--fillprob", argument, &search->filler_probability, status);
    case OPT_MAXHMMPF:
    case OPT_MAXWPF:
        if (amass_cli_parse_int(id == OPT_MAXHMMPF ? "--maxhmmpf" : "--maxwpf", argument, 0, 100000000, &number,
                                status) != AMASS_OK)
            return status->code;
        *(id == OPT_MAXHMMPF ? &search->max_active : &search->max_word_exits) = (int)number;
        return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_USAGE, "internal: option %d", id);
}

static int on_option(void *context, int id, const char *argument, amass_status *status)
{
    transcribe_tool *tool = context;
    amass_transcribe_options *options = &tool->transcribe;
    long number;
    switch (id) {
    case OPT_MODEL: tool->model = argument; return AMASS_OK;
    case OPT_MODEL_PATH: tool->model_path = argument; return AMASS_OK;
    case OPT_LIST_MODELS: tool->list_models = 1; return AMASS_OK;
    case OPT_HMM: options->acoustic_path = argument; return AMASS_OK;
    case OPT_DICT: options->dict_path = argument; return AMASS_OK;
    case OPT_LM: options->lm_path = argument; return AMASS_OK;
    case OPT_ACOUSTIC:
        if (strcmp(argument, "gmm") != 0 && strcmp(argument, "dnn") != 0 && strcmp(argument, "auto") != 0)
            return amass_fail(status, AMASS_ERR_USAGE, "--acoustic: '%s' is not gmm, dnn or auto", argument);
        options->acoustic.kind = argument;
        return AMASS_OK;
    case OPT_RAW:
        if (amass_cli_parse_int("--raw", argument, 1000, 384000, &number, status) != AMASS_OK)
            return status->code;
        options->raw_rate = (int)number;
        return AMASS_OK;
    case OPT_NO_VAD: options->no_vad = 1; return AMASS_OK;
    case OPT_VAD_THRESHOLD:
        return amass_cli_parse_double("--vad-threshold", argument, 0, 100, &options->vad_threshold, status);
    case OPT_MAX_UTTERANCE:
        return amass_cli_parse_double("--max-utterance", argument, 1, 3600, &options->max_utterance, status);
    case OPT_UNORDERED: options->unordered = 1; return AMASS_OK;
    }
    return on_search_option(&options->search, id, argument, status);
}

/* A subtitle or plain-text document is one recording's: with several
 * inputs the cues of different files would interleave meaninglessly. */
static int check_document_inputs(const amass_cli_spec *spec, const amass_cli_common *common)
{
    if (common->format != AMASS_FORMAT_SRT && common->format != AMASS_FORMAT_VTT &&
        common->format != AMASS_FORMAT_TXT)
        return AMASS_EXIT_OK;
    /* no INPUT: standard input, one recording */
    if (common->n_inputs <= 1 && !common->files_from && !common->recursive)
        return AMASS_EXIT_OK;
    fprintf(stderr, "%s: -f srt, vtt and txt take exactly one INPUT (no --files-from or -r); use ndjson or tsv for many\n"
            "Try '%s --help' for more information.\n", spec->program, spec->program);
    return AMASS_EXIT_FATAL;
}

/* Standard input holds one recording and is read once: a second "-", or
 * "-" besides --files-from -, would get what is left of it (or interleave
 * with the first when decoded at once), so it is refused up front. */
static int check_stdin_inputs(const amass_cli_spec *spec, const amass_cli_common *common)
{
    int n_stdin = common->files_from && strcmp(common->files_from, "-") == 0;
    for (int i = 0; i < common->n_inputs; i++)
        n_stdin += strcmp(common->inputs[i], "-") == 0;
    if (n_stdin <= 1)
        return AMASS_EXIT_OK;
    fprintf(stderr, "%s: standard input ('-') can be read only once: give it as one INPUT or as --files-from -\n"
            "Try '%s --help' for more information.\n", spec->program, spec->program);
    return AMASS_EXIT_FATAL;
}

int main(int argc, char **argv)
{
    static transcribe_tool tool;
    amass_transcribe_options *options = &tool.transcribe;
    amass_cli_common common;
    amass_cli_spec spec = {"amass-transcribe", "[--model NAME|PATH] [OPTIONS] [AUDIO...]",
                           "Transcribe English speech: text with word times for each audio file (-f ndjson, tsv, srt, vtt, txt).",
                           transcribe_options, sizeof transcribe_options / sizeof transcribe_options[0], on_option,
                           &tool};
    amass_transcribe_sink sink;
    amass_transcriber *transcriber;
    amass_cli *cli;
    amass_input_list *inputs;
    amass_name_set *done = NULL;
    amass_status status;
    char *model = NULL;
    int parsed, code;
    long cores;

    amass_transcribe_options_init(options);
    amass_cli_allow_subtitle_formats();
    parsed = amass_cli_parse(&spec, argc, argv, &common);
    if (parsed >= 0)
        return parsed;
    if (tool.list_models)
        return amass_cli_list_models(&spec, &common, tool.model_path);
    if ((code = check_document_inputs(&spec, &common)) != AMASS_EXIT_OK ||
        (code = check_stdin_inputs(&spec, &common)) != AMASS_EXIT_OK)
        return code;
    /* --hmm, --dict and --lm together need no model directory. */
    if (tool.model || !options->acoustic_path || !options->dict_path || !options->lm_path) {
        if (!(model = amass_cli_select_model(&spec, tool.model, tool.model_path, "transcribe")))
            return AMASS_EXIT_FATAL;
        options->model_path = model;
    }
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    options->threads = common.threads ? common.threads : cores > 0 ? (int)cores : 1;
    amass_status_clear(&status);
    code = amass_transcriber_open(options, &transcriber, &status);
    free(model);
    if (code != AMASS_OK) {
        fprintf(stderr, "amass-transcribe: %s\n", status.message);
        return AMASS_EXIT_FATAL;
    }
    if (!(cli = amass_cli_start(&spec, &common))) {
        amass_transcriber_close(transcriber);
        return AMASS_EXIT_FATAL;
    }
    if (common.resume_path && !(done = amass_io_resume_load(common.resume_path, &status))) {
        amass_cli_error(cli, "%s", status.message);
        amass_transcriber_close(transcriber);
        return amass_cli_finish(cli, 1);
    }
    sink.writer = amass_cli_writer(cli);
    sink.output = amass_cli_output(cli);
    sink.format = common.format;
    sink.reporter = amass_cli_reporter(cli);
    sink.shard = common.shard.count ? &common.shard : NULL;
    sink.done = done;
    sink.precision = common.precision;
    inputs = amass_io_inputs_open(common.inputs, common.n_inputs, common.files_from, common.recursive, &status);
    code = inputs ? (int)amass_transcriber_run(transcriber, inputs, &sink, &status) : (int)status.code;
    amass_io_inputs_close(inputs);
    amass_io_name_set_free(done);
    amass_transcriber_close(transcriber);
    if (code != AMASS_OK)
        amass_cli_error(cli, "%s", status.message);
    return amass_cli_finish(cli, code != AMASS_OK);
}
