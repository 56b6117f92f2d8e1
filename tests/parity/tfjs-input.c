/* Writes the TF.js parity input (tfjs-input.h) of a photo as raw float32,
 * for tests/parity/tfjs/make-fixtures to hand to TensorFlow.js. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjs-input.h"

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[4], "nchw") != 0 && strcmp(argv[4], "nhwc") != 0)) {
        fprintf(stderr, "usage: tfjs-input PHOTO WIDTH HEIGHT nchw|nhwc OUT.f32\n");
        return 2;
    }
    int width = atoi(argv[2]), height = atoi(argv[3]);
    amass_status status;
    amass_status_clear(&status);
    float *tensor = tfjs_parity_input(argv[1], width, height, argv[4][1] == 'c', &status);
    if (!tensor) {
        fprintf(stderr, "tfjs-input: %s\n", status.message);
        return 1;
    }
    FILE *out = fopen(argv[5], "wb");
    size_t count = (size_t)3 * (size_t)width * (size_t)height;
    int failed = !out || fwrite(tensor, sizeof *tensor, count, out) != count;
    if (out && fclose(out) != 0)
        failed = 1;
    free(tensor);
    if (failed) {
        fprintf(stderr, "tfjs-input: cannot write %s\n", argv[5]);
        return 1;
    }
    return 0;
}
