/* amass-embed: text in (lines, NDJSON records' field, or whole files),
 * one vector record per item out, from a BERT-family sentence encoder; or,
 * when the model is an image model, one vector record per image file.
 * Options in, one library run (src/models/embed_text.h, embed_image.h) out. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "media/media.h"
#include "models/embed_image.h"
#include "models/embed_text.h"
#include "models/models.h"
#include "nn/nn.h"

enum {
    OPT_MODEL = 1,
    OPT_MODEL_PATH,
    OPT_LIST_MODELS,
    OPT_FIELD,
    OPT_WHOLE_FILE,
    OPT_BATCH,
    OPT_POOLING,
    OPT_NORMALIZE,
    OPT_MAX_LENGTH,
    OPT_DECODE_THREADS,
    OPT_BF16
};

typedef struct {
    amass_embed_text_options embed;
    const char *model;
    const char *model_path;
    int list_models;
    int decode_threads;         /* --decode-threads; 0: from --threads */
} embed_tool;

static const amass_cli_option embed_options[] = {
    {"model", 'm', "NAME|PATH", OPT_MODEL, "a text or image model on the search path, or its directory (default: the path's default)"},
    {"model-path", 0, "DIR[:DIR...]", OPT_MODEL_PATH, "look for models in these directories first"},
    {"list-models", 0, NULL, OPT_LIST_MODELS, "list the models on the search path and exit"},
    {"field", 0, "NAME", OPT_FIELD, "inputs are NDJSON records; embed each record's NAME string (e.g. text)"},
    {"whole-file", 0, NULL, OPT_WHOLE_FILE, "embed each input file as one item, not line by line"},
    {"batch", 'b', "N", OPT_BATCH, "texts per inference (default 32), images per inference (default 8)"},
    {"pooling", 0, "mean|cls|max", OPT_POOLING, "how token states become one vector (default: the model's, else mean)"},
    {"normalize", 0, NULL, OPT_NORMALIZE, "scale each vector to unit length (always, when the model says so)"},
    {"max-length", 0, "N", OPT_MAX_LENGTH, "cut items to N tokens, [CLS] and [SEP] included (default: the model's)"},
    {"bf16", 0, NULL, OPT_BF16, "compute in bfloat16 where the CPU has AVX512-BF16 (about 2x faster; cosine to the float32 vectors ~0.998 for images, ~0.99999 for text)"},
    {"decode-threads", 0, "N", OPT_DECODE_THREADS, "image models: decode images on N threads (default: half of --threads, at least 1)"},
};

static int on_option(void *context, int id, const char *argument, amass_status *status)
{
    embed_tool *tool = context;
    long number;
    switch (id) {
    case OPT_MODEL: tool->model = argument; return AMASS_OK;
    case OPT_MODEL_PATH: tool->model_path = argument; return AMASS_OK;
    case OPT_LIST_MODELS: tool->list_models = 1; return AMASS_OK;
    case OPT_FIELD:
        if (!argument[0])
            return amass_fail(status, AMASS_ERR_USAGE, "--field: the field name is empty");
        tool->embed.field = argument;
        return AMASS_OK;
    case OPT_WHOLE_FILE: tool->embed.whole_file = 1; return AMASS_OK;
    case OPT_BATCH:
        if (amass_cli_parse_int("--batch", argument, 1, 4096, &number, status) != AMASS_OK)
            return status->code;
        tool->embed.batch = (size_t)number;
        return AMASS_OK;
    case OPT_POOLING:
        if (strcmp(argument, "mean") == 0)
            tool->embed.pooling = AMASS_EMBED_POOLING_MEAN;
        else if (strcmp(argument, "cls") == 0)
            tool->embed.pooling = AMASS_EMBED_POOLING_CLS;
        else if (strcmp(argument, "max") == 0)
            tool->embed.pooling = AMASS_EMBED_POOLING_MAX;
        else
            return amass_fail(status, AMASS_ERR_USAGE, "--pooling: '%s' is not mean, cls or max", argument);
        return AMASS_OK;
    case OPT_NORMALIZE: tool->embed.normalize = 1; return AMASS_OK;
    case OPT_BF16: tool->embed.bf16 = 1; return AMASS_OK;
    case OPT_MAX_LENGTH:
        if (amass_cli_parse_int("--max-length", argument, 3, 1000000, &number, status) != AMASS_OK)
            return status->code;
        tool->embed.max_length = (size_t)number;
        return AMASS_OK;
    case OPT_DECODE_THREADS:
        if (amass_cli_parse_int("--decode-threads", argument, 1, 256, &number, status) != AMASS_OK)
            return status->code;
        tool->decode_threads = (int)number;
        return AMASS_OK;
    }
    return amass_fail(status, AMASS_ERR_USAGE, "internal: option %d", id);
}

/* No hub is reachable from here, so the user brings the model: say what
 * a model directory holds. */
static void explain_install(const char *message)
{
    fprintf(stderr,
            "amass-embed: no text embedding model found (%s)\n"
            "amass-embed: give one with --model DIR, or install one as a directory on the model path\n"
            "  (--model-path, AMASS_MODEL_PATH, %s) named by its 'default' file.\n"
            "  A model directory holds:\n"
            "    model.onnx (or onnx/model.onnx), or model.safetensors with config.json  - a BERT-family encoder\n"
            "    vocab.txt or tokenizer.json (with tokenizer_config.json when it has one) - its WordPiece tokenizer\n"
            "    modules.json and 1_Pooling/config.json (optional)                       - sentence-transformers pooling\n"
            "  e.g. the files of sentence-transformers/all-MiniLM-L6-v2 from Hugging Face; see amass-embed(1).\n",
            message, amass_models_installed_directory());
}

/* With no --model the inputs choose: one image among them (by content,
 * not name) means photos, so the path's "embed-image" default; a bad or
 * non-image file among photos then fails alone, naming itself. */
static int inputs_hold_an_image(const amass_cli_common *common)
{
    int i;
    for (i = 0; i < common->n_inputs; i++)
        if (strcmp(common->inputs[i], "-") != 0 && amass_media_probe(common->inputs[i]) == AMASS_MEDIA_IMAGE)
            return 1;
    return 0;
}

static char *choose_model(const amass_cli_spec *spec, const embed_tool *tool, const amass_cli_common *common)
{
    amass_model_search search;
    amass_status status;
    char *selected = NULL;
    if (tool->model)
        return amass_cli_select_model(spec, tool->model, tool->model_path, "embed");
    amass_status_clear(&status);
    if (amass_models_search_init(&search, tool->model_path, getenv("AMASS_MODEL_PATH"), &status) != AMASS_OK) {
        fprintf(stderr, "amass-embed: %s\n", status.message);
        return NULL;
    }
    if (inputs_hold_an_image(common)) {
        if (amass_models_select(&search, NULL, "embed-image", &selected, &status) != AMASS_OK)
            fprintf(stderr, "amass-embed: the inputs are images: %s\n"
                            "amass-embed: scripts/install-models installs the default image model (nsfw)\n",
                    status.message);
    } else if (amass_models_select(&search, NULL, "embed", &selected, &status) != AMASS_OK) {
        explain_install(status.message);
    }
    amass_models_search_free(&search);
    return selected;
}

/* The records' "model": the manifest's name, else the directory's. */
static char *model_name(const char *path)
{
    amass_model_manifest manifest;
    amass_status status;
    const char *start;
    size_t length = strlen(path);
    char *name;
    amass_status_clear(&status);
    memset(&manifest, 0, sizeof manifest);
    if (amass_models_manifest_load(path, &manifest, &status) == AMASS_OK) {
        name = amass_strndup(manifest.name, strlen(manifest.name));
        amass_models_manifest_free(&manifest);
        return name;
    }
    while (length > 1 && path[length - 1] == '/')
        length--;
    if (length > 5 && strncmp(path + length - 5, ".onnx", 5) == 0)
        length -= 5;
    for (start = path + length; start > path && start[-1] != '/'; start--)
        ;
    return amass_strndup(start, (size_t)(path + length - start));
}

/* The plumbing both modes share: the CLI, --resume's names, the sink and
 * the inputs. On failure the CLI has said why; *cli is what to finish. */
typedef struct {
    amass_cli *cli;
    amass_name_set *done;
    amass_embed_sink sink;
    amass_input_list *inputs;
    amass_status status;
} embed_run;

static int run_start(const amass_cli_spec *spec, amass_cli_common *common, int bf16, embed_run *run)
{
    memset(run, 0, sizeof *run);
    amass_status_clear(&run->status);
    if (!(run->cli = amass_cli_start(spec, common)))
        return AMASS_ERR_FATAL;
    amass_cli_note_bf16(run->cli, bf16);
    if (common->resume_path && !(run->done = amass_io_resume_load(common->resume_path, &run->status))) {
        amass_cli_error(run->cli, "%s", run->status.message);
        return run->status.code;
    }
    run->sink.writer = amass_cli_writer(run->cli);
    run->sink.format = common->format;
    run->sink.reporter = amass_cli_reporter(run->cli);
    run->sink.shard = common->shard.count ? &common->shard : NULL;
    run->sink.done = run->done;
    run->inputs = amass_io_inputs_open(common->inputs, common->n_inputs, common->files_from, common->recursive,
                                       &run->status);
    if (!run->inputs) {
        amass_cli_error(run->cli, "%s", run->status.message);
        return run->status.code;
    }
    return AMASS_OK;
}

/* code: the run's result (its message in run->status). */
static int run_finish(embed_run *run, int code)
{
    amass_io_inputs_close(run->inputs);
    amass_io_name_set_free(run->done);
    if (!run->cli)
        return AMASS_EXIT_FATAL;
    if (code != AMASS_OK && run->inputs)
        amass_cli_error(run->cli, "%s", run->status.message);
    return amass_cli_finish(run->cli, code != AMASS_OK);
}

static int embed_text(const amass_cli_spec *spec, amass_cli_common *common, embed_tool *tool, const char *model)
{
    amass_text_embedder *embedder;
    amass_status status;
    embed_run run;
    char *name;
    int code;
    amass_status_clear(&status);
    code = amass_text_embedder_open(model, tool->embed.pooling, tool->embed.normalize, &embedder, &status);
    name = model_name(model);
    if (code != AMASS_OK || !name) {
        fprintf(stderr, "amass-embed: %s\n", code != AMASS_OK ? status.message : "out of memory");
        if (code == AMASS_OK)
            amass_text_embedder_close(embedder);
        free(name);
        return AMASS_EXIT_FATAL;
    }
    tool->embed.model_name = name;
    if ((code = run_start(spec, common, tool->embed.bf16, &run)) == AMASS_OK)
        code = amass_text_embedder_run(embedder, &tool->embed, run.inputs, &run.sink, &run.status);
    amass_text_embedder_close(embedder);
    free(name);
    return run_finish(&run, code);
}

/* The text-only options mean nothing to an image model: refuse them
 * rather than ignore them. */
static int refuse_text_options(const embed_tool *tool)
{
    const char *option = tool->embed.field ? "--field" : tool->embed.whole_file ? "--whole-file"
                       : tool->embed.pooling != AMASS_EMBED_POOLING_DEFAULT ? "--pooling"
                       : tool->embed.max_length ? "--max-length" : NULL;
    if (!option)
        return 0;
    fprintf(stderr, "amass-embed: %s is for text models; the model embeds images\n", option);
    return 1;
}

/* Decoding gets one thread per two engine threads, at least one, as in
 * amass-classify. */
static int embed_images(const amass_cli_spec *spec, amass_cli_common *common, const embed_tool *tool, const char *model)
{
    amass_embed_image_options options = {tool->embed.batch, 1, tool->embed.normalize, tool->embed.bf16};
    amass_image_embedder *embedder;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = common->threads ? common->threads : cores > 0 ? (int)cores : 1;
    amass_status status;
    embed_run run;
    int code;
    if (refuse_text_options(tool))
        return AMASS_EXIT_FATAL;
    options.decode_threads = tool->decode_threads ? tool->decode_threads : threads > 2 ? threads / 2 : 1;
    amass_status_clear(&status);
    if (amass_image_embedder_open(model, &options, &embedder, &status) != AMASS_OK) {
        fprintf(stderr, "amass-embed: %s\n", status.message);
        return AMASS_EXIT_FATAL;
    }
    if ((code = run_start(spec, common, tool->embed.bf16, &run)) == AMASS_OK)
        code = amass_image_embedder_run(embedder, run.inputs, &run.sink, &run.status);
    amass_image_embedder_close(embedder);
    return run_finish(&run, code);
}

int main(int argc, char **argv)
{
    static embed_tool tool;
    amass_cli_common common;
    amass_cli_spec spec = {"amass-embed", "[--model NAME|PATH] [OPTIONS] [INPUT...]",
                           "Embed text (one vector record per line, NDJSON record (--field) or file (--whole-file)),\n"
                           "or images (one vector record per image file) with an image model.",
                           embed_options, sizeof embed_options / sizeof embed_options[0], on_option, &tool};
    char *model;
    int parsed, exit_code;

    parsed = amass_cli_parse(&spec, argc, argv, &common);
    if (parsed >= 0)
        return parsed;
    if (tool.list_models)
        return amass_cli_list_models(&spec, &common, tool.model_path);
    if (tool.embed.field && tool.embed.whole_file) {
        fprintf(stderr, "amass-embed: --field and --whole-file cannot go together\n"
                        "Try 'amass-embed --help' for more information.\n");
        return AMASS_EXIT_FATAL;
    }
    if (!(model = choose_model(&spec, &tool, &common)))
        return AMASS_EXIT_FATAL;
    amass_nn_set_threads(common.threads);
    if (amass_image_embedder_accepts(model))
        exit_code = embed_images(&spec, &common, &tool, model);
    else
        exit_code = embed_text(&spec, &common, &tool, model);
    free(model);
    return exit_code;
}
