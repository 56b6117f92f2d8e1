/* GMM senone scoring: every Gaussian of a stream for a block of frames as
 * one matmul, the top densities per codebook, then each senone's mixture
 * over them, summed over streams, as pocketsphinx's PTM / semi-continuous
 * scorers define it (continuous models keep every density). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../nn/nn.h"
#include "gmm_internal.h"

typedef struct {
    const speech_gmm *gmm;
    int32_t n_rows;       /* densities per stream: n_codebooks * n_densities */
    int max_width;        /* widest stream's 2 * length + 1 */
    int32_t max_group;    /* padded size of the largest codebook group */
    float *input;         /* SPEECH_GMM_CHUNK x max_width */
    float *densities;     /* SPEECH_GMM_CHUNK x n_rows: one stream at a time */
    /* Per frame of the chunk, codebook and stream: the kept densities'
     * indices, their exp(density - best), and the best density. */
    int32_t *top_index;
    float *top_linear;
    float *top_best;
    float *product;       /* max_group: product of up to three streams' mixtures */
    float *log_sum;       /* max_group */
    float *row;           /* n_senones: one frame's scores, in group order */
} gmm_state;

amass_code speech_gmm_open(const amass_speech_acoustic_model *model, void **state, amass_status *status)
{
    const speech_gmm *gmm = model->parameters;
    gmm_state *g = calloc(1, sizeof *g);
    size_t n_kept;
    *state = NULL;
    if (!g)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    g->gmm = gmm;
    g->n_rows = (int32_t)gmm->n_codebooks * gmm->n_densities;
    for (int s = 0; s < gmm->n_streams; s++) {
        int width = 2 * (gmm->stream_start[s + 1] - gmm->stream_start[s]) + 1;
        if (width > g->max_width)
            g->max_width = width;
    }
    for (int c = 0; c < gmm->n_codebooks; c++)
        if (gmm->padded_start[c + 1] - gmm->padded_start[c] > g->max_group)
            g->max_group = gmm->padded_start[c + 1] - gmm->padded_start[c];
    n_kept = (size_t)SPEECH_GMM_CHUNK * (size_t)gmm->n_codebooks * (size_t)gmm->n_streams;
    g->input = amass_calloc_array((size_t)SPEECH_GMM_CHUNK * (size_t)g->max_width, sizeof *g->input);
    g->densities = amass_alloc_array((size_t)SPEECH_GMM_CHUNK * (size_t)g->n_rows, sizeof *g->densities);
    g->top_index = amass_alloc_array(n_kept * (size_t)gmm->top_n, sizeof *g->top_index);
    g->top_linear = amass_alloc_array(n_kept * (size_t)gmm->top_n, sizeof *g->top_linear);
    g->top_best = amass_alloc_array(n_kept, sizeof *g->top_best);
    g->product = amass_alloc_array((size_t)g->max_group + 1, sizeof *g->product);
    g->log_sum = amass_alloc_array((size_t)g->max_group + 1, sizeof *g->log_sum);
    g->row = amass_alloc_array((size_t)gmm->n_senones + 1, sizeof *g->row);
    if (!g->input || !g->densities || !g->top_index || !g->top_linear || !g->top_best ||
        !g->product || !g->log_sum || !g->row) {
        speech_gmm_close(g);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    *state = g;
    return AMASS_OK;
}

void speech_gmm_close(void *state)
{
    gmm_state *g = state;
    if (!g)
        return;
    free(g->input);
    free(g->densities);
    free(g->top_index);
    free(g->top_linear);
    free(g->top_best);
    free(g->product);
    free(g->log_sum);
    free(g->row);
    free(g);
}

/* A total order on densities, ties going to the lower index, so the kept
 * set is the same whatever order they are looked at in. */
static int ranks_above(float value, int32_t index, float other_value, int32_t other_index)
{
    return value > other_value || (value == other_value && index < other_index);
}

/* Inserts density d into the sorted list of the top_n best. */
static void insert_top(float value, int32_t d, int top_n, int32_t *index, float *kept)
{
    int k;
    for (k = 0; k < top_n; k++)
        if (index[k] == d)
            return;
    for (k = top_n - 1; k > 0 && ranks_above(value, d, kept[k - 1], index[k - 1]); k--) {
        kept[k] = kept[k - 1];
        index[k] = index[k - 1];
    }
    kept[k] = value;
    index[k] = d;
}

/* The top_n largest of n densities (all of them when top_n >= n), as
 * indices and exp(density - best). seed (NULL or top_n indices: the
 * previous frame's choice, as pocketsphinx does) only makes it faster:
 * with a high bar from the start, whole runs of SPEECH_GMM_LANES
 * densities are passed over with one vector comparison. */
static void keep_top(const float *density, int n, int top_n, const int32_t *seed, int32_t *index, float *linear,
                     float *best_out)
{
    float best, worst;
    int32_t worst_index;
    if (top_n >= n) {
        best = density[0];
        for (int d = 1; d < n; d++)
            if (density[d] > best)
                best = density[d];
        for (int d = 0; d < n; d++) {
            index[d] = d;
            linear[d] = expf(density[d] - best);
        }
        *best_out = best;
        return;
    }
    for (int k = 0; k < top_n; k++) {
        index[k] = -1;
        linear[k] = -INFINITY;
    }
    for (int k = 0; seed && k < top_n; k++)
        insert_top(density[seed[k]], seed[k], top_n, index, linear);
    worst = linear[top_n - 1];
    worst_index = index[top_n - 1];
    for (int d0 = 0; d0 < n; d0 += SPEECH_GMM_LANES) {
        int end = d0 + SPEECH_GMM_LANES < n ? d0 + SPEECH_GMM_LANES : n;
        if (end - d0 == SPEECH_GMM_LANES) {
            int hit = 0;
            for (int l = 0; l < SPEECH_GMM_LANES; l++)
                hit |= density[d0 + l] >= worst;
            if (!hit)
                continue;
        }
        for (int d = d0; d < end; d++)
            if (ranks_above(density[d], d, worst, worst_index < 0 ? INT32_MAX : worst_index)) {
                insert_top(density[d], d, top_n, index, linear);
                worst = linear[top_n - 1];
                worst_index = index[top_n - 1];
            }
    }
    best = linear[0];
    for (int k = 0; k < top_n; k++)
        linear[k] = index[k] < 0 ? 0 : expf(linear[k] - best);
    for (int k = 0; k < top_n; k++)
        if (index[k] < 0)
            index[k] = 0;
    *best_out = best;
}

amass_code speech_gmm_stream_densities(void *state, const float *features, size_t first, size_t count, int stream,
                                       const float **densities, amass_status *status)
{
    gmm_state *g = state;
    const speech_gmm *gmm = g->gmm;
    const int *dims = gmm->feature_index + gmm->stream_start[stream];
    int length = gmm->stream_start[stream + 1] - gmm->stream_start[stream], width = 2 * length + 1;
    const float *center = gmm->center[stream];
    memset(g->input, 0, (size_t)SPEECH_GMM_CHUNK * (size_t)width * sizeof *g->input);
    for (size_t t = 0; t < count; t++) {
        const float *frame = features + (first + t) * (size_t)gmm->feature_dim;
        float *in = g->input + t * (size_t)width;
        for (int i = 0; i < length; i++) {
            float x = frame[dims[i]] - center[i];
            in[i] = x;
            in[length + i] = x * x;
        }
        in[2 * length] = 1;
    }
    *densities = g->densities;
    {
        amass_code code;
#ifdef _OPENMP
        /* A block's matmul is far too small to share out: handing it to a
         * team of threads made scoring 5 to 7 times slower on two busy
         * cores (measured). A scorer is one thread's; the parallelism is
         * across utterances. The caller's setting is put back. */
        int threads = omp_get_max_threads();
        if (threads != 1)
            omp_set_num_threads(1);
#endif
        code = amass_nn_gemm_abt(SPEECH_GMM_CHUNK, (size_t)g->n_rows, (size_t)width, 1, g->input,
                                 gmm->density_matrix[stream], 0, g->densities, status);
#ifdef _OPENMP
        if (threads != 1)
            omp_set_num_threads(threads);
#endif
        return code;
    }
}

/* Densities of frames [first, first + count), count <= SPEECH_GMM_CHUNK,
 * reduced to the kept ones per codebook and stream. */
static amass_code chunk_densities(gmm_state *g, const float *features, size_t first, size_t count,
                                  amass_status *status)
{
    const speech_gmm *gmm = g->gmm;
    for (int s = 0; s < gmm->n_streams; s++) {
        const float *densities;
        if (speech_gmm_stream_densities(g, features, first, count, s, &densities, status) != AMASS_OK)
            return status->code;
        for (size_t t = 0; t < count; t++)
            for (int c = 0; c < gmm->n_codebooks; c++) {
                size_t slot = (t * (size_t)gmm->n_codebooks + (size_t)c) * (size_t)gmm->n_streams + (size_t)s;
                size_t previous = slot - (size_t)gmm->n_codebooks * (size_t)gmm->n_streams;
                keep_top(densities + t * (size_t)g->n_rows + (size_t)c * (size_t)gmm->n_densities,
                         gmm->n_densities, gmm->top_n,
                         t > 0 && gmm->top_n < gmm->n_densities ? g->top_index + previous * (size_t)gmm->top_n : NULL,
                         g->top_index + slot * (size_t)gmm->top_n,
                         g->top_linear + slot * (size_t)gmm->top_n, &g->top_best[slot]);
            }
    }
    return AMASS_OK;
}

/* One stream's mixture for a padded group, multiplied into product:
 * sum over the kept densities k of linear[k] * (weight row of index[k]).
 * With SPEECH_GMM_LANES senones at a time the sums stay in registers and
 * the inner loop has a constant count, so it is vectorised. */
static void multiply_mixture(float *restrict product, const float *restrict block, size_t stride,
                             const int32_t *index, const float *linear, int top_n, int32_t size, int lanes)
{
    if (lanes == SPEECH_GMM_LANES) {
        for (int32_t j0 = 0; j0 < size; j0 += SPEECH_GMM_LANES) {
            float sum[SPEECH_GMM_LANES] = {0};
            for (int k = 0; k < top_n; k++) {
                const float *restrict weight = block + (size_t)index[k] * stride + (size_t)j0;
                float scale = linear[k];
                for (int l = 0; l < SPEECH_GMM_LANES; l++)
                    sum[l] += scale * weight[l];
            }
            for (int l = 0; l < SPEECH_GMM_LANES; l++)
                product[j0 + l] *= sum[l];
        }
        return;
    }
    for (int32_t j = 0; j < size; j++) {
        float sum = 0;
        for (int k = 0; k < top_n; k++)
            sum += linear[k] * block[(size_t)index[k] * stride + (size_t)j];
        product[j] *= sum;
    }
}

/* One frame's senones, group by group: per stream, the mixture over the
 * kept densities is a sum of contiguous weight rows scaled by
 * exp(density - best); streams multiply (their logs add). Products of up
 * to three streams stay well inside float: the best density's term alone
 * is at least its weight, and weights are floored. */
static void frame_senones(gmm_state *g, size_t t, float *scores)
{
    const speech_gmm *gmm = g->gmm;
    int top_n = gmm->top_n, n_densities = gmm->n_densities, n_streams = gmm->n_streams;
    float best_row = -INFINITY;
    for (int c = 0; c < gmm->n_codebooks; c++) {
        int32_t g0 = gmm->group_start[c], size = gmm->group_start[c + 1] - g0;
        int32_t p0 = gmm->padded_start[c], padded = gmm->padded_start[c + 1] - p0;
        const float *block = gmm->weights + (size_t)p0 * (size_t)n_streams * (size_t)n_densities;
        float *restrict product = g->product, *restrict log_sum = g->log_sum;
        float offset = 0;
        if (size == 0)
            continue;
        for (int32_t j = 0; j < padded; j++) {
            product[j] = 1;
            log_sum[j] = 0;
        }
        for (int s = 0; s < n_streams; s++) {
            size_t slot = (t * (size_t)gmm->n_codebooks + (size_t)c) * (size_t)n_streams + (size_t)s;
            offset += g->top_best[slot];
            multiply_mixture(product, block + (size_t)s * (size_t)n_densities * (size_t)padded, (size_t)padded,
                             g->top_index + slot * (size_t)top_n, g->top_linear + slot * (size_t)top_n, top_n, padded,
                             gmm->lanes);
            if (s % 3 == 2 || s == n_streams - 1)
                for (int32_t j = 0; j < size; j++) {
                    log_sum[j] += logf(product[j]);
                    product[j] = 1;
                }
        }
        for (int32_t j = 0; j < size; j++) {
            float score = log_sum[j] + offset;
            g->row[g0 + j] = score;
            if (score > best_row)
                best_row = score;
        }
    }
    /* The best senone scores 0: the decoder compares within a frame only,
     * and small numbers keep its path sums exact over long utterances. */
    for (int32_t i = 0; i < gmm->n_senones; i++)
        scores[gmm->order[i]] = g->row[i] - best_row;
}

amass_code speech_gmm_score(void *state, const float *features, size_t n_frames, size_t first, size_t count,
                            float *scores, amass_status *status)
{
    gmm_state *g = state;
    (void)n_frames;
    for (size_t done = 0; done < count; done += SPEECH_GMM_CHUNK) {
        size_t chunk = count - done < SPEECH_GMM_CHUNK ? count - done : SPEECH_GMM_CHUNK;
        if (chunk_densities(g, features, first + done, chunk, status) != AMASS_OK)
            return status->code;
        for (size_t t = 0; t < chunk; t++)
            frame_senones(g, t, scores + (done + t) * (size_t)g->gmm->n_senones);
    }
    return AMASS_OK;
}
