/* --annotate's output files: names made from the input names, kept
 * distinct within a run, and the JPEG written through the media layer. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../media/media.h"
#include "classify_internal.h"

struct annotate_writer {
    char *directory;
    amass_name_set *used;   /* file names (without the directory) written this run */
    amass_buf path;
};

annotate_writer *annotate_writer_open(const char *directory, amass_status *status)
{
    annotate_writer *writer;
    struct stat info;
    if (stat(directory, &info) != 0) {
        amass_fail(status, AMASS_ERR_USAGE, "--annotate: %s: %s", directory, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(info.st_mode) || access(directory, W_OK | X_OK) != 0) {
        amass_fail(status, AMASS_ERR_USAGE, "--annotate: %s: %s", directory,
                   S_ISDIR(info.st_mode) ? "the directory is not writable" : "not a directory");
        return NULL;
    }
    if (!(writer = calloc(1, sizeof *writer)) || !(writer->directory = amass_strndup(directory, strlen(directory))) ||
        !(writer->used = amass_io_name_set_new())) {
        annotate_writer_close(writer);
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    amass_buf_init(&writer->path);
    return writer;
}

void annotate_writer_close(annotate_writer *writer)
{
    if (!writer)
        return;
    amass_io_name_set_free(writer->used);
    amass_buf_free(&writer->path);
    free(writer->directory);
    free(writer);
}

/* "photos/dog.jpg" -> "dog"; a name that is all extension (".hidden")
 * keeps it. */
static void stem_of(const char *input, const char **stem, size_t *length)
{
    const char *slash = strrchr(input, '/'), *start = slash ? slash + 1 : input, *dot = strrchr(start, '.');
    *stem = start;
    *length = dot && dot > start ? (size_t)(dot - start) : strlen(start);
    if (*length == 0) {
        *stem = "stdin";
        *length = 5;
    }
}

amass_code annotate_writer_name(annotate_writer *writer, const char *input, double t, const char **path,
                                amass_status *status)
{
    char name[4096], suffix[64];
    const char *stem;
    size_t length;
    int copy, n;
    stem_of(input, &stem, &length);
    if (length > 1000)
        length = 1000; /* a file name stays under NAME_MAX (255 bytes on most systems) only when the input's does */
    if (t >= 0)
        snprintf(suffix, sizeof suffix, "-t%.3f", t);
    else
        suffix[0] = '\0';
    for (copy = 1;; copy++) {
        if (copy == 1)
            n = snprintf(name, sizeof name, "%.*s%s.jpg", (int)length, stem, suffix);
        else
            n = snprintf(name, sizeof name, "%.*s%s-%d.jpg", (int)length, stem, suffix, copy);
        if (n < 0 || (size_t)n >= sizeof name)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: --annotate: the name is too long", input);
        if (!amass_io_name_set_contains(writer->used, name, (size_t)n))
            break;
    }
    if (amass_io_name_set_add(writer->used, name, (size_t)n) < 0)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    amass_buf_reset(&writer->path);
    amass_buf_append_str(&writer->path, writer->directory);
    if (writer->directory[0] && writer->directory[strlen(writer->directory) - 1] != '/')
        amass_buf_append_char(&writer->path, '/');
    amass_buf_append(&writer->path, name, (size_t)n);
    amass_buf_append_char(&writer->path, '\0');
    if (writer->path.failed)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    *path = writer->path.data;
    return AMASS_OK;
}

amass_code annotate_writer_write(annotate_writer *writer, const char *input, double t, amass_image *image,
                                 const amass_vision_detection *detections, size_t n_boxes,
                                 const char *const *captions, size_t n_captions, amass_status *status)
{
    const char *path;
    if (annotate_writer_name(writer, input, t, &path, status) != AMASS_OK ||
        amass_vision_annotate(image, detections, n_boxes, captions, n_captions, status) != AMASS_OK)
        return status->code;
    if (amass_media_image_save_jpeg(path, image, status) != AMASS_OK) {
        /* the input's failure, not the run's: a full disk shows on every
         * input, a bad name on one */
        status->code = AMASS_ERR_INPUT;
        return status->code;
    }
    return AMASS_OK;
}
