/* libamass formats layer: safetensors files (Hugging Face's weight format:
 * an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and data_offsets, then the packed tensor bytes).
 * The reader checks every offset, refuses overlaps, gaps and oversized
 * headers, and converts the float and integer types to float32. */
#ifndef AMASS_FORMATS_SAFETENSORS_H
#define AMASS_FORMATS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* A header larger than this is refused before it is read (real models'
 * headers are tens of kilobytes; the format itself caps them at 100 MB). */
#define AMASS_SAFETENSORS_MAX_HEADER ((size_t)100 << 20)
#define AMASS_SAFETENSORS_MAX_RANK 8

typedef enum {
    AMASS_SAFETENSORS_F32,
    AMASS_SAFETENSORS_F16,
    AMASS_SAFETENSORS_BF16,
    AMASS_SAFETENSORS_F64,
    AMASS_SAFETENSORS_I64,
    AMASS_SAFETENSORS_I32,
    AMASS_SAFETENSORS_I16,
    AMASS_SAFETENSORS_I8,
    AMASS_SAFETENSORS_U8,
    AMASS_SAFETENSORS_BOOL
} amass_safetensors_dtype;

typedef struct {
    const char *name;
    amass_safetensors_dtype dtype;
    int rank;
    int64_t shape[AMASS_SAFETENSORS_MAX_RANK];
    size_t count;       /* elements */
    const void *data;   /* count elements of dtype, little-endian, unaligned */
    size_t bytes;
} amass_safetensors_tensor;

typedef struct amass_safetensors amass_safetensors;

/* Reads and checks the whole file. On failure *file is NULL and the
 * message begins with path ("m/model.safetensors: tensor 'x': ..."). */
int amass_safetensors_open(const char *path, amass_safetensors **file, amass_status *status);
void amass_safetensors_close(amass_safetensors *file);

const char *amass_safetensors_path(const amass_safetensors *file);
size_t amass_safetensors_count(const amass_safetensors *file);
/* In the file's data order. */
const amass_safetensors_tensor *amass_safetensors_at(const amass_safetensors *file, size_t index);
const amass_safetensors_tensor *amass_safetensors_find(const amass_safetensors *file, const char *name);
/* A string of "__metadata__", or NULL. */
const char *amass_safetensors_metadata(const amass_safetensors *file, const char *key);
const char *amass_safetensors_dtype_name(amass_safetensors_dtype dtype);

/* The tensor as float32, in a new array the caller frees (F32, F16, BF16,
 * F64, and the integer types exactly up to 2^24). */
int amass_safetensors_to_float(const amass_safetensors *file, const amass_safetensors_tensor *tensor, float **values,
                               amass_status *status);

#endif
