/* The model search path: --model-path, AMASS_MODEL_PATH, then the installed
 * models directory; model names found on it, the default model, and the
 * listing behind --list-models (DESIGN.md, "Models"). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models.h"

#ifndef AMASS_MODELS_DIR
#define AMASS_MODELS_DIR "/usr/local/share/amass/models"
#endif

const char *amass_models_installed_directory(void)
{
    return AMASS_MODELS_DIR;
}

static char *join(const char *directory, const char *name)
{
    size_t n_dir = strlen(directory), n_name = strlen(name);
    char *path;
    /* "/" + "x" is "/x", not "//x" */
    while (n_dir > 1 && directory[n_dir - 1] == '/')
        n_dir--;
    if (!(path = malloc(n_dir + n_name + 2)))
        return NULL;
    memcpy(path, directory, n_dir);
    path[n_dir] = '/';
    memcpy(path + n_dir + 1, name, n_name + 1);
    return path;
}

static int add_directory(amass_model_search *search, const char *start, size_t length)
{
    char **grown;
    if (length == 0)
        return AMASS_OK;
    if (!(grown = amass_realloc_array(search->directories, search->n_directories + 1, sizeof *grown)))
        return AMASS_ERR_NOMEM;
    search->directories = grown;
    if (!(grown[search->n_directories] = amass_strndup(start, length)))
        return AMASS_ERR_NOMEM;
    search->n_directories++;
    return AMASS_OK;
}

static int add_list(amass_model_search *search, const char *list)
{
    const char *colon;
    if (!list)
        return AMASS_OK;
    while ((colon = strchr(list, ':'))) {
        if (add_directory(search, list, (size_t)(colon - list)) != AMASS_OK)
            return AMASS_ERR_NOMEM;
        list = colon + 1;
    }
    return add_directory(search, list, strlen(list));
}

int amass_models_search_init(amass_model_search *search, const char *option_value, const char *environment_value,
                             amass_status *status)
{
    memset(search, 0, sizeof *search);
    if (add_list(search, option_value) != AMASS_OK || add_list(search, environment_value) != AMASS_OK ||
        add_list(search, AMASS_MODELS_DIR) != AMASS_OK) {
        amass_models_search_free(search);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory for the model search path");
    }
    return AMASS_OK;
}

void amass_models_search_free(amass_model_search *search)
{
    size_t i;
    if (!search)
        return;
    for (i = 0; i < search->n_directories; i++)
        free(search->directories[i]);
    free(search->directories);
    memset(search, 0, sizeof *search);
}

int amass_models_is_name(const char *model)
{
    size_t n = strlen(model);
    return n > 0 && !strchr(model, '/') && !(n >= 5 && strcmp(model + n - 5, ".onnx") == 0) &&
           strcmp(model, ".") != 0 && strcmp(model, "..") != 0;
}

/* 1 when path is (or links to) a regular file. */
static int is_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

/* 1 when directory holds a manifest.json; -1 out of memory. */
static int has_manifest(const char *directory)
{
    char *manifest = join(directory, "manifest.json");
    int found;
    if (!manifest)
        return -1;
    found = is_file(manifest);
    free(manifest);
    return found;
}

/* "/a, /b, /c": the places looked in, for messages. */
static void describe_path(const amass_model_search *search, char *text, size_t size)
{
    size_t i, used = 0;
    text[0] = '\0';
    for (i = 0; i < search->n_directories && used < size; i++) {
        int n = snprintf(text + used, size - used, "%s%s", i ? ", " : "", search->directories[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int amass_models_find(const amass_model_search *search, const char *name, char **directory, amass_status *status)
{
    char where[AMASS_MESSAGE_MAX / 2];
    size_t i;
    *directory = NULL;
    for (i = 0; i < search->n_directories; i++) {
        char *candidate = join(search->directories[i], name);
        int found = candidate ? has_manifest(candidate) : -1;
        if (found == 1) {
            *directory = candidate;
            return AMASS_OK;
        }
        free(candidate);
        if (found < 0)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    describe_path(search, where, sizeof where);
    return amass_fail(status, AMASS_ERR_USAGE, "no model '%s' in %s (see --list-models)", name, where);
}

/* The model a "default" file names for task: the first "TASK NAME" line
 * for this task, else the first bare "NAME" line; 0 when neither. */
static int read_default_file(const char *path, const char *task, char *name, size_t size)
{
    FILE *file = fopen(path, "r");
    char line[512];
    int found = 0;
    if (!file)
        return 0;
    while (fgets(line, sizeof line, file)) {
        char first[256], second[256];
        int n = sscanf(line, "%255s %255s", first, second);
        if (n < 1 || first[0] == '#')
            continue;
        if (n == 2 && strcmp(first, task) == 0) {
            snprintf(name, size, "%s", second);
            found = 1;
            break;
        }
        if (n == 1 && !found) {
            snprintf(name, size, "%s", first);
            found = 1;
        }
    }
    fclose(file);
    return found;
}

static int select_default(const amass_model_search *search, const char *task, char **selected,
                          amass_status *status)
{
    char where[AMASS_MESSAGE_MAX / 2], name[256], resolved[PATH_MAX];
    size_t i;
    for (i = 0; i < search->n_directories; i++) {
        char *entry = join(search->directories[i], "default");
        struct stat info;
        if (!entry)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        if (stat(entry, &info) != 0) {
            free(entry);
            continue;
        }
        if (S_ISDIR(info.st_mode) && has_manifest(entry) == 1) {
            /* A link "default -> resnet18" names the model "resnet18", not
             * "default", in the records. */
            *selected = realpath(entry, resolved) ? amass_strndup(resolved, strlen(resolved)) : entry;
            if (*selected != entry)
                free(entry);
            return *selected ? AMASS_OK : amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        }
        if (S_ISREG(info.st_mode) && read_default_file(entry, task, name, sizeof name)) {
            int code;
            if (!amass_models_is_name(name))
                code = amass_fail(status, AMASS_ERR_USAGE, "%s: '%s' is not a model name", entry, name);
            else if ((code = amass_models_find(search, name, selected, status)) != AMASS_OK)
                amass_status_prefix(status, entry);
            free(entry);
            return code;
        }
        free(entry);
    }
    describe_path(search, where, sizeof where);
    return amass_fail(status, AMASS_ERR_USAGE,
                      "no --model given and no default model in %s: pass --model NAME or PATH, "
                      "or install models with scripts/install-models",
                      where);
}

int amass_models_select(const amass_model_search *search, const char *model, const char *task, char **selected,
                        amass_status *status)
{
    *selected = NULL;
    if (!model)
        return select_default(search, task, selected, status);
    if (amass_models_is_name(model)) {
        struct stat info;
        amass_status not_found;
        amass_status_clear(&not_found);
        if (amass_models_find(search, model, selected, &not_found) == AMASS_OK)
            return AMASS_OK;
        /* "-m resnet18" for ./resnet18 worked before there was a search
         * path; the path comes first, the current directory after it. */
        if (not_found.code != AMASS_ERR_USAGE || stat(model, &info) != 0) {
            *status = not_found;
            return status->code;
        }
    }
    if (!(*selected = amass_strndup(model, strlen(model))))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    return AMASS_OK;
}

/* ---- listing ---------------------------------------------------------------- */

typedef struct {
    char **names;
    size_t count, capacity;
} name_list;

static int name_list_add(name_list *list, const char *name)
{
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 32;
        char **grown = amass_realloc_array(list->names, capacity, sizeof *grown);
        if (!grown)
            return AMASS_ERR_NOMEM;
        list->names = grown;
        list->capacity = capacity;
    }
    if (!(list->names[list->count] = amass_strndup(name, strlen(name))))
        return AMASS_ERR_NOMEM;
    list->count++;
    return AMASS_OK;
}

static int name_list_has(const name_list *list, const char *name)
{
    size_t i;
    for (i = 0; i < list->count; i++)
        if (strcmp(list->names[i], name) == 0)
            return 1;
    return 0;
}

static void name_list_free(name_list *list)
{
    size_t i;
    for (i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    memset(list, 0, sizeof *list);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The model directories of one path entry, sorted, not yet shadowed. */
static int read_entry_names(const char *directory, const name_list *seen, name_list *names)
{
    DIR *stream = opendir(directory);
    struct dirent *entry;
    int code = AMASS_OK;
    if (!stream)
        return AMASS_OK;
    while (code == AMASS_OK && (entry = readdir(stream))) {
        char *candidate;
        int found;
        if (entry->d_name[0] == '.' || name_list_has(seen, entry->d_name))
            continue;
        if (!(candidate = join(directory, entry->d_name)))
            code = AMASS_ERR_NOMEM;
        else if ((found = has_manifest(candidate)) < 0)
            code = AMASS_ERR_NOMEM;
        else if (found)
            code = name_list_add(names, entry->d_name);
        free(candidate);
    }
    closedir(stream);
    if (names->count > 1)
        qsort(names->names, names->count, sizeof *names->names, compare_names);
    return code;
}

static int visit_entry(const char *directory, const char *name,
                       int (*visit)(void *, const amass_model_entry *, amass_status *), void *context,
                       amass_status *status)
{
    amass_model_manifest manifest;
    amass_model_entry entry;
    amass_status problem;
    char *path = join(directory, name);
    int code;
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    amass_status_clear(&problem);
    entry.name = name;
    entry.directory = path;
    if (amass_models_manifest_load(path, &manifest, &problem) == AMASS_OK) {
        entry.manifest = &manifest;
        entry.problem = NULL;
    } else {
        entry.manifest = NULL;
        entry.problem = problem.message;
    }
    code = visit(context, &entry, status);
    amass_models_manifest_free(&manifest);
    free(path);
    return code;
}

int amass_models_list(const amass_model_search *search,
                      int (*visit)(void *context, const amass_model_entry *entry, amass_status *status),
                      void *context, amass_status *status)
{
    name_list seen = {0};
    size_t i, j;
    int code = AMASS_OK;
    for (i = 0; i < search->n_directories && code == AMASS_OK; i++) {
        name_list names = {0};
        if (read_entry_names(search->directories[i], &seen, &names) != AMASS_OK)
            code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory listing %s", search->directories[i]);
        for (j = 0; j < names.count && code == AMASS_OK; j++) {
            if (name_list_add(&seen, names.names[j]) != AMASS_OK)
                code = amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
            else
                code = visit_entry(search->directories[i], names.names[j], visit, context, status);
        }
        name_list_free(&names);
    }
    name_list_free(&seen);
    return code;
}
