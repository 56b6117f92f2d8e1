/* What the classify pipeline's files share and nobody else needs. */
#ifndef AMASS_CLASSIFY_INTERNAL_H
#define AMASS_CLASSIFY_INTERNAL_H

#include "models.h"

/* --annotate: pictures with their labels drawn on, written to a directory
 * as JPEG under names taken from the inputs (classify-annotate.c). */
typedef struct annotate_writer annotate_writer;

/* Fails (AMASS_ERR_USAGE) when directory is not a writable directory, so
 * a typo stops the run before any input is read. */
annotate_writer *annotate_writer_open(const char *directory, amass_status *status);
void annotate_writer_close(annotate_writer *writer);
/* The file name for input (a still image when t < 0, else the frame at t
 * seconds): DIR/STEM.jpg or DIR/STEM-tT.jpg, STEM the input's last
 * component without its extension; a name this run already wrote gets
 * -2, -3... before ".jpg". Into *path (the writer's buffer, valid until
 * the next call). */
amass_code annotate_writer_name(annotate_writer *writer, const char *input, double t, const char **path,
                                amass_status *status);
/* Draws the boxes (n_boxes of detections) and captions on image and
 * writes it under annotate_writer_name's name; a failure names the file
 * and is the input's alone. */
amass_code annotate_writer_write(annotate_writer *writer, const char *input, double t, amass_image *image,
                                 const amass_vision_detection *detections, size_t n_boxes,
                                 const char *const *captions, size_t n_captions, amass_status *status);

/* A video frame's time for the "t" field: seconds to the microsecond,
 * without trailing zeros ("1.5", "0"), whatever --precision asks of the
 * scores (a frame time must not round to the wrong second). Returns the
 * length written to text. */
size_t classify_format_time(double t, char *text, size_t size);

#endif
