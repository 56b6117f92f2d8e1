/* The GMM acoustic scorer on the installed Sphinx models: the model's
 * getters, the matmul densities against a direct double computation,
 * senone scores against a direct mixture, block-size independence and
 * silence frames, on en-us (PTM) and an4 (continuous). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/acoustic.h"
#include "speech/gmm_internal.h"
#include "speech-gmm-helpers.h"
#include "tap.h"

static double log_add(double a, double b)
{
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    return b == -INFINITY ? a : a + log1p(exp(b - a));
}

/* The log density of stream `stream` of a frame, straight from the files. */
static double direct_density(const amass_sphinx_gaussians *means, const amass_sphinx_gaussians *variances,
                             const speech_gmm *gmm, const float *frame, int codebook, int stream, int density)
{
    const float *mean = amass_sphinx_gaussians_vector(means, codebook, stream, density);
    const float *variance = amass_sphinx_gaussians_vector(variances, codebook, stream, density);
    double sum = 0;
    for (int i = 0; i < means->stream_length[stream]; i++) {
        double x = frame[gmm->feature_index[gmm->stream_start[stream] + i]], d = x - mean[i];
        sum -= 0.5 * (d * d / variance[i] + log(2 * 3.14159265358979323846 * variance[i]));
    }
    return sum;
}

/* The matmul's densities against the direct computation, for the first
 * frames of the utterance, every stream, codebook and density. */
static void check_densities(const char *label, const amass_speech_acoustic_model *model, const float *features,
                            size_t n_frames)
{
    const speech_gmm *gmm = model->parameters;
    amass_sphinx_gaussians *means, *variances;
    amass_status status;
    void *state = NULL;
    char path[512], name[256];
    double worst = 0;
    size_t count = n_frames < SPEECH_GMM_CHUNK ? n_frames : SPEECH_GMM_CHUNK, first = n_frames / 2;
    amass_status_clear(&status);
    snprintf(path, sizeof path, "%s/means", strcmp(label, "en-us") == 0 ? EN_US : AN4);
    means = amass_sphinx_gaussians_open(path, 0, &status);
    snprintf(path, sizeof path, "%s/variances", strcmp(label, "en-us") == 0 ? EN_US : AN4);
    variances = amass_sphinx_gaussians_open(path, AMASS_SPHINX_VARIANCE_FLOOR, &status);
    if (first + count > n_frames)
        first = n_frames - count;
    snprintf(name, sizeof name, "%s: densities open", label);
    ok(means && variances && speech_gmm_open(model, &state, &status) == AMASS_OK, name);
    for (int s = 0; state && means && variances && s < gmm->n_streams; s++) {
        const float *densities;
        if (speech_gmm_stream_densities(state, features, first, count, s, &densities, &status) != AMASS_OK)
            break;
        for (size_t t = 0; t < count; t++)
            for (int c = 0; c < gmm->n_codebooks; c++)
                for (int d = 0; d < gmm->n_densities; d++) {
                    double want = direct_density(means, variances, gmm, features + (first + t) * 39, c, s, d);
                    double got = densities[t * (size_t)gmm->n_codebooks * gmm->n_densities +
                                           (size_t)c * gmm->n_densities + (size_t)d];
                    double error = fabs(got - want) / (fabs(want) > 1 ? fabs(want) : 1);
                    if (!(error <= worst))
                        worst = error;
                }
    }
    printf("# %s: worst relative density error %.3g over %zu frames\n", label, worst, count);
    snprintf(name, sizeof name, "%s: matmul densities equal the direct computation within 1e-3", label);
    ok(state && worst <= 1e-3, name);
    speech_gmm_close(state);
    amass_sphinx_gaussians_close(means);
    amass_sphinx_gaussians_close(variances);
}

static int compare_doubles_descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* Senone scores of a few frames against a direct double-precision mixture
 * (top_n densities per codebook and stream, or all of them), both
 * normalised so the best senone scores 0. */
static void check_senones(const char *label, const amass_speech_acoustic_model *model, const float *features,
                          size_t n_frames, const float *scores)
{
    const speech_gmm *gmm = model->parameters;
    const char *directory = strcmp(label, "en-us") == 0 ? EN_US : AN4;
    amass_sphinx_gaussians *means, *variances;
    amass_status status;
    char path[512], name[256];
    int32_t n_senones = gmm->n_senones;
    double *direct = malloc((size_t)n_senones * sizeof *direct), worst = 0;
    double *density = malloc((size_t)gmm->n_codebooks * gmm->n_densities * sizeof *density);
    double *sorted = malloc((size_t)gmm->n_densities * sizeof *sorted);
    double *cuts = malloc((size_t)gmm->n_codebooks * sizeof *cuts);
    amass_sphinx_sendump *sendump = NULL;
    amass_sphinx_array3 *mixture = NULL;
    amass_status_clear(&status);
    snprintf(path, sizeof path, "%s/means", directory);
    means = amass_sphinx_gaussians_open(path, 0, &status);
    snprintf(path, sizeof path, "%s/variances", directory);
    variances = amass_sphinx_gaussians_open(path, AMASS_SPHINX_VARIANCE_FLOOR, &status);
    snprintf(path, sizeof path, "%s/sendump", directory);
    if (file_exists(path))
        sendump = amass_sphinx_sendump_open(path, n_senones, gmm->n_streams, &status);
    else {
        snprintf(path, sizeof path, "%s/mixture_weights", directory);
        mixture = amass_sphinx_mixture_weights_open(path, &status);
    }
    for (size_t t = 0; t < n_frames && means && variances && (sendump || mixture); t += n_frames / 5 + 1) {
        const float *frame = features + t * 39;
        double best = -INFINITY;
        for (int32_t i = 0; i < n_senones; i++)
            direct[i] = 0;
        for (int s = 0; s < gmm->n_streams; s++) {
            for (int c = 0; c < gmm->n_codebooks; c++)
                for (int d = 0; d < gmm->n_densities; d++)
                    density[c * gmm->n_densities + d] = direct_density(means, variances, gmm, frame, c, s, d);
            /* Each codebook's top_n-th largest density: those below it are dropped. */
            for (int c = 0; c < gmm->n_codebooks; c++) {
                memcpy(sorted, density + c * gmm->n_densities, (size_t)gmm->n_densities * sizeof *sorted);
                qsort(sorted, (size_t)gmm->n_densities, sizeof *sorted, compare_doubles_descending);
                cuts[c] = sorted[gmm->top_n - 1];
            }
            for (int32_t senone = 0; senone < n_senones; senone++) {
                int c = gmm->n_codebooks == 1 ? 0
                        : gmm->n_codebooks == n_senones
                            ? senone
                            : amass_sphinx_mdef_senone_ciphone(amass_speech_acoustic_model_mdef(model), senone);
                const double *row = density + (c < 0 ? 0 : c) * gmm->n_densities;
                double cut = cuts[c < 0 ? 0 : c], sum = -INFINITY;
                for (int d = 0; d < gmm->n_densities; d++) {
                    double weight;
                    if (row[d] < cut)
                        continue;
                    weight = sendump ? amass_sphinx_sendump_log_weight(sendump, senone, s, d)
                                     : log(mixture->data[((size_t)senone * gmm->n_streams + s) * gmm->n_densities + d]);
                    sum = log_add(sum, row[d] + weight);
                }
                direct[senone] += sum;
            }
        }
        for (int32_t i = 0; i < n_senones; i++)
            if (direct[i] > best)
                best = direct[i];
        for (int32_t i = 0; i < n_senones; i++) {
            double error = fabs(scores[t * (size_t)n_senones + (size_t)i] - (direct[i] - best));
            if (!(error <= worst))
                worst = error;
        }
    }
    printf("# %s: worst senone score error %.3g\n", label, worst);
    snprintf(name, sizeof name, "%s: senone scores equal a direct double mixture within 0.01", label);
    ok(means && variances && (sendump || mixture) && worst <= 0.01, name);
    amass_sphinx_gaussians_close(means);
    amass_sphinx_gaussians_close(variances);
    amass_sphinx_sendump_close(sendump);
    amass_sphinx_array3_close(mixture);
    free(direct);
    free(density);
    free(sorted);
    free(cuts);
}

/* Scores in blocks of block_size frames. */

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* In the quietest tenth of the frames (lowest c0), the best
 * context-independent senone should belong to silence or a noise filler.
 * (Over all senones it does not: pocketsphinx's own scores give stop
 * closures and fricatives as often as SIL there, and so do ours.) */
static void check_silence(const char *label, const amass_speech_acoustic_model *model, const float *features,
                          size_t n_frames, const float *scores)
{
    const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model), silence = amass_sphinx_mdef_silence(mdef);
    int32_t n_ci_senones = amass_sphinx_mdef_n_ci_senones(mdef);
    float *c0 = malloc(n_frames * sizeof *c0 + 1), threshold;
    size_t quiet = 0, filler = 0, silent_overall = 0;
    char name[256];
    for (size_t t = 0; t < n_frames; t++)
        c0[t] = features[t * 39];
    qsort(c0, n_frames, sizeof *c0, compare_floats);
    threshold = c0[n_frames / 10];
    for (size_t t = 0; t < n_frames; t++) {
        const float *row = scores + t * (size_t)n_senones;
        int32_t best = 0, best_ci = 0, ciphone;
        if (features[t * 39] > threshold)
            continue;
        for (int32_t i = 1; i < n_senones; i++) {
            if (row[i] > row[best])
                best = i;
            if (i < n_ci_senones && row[i] > row[best_ci])
                best_ci = i;
        }
        quiet++;
        ciphone = amass_sphinx_mdef_senone_ciphone(mdef, best_ci);
        filler += ciphone >= 0 && amass_sphinx_mdef_phone(mdef, ciphone)->filler;
        silent_overall += amass_sphinx_mdef_senone_ciphone(mdef, best) == silence;
    }
    printf("# %s: in %zu quiet frames the best CI senone is a filler's in %zu; the best of all is SIL's in %zu\n",
           label, quiet, filler, silent_overall);
    snprintf(name, sizeof name, "%s: quiet frames score silence or noise best among CI senones (>80%%)", label);
    ok(quiet >= 10 && filler * 5 > quiet * 4, name);
    free(c0);
}


static void test_model(const char *label, const char *directory, const char *audio, int32_t want_senones)
{
    amass_speech_acoustic_model *model = NULL;
    amass_status status;
    float *features, *scores, *scores_one;
    size_t n_frames = 0;
    char name[256];
    double seconds = 0;
    int32_t n_senones;
    amass_status_clear(&status);
    snprintf(name, sizeof name, "%s: model opens", label);
    if (!ok(amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK, name)) {
        printf("# %s\n", status.message);
        return;
    }
    n_senones = amass_speech_acoustic_model_n_senones(model);
    is_int(n_senones, want_senones, "senone count");
    is_int(amass_speech_acoustic_model_feature_dim(model), 39, "feature dim 39");
    is_int(amass_speech_acoustic_model_n_states(model), 3, "3 emitting states");
    is_str(amass_speech_acoustic_model_kind(model), "gmm", "kind gmm");
    ok(amass_speech_acoustic_model_noisedict(model) != NULL, "noisedict found");
    {
        const amass_sphinx_mdef *mdef = amass_speech_acoustic_model_mdef(model);
        int32_t n_matrices = amass_sphinx_mdef_n_transition_matrices(mdef);
        int rows_sum_to_one = 1, has_no_arc = 0;
        for (int32_t m = 0; m < n_matrices; m++) {
            const float *matrix = amass_speech_acoustic_model_transitions(model, m);
            for (int i = 0; i < 3; i++) {
                double sum = 0;
                for (int j = 0; j < 4; j++) {
                    sum += exp(matrix[i * 4 + j]);
                    has_no_arc |= matrix[i * 4 + j] == -INFINITY;
                }
                rows_sum_to_one &= fabs(sum - 1) < 1e-5;
            }
        }
        ok(rows_sum_to_one, "transition rows are log probabilities summing to 1");
        ok(has_no_arc, "missing arcs are -INFINITY");
        ok(amass_speech_acoustic_model_transitions(model, n_matrices) == NULL &&
               amass_speech_acoustic_model_transitions(model, -1) == NULL,
           "transition matrix out of range gives NULL");
    }
    features = utterance_features(model, audio, &n_frames);
    if (!ok(features && n_frames > 50, "features of the test audio")) {
        amass_speech_acoustic_model_close(model);
        return;
    }
    check_densities(label, model, features, n_frames);
    scores = score_all(model, features, n_frames, 100, &seconds);
    printf("# %s: %zu frames scored in %.3f s: %.0f frames/s\n", label, n_frames, seconds, (double)n_frames / seconds);
    snprintf(name, sizeof name, "%s: all senone scores finite", label);
    ok(scores && all_finite(scores, n_frames * (size_t)n_senones), name);
    scores_one = score_all(model, features, n_frames, 1, NULL);
    snprintf(name, sizeof name, "%s: block size 1 and 100 give identical scores", label);
    ok(scores && scores_one && memcmp(scores, scores_one, n_frames * (size_t)n_senones * sizeof *scores) == 0, name);
    if (scores) {
        check_senones(label, model, features, n_frames, scores);
        if (strcmp(label, "en-us") == 0)
            check_silence(label, model, features, n_frames, scores);
    }
    {
        amass_speech_scorer *scorer = NULL;
        float row[1];
        amass_speech_scorer_open(model, &scorer, &status);
        ok(amass_speech_scorer_score(scorer, features, n_frames, n_frames, 1, row, &status) == AMASS_ERR_USAGE,
           "frames past the utterance are refused");
        amass_speech_scorer_close(scorer);
    }
    free(scores);
    free(scores_one);
    free(features);
    amass_speech_acoustic_model_close(model);
}


int main(void)
{
    if (!file_exists(EN_US "/sendump") || !file_exists(GOFORWARD))
        skip("pocketsphinx-en-us or pocketsphinx-testdata not installed");
    else
        test_model("en-us", EN_US, GOFORWARD, 5126);
    if (!file_exists(AN4 "/mixture_weights") || !file_exists(GOFORWARD))
        skip("pocketsphinx-testdata (an4_ci_cont) not installed");
    else
        test_model("an4", AN4, GOFORWARD, 102);
    return done_testing();
}
