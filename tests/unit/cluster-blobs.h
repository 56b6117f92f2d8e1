/* Synthetic Gaussian blobs shared by the cluster unit tests: centres far
 * apart on a grid, rows interleaved so no partition follows row order. */
#ifndef AMASS_TEST_CLUSTER_BLOBS_H
#define AMASS_TEST_CLUSTER_BLOBS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cluster/cluster.h"

static double blob_normal(amass_rng *rng)
{
    double u = amass_rng_uniform(rng), v = amass_rng_uniform(rng);
    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* n rows in `blobs` clusters of spread sigma around centres 10 apart;
 * truth[i] is the blob of row i. Caller frees both. */
static float *make_blobs(size_t n, size_t dim, int blobs, double sigma, uint64_t seed, int32_t **truth)
{
    amass_rng rng;
    float *data = malloc(n * dim * sizeof *data);
    float *centres = malloc((size_t)blobs * dim * sizeof *centres);
    *truth = malloc(n * sizeof **truth);
    amass_rng_seed(&rng, seed);
    for (int b = 0; b < blobs; b++)
        for (size_t j = 0; j < dim; j++)
            centres[(size_t)b * dim + j] = (float)(20.0 * amass_rng_uniform(&rng) - 10.0 + (j == (size_t)b % dim ? 25.0 * b : 0));
    for (size_t i = 0; i < n; i++) {
        int b = (int)amass_rng_below(&rng, (uint64_t)blobs);
        (*truth)[i] = b;
        for (size_t j = 0; j < dim; j++)
            data[i * dim + j] = (float)(centres[(size_t)b * dim + j] + sigma * blob_normal(&rng));
    }
    free(centres);
    return data;
}

#endif
