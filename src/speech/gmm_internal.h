/* The GMM scorer's parameters, laid out for scoring: shared by the loader
 * (gmm.c) and the scoring loop (gmm_score.c). Not public. */
#ifndef AMASS_SPEECH_GMM_INTERNAL_H
#define AMASS_SPEECH_GMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "acoustic_internal.h"

#define SPEECH_GMM_MAX_STREAMS 8

/* Frames per density matmul. Every matmul has exactly this many rows (the
 * last block is padded) so that a frame's densities come out of the same
 * kernel whatever block size the caller asks for. */
#define SPEECH_GMM_CHUNK 16

/* Senones summed side by side in the mixture loop: a constant count the
 * compiler turns into vector instructions. */
#define SPEECH_GMM_LANES 16

typedef struct {
    int32_t n_senones;
    int n_streams;
    int n_codebooks;
    int n_densities;
    int top_n;         /* densities kept per codebook and stream (all for continuous models) */
    int feature_dim;
    /* Stream s takes features feature_index[stream_start[s] .. stream_start[s + 1]). */
    int stream_start[SPEECH_GMM_MAX_STREAMS + 1];
    int *feature_index;
    /* Per stream, subtracted from the features (and the means) before the
     * matmul: the mean of the stream's means, which keeps the terms of the
     * expanded square small enough for float. */
    float *center[SPEECH_GMM_MAX_STREAMS];
    /* Per stream, n_codebooks * n_densities rows of 2 * length + 1 floats:
     * [mu / var, -1 / (2 var), constant], so [x, x^2, 1] . row is the log
     * density of x. */
    float *density_matrix[SPEECH_GMM_MAX_STREAMS];
    /* Senones grouped by codebook: codebook c scores senones
     * order[group_start[c] .. group_start[c + 1]). */
    int32_t *group_start;
    int32_t *order;
    /* Groups padded to a multiple of SPEECH_GMM_LANES senones (PTM and
     * semi-continuous models; 1 for continuous ones, whose groups are
     * single senones): group c occupies padded positions
     * [padded_start[c], padded_start[c + 1]). */
    int32_t *padded_start;
    int lanes;
    /* Linear mixture weights, group by group: for the group at padded
     * position p0 and padded size g, weight (stream s, density d, member j)
     * is at weights[p0 * n_streams * n_densities + (s * n_densities + d) * g + j]
     * (zero for padding), so one kept density adds a contiguous row into
     * the group. */
    float *weights;
} speech_gmm;

amass_code speech_gmm_score(void *state, const float *features, size_t n_frames, size_t first, size_t count,
                            float *scores, amass_status *status);
amass_code speech_gmm_open(const amass_speech_acoustic_model *model, void **state, amass_status *status);
void speech_gmm_close(void *state);
/* Log densities of one stream for frames [first, first + count), count <=
 * SPEECH_GMM_CHUNK: *densities points at count rows of n_codebooks x
 * n_densities in the scorer's scratch (valid until its next call). The
 * first stage of scoring, open to the unit test. */
amass_code speech_gmm_stream_densities(void *state, const float *features, size_t first, size_t count, int stream,
                                       const float **densities, amass_status *status);

#endif
