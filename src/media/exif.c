/* The EXIF orientation of TIFF files and of PNG eXIf chunks, which FFmpeg
 * 5.1 does not pass on (its mjpeg and webp decoders do, as frame
 * metadata). Both hold a TIFF structure: a byte-order mark, then IFD0 with
 * tag 0x0112 (Orientation, SHORT). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media_internal.h"

#define ORIENTATION_TAG 0x0112
#define TYPE_SHORT 3
/* An IFD with more entries than this is not one a camera wrote. */
#define MAX_ENTRIES 1024
/* PNG chunks walked before giving up on finding eXIf ahead of the pixels */
#define MAX_CHUNKS 256
#define MAX_EXIF_CHUNK 65536

/* Reads n bytes at offset; 0 on success. */
typedef int (*read_at_fn)(void *source, uint64_t offset, void *buffer, size_t n);

typedef struct {
    const uint8_t *data;
    size_t size;
} memory_source;

static int read_memory(void *source, uint64_t offset, void *buffer, size_t n)
{
    const memory_source *memory = source;
    if (offset > memory->size || n > memory->size - offset)
        return -1;
    memcpy(buffer, memory->data + offset, n);
    return 0;
}

static int read_file(void *source, uint64_t offset, void *buffer, size_t n)
{
    int fd = *(const int *)source;
    return pread(fd, buffer, n, (off_t)offset) == (ssize_t)n ? 0 : -1;
}

static unsigned read_16(const uint8_t *p, int big_endian)
{
    return big_endian ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t read_32(const uint8_t *p, int big_endian)
{
    return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                      : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Orientation 1..8 from the TIFF structure at offset 0 of source, 1 when
 * absent or malformed. */
static int tiff_orientation(read_at_fn read_at, void *source)
{
    uint8_t header[8], count_bytes[2], entry[12];
    unsigned count, i;
    uint32_t ifd;
    int big_endian;
    if (read_at(source, 0, header, 8) != 0)
        return 1;
    if (memcmp(header, "MM\0*", 4) == 0)
        big_endian = 1;
    else if (memcmp(header, "II*\0", 4) == 0)
        big_endian = 0;
    else
        return 1;
    ifd = read_32(header + 4, big_endian);
    if (read_at(source, ifd, count_bytes, 2) != 0)
        return 1;
    count = read_16(count_bytes, big_endian);
    if (count > MAX_ENTRIES)
        return 1;
    for (i = 0; i < count; i++) {
        unsigned value;
        if (read_at(source, (uint64_t)ifd + 2 + (uint64_t)i * 12, entry, 12) != 0)
            return 1;
        if (read_16(entry, big_endian) != ORIENTATION_TAG)
            continue;
        if (read_16(entry + 2, big_endian) != TYPE_SHORT || read_32(entry + 4, big_endian) != 1)
            return 1;
        value = read_16(entry + 8, big_endian);
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 1;
}

int amass_media_tiff_file_orientation(int fd)
{
    return tiff_orientation(read_file, &fd);
}

int amass_media_png_file_orientation(int fd)
{
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t head[8];
    uint64_t offset = 8;
    int i;
    if (read_file(&fd, 0, head, 8) != 0 || memcmp(head, signature, 8) != 0)
        return 1;
    for (i = 0; i < MAX_CHUNKS; i++) {
        uint32_t length;
        if (read_file(&fd, offset, head, 8) != 0)
            return 1;
        length = read_32(head, 1);
        if (memcmp(head + 4, "eXIf", 4) == 0) {
            uint8_t *chunk = length <= MAX_EXIF_CHUNK ? malloc(length ? length : 1) : NULL;
            memory_source memory = {chunk, length};
            int orientation = 1;
            if (chunk && read_file(&fd, offset + 8, chunk, length) == 0)
                orientation = tiff_orientation(read_memory, &memory);
            free(chunk);
            return orientation;
        }
        /* Writers (PIL, exiftool) put eXIf ahead of the pixels; one after
         * them is not looked for, which would mean reading past every
         * IDAT chunk */
        if (memcmp(head + 4, "IDAT", 4) == 0 || memcmp(head + 4, "IEND", 4) == 0)
            return 1;
        offset += 12 + (uint64_t)length; /* length, type, body, CRC */
    }
    return 1;
}
