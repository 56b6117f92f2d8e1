/* Pieces the io layer's files share, and hooks for its tests. Not part
 * of the public interface. */
#ifndef AMASS_IO_INTERNAL_H
#define AMASS_IO_INTERNAL_H

#include <zlib.h>

#include "io.h"

/* path or "-" (stdin, duplicated so closing leaves it open) as a zlib
 * stream that reads plain and gzip data alike; directories refused. */
gzFile amass_io_gz_open(const char *path, amass_status *status);
/* Count read, 0 at the end, -1 with "where: reason" (corrupt or cut-off
 * gzip, read error). */
long amass_io_gz_read(gzFile file, void *data, size_t n, const char *where, amass_status *status);

/* Lowers the line limit (AMASS_LINE_MAX) so tests need not build
 * 256 MiB lines. */
void amass_io_lines_set_limit(amass_line_reader *reader, size_t limit);

/* After an error: whether it was a gzip stream that stops mid-way, as the
 * output of an interrupted `-z` run does. */
int amass_io_lines_cut_short(const amass_line_reader *reader);

/* strtof's result, faster for ordinary decimal numbers (number.c). */
float amass_io_parse_float(const char *text, char **end);

#endif
