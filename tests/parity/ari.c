/* ari: adjusted Rand index between two label files (one integer per line),
 * through libamass, so the parity test reports how well amass-cluster
 * recovers the true classes in the same terms scikit-learn's
 * adjusted_rand_score does.
 *
 *   ari TRUE.labels FOUND.labels    prints the index, e.g. 0.6652
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"

/* Reads every line of path as one integer label; returns the count or
 * (size_t)-1 after printing why. */
static size_t read_labels(const char *path, int32_t **labels)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "ari: %s: %s\n", path, strerror(errno));
        return (size_t)-1;
    }
    size_t n = 0, capacity = 0;
    int32_t *values = NULL;
    char line[64];
    size_t line_number = 0;
    while (fgets(line, sizeof line, file)) {
        line_number++;
        char *end;
        errno = 0;
        long value = strtol(line, &end, 10);
        if (end == line || errno || value < INT32_MIN || value > INT32_MAX || (*end && *end != '\n')) {
            fprintf(stderr, "ari: %s:%zu: not an integer label\n", path, line_number);
            free(values);
            fclose(file);
            return (size_t)-1;
        }
        if (n == capacity) {
            capacity = capacity ? 2 * capacity : 1024;
            int32_t *grown = realloc(values, capacity * sizeof *grown);
            if (!grown) {
                fprintf(stderr, "ari: %s: out of memory\n", path);
                free(values);
                fclose(file);
                return (size_t)-1;
            }
            values = grown;
        }
        values[n++] = (int32_t)value;
    }
    fclose(file);
    *labels = values;
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ari TRUE.labels FOUND.labels\n");
        return 2;
    }
    int32_t *truth = NULL, *found = NULL;
    size_t n_truth = read_labels(argv[1], &truth);
    size_t n_found = n_truth == (size_t)-1 ? (size_t)-1 : read_labels(argv[2], &found);
    int status = 2;
    if (n_truth == (size_t)-1 || n_found == (size_t)-1) {
        /* already reported */
    } else if (n_truth != n_found || n_truth == 0) {
        fprintf(stderr, "ari: %s has %zu labels, %s has %zu\n", argv[1], n_truth, argv[2], n_found);
    } else {
        printf("%.6f\n", amass_cluster_adjusted_rand(truth, found, n_truth));
        status = 0;
    }
    free(truth);
    free(found);
    return status;
}
