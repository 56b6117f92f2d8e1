/* Fuzz target for the files that steer a run: --init centroids and
 * --merge-stats stats. Any bytes give a result or an error naming the
 * file, never a crash, a leak or a non-finite centroid. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = amass_fuzz_write_file(data, size);
    amass_status status;
    amass_cluster_stats stats;
    float *centroids = NULL;
    size_t dim = 0, i;
    int k = 0;

    amass_status_clear(&status);
    if (amass_cluster_centroids_read(path, &centroids, &k, &dim, &status) == AMASS_OK) {
        if (k < 1 || dim < 1)
            abort();
        for (i = 0; i < (size_t)k * dim; i++)
            if (!isfinite(centroids[i]))
                abort();
    } else if (!strstr(status.message, path) && status.code != AMASS_ERR_NOMEM) {
        abort(); /* a failure must name the file */
    }
    free(centroids);

    memset(&stats, 0, sizeof stats);
    amass_status_clear(&status);
    /* read twice: the second pass merges into the first */
    if (amass_cluster_stats_read(path, &stats, &status) == AMASS_OK &&
        amass_cluster_stats_read(path, &stats, &status) != AMASS_OK)
        abort();
    if (status.code != AMASS_OK && !strstr(status.message, path) && status.code != AMASS_ERR_NOMEM)
        abort();
    amass_cluster_stats_free(&stats);
    return 0;
}
