/* What every model tool does with --model, --model-path and --list-models:
 * the search path from the option and AMASS_MODEL_PATH, the model chosen
 * on it, and the listing, so the tools' mains stay a few lines. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../models/models.h"
#include "cli.h"

static int search_init(const amass_cli_spec *spec, const char *model_path, amass_model_search *search)
{
    amass_status status;
    amass_status_clear(&status);
    if (amass_models_search_init(search, model_path, getenv("AMASS_MODEL_PATH"), &status) != AMASS_OK) {
        fprintf(stderr, "%s: %s\n", spec->program, status.message);
        return AMASS_EXIT_FATAL;
    }
    return AMASS_EXIT_OK;
}

char *amass_cli_select_model(const amass_cli_spec *spec, const char *model, const char *model_path,
                             const char *task)
{
    amass_model_search search;
    amass_status status;
    char *selected = NULL;
    if (search_init(spec, model_path, &search) != AMASS_EXIT_OK)
        return NULL;
    amass_status_clear(&status);
    if (amass_models_select(&search, model, task, &selected, &status) != AMASS_OK)
        fprintf(stderr, "%s: %s\n", spec->program, status.message);
    amass_models_search_free(&search);
    return selected;
}

static int write_entry(void *context, const amass_model_entry *entry, amass_status *status)
{
    amass_cli *cli = context;
    amass_record_writer *writer = amass_cli_writer(cli);
    if (!entry->manifest) {
        /* One broken model must not hide the others. */
        amass_cli_error(cli, "%s", entry->problem);
        return AMASS_OK;
    }
    amass_io_record_begin(writer);
    amass_io_field_string(writer, "name", entry->name, strlen(entry->name));
    amass_io_field_string(writer, "task", entry->manifest->task, strlen(entry->manifest->task));
    amass_io_field_string(writer, "format", entry->manifest->format, strlen(entry->manifest->format));
    amass_io_field_string(writer, "directory", entry->directory, strlen(entry->directory));
    return amass_io_record_end(writer, status);
}

int amass_cli_list_models(const amass_cli_spec *spec, const amass_cli_common *common, const char *model_path)
{
    amass_model_search search;
    amass_status status;
    amass_cli *cli;
    int code;
    if (search_init(spec, model_path, &search) != AMASS_EXIT_OK)
        return AMASS_EXIT_FATAL;
    if (!(cli = amass_cli_start(spec, common))) {
        amass_models_search_free(&search);
        return AMASS_EXIT_FATAL;
    }
    amass_status_clear(&status);
    code = amass_models_list(&search, write_entry, cli, &status);
    amass_models_search_free(&search);
    if (code != AMASS_OK)
        amass_cli_error(cli, "%s", status.message);
    return amass_cli_finish(cli, code != AMASS_OK);
}
