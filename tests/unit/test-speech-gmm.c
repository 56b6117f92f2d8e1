/* The GMM acoustic scorer on the installed Sphinx models: the model's
 * getters, the matmul densities against a direct double computation,
 * senone scores against a direct mixture, silence frames, block-size
 * independence, the continuous an4 model, and broken model directories. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "speech/acoustic.h"
#include "speech/gmm_internal.h"
#include "tap.h"

#define EN_US "/usr/share/pocketsphinx/model/en-us/en-us"
#define AN4 "/usr/share/pocketsphinx/test/data/an4_ci_cont"
#define TESTDATA "/usr/share/pocketsphinx/test/data"

static void copy_file(const char *from, const char *to, long limit);
static void write_text(const char *path, const char *text);

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

static void skip(const char *why)
{
    printf("ok %d # skip %s\n", ++tap_count, why);
}

/* 1s_c_d_dd features of a raw 16 kHz little-endian file, computed with the
 * model's front-end parameters and batch CMN, as a decoder would. */
static float *utterance_features(const amass_speech_acoustic_model *model, const char *path, size_t *n_frames)
{
    const amass_speech_params *params = amass_speech_acoustic_model_params(model);
    FILE *file = fopen(path, "rb");
    amass_speech_frontend *frontend = NULL;
    amass_speech_cmn_state *cmn = NULL;
    amass_speech_frames cepstra;
    amass_status status;
    unsigned char bytes[4096];
    int16_t samples[2048];
    size_t got;
    float *features = NULL;
    if (!file)
        return NULL;
    amass_status_clear(&status);
    if (amass_speech_frontend_open(params, &frontend, &status) != AMASS_OK) {
        fclose(file);
        printf("# %s\n", status.message);
        return NULL;
    }
    amass_speech_frames_init(&cepstra, params->n_cepstra);
    while ((got = fread(bytes, 1, sizeof bytes, file)) >= 2) {
        for (size_t i = 0; i < got / 2; i++)
            samples[i] = (int16_t)(uint16_t)(bytes[2 * i] | bytes[2 * i + 1] << 8);
        amass_speech_frontend_feed_int16(frontend, samples, got / 2, &cepstra, &status);
    }
    fclose(file);
    amass_speech_frontend_finish(frontend, &cepstra, &status);
    amass_speech_frontend_close(frontend);
    if (amass_speech_cmn_open(params, &cmn, &status) == AMASS_OK) {
        amass_speech_cmn_apply(cmn, cepstra.data, cepstra.n_frames);
        amass_speech_cmn_close(cmn);
        features = malloc(cepstra.n_frames * 3 * (size_t)params->n_cepstra * sizeof *features + 1);
        if (features)
            amass_speech_features_1s_c_d_dd(cepstra.data, cepstra.n_frames, params->n_cepstra, features);
        *n_frames = cepstra.n_frames;
    }
    amass_speech_frames_free(&cepstra);
    return features;
}

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
static float *score_all(const amass_speech_acoustic_model *model, const float *features, size_t n_frames,
                        size_t block_size, double *seconds)
{
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    float *scores = malloc(n_frames * (size_t)n_senones * sizeof *scores + 1);
    amass_speech_scorer *scorer = NULL;
    amass_status status;
    struct timespec start, end;
    amass_status_clear(&status);
    if (!scores || amass_speech_scorer_open(model, &scorer, &status) != AMASS_OK) {
        free(scores);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (size_t first = 0; first < n_frames; first += block_size) {
        size_t count = n_frames - first < block_size ? n_frames - first : block_size;
        if (amass_speech_scorer_score(scorer, features, n_frames, first, count, scores + first * (size_t)n_senones,
                                      &status) != AMASS_OK) {
            printf("# %s\n", status.message);
            free(scores);
            scores = NULL;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (seconds)
        *seconds = (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
    amass_speech_scorer_close(scorer);
    return scores;
}

static int all_finite(const float *values, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return 0;
    return 1;
}

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

/* ---- parity with pocketsphinx's own senone scores -------------------
 * pocketsphinx_batch logs every senone's score per frame (-senlogdir with
 * -compallsen): an "s3"-like text header up to "endhdr\n", the int32
 * byte-order magic, then per frame an int16 count and that many int16
 * scores, each the distance to the frame's best in units of 1024 steps of
 * log base 1.0001. A phone loop (-allphone) needs no language model;
 * -pl_window 0 keeps the lookahead search from logging frames twice. */
#define POCKETSPHINX_BATCH "/usr/bin/pocketsphinx_batch"

static float *pocketsphinx_scores(const char *hmm, const char *raw_path, int32_t n_senones, size_t *n_frames)
{
    char directory[] = "/tmp/amass-gmm-ps-XXXXXX", command[2048], path[600];
    unsigned char *bytes = NULL;
    float *scores = NULL;
    FILE *file;
    long size;
    if (!mkdtemp(directory))
        return NULL;
    snprintf(path, sizeof path, "%s/utt.raw", directory);
    copy_file(raw_path, path, -1);
    snprintf(path, sizeof path, "%s/ctl", directory);
    write_text(path, "utt\n");
    snprintf(command, sizeof command,
             POCKETSPHINX_BATCH " -adcin yes -cepdir %s -cepext .raw -ctl %s/ctl -hmm %s -allphone /dev/null "
             "-senlogdir %s -compallsen yes -remove_silence no -pl_window 0 -hyp /dev/null -logfn /dev/null "
             ">/dev/null 2>&1",
             directory, directory, hmm, directory);
    if (system(command) == 0) {
        snprintf(path, sizeof path, "%s/000000000.sen", directory);
        if ((file = fopen(path, "rb"))) {
            fseek(file, 0, SEEK_END);
            size = ftell(file);
            rewind(file);
            bytes = malloc((size_t)size + 1);
            if (bytes && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
                free(bytes);
                bytes = NULL;
            }
            fclose(file);
            unlink(path);
        }
    }
    if (bytes) {
        const char *end;
        bytes[size] = 0;
        end = strstr((const char *)bytes, "endhdr\n");
        if (end) {
            size_t at = (size_t)(end - (const char *)bytes) + 7 + 4, row = 2 * ((size_t)n_senones + 1);
            /* The magic is 0x11223344 in the writer's order. */
            int swap = bytes[at - 4] == 0x11;
            *n_frames = ((size_t)size - at) / row;
            scores = malloc(*n_frames * (size_t)n_senones * sizeof *scores + 1);
            for (size_t t = 0; scores && t < *n_frames; t++)
                for (int32_t i = 0; i <= n_senones; i++) {
                    const unsigned char *b = bytes + at + t * row + 2 * (size_t)i;
                    int16_t value = (int16_t)(uint16_t)(swap ? (b[0] << 8 | b[1]) : (b[1] << 8 | b[0]));
                    if (i == 0 && value != n_senones) {
                        free(scores);
                        scores = NULL;
                        break;
                    }
                    if (i > 0)
                        scores[t * (size_t)n_senones + (size_t)(i - 1)] = (float)(-value * 1024 * log(1.0001));
                }
        }
        free(bytes);
    }
    snprintf(path, sizeof path, "%s/utt.raw", directory);
    unlink(path);
    snprintf(path, sizeof path, "%s/ctl", directory);
    unlink(path);
    rmdir(directory);
    return scores;
}

/* Our scores against pocketsphinx's on the same audio: pocketsphinx works
 * in a quantized integer log domain (steps of 0.1 nats, table log-adds),
 * so rows agree closely but not exactly; its best senone must score near
 * our best in every frame. */
static void check_pocketsphinx(const char *label, const char *directory, const char *audio,
                               const amass_speech_acoustic_model *model, const float *scores, size_t n_frames,
                               double min_agreement, double max_mean_difference)
{
    int32_t n_senones = amass_speech_acoustic_model_n_senones(model);
    size_t ps_frames = 0, agree = 0;
    double difference = 0, worst_gap = 0;
    float *ps;
    char name[256];
    if (access(POCKETSPHINX_BATCH, X_OK) != 0) {
        skip("pocketsphinx not installed");
        return;
    }
    ps = pocketsphinx_scores(directory, audio, n_senones, &ps_frames);
    snprintf(name, sizeof name, "%s: pocketsphinx_batch logs as many frames as we score", label);
    if (!ok(ps && ps_frames == n_frames, name)) {
        printf("#   pocketsphinx: %zu frames, ours %zu\n", ps_frames, n_frames);
        free(ps);
        return;
    }
    for (size_t t = 0; t < n_frames; t++) {
        const float *ours = scores + t * (size_t)n_senones, *theirs = ps + t * (size_t)n_senones;
        int32_t our_best = 0, their_best = 0;
        for (int32_t i = 1; i < n_senones; i++) {
            if (ours[i] > ours[our_best])
                our_best = i;
            if (theirs[i] > theirs[their_best])
                their_best = i;
        }
        agree += our_best == their_best;
        if (ours[their_best] - ours[our_best] < worst_gap)
            worst_gap = ours[their_best] - ours[our_best];
        for (int32_t i = 0; i < n_senones; i++)
            difference += fabs((double)ours[i] - theirs[i]);
    }
    difference /= (double)n_frames * (double)n_senones;
    printf("# %s: best senone as pocketsphinx's in %zu of %zu frames; mean |difference| %.3f nats; "
           "pocketsphinx's best is within %.3f nats of ours\n",
           label, agree, n_frames, difference, -worst_gap);
    snprintf(name, sizeof name, "%s: best senone agrees with pocketsphinx in >= %.0f%% of frames", label,
             100 * min_agreement);
    ok((double)agree >= min_agreement * (double)n_frames, name);
    snprintf(name, sizeof name, "%s: senone scores within %.2f nats of pocketsphinx's on average", label,
             max_mean_difference);
    ok(difference <= max_mean_difference, name);
    snprintf(name, sizeof name, "%s: pocketsphinx's best senone scores within 1 nat of our best", label);
    ok(worst_gap >= -1, name);
    free(ps);
}

static void test_model(const char *label, const char *directory, const char *audio, int32_t want_senones,
                       double min_agreement, double max_mean_difference)
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
        check_pocketsphinx(label, directory, audio, model, scores, n_frames, min_agreement, max_mean_difference);
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

/* ---- broken model directories --------------------------------------- */

static void copy_file(const char *from, const char *to, long limit)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buffer[65536];
    size_t got;
    long done = 0;
    while (in && out && (got = fread(buffer, 1, sizeof buffer, in)) > 0) {
        if (limit >= 0 && done + (long)got > limit)
            got = (size_t)(limit - done);
        fwrite(buffer, 1, got, out);
        done += (long)got;
        if (limit >= 0 && done >= limit)
            break;
    }
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

static void write_text(const char *path, const char *text)
{
    FILE *out = fopen(path, "wb");
    if (out) {
        fputs(text, out);
        fclose(out);
    }
}

/* A copy of en-us in a temporary directory. */
static void make_model_copy(const char *directory)
{
    static const char *const files[] = {"mdef", "means", "variances", "sendump", "transition_matrices", "feat.params",
                                        "noisedict"};
    char from[512], to[512];
    mkdir(directory, 0700);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(from, sizeof from, "%s/%s", EN_US, files[i]);
        snprintf(to, sizeof to, "%s/%s", directory, files[i]);
        copy_file(from, to, -1);
    }
}

static void expect_failure(const char *directory, const char *want, const char *name)
{
    amass_speech_acoustic_model *model = NULL;
    amass_status status;
    amass_code code;
    amass_status_clear(&status);
    code = amass_speech_acoustic_model_open(directory, NULL, &model, &status);
    if (!ok(code != AMASS_OK && model == NULL && strstr(status.message, want), name))
        printf("#   code %d, message \"%s\", want it to contain \"%s\"\n", (int)code, status.message, want);
    amass_speech_acoustic_model_close(model);
}

/* The sendump's senone count (the int32 after its header strings) minus one. */
static void shrink_sendump_senones(const char *path)
{
    FILE *file = fopen(path, "r+b");
    unsigned char word[4];
    long at = 0;
    uint32_t length;
    if (!file)
        return;
    do {
        fseek(file, at, SEEK_SET);
        if (fread(word, 1, 4, file) != 4)
            break;
        length = (uint32_t)word[0] | (uint32_t)word[1] << 8 | (uint32_t)word[2] << 16 | (uint32_t)word[3] << 24;
        at += 4 + (long)length;
    } while (length != 0 && length < 4096);
    /* Now past the empty terminator: the density count, then the senone count. */
    fseek(file, at + 4, SEEK_SET);
    if (fread(word, 1, 4, file) == 4) {
        uint32_t senones = (uint32_t)word[0] | (uint32_t)word[1] << 8 | (uint32_t)word[2] << 16 |
                           (uint32_t)word[3] << 24;
        senones--;
        for (int i = 0; i < 4; i++)
            word[i] = (unsigned char)(senones >> (8 * i));
        fseek(file, at + 4, SEEK_SET);
        fwrite(word, 1, 4, file);
    }
    fclose(file);
}

static void test_bad_models(void)
{
    char directory[] = "/tmp/amass-gmm-XXXXXX", path[600], from[600];
    amass_speech_acoustic_model *model = NULL;
    amass_speech_acoustic_options options;
    amass_status status;
    if (!mkdtemp(directory)) {
        skip("cannot make a temporary directory");
        return;
    }
    make_model_copy(directory);
    snprintf(path, sizeof path, "%s/means", directory);
    snprintf(from, sizeof from, "%s/means", EN_US);

    amass_status_clear(&status);
    amass_speech_acoustic_options_default(&options);
    options.top_n = 0;
    ok(amass_speech_acoustic_model_open(directory, &options, &model, &status) == AMASS_ERR_USAGE && !model,
       "top_n 0 is refused");

    unlink(path);
    expect_failure(directory, path, "missing means: the message names the file");
    copy_file(from, path, 500000);
    expect_failure(directory, path, "truncated means: the message names the file");
    copy_file(from, path, -1);

    snprintf(path, sizeof path, "%s/sendump", directory);
    shrink_sendump_senones(path);
    expect_failure(directory, "sendump: 5125 senones, but the model definition has 5126",
                   "sendump senone count differs from the mdef");
    snprintf(from, sizeof from, "%s/sendump", EN_US);
    copy_file(from, path, -1);

    snprintf(path, sizeof path, "%s/feat.params", directory);
    write_text(path, "-lowerf 130\n-upperf 6800\n-nfilt 25\n-transform dct\n-lifter 22\n-feat 1s_c_d_dd\n"
                     "-svspec 0-12/13-25/26-38\n-ncep 12\n");
    expect_failure(directory, "-svspec '0-12/13-25/26-38': 26-38 is outside the 36 feature dimensions",
                   "36-dimensional features against a 39-dimensional svspec");
    write_text(path, "-feat 1s_c_d_dd\n");
    expect_failure(directory, "means: 3 streams, but the features split into 1",
                   "no svspec: one stream, but the means have three");
    write_text(path, "-feat 1s_c_d_dd\n-svspec 0-12/13-25/26-37\n");
    expect_failure(directory, "stream 2 has length 13, but the 39-dimensional features give it 12",
                   "svspec stream shorter than the means' stream");
    write_text(path, "-feat 1s_c_d_dd\n-svspec 0-12/x\n");
    expect_failure(directory, "is not a '/'-separated list of index ranges", "malformed svspec");
    write_text(path, "-feat 1s_c\n");
    expect_failure(directory, "feature type '1s_c' is not supported", "unsupported feature type");
    snprintf(from, sizeof from, "%s/feat.params", EN_US);
    copy_file(from, path, -1);

    snprintf(path, sizeof path, "%s/transition_matrices", directory);
    snprintf(from, sizeof from, "%s/transition_matrices", AN4);
    copy_file(from, path, -1);
    expect_failure(directory, "transition_matrices: 34 matrices", "transition matrices of another model");
    snprintf(from, sizeof from, "%s/transition_matrices", EN_US);
    copy_file(from, path, -1);

    snprintf(path, sizeof path, "%s/sendump", directory);
    unlink(path);
    expect_failure(directory, "neither file exists", "no mixture weights at all");

    amass_status_clear(&status);
    ok(amass_speech_acoustic_model_open("/nonexistent-model", NULL, &model, &status) != AMASS_OK &&
           strstr(status.message, "/nonexistent-model/mdef"),
       "a missing directory names its mdef");

    {
        static const char *const files[] = {"mdef", "means", "variances", "sendump", "transition_matrices",
                                            "feat.params", "noisedict"};
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            snprintf(path, sizeof path, "%s/%s", directory, files[i]);
            unlink(path);
        }
        rmdir(directory);
    }
}

int main(void)
{
    char audio[512];
    snprintf(audio, sizeof audio, "%s/goforward.raw", TESTDATA);
    if (!file_exists(EN_US "/sendump") || !file_exists(audio))
        skip("pocketsphinx-en-us or pocketsphinx-testdata not installed");
    else {
        test_model("en-us", EN_US, audio, 5126, 0.85, 0.6);
        test_bad_models();
    }
    if (!file_exists(AN4 "/mixture_weights") || !file_exists(audio))
        skip("pocketsphinx-testdata (an4_ci_cont) not installed");
    else
        test_model("an4", AN4, audio, 102, 0.95, 0.1);
    return done_testing();
}
