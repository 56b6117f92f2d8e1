/* The GMM scorer's loader: Sphinx means, variances and mixture weights
 * (sendump or mixture_weights), checked against the mdef and the feature
 * streams, and rearranged for the matmul and the senone mixture loop. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gmm_internal.h"

static void gmm_free(speech_gmm *gmm)
{
    if (!gmm)
        return;
    free(gmm->feature_index);
    for (int s = 0; s < SPEECH_GMM_MAX_STREAMS; s++) {
        free(gmm->center[s]);
        free(gmm->density_matrix[s]);
    }
    free(gmm->group_start);
    free(gmm->padded_start);
    free(gmm->order);
    free(gmm->weights);
    free(gmm);
}

static void gmm_unload(void *parameters)
{
    gmm_free(parameters);
}

/* Pocketsphinx's -svspec: streams separated by '/', each a comma-separated
 * list of feature indices or ranges "a-b", e.g. "0-12/13-25/26-38". No
 * svspec: one stream of the whole vector. */
static amass_code parse_svspec(speech_gmm *gmm, const char *svspec, const char *feature_type,
                               const char *params_path, amass_status *status)
{
    int n = 0, capacity = gmm->feature_dim;
    const char *s = svspec;
    if (strcmp(feature_type, "s2_4x") == 0) {
        /* Its own four streams, one after the other: cepstra c1.., their
         * short and long deltas, c0 with its delta and double delta, the
         * double deltas. */
        int n_cepstra = (gmm->feature_dim + 1) / 4;
        if (*svspec)
            return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: -svspec with feature type s2_4x is not supported",
                              params_path);
        if (!(gmm->feature_index = malloc((size_t)capacity * sizeof *gmm->feature_index)))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (int i = 0; i < capacity; i++)
            gmm->feature_index[i] = i;
        gmm->n_streams = 4;
        gmm->stream_start[0] = 0;
        gmm->stream_start[1] = n_cepstra - 1;
        gmm->stream_start[2] = 3 * (n_cepstra - 1);
        gmm->stream_start[3] = 3 * (n_cepstra - 1) + 3;
        gmm->stream_start[4] = capacity;
        return AMASS_OK;
    }
    if (!*svspec) {
        if (!(gmm->feature_index = malloc((size_t)capacity * sizeof *gmm->feature_index)))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (int i = 0; i < capacity; i++)
            gmm->feature_index[i] = i;
        gmm->n_streams = 1;
        gmm->stream_start[0] = 0;
        gmm->stream_start[1] = capacity;
        return AMASS_OK;
    }
    if (!(gmm->feature_index = malloc((size_t)capacity * sizeof *gmm->feature_index)))
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    gmm->n_streams = 0;
    gmm->stream_start[0] = 0;
    for (;;) {
        char *end;
        long low, high;
        if (!isdigit((unsigned char)*s))
            goto bad;
        low = high = strtol(s, &end, 10);
        s = end;
        if (*s == '-') {
            if (!isdigit((unsigned char)s[1]))
                goto bad;
            high = strtol(s + 1, &end, 10);
            s = end;
        }
        if (low > high || high >= gmm->feature_dim)
            return amass_fail(status, AMASS_ERR_INPUT, "%s: -svspec '%s': %ld-%ld is outside the %d feature dimensions",
                              params_path, svspec, low, high, gmm->feature_dim);
        for (long i = low; i <= high; i++) {
            if (n == capacity)
                return amass_fail(status, AMASS_ERR_INPUT, "%s: -svspec '%s' names more than the %d feature dimensions",
                                  params_path, svspec, gmm->feature_dim);
            gmm->feature_index[n++] = (int)i;
        }
        if (*s == ',') {
            s++;
            continue;
        }
        if (gmm->n_streams == SPEECH_GMM_MAX_STREAMS)
            return amass_fail(status, AMASS_ERR_UNSUPPORTED, "%s: -svspec '%s' has more than %d streams", params_path,
                              svspec, SPEECH_GMM_MAX_STREAMS);
        gmm->stream_start[++gmm->n_streams] = n;
        if (*s == '\0')
            return AMASS_OK;
        if (*s != '/')
            goto bad;
        s++;
    }
bad:
    return amass_fail(status, AMASS_ERR_INPUT, "%s: -svspec '%s' is not a '/'-separated list of index ranges",
                      params_path, svspec);
}

/* Means and variances must describe the same Gaussians, over the streams
 * the feature vector is split into. */
static amass_code check_gaussians(const speech_gmm *gmm, const amass_sphinx_gaussians *means,
                                  const amass_sphinx_gaussians *variances, const char *means_path,
                                  const char *variances_path, amass_status *status)
{
    if (variances->n_codebooks != means->n_codebooks || variances->n_streams != means->n_streams ||
        variances->n_densities != means->n_densities)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: %d codebooks x %d streams x %d densities, but %s has %d x %d x %d", variances_path,
                          (int)variances->n_codebooks, (int)variances->n_streams, (int)variances->n_densities,
                          means_path, (int)means->n_codebooks, (int)means->n_streams, (int)means->n_densities);
    if (means->n_streams != gmm->n_streams)
        return amass_fail(status, AMASS_ERR_INPUT,
                          "%s: %d streams, but the features split into %d (feat.params -svspec)", means_path,
                          (int)means->n_streams, gmm->n_streams);
    for (int s = 0; s < gmm->n_streams; s++) {
        int length = gmm->stream_start[s + 1] - gmm->stream_start[s];
        if (variances->stream_length[s] != means->stream_length[s])
            return amass_fail(status, AMASS_ERR_INPUT, "%s: stream %d has length %d, but %d in %s", variances_path, s,
                              (int)variances->stream_length[s], (int)means->stream_length[s], means_path);
        if (means->stream_length[s] != length)
            return amass_fail(status, AMASS_ERR_INPUT,
                              "%s: stream %d has length %d, but the %d-dimensional features give it %d", means_path, s,
                              (int)means->stream_length[s], gmm->feature_dim, length);
    }
    if (means->n_densities < 1 || means->n_codebooks < 1)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no Gaussians", means_path);
    return AMASS_OK;
}

/* Rows [mu' / var, -1 / (2 var), constant] with mu' = mu - center: the
 * log of N(x; mu, var) is then [x', x'^2, 1] . row with x' = x - center. */
static amass_code build_density_matrices(speech_gmm *gmm, const amass_sphinx_gaussians *means,
                                         const amass_sphinx_gaussians *variances, amass_status *status)
{
    size_t n_rows = (size_t)gmm->n_codebooks * (size_t)gmm->n_densities;
    for (int s = 0; s < gmm->n_streams; s++) {
        int length = gmm->stream_start[s + 1] - gmm->stream_start[s], width = 2 * length + 1;
        float *center = calloc((size_t)length, sizeof *center);
        float *matrix = amass_alloc_array(n_rows, (size_t)width * sizeof *matrix);
        gmm->center[s] = center;
        gmm->density_matrix[s] = matrix;
        if (!center || !matrix)
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        for (int i = 0; i < length; i++) {
            double sum = 0;
            for (int c = 0; c < gmm->n_codebooks; c++)
                for (int d = 0; d < gmm->n_densities; d++)
                    sum += amass_sphinx_gaussians_vector(means, c, s, d)[i];
            center[i] = (float)(sum / (double)n_rows);
        }
        for (int c = 0; c < gmm->n_codebooks; c++)
            for (int d = 0; d < gmm->n_densities; d++) {
                const float *mean = amass_sphinx_gaussians_vector(means, c, s, d);
                const float *variance = amass_sphinx_gaussians_vector(variances, c, s, d);
                float *row = matrix + ((size_t)c * (size_t)gmm->n_densities + (size_t)d) * (size_t)width;
                double constant = 0;
                for (int i = 0; i < length; i++) {
                    double mu = (double)mean[i] - center[i], var = variance[i];
                    row[i] = (float)(mu / var);
                    row[length + i] = (float)(-0.5 / var);
                    constant -= 0.5 * (mu * mu / var + log(2 * 3.14159265358979323846 * var));
                }
                row[2 * length] = (float)constant;
            }
    }
    return AMASS_OK;
}

/* Which codebook scores which senone: one codebook for all (semi-
 * continuous), one per CI phone (PTM), one per senone (continuous). */
static amass_code group_senones(speech_gmm *gmm, const amass_sphinx_mdef *mdef, const char *means_path,
                                amass_status *status)
{
    int32_t n_ciphones = amass_sphinx_mdef_n_ciphones(mdef);
    int32_t *codebook = malloc(((size_t)gmm->n_senones + 1) * sizeof *codebook);
    gmm->group_start = calloc((size_t)gmm->n_codebooks + 1, sizeof *gmm->group_start);
    gmm->order = malloc(((size_t)gmm->n_senones + 1) * sizeof *gmm->order);
    if (!codebook || !gmm->group_start || !gmm->order) {
        free(codebook);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (int32_t senone = 0; senone < gmm->n_senones; senone++) {
        if (gmm->n_codebooks == 1)
            codebook[senone] = 0;
        else if (gmm->n_codebooks == gmm->n_senones)
            codebook[senone] = senone;
        else if (gmm->n_codebooks == n_ciphones) {
            int32_t ciphone = amass_sphinx_mdef_senone_ciphone(mdef, senone);
            /* A senone no phone uses is never asked for; any codebook will do. */
            codebook[senone] = ciphone < 0 ? 0 : ciphone;
        } else {
            free(codebook);
            return amass_fail(status, AMASS_ERR_INPUT,
                              "%s: %d codebooks fit neither a semi-continuous (1), a PTM (%d CI phones) nor a "
                              "continuous model (%d senones in the mdef)",
                              means_path, gmm->n_codebooks, (int)n_ciphones, (int)gmm->n_senones);
        }
        gmm->group_start[codebook[senone] + 1]++;
    }
    gmm->lanes = gmm->n_codebooks == gmm->n_senones ? 1 : SPEECH_GMM_LANES;
    if (!(gmm->padded_start = calloc((size_t)gmm->n_codebooks + 1, sizeof *gmm->padded_start))) {
        free(codebook);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (int c = 0; c < gmm->n_codebooks; c++) {
        int32_t size = gmm->group_start[c + 1];
        gmm->padded_start[c + 1] = gmm->padded_start[c] + (size + gmm->lanes - 1) / gmm->lanes * gmm->lanes;
        gmm->group_start[c + 1] += gmm->group_start[c];
    }
    {
        int32_t *fill = malloc(((size_t)gmm->n_codebooks + 1) * sizeof *fill);
        if (!fill) {
            free(codebook);
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        }
        memcpy(fill, gmm->group_start, (size_t)gmm->n_codebooks * sizeof *fill);
        for (int32_t senone = 0; senone < gmm->n_senones; senone++)
            gmm->order[fill[codebook[senone]]++] = senone;
        free(fill);
    }
    free(codebook);
    return AMASS_OK;
}

/* Mixture weights into the grouped linear layout. The sendump holds
 * pocketsphinx's quantized logs; a mixture_weights file holds
 * probabilities, floored as pocketsphinx does. */
static amass_code load_weights(speech_gmm *gmm, const char *directory, float floor, amass_status *status)
{
    size_t per_senone = (size_t)gmm->n_streams * (size_t)gmm->n_densities;
    char *path = speech_model_path(directory, "sendump");
    amass_sphinx_sendump *sendump = NULL;
    amass_sphinx_array3 *mixture = NULL;
    amass_code code = AMASS_OK;
    if (!path)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    if (access(path, F_OK) == 0) {
        sendump = amass_sphinx_sendump_open(path, gmm->n_senones, gmm->n_streams, status);
        if (!sendump)
            code = status->code;
        else if (sendump->n_densities != gmm->n_densities)
            code = amass_fail(status, AMASS_ERR_INPUT, "%s: %d densities per stream, but the means have %d", path,
                       (int)sendump->n_densities, gmm->n_densities);
    } else {
        free(path);
        if (!(path = speech_model_path(directory, "mixture_weights")))
            return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        if (access(path, F_OK) != 0)
            code = amass_fail(status, AMASS_ERR_IO, "%s/sendump, %s: neither file exists: no mixture weights",
                              directory, path);
        else if (!(mixture = amass_sphinx_mixture_weights_open(path, status)))
            code = status->code;
        else if (mixture->dims[0] != gmm->n_senones || mixture->dims[1] != gmm->n_streams ||
                        mixture->dims[2] != gmm->n_densities)
            code = amass_fail(status, AMASS_ERR_INPUT,
                       "%s: %d senones x %d streams x %d densities, but the mdef and means give %d x %d x %d", path,
                       (int)mixture->dims[0], (int)mixture->dims[1], (int)mixture->dims[2], (int)gmm->n_senones,
                       gmm->n_streams, gmm->n_densities);
    }
    if (code != AMASS_OK) {
        free(path);
        amass_sphinx_sendump_close(sendump);
        amass_sphinx_array3_close(mixture);
        return status->code;
    }
    free(path);
    if (!(gmm->weights = amass_calloc_array((size_t)gmm->padded_start[gmm->n_codebooks] + 1,
                                            per_senone * sizeof *gmm->weights))) {
        amass_sphinx_sendump_close(sendump);
        amass_sphinx_array3_close(mixture);
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    }
    for (int c = 0; c < gmm->n_codebooks; c++) {
        size_t g0 = (size_t)gmm->group_start[c], size = (size_t)gmm->group_start[c + 1] - g0;
        size_t p0 = (size_t)gmm->padded_start[c], padded = (size_t)gmm->padded_start[c + 1] - p0;
        float *block = gmm->weights + p0 * per_senone;
        for (size_t j = 0; j < size; j++) {
            int32_t senone = gmm->order[g0 + j];
            for (int s = 0; s < gmm->n_streams; s++) {
                const float *row = mixture ? mixture->data + (size_t)senone * per_senone + (size_t)s * gmm->n_densities
                                           : NULL;
                double sum = 0;
                for (int d = 0; d < gmm->n_densities && row; d++)
                    sum += fmax(row[d], floor);
                for (int d = 0; d < gmm->n_densities; d++) {
                    double weight = row ? fmax(row[d], floor) / sum
                                        : exp(amass_sphinx_sendump_log_weight(sendump, senone, s, d));
                    block[((size_t)s * gmm->n_densities + (size_t)d) * padded + j] = (float)weight;
                }
            }
        }
    }
    amass_sphinx_sendump_close(sendump);
    amass_sphinx_array3_close(mixture);
    return AMASS_OK;
}

static amass_code gmm_load(amass_speech_acoustic_model *model, const char *directory,
                           const amass_speech_acoustic_options *options, void **parameters, amass_status *status)
{
    speech_gmm *gmm = calloc(1, sizeof *gmm);
    char *means_path = speech_model_path(directory, "means");
    char *variances_path = speech_model_path(directory, "variances");
    char *params_path = speech_model_path(directory, "feat.params");
    amass_sphinx_gaussians *means = NULL, *variances = NULL;
    *parameters = NULL;
    if (!gmm || !means_path || !variances_path || !params_path) {
        amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
        goto done;
    }
    gmm->n_senones = model->n_senones;
    gmm->feature_dim = model->feature_dim;
    if (parse_svspec(gmm, model->params.svspec, model->params.feature_type, params_path, status) != AMASS_OK)
        goto done;
    if (!(means = amass_sphinx_gaussians_open(means_path, 0, status)) ||
        !(variances = amass_sphinx_gaussians_open(variances_path, options->variance_floor, status)) ||
        check_gaussians(gmm, means, variances, means_path, variances_path, status) != AMASS_OK)
        goto done;
    gmm->n_codebooks = means->n_codebooks;
    gmm->n_densities = means->n_densities;
    if (group_senones(gmm, model->mdef, means_path, status) != AMASS_OK ||
        build_density_matrices(gmm, means, variances, status) != AMASS_OK ||
        load_weights(gmm, directory, options->mixture_weight_floor, status) != AMASS_OK)
        goto done;
    /* A continuous model's codebook belongs to one senone: all of it counts. */
    gmm->top_n = gmm->n_codebooks == gmm->n_senones || options->top_n > gmm->n_densities ? gmm->n_densities
                                                                                        : options->top_n;
    *parameters = gmm;
    gmm = NULL;
done:
    amass_sphinx_gaussians_close(means);
    amass_sphinx_gaussians_close(variances);
    free(means_path);
    free(variances_path);
    free(params_path);
    gmm_free(gmm);
    return *parameters ? AMASS_OK : status->code;
}

const speech_scorer_kind speech_gmm_kind = {
    .name = "gmm",
    .load = gmm_load,
    .unload = gmm_unload,
    .open = speech_gmm_open,
    .close = speech_gmm_close,
    .score = speech_gmm_score,
};
