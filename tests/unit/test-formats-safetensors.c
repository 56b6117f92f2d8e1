/* Tests of the safetensors reader on files written here byte by byte: a
 * good file with every float type and metadata, then the damage a reader
 * must refuse with a message naming the file and the cause (truncation,
 * a header longer than the file or too large, offsets outside the data,
 * overlaps, gaps, trailing bytes, unknown dtypes, names that are not
 * UTF-8, shapes that disagree with the bytes, duplicates). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/safetensors.h"
#include "tap.h"

static char scratch[] = "/tmp/amass-safetensors-XXXXXX";
static char path[256];

/* Writes an 8-byte little-endian length (header_length, or the header's
 * own length when 0), the header and data_size data bytes. */
static const char *write_file(const char *header, uint64_t header_length, const unsigned char *data,
                              size_t data_size)
{
    static int serial;
    snprintf(path, sizeof path, "%s/t%d.safetensors", scratch, serial++);
    FILE *file = fopen(path, "wb");
    uint64_t length = header_length ? header_length : strlen(header);
    for (int i = 0; i < 8; i++)
        fputc((int)(length >> (8 * i)) & 0xff, file);
    fputs(header, file);
    if (data_size)
        fwrite(data, 1, data_size, file);
    fclose(file);
    return path;
}

static const char *open_message(const char *file_path)
{
    static amass_status status;
    amass_safetensors *file = NULL;
    memset(&status, 0, sizeof status);
    if (amass_safetensors_open(file_path, &file, &status) == AMASS_OK) {
        amass_safetensors_close(file);
        return "(opened)";
    }
    return file ? "(file set on failure)" : status.message;
}

/* The message for header over data_size zero bytes, after "path: ". */
static const char *refusal(const char *header, size_t data_size)
{
    static unsigned char zeros[64];
    const char *message = open_message(write_file(header, 0, zeros, data_size));
    size_t length = strlen(path);
    return strncmp(message, path, length) == 0 && message[length] == ':' ? message + length + 2 : message;
}

static void test_good(void)
{
    /* F32 [2,2]: 1, -2, 0.5, 3; F16 [3]: 1, -2, 2^-24; BF16 [2]: 1, -3; I64 [1]: -7 */
    unsigned char data[16 + 6 + 4 + 8];
    float floats[4] = {1, -2, 0.5f, 3};
    memcpy(data, floats, 16);
    const unsigned char rest[] = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x80, 0x3f, 0x40, 0xc0,
                                  0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(data + 16, rest, sizeof rest);
    const char *header = "{\"__metadata__\":{\"format\":\"pt\"},"
                         "\"half\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                         "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                         "\"brain\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]},"
                         "\"count\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[26,34]}}  ";
    amass_status status = {0};
    amass_safetensors *file = NULL;
    int opened = amass_safetensors_open(write_file(header, 0, data, sizeof data), &file, &status) == AMASS_OK;
    if (!ok(opened, "a good file opens")) {
        printf("# %s\n", status.message);
        return;
    }
    is_int(amass_safetensors_count(file), 4, "four tensors, the metadata aside");
    is_str(amass_safetensors_at(file, 0)->name, "w", "tensors in data order");
    is_str(amass_safetensors_metadata(file, "format"), "pt", "metadata read");
    const amass_safetensors_tensor *w = amass_safetensors_find(file, "w");
    ok(w && w->rank == 2 && w->shape[0] == 2 && w->shape[1] == 2 && w->count == 4, "shape of w");
    float *values = NULL;
    ok(w && amass_safetensors_to_float(file, w, &values, &status) == AMASS_OK && values[1] == -2 && values[3] == 3,
       "F32 read exactly");
    free(values);
    values = NULL;
    const amass_safetensors_tensor *half = amass_safetensors_find(file, "half");
    ok(half && amass_safetensors_to_float(file, half, &values, &status) == AMASS_OK && values[0] == 1 &&
           values[1] == -2 && values[2] == ldexpf(1, -24),
       "F16 to float32, subnormals included");
    free(values);
    values = NULL;
    const amass_safetensors_tensor *brain = amass_safetensors_find(file, "brain");
    ok(brain && amass_safetensors_to_float(file, brain, &values, &status) == AMASS_OK && values[0] == 1 &&
           values[1] == -3,
       "BF16 to float32");
    free(values);
    values = NULL;
    const amass_safetensors_tensor *count = amass_safetensors_find(file, "count");
    ok(count && amass_safetensors_to_float(file, count, &values, &status) == AMASS_OK && values[0] == -7,
       "I64 to float32");
    free(values);
    ok(amass_safetensors_find(file, "missing") == NULL, "an absent name is not found");
    amass_safetensors_close(file);
}

static void test_bad(void)
{
    char want[512];
    amass_status status = {0};
    amass_safetensors *file = NULL;
    ok(amass_safetensors_open("/nonexistent/model.safetensors", &file, &status) == AMASS_ERR_IO && !file &&
           strstr(status.message, "/nonexistent/model.safetensors: "),
       "a missing file fails naming it");

    snprintf(path, sizeof path, "%s/short.safetensors", scratch);
    FILE *stream = fopen(path, "wb");
    fputs("abcde", stream);
    fclose(stream);
    snprintf(want, sizeof want, "%s: not a safetensors file: 5 bytes, shorter than its header length", path);
    is_str(open_message(path), want, "a file shorter than 8 bytes");

    const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    unsigned char data[8] = {0};
    write_file(header, 1000, data, sizeof data);
    snprintf(want, sizeof want, "%s: header of 1000 bytes is longer than the file (%zu bytes)", path,
             8 + strlen(header) + 8);
    is_str(open_message(path), want, "a header longer than the file");

    write_file(header, (uint64_t)1 << 40, data, sizeof data);
    snprintf(want, sizeof want, "%s: header of 1099511627776 bytes refused (at most 104857600)", path);
    is_str(open_message(path), want, "a huge header refused before reading it");

    /* the same header cut short: the JSON ends early */
    ok(strstr(refusal("{\"w\":{\"dtype\":\"F32\",\"sha", 8), "header: ") != NULL, "a truncated header");

    is_str(refusal("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
           "tensor 'w': data_offsets [0, 16] outside the 8 data bytes", "offsets past the data");
    is_str(refusal("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,2]}}", 8),
           "tensor 'w': data_offsets [4, 2] outside the 8 data bytes", "offsets backwards");
    is_str(refusal("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8),
           "tensor 'w': data_offsets [-4, 0] outside the 8 data bytes", "a negative offset");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                   12),
           "tensor 'b' overlaps tensor 'a'", "overlapping tensors");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
                   20),
           "4 bytes before tensor 'b' belong to no tensor", "a gap between tensors");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12),
           "4 bytes at the end belong to no tensor", "trailing bytes");
    is_str(refusal("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
           "tensor 'a': unsupported dtype 'Q4'", "an unknown dtype");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
           "tensor 'a': shape needs 3 x 4 bytes, offsets give 8", "a shape that disagrees with the bytes");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
           "tensor 'a': dimension 0 is not a size", "a negative dimension");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                   "\"data_offsets\":[0,8]}}",
                   8),
           "tensor 'a': the shape overflows", "a shape whose size overflows");
    is_str(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8),
           "tensor 'a': needs a dtype, a shape and two data_offsets", "missing data_offsets");
    is_str(refusal("{\"a\":[1,2]}", 0), "tensor 'a': not a JSON object", "an entry that is not an object");
    is_str(refusal("[1,2]", 0), "header is not a JSON object", "a header that is not an object");
    is_str(refusal("{\"__metadata__\":{\"n\":3}}", 0), "__metadata__ 'n' is not a string",
           "metadata values must be strings");
    ok(strstr(refusal("{\"\xff\xfe\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "header: ") !=
           NULL,
       "a name that is not UTF-8");
    ok(strstr(refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                      8),
              "duplicate") != NULL,
       "a duplicated name");
}

int main(void)
{
    char command[128];
    if (!mkdtemp(scratch))
        return 2;
    test_good();
    test_bad();
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    if (system(command) != 0)
        return 2;
    return done_testing();
}
