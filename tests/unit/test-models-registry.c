/* The model search path: its order (--model-path, AMASS_MODEL_PATH, the
 * installed directory), names found on it, shadowing, the default model
 * and the listing, on a tree of model directories made in /tmp. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/models.h"
#include "tap.h"

static char root[64] = "/tmp/amass-registry-test-XXXXXX";

static const char *at(const char *relative)
{
    static char paths[4][512];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", root, relative);
    return path;
}

static void write_text(const char *relative, const char *text)
{
    FILE *file = fopen(at(relative), "w");
    if (!file || fputs(text, file) < 0 || fclose(file) != 0) {
        printf("Bail out! cannot write %s\n", at(relative));
        exit(1);
    }
}

static const char *const manifest = "{\"task\":\"classify\",\"format\":\"onnx\",\"file\":\"model.onnx\"}\n";

/* one/m1, two/m1 (shadowed), two/m2, two/broken, two/bare (no manifest) */
static void make_tree(void)
{
    static const char *const directories[] = {"one", "one/m1", "two", "two/m1", "two/m2", "two/broken", "two/bare", "three"};
    size_t i;
    for (i = 0; i < sizeof directories / sizeof *directories; i++)
        mkdir(at(directories[i]), 0755);
    write_text("one/m1/manifest.json", manifest);
    write_text("two/m1/manifest.json", manifest);
    write_text("two/m2/manifest.json", "{\"task\":\"embed\",\"format\":\"safetensors\",\"file\":\"w\"}");
    write_text("two/broken/manifest.json", "{\"task\":\"classify\"}");
    write_text("two/bare/notes.txt", "not a model\n");
}

static void remove_tree(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0)
        printf("# cannot remove %s\n", root);
}

static void test_search_order(void)
{
    amass_model_search search;
    amass_status status;
    amass_status_clear(&status);
    ok(amass_models_search_init(&search, "a::b:", "c:/d", &status) == AMASS_OK, "a search path builds");
    is_int(search.n_directories, 5, "empty entries are skipped, the installed directory comes last");
    if (search.n_directories == 5) {
        is_str(search.directories[0], "a", "--model-path first");
        is_str(search.directories[1], "b", "its entries in order");
        is_str(search.directories[2], "c", "then AMASS_MODEL_PATH");
        is_str(search.directories[3], "/d", "all of it");
        is_str(search.directories[4], amass_models_installed_directory(), "then the installed models");
    }
    amass_models_search_free(&search);
    ok(amass_models_search_init(&search, NULL, NULL, &status) == AMASS_OK && search.n_directories == 1,
       "with neither option nor environment, only the installed directory");
    amass_models_search_free(&search);
    is_str(amass_models_installed_directory(), AMASS_MODELS_DIR, "the installed directory is configure's datadir one");
}

static void test_names(void)
{
    ok(amass_models_is_name("resnet18"), "a plain word is a name");
    ok(amass_models_is_name("tiny-resnet.v2"), "dots and dashes are fine in names");
    ok(!amass_models_is_name("models/resnet18"), "anything with a slash is a path");
    ok(!amass_models_is_name("./resnet18"), "./ makes a path");
    ok(!amass_models_is_name("resnet18.onnx"), "an .onnx file is a path");
    ok(!amass_models_is_name(""), "the empty string is no name");
    ok(!amass_models_is_name(".."), "'..' is no name");
}

static void test_find(amass_model_search *search)
{
    amass_status status;
    char *directory, want[512];
    amass_status_clear(&status);
    ok(amass_models_find(search, "m1", &directory, &status) == AMASS_OK, "m1 is found");
    is_str(directory, at("one/m1"), "the first directory on the path that has it wins");
    free(directory);
    ok(amass_models_find(search, "m2", &directory, &status) == AMASS_OK, "m2 is found further on");
    is_str(directory, at("two/m2"), "in the second directory");
    free(directory);
    ok(amass_models_find(search, "bare", &directory, &status) == AMASS_ERR_USAGE && !directory,
       "a directory without manifest.json is not a model");
    snprintf(want, sizeof want, "no model 'bare' in %s/one, %s/two, %s/three, %s (see --list-models)", root, root,
             root, amass_models_installed_directory());
    is_str(status.message, want, "the message says everywhere it looked");
    ok(amass_models_select(search, "m1", "classify", &directory, &status) == AMASS_OK, "--model m1 selects");
    is_str(directory, at("one/m1"), "the path's m1");
    free(directory);
    ok(amass_models_select(search, "two/m1", "classify", &directory, &status) == AMASS_OK,
       "--model with a slash selects a path");
    is_str(directory, "two/m1", "as it is, not searched");
    free(directory);
}

static void test_default(amass_model_search *search)
{
    amass_status status;
    char *directory;
    amass_status_clear(&status);
    ok(amass_models_select(search, NULL, "classify", &directory, &status) == AMASS_ERR_USAGE &&
           strstr(status.message, "no --model given and no default model in ") &&
           strstr(status.message, "scripts/install-models"),
       "no default entry: an error saying how to get a model");
    write_text("three/default", "# one line per task\nembed m2\nm1\n");
    ok(amass_models_select(search, NULL, "embed", &directory, &status) == AMASS_OK, "a default file names a model");
    is_str(directory, at("two/m2"), "the line for the task, found on the whole path");
    free(directory);
    ok(amass_models_select(search, NULL, "classify", &directory, &status) == AMASS_OK,
       "a task without its own line");
    is_str(directory, at("one/m1"), "takes the bare name");
    free(directory);
    write_text("two/default", "classify nowhere\n");
    ok(amass_models_select(search, NULL, "classify", &directory, &status) == AMASS_ERR_USAGE &&
           strstr(status.message, "/two/default: no model 'nowhere' in "),
       "an earlier default naming a missing model is an error naming the file");
    ok(amass_models_select(search, NULL, "embed", &directory, &status) == AMASS_OK &&
           strcmp(directory, at("two/m2")) == 0,
       "a default file without a line for the task is passed over");
    free(directory);
}

typedef struct {
    char seen[1024];
    int n_broken;
} listing;

static int collect(void *context, const amass_model_entry *entry, amass_status *status)
{
    listing *list = context;
    size_t used = strlen(list->seen);
    if (!entry->manifest) {
        list->n_broken++;
        if (!strstr(entry->problem, "broken/manifest.json: \"format\" is missing"))
            printf("#   problem: %s\n", entry->problem);
        return AMASS_OK;
    }
    snprintf(list->seen + used, sizeof list->seen - used, "%s:%s:%s ", entry->name, entry->manifest->task,
             strstr(entry->directory, "/one/") ? "one" : "two");
    return AMASS_OK;
}

static int stop_at_first(void *context, const amass_model_entry *entry, amass_status *status)
{
    (void)context;
    (void)entry;
    return amass_fail(status, AMASS_ERR_IO, "write error");
}

static void test_list(amass_model_search *search)
{
    listing list = {"", 0};
    amass_status status;
    amass_status_clear(&status);
    ok(amass_models_list(search, collect, &list, &status) == AMASS_OK, "the listing runs over a broken manifest");
    is_str(list.seen, "m1:classify:one m2:embed:two ", "each name once, from the first directory that has it, sorted");
    is_int(list.n_broken, 1, "the broken manifest is handed over with its problem");
    ok(amass_models_list(search, stop_at_first, NULL, &status) == AMASS_ERR_IO && strcmp(status.message, "write error") == 0,
       "a visitor's failure stops the listing");
}

int main(void)
{
    amass_model_search search;
    amass_status status;
    char path[1024];
    if (!mkdtemp(root)) {
        printf("Bail out! cannot make a scratch directory\n");
        return 1;
    }
    atexit(remove_tree);
    make_tree();
    test_search_order();
    test_names();
    snprintf(path, sizeof path, "%s/one:%s/two", root, root);
    amass_status_clear(&status);
    if (amass_models_search_init(&search, path, at("three"), &status) != AMASS_OK) {
        printf("Bail out! %s\n", status.message);
        return 1;
    }
    test_find(&search);
    test_list(&search);
    test_default(&search);
    amass_models_search_free(&search);
    return done_testing();
}
