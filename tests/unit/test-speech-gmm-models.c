/* The acoustic model loader on broken copies of the installed Sphinx
 * models (missing, truncated and mismatched files, bad feat.params) and
 * its options (floors, top_n): every failure names the file and the cause. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "speech/acoustic.h"
#include "speech/gmm_internal.h"
#include "speech-gmm-helpers.h"
#include "tap.h"

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
    expect_failure(directory, "feature type '1s_c' is not supported (1s_c_d_dd or s2_4x)", "unsupported feature type");
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

/* ---- options and the continuous model's files -------------------------- */

static float smallest_transition(const amass_speech_acoustic_model *model, int *rows_sum_to_one)
{
    int32_t n_matrices = amass_sphinx_mdef_n_transition_matrices(amass_speech_acoustic_model_mdef(model));
    int n_states = amass_speech_acoustic_model_n_states(model);
    float smallest = 0;
    *rows_sum_to_one = 1;
    for (int32_t m = 0; m < n_matrices; m++) {
        const float *matrix = amass_speech_acoustic_model_transitions(model, m);
        for (int i = 0; i < n_states; i++) {
            double sum = 0;
            for (int j = 0; j <= n_states; j++) {
                float value = matrix[i * (n_states + 1) + j];
                sum += exp(value);
                if (isfinite(value) && value < smallest)
                    smallest = value;
            }
            *rows_sum_to_one &= fabs(sum - 1) < 1e-5;
        }
    }
    return smallest;
}

static void test_options(void)
{
    amass_speech_acoustic_options options;
    amass_speech_acoustic_model *model = NULL, *floored = NULL;
    amass_status status;
    int sums_default = 0, sums_floored = 0;
    amass_status_clear(&status);
    amass_speech_acoustic_options_default(&options);
    options.transition_floor = 0.2f;
    options.variance_floor = 0.5f;
    if (!ok(amass_speech_acoustic_model_open(AN4, NULL, &model, &status) == AMASS_OK &&
                amass_speech_acoustic_model_open(AN4, &options, &floored, &status) == AMASS_OK,
            "an4 opens with default and with raised floors")) {
        printf("# %s\n", status.message);
    } else {
        float low = smallest_transition(model, &sums_default), high = smallest_transition(floored, &sums_floored);
        const speech_gmm *gmm = floored->parameters;
        int length = gmm->stream_start[1] - gmm->stream_start[0], floored_ok = 1;
        printf("# smallest log transition %.3f by default, %.3f with floor 0.2\n", low, high);
        /* A row of at most four arcs, each raised to 0.2, sums to at most 1.6. */
        ok(sums_default && sums_floored && high > low && high >= logf(0.2f / 1.6f) - 1e-5f,
           "transition floor raises the smallest arcs; rows still sum to 1");
        for (size_t row = 0; row < (size_t)gmm->n_codebooks * gmm->n_densities; row++) {
            const float *terms = gmm->density_matrix[0] + row * (size_t)(2 * length + 1);
            for (int i = 0; i < length; i++)
                floored_ok &= terms[length + i] >= -1.0f - 1e-6f;
        }
        ok(floored_ok, "variance floor 0.5: every -1/(2 var) is at least -1");
    }
    amass_speech_acoustic_model_close(model);
    amass_speech_acoustic_model_close(floored);
    options.transition_floor = 0;
    ok(amass_speech_acoustic_model_open(AN4, &options, &model, &status) == AMASS_ERR_USAGE,
       "a zero floor is refused");
}

static void test_bad_continuous(void)
{
    static const char *const files[] = {"mdef", "means", "variances", "mixture_weights", "transition_matrices",
                                        "feat.params", "noisedict"};
    char directory[] = "/tmp/amass-gmm-an4-XXXXXX", from[600], path[600], text[128];
    amass_speech_acoustic_model *model = NULL;
    amass_sphinx_gaussians *means;
    amass_status status;
    FILE *file;
    if (!mkdtemp(directory)) {
        skip("cannot make a temporary directory");
        return;
    }
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(from, sizeof from, "%s/%s", AN4, files[i]);
        snprintf(path, sizeof path, "%s/%s", directory, files[i]);
        copy_file(from, path, -1);
    }
    snprintf(path, sizeof path, "%s/feat.params", directory);
    unlink(path);
    amass_status_clear(&status);
    ok(amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK &&
           amass_speech_acoustic_model_feature_dim(model) == 39,
       "an4 without feat.params opens on the defaults");
    amass_speech_acoustic_model_close(model);

    /* Mixture weights for one senone fewer than the mdef has. */
    snprintf(from, sizeof from, "%s/means", AN4);
    means = amass_sphinx_gaussians_open(from, 0, &status);
    snprintf(path, sizeof path, "%s/mixture_weights", directory);
    if (means && (file = fopen(path, "wb"))) {
        int32_t header[5] = {0x11223344, 101, 1, means->n_densities, 101 * means->n_densities};
        float weight = 1.0f / (float)means->n_densities;
        fputs("s3\nversion 1.0\nchksum0 no\nendhdr\n", file);
        fwrite(header, sizeof header, 1, file);
        for (int32_t i = 0; i < header[4]; i++)
            fwrite(&weight, sizeof weight, 1, file);
        fclose(file);
        snprintf(text, sizeof text, "mixture_weights: 101 senones x 1 streams x %d densities, but the mdef",
                 (int)means->n_densities);
        expect_failure(directory, text, "mixture_weights senone count differs from the mdef");
    } else
        skip("an4 means unreadable");
    amass_sphinx_gaussians_close(means);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", directory, files[i]);
        unlink(path);
    }
    rmdir(directory);
}


int main(void)
{
    if (!file_exists(EN_US "/sendump") || !file_exists(AN4 "/transition_matrices"))
        skip("pocketsphinx-en-us or pocketsphinx-testdata not installed");
    else
        test_bad_models();
    if (!file_exists(AN4 "/mixture_weights"))
        skip("pocketsphinx-testdata (an4_ci_cont) not installed");
    else {
        test_options();
        test_bad_continuous();
    }
    return done_testing();
}
