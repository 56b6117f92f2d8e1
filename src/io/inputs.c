/* Input enumeration: the command line's names, a --files-from list, and
 * directory trees walked in sorted order. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "io_internal.h"

/* One directory being walked: its entries, sorted, and where we are. */
typedef struct {
    char *path;
    char **entries;
    size_t n_entries;
    size_t next;
} directory_frame;

struct amass_input_list {
    char *const *args;
    int n_args;
    int next_arg;
    int recursive;
    char *files_from;
    int list_loaded;
    char *list;             /* the whole --files-from list */
    size_t list_length;
    size_t list_next;
    char separator;         /* '\0' or '\n' */
    directory_frame *stack; /* the directories being walked, innermost last */
    size_t depth, stack_capacity;
    char *current;          /* the name last returned */
};

static void frame_free(directory_frame *frame)
{
    size_t i;
    for (i = 0; i < frame->n_entries; i++)
        free(frame->entries[i]);
    free(frame->entries);
    free(frame->path);
}

amass_input_list *amass_io_inputs_open(char *const *args, int n_args, const char *files_from, int recursive,
                                       amass_status *status)
{
    static char *const stdin_only[] = {"-"};
    amass_input_list *list = calloc(1, sizeof *list);
    if (!list) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    list->args = n_args > 0 ? args : files_from ? NULL : stdin_only;
    list->n_args = n_args > 0 ? n_args : files_from ? 0 : 1;
    list->recursive = recursive;
    if (files_from && !(list->files_from = strdup(files_from))) {
        free(list);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return list;
}

void amass_io_inputs_close(amass_input_list *list)
{
    if (!list)
        return;
    while (list->depth > 0)
        frame_free(&list->stack[--list->depth]);
    free(list->stack);
    free(list->files_from);
    free(list->list);
    free(list->current);
    free(list);
}

/* The list is read whole because its separator is only known once it has
 * been seen entirely: one NUL anywhere makes it NUL-separated, as the
 * output of find -print0 is. */
static int load_list(amass_input_list *list, amass_status *status)
{
    amass_buf data;
    gzFile file = amass_io_gz_open(list->files_from, status);
    char chunk[1 << 16];
    long got;
    if (!file) {
        amass_status_prefix(status, "--files-from");
        return -2;
    }
    amass_buf_init(&data);
    while ((got = amass_io_gz_read(file, chunk, sizeof chunk, list->files_from, status)) > 0) {
        amass_buf_append(&data, chunk, (size_t)got);
        if (data.failed)
            break;
    }
    gzclose(file);
    if (got < 0 || data.failed) {
        if (data.failed)
            amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", list->files_from);
        amass_status_prefix(status, "--files-from");
        amass_buf_free(&data);
        return -2;
    }
    list->list = data.data;
    list->list_length = data.length;
    list->separator = data.length && memchr(data.data, '\0', data.length) ? '\0' : '\n';
    return 0;
}

/* The next non-empty entry of the list, NUL-terminated in place. */
static char *next_list_entry(amass_input_list *list)
{
    while (list->list_next < list->list_length) {
        char *start = list->list + list->list_next;
        size_t left = list->list_length - list->list_next;
        char *end = memchr(start, list->separator, left);
        size_t length = end ? (size_t)(end - start) : left;
        list->list_next += length + (end ? 1 : 0);
        if (list->separator == '\n' && length > 0 && start[length - 1] == '\r')
            length--;
        if (length == 0)
            continue;
        /* the separator (or the spare byte amass_buf keeps) becomes the NUL */
        start[length] = '\0';
        return start;
    }
    return NULL;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_path(const char *directory, const char *name)
{
    size_t dir_length = strlen(directory), name_length = strlen(name);
    int slash = dir_length > 0 && directory[dir_length - 1] != '/';
    char *path = malloc(dir_length + slash + name_length + 1);
    if (!path)
        return NULL;
    memcpy(path, directory, dir_length);
    if (slash)
        path[dir_length] = '/';
    memcpy(path + dir_length + slash, name, name_length + 1);
    return path;
}

/* Reads and sorts a directory's entries and pushes it on the walk. */
static int push_directory(amass_input_list *list, const char *path, amass_status *status)
{
    directory_frame frame;
    struct dirent *entry;
    size_t capacity = 0;
    DIR *directory;
    memset(&frame, 0, sizeof frame);
    if (list->depth == list->stack_capacity) {
        size_t capacity_new = list->stack_capacity ? list->stack_capacity * 2 : 8;
        directory_frame *grown = amass_realloc_array(list->stack, capacity_new, sizeof *grown);
        if (!grown)
            return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
        list->stack = grown;
        list->stack_capacity = capacity_new;
    }
    if (!(directory = opendir(path)))
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s", path, strerror(errno));
    if (!(frame.path = strdup(path)))
        goto out_of_memory;
    while ((errno = 0, entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (frame.n_entries == capacity) {
            size_t capacity_new = capacity ? capacity * 2 : 16;
            char **grown = amass_realloc_array(frame.entries, capacity_new, sizeof *grown);
            if (!grown)
                goto out_of_memory;
            frame.entries = grown;
            capacity = capacity_new;
        }
        if (!(frame.entries[frame.n_entries] = strdup(entry->d_name)))
            goto out_of_memory;
        frame.n_entries++;
    }
    if (errno) {
        int error = errno;
        closedir(directory);
        frame_free(&frame);
        return amass_fail(status, AMASS_ERR_INPUT, "%s: %s", path, strerror(error));
    }
    closedir(directory);
    if (frame.n_entries)
        qsort(frame.entries, frame.n_entries, sizeof *frame.entries, compare_names);
    list->stack[list->depth++] = frame;
    return AMASS_OK;

out_of_memory:
    closedir(directory);
    frame_free(&frame);
    return amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory", path);
}

/* 1 with list->current set, 0 when the walk is over, -1 for a bad entry. */
static int next_from_walk(amass_input_list *list, amass_status *status)
{
    while (list->depth > 0) {
        directory_frame *frame = &list->stack[list->depth - 1];
        struct stat info;
        char *path;
        if (frame->next == frame->n_entries) {
            frame_free(frame);
            list->depth--;
            continue;
        }
        path = join_path(frame->path, frame->entries[frame->next++]);
        if (!path)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory"), -1;
        if (lstat(path, &info) != 0) {
            /* removed while we walked: nothing to read, nothing to report */
            free(path);
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            int pushed = push_directory(list, path, status);
            free(path);
            if (pushed != AMASS_OK)
                return -1;
            continue;
        }
        /* a symlink counts when it leads to a regular file; symlinked
         * directories are not followed, so a loop cannot trap the walk */
        if (S_ISLNK(info.st_mode) && stat(path, &info) != 0) {
            free(path);
            continue;
        }
        if (!S_ISREG(info.st_mode)) {
            free(path);
            continue;
        }
        free(list->current);
        list->current = path;
        return 1;
    }
    return 0;
}

/* An entry from the arguments or the list: a directory is walked or
 * refused; anything else is passed on, even a name that does not exist,
 * which the tool reports when it opens it. */
static int take_entry(amass_input_list *list, const char *name, amass_status *status)
{
    struct stat info;
    int got;
    if (strcmp(name, "-") != 0 && stat(name, &info) == 0 && S_ISDIR(info.st_mode)) {
        if (!list->recursive)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: is a directory (use -r to read the files in it)", name),
                   -1;
        if (push_directory(list, name, status) != AMASS_OK)
            return -1;
        got = next_from_walk(list, status);
        return got == 0 ? 2 : got;
    }
    free(list->current);
    if (!(list->current = strdup(name)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory"), -2;
    return 1;
}

int amass_io_inputs_next(amass_input_list *list, const char **name, amass_status *status)
{
    for (;;) {
        const char *entry;
        int got;
        if (list->depth > 0) {
            got = next_from_walk(list, status);
            if (got != 0) {
                *name = list->current;
                return got;
            }
        }
        if (list->next_arg < list->n_args) {
            entry = list->args[list->next_arg++];
        } else if (list->files_from) {
            if (!list->list_loaded) {
                list->list_loaded = 1;
                if (load_list(list, status) != 0)
                    return -2;
            }
            entry = next_list_entry(list);
            if (!entry)
                return 0;
        } else {
            return 0;
        }
        got = take_entry(list, entry, status);
        if (got == 2) /* an empty directory */
            continue;
        *name = list->current;
        return got;
    }
}
