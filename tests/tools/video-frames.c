/* video-frames: the frames the media layer's video reader samples, one line
 * each ("T WIDTHxHEIGHT GRAY"), for tests/cli/video.sh:
 *   video-frames [--fps R | --every N] FILE
 *   video-frames --image FILE [X Y]   (the still image's WIDTHxHEIGHT [and R G B at X, Y])
 * GRAY is the mean of the frame's bottom half (make-video paints the
 * frame number there as a gray level). Errors on stderr, exit 1. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"

int main(int argc, char **argv)
{
    amass_video_options options;
    amass_video_reader *reader;
    const amass_image *image;
    amass_status status;
    double t;
    int argi = 1, result;
    memset(&options, 0, sizeof options);
    amass_status_clear(&status);
    if ((argc == 3 || argc == 5) && strcmp(argv[1], "--image") == 0) {
        amass_image still;
        if (amass_media_image_load(argv[2], &still, &status) != AMASS_OK) {
            fprintf(stderr, "video-frames: %s\n", status.message);
            return 1;
        }
        printf("%dx%d", still.width, still.height);
        if (argc == 5) {
            int x = atoi(argv[3]), y = atoi(argv[4]);
            if (x >= 0 && y >= 0 && x < still.width && y < still.height) {
                const uint8_t *p = still.pixels + ((size_t)y * still.width + x) * 3;
                printf(" %d %d %d", p[0], p[1], p[2]);
            }
        }
        printf("\n");
        amass_media_image_free(&still);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--fps") == 0) {
        options.fps = atof(argv[2]);
        argi = 3;
    } else if (argc > 2 && strcmp(argv[1], "--every") == 0) {
        options.every = atoi(argv[2]);
        argi = 3;
    }
    if (argi != argc - 1) {
        fprintf(stderr, "usage: video-frames [--fps R | --every N] FILE | --image FILE [X Y]\n");
        return 2;
    }
    amass_status_clear(&status);
    if (amass_media_video_open(argv[argi], &options, &reader, &status) != AMASS_OK) {
        fprintf(stderr, "video-frames: %s\n", status.message);
        return 1;
    }
    while ((result = amass_media_video_next(reader, &image, &t, &status)) == 1) {
        double sum = 0;
        size_t i, start = (size_t)image->width * 3 * (size_t)(image->height / 2),
                  end = (size_t)image->width * 3 * (size_t)image->height;
        for (i = start; i < end; i++)
            sum += image->pixels[i];
        printf("%.3f %dx%d %.0f\n", t, image->width, image->height, sum / (double)(end - start));
    }
    fprintf(stderr, "video-frames: %lld frames decoded\n", (long long)amass_media_video_frames_decoded(reader));
    if (result < 0)
        fprintf(stderr, "video-frames: %s\n", status.message);
    amass_media_video_close(reader);
    return result < 0;
}
