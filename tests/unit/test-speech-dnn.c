/* Unit tests of the DNN acoustic scorer (src/speech/dnn.c) with the random
 * network of testdata/dnn over the en-us senones: parity with ONNX Runtime
 * on real feature windows of goforward.raw, block-size independence, the
 * choice of scorer kind, broken model directories, and a decode end to end.
 * With --features CLIP.raw OUT.f32 it writes a clip's features instead
 * (testdata/dnn/make-dnn's input). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/sphinx.h"
#include "formats/sphinx_lm.h"
#include "speech-gmm-helpers.h"
#include "speech/search.h"

#define EN_US_DIR "/usr/share/pocketsphinx/model/en-us"
#define FEATURE_DIM 39

static char testdata[4096];

static const char *data_path(const char *name)
{
    static char path[sizeof testdata + 64];
    snprintf(path, sizeof path, "%s/%s", testdata, name);
    return path;
}

static int dump_features(const char *clip, const char *out_path)
{
    amass_status status;
    amass_speech_acoustic_options options;
    amass_speech_acoustic_model *model = NULL;
    size_t n_frames = 0;
    float *features;
    FILE *out;
    amass_status_clear(&status);
    amass_speech_acoustic_options_default(&options);
    options.kind = "gmm";
    if (amass_speech_acoustic_model_open(EN_US, &options, &model, &status) != AMASS_OK) {
        fprintf(stderr, "test-speech-dnn: %s\n", status.message);
        return 1;
    }
    if (!(features = utterance_features(model, clip, &n_frames)) || !(out = fopen(out_path, "wb"))) {
        fprintf(stderr, "test-speech-dnn: cannot read %s or write %s\n", clip, out_path);
        return 1;
    }
    fwrite(features, sizeof *features, n_frames * FEATURE_DIM, out);
    fclose(out);
    free(features);
    amass_speech_acoustic_model_close(model);
    return 0;
}

/* Reads exactly count float32 values: a shorter or longer file fails. */
static int read_floats(const char *path, float *values, size_t count)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return 0;
    size_t got = fread(values, sizeof *values, count, file);
    int extra = fgetc(file) != EOF;
    fclose(file);
    return got == count && !extra;
}

static void *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (!file)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1)) && fread(data, 1, (size_t)size, file) == (size_t)size) {
        data[size] = '\0';
        *length = (size_t)size;
    } else {
        free(data);
        data = NULL;
    }
    fclose(file);
    return data;
}

static int write_model_file(const char *directory, const char *name, const char *text)
{
    char path[4096];
    FILE *file;
    snprintf(path, sizeof path, "%s/%s", directory, name);
    unlink(path);
    if (!(file = fopen(path, "w")))
        return 0;
    fputs(text, file);
    return fclose(file) == 0;
}

static int link_into(const char *directory, const char *name, const char *target)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    unlink(path);
    return symlink(target, path) == 0;
}

/* A model directory: the en-us Sphinx files (Gaussians too, so gmm can be
 * forced) and testdata/dnn's network (as dnn.onnx), priors and params. */
static int make_model(const char *directory, const char *network)
{
    static const char *const sphinx[] = {"mdef", "transition_matrices", "feat.params", "noisedict", "means",
                                         "variances", "sendump"};
    char target[4096];
    for (size_t i = 0; i < sizeof sphinx / sizeof *sphinx; i++) {
        snprintf(target, sizeof target, "%s/%s", EN_US, sphinx[i]);
        if (!link_into(directory, sphinx[i], target))
            return 0;
    }
    char onnx[sizeof testdata + 64], priors[sizeof testdata + 64], params[sizeof testdata + 64];
    snprintf(onnx, sizeof onnx, "%s", data_path(network));
    snprintf(priors, sizeof priors, "%s", data_path("priors"));
    snprintf(params, sizeof params, "%s", data_path("dnn.params"));
    return link_into(directory, "dnn.onnx", onnx) && link_into(directory, "priors", priors) &&
           link_into(directory, "dnn.params", params);
}

/* Opens the directory expecting failure with a message holding both words. */
static void expect_failure(const char *directory, const char *want1, const char *want2, const char *name)
{
    amass_status status;
    amass_speech_acoustic_model *model = NULL;
    amass_status_clear(&status);
    amass_code code = amass_speech_acoustic_model_open(directory, NULL, &model, &status);
    if (!ok(code != AMASS_OK && !model && strstr(status.message, want1) && strstr(status.message, want2), name))
        printf("#   code %d, message: %s\n", (int)code, status.message);
    amass_speech_acoustic_model_close(model);
}

/* Reference scores of one row from ONNX Runtime's logits, in double:
 * log-softmax minus the log of the normalised, floored prior. */
static void reference_row(const float *logits, const double *priors, double prior_sum, size_t n, double *out)
{
    double top = -INFINITY, sum = 0;
    for (size_t j = 0; j < n; j++)
        top = fmax(top, logits[j]);
    for (size_t j = 0; j < n; j++)
        sum += exp(logits[j] - top);
    for (size_t j = 0; j < n; j++)
        out[j] = logits[j] - top - log(sum) - log(fmax(priors[j] / prior_sum, 1e-5));
}

/* reference: ONNX Runtime's logits for the model's network; what names
 * the network in the check. */
static void test_parity(const amass_speech_acoustic_model *model, const float *features, size_t n_frames,
                        const char *reference, const char *what)
{
    size_t n = (size_t)amass_speech_acoustic_model_n_senones(model), length, n_rows = 0;
    size_t frames[64];
    char *text = read_file(data_path("goforward.frames"), &length), *at = text;
    char *priors_text = read_file(data_path("priors"), &length);
    double *priors = malloc(n * sizeof *priors), prior_sum = 0, *expected = malloc(n * sizeof *expected);
    float *scores = malloc(n_frames * n * sizeof *scores), *logits = NULL;
    amass_speech_scorer *scorer = NULL;
    amass_status status;
    amass_status_clear(&status);
    if (!ok(text && priors_text && priors && expected && scores, "parity fixtures read"))
        goto done;
    for (char *end; n_rows < 64; at = end) {
        unsigned long value = strtoul(at, &end, 10);
        if (end == at)
            break;
        frames[n_rows++] = value;
    }
    at = priors_text;
    for (size_t j = 0; j < n; j++) {
        priors[j] = strtod(at, &at);
        prior_sum += priors[j];
    }
    logits = malloc(n_rows * n * sizeof *logits);
    if (!ok(logits && n_rows > 0 && read_floats(data_path(reference), logits, n_rows * n),
            "ONNX Runtime's logits read"))
        goto done;
    if (!ok(amass_speech_scorer_open(model, &scorer, &status) == AMASS_OK &&
                amass_speech_scorer_score(scorer, features, n_frames, 0, n_frames, scores, &status) == AMASS_OK,
            "the whole utterance scores in one call")) {
        printf("# %s\n", status.message);
        goto done;
    }
    double worst = 0, spread = 0;
    for (size_t r = 0; r < n_rows; r++) {
        reference_row(logits + r * n, priors, prior_sum, n, expected);
        for (size_t j = 0; j < n; j++) {
            worst = fmax(worst, fabs(scores[frames[r] * n + j] - expected[j]));
            spread = fmax(spread, fabs(scores[frames[r] * n + j] - scores[frames[0] * n + j]));
        }
    }
    printf("# %zu frames x %zu senones: max |amass - ONNX Runtime| %.3g (a senone's score moves by up to %.1f "
           "between frames)\n",
           n_rows, n, worst, spread);
    char name[160];
    snprintf(name, sizeof name,
             "%s: scores match ONNX Runtime's log-softmax over the priors within 1e-4, at both ends too", what);
    ok(worst <= 1e-4, name);
    /* Splicing that read the wrong frames could still pass if the network
     * hardly looked at its input. */
    ok(spread > 1, "the fixture's scores depend on the frame");

    /* Any block size gives the same bits. */
    float *blocked = malloc(n_frames * n * sizeof *blocked);
    static const size_t blocks[] = {1, 7, 63, 64, 65, 128};
    for (size_t b = 0; blocked && b < sizeof blocks / sizeof *blocks; b++) {
        int same = 1;
        for (size_t first = 0; same && first < n_frames; first += blocks[b]) {
            size_t count = n_frames - first < blocks[b] ? n_frames - first : blocks[b];
            same = amass_speech_scorer_score(scorer, features, n_frames, first, count, blocked + first * n,
                                             &status) == AMASS_OK;
        }
        snprintf(name, sizeof name, "blocks of %zu frames give the same scores as one block", blocks[b]);
        ok(same && memcmp(blocked, scores, n_frames * n * sizeof *scores) == 0, name);
    }
    free(blocked);

    /* Frames near the end, scored alone, see the same (clamped) context. */
    float row[8192];
    ok(n <= 8192 && amass_speech_scorer_score(scorer, features, n_frames, n_frames - 1, 1, row, &status) == AMASS_OK &&
           memcmp(row, scores + (n_frames - 1) * n, n * sizeof *row) == 0,
       "the last frame scored alone matches");
    ok(amass_speech_scorer_score(scorer, features, n_frames, n_frames, 1, row, &status) == AMASS_ERR_USAGE,
       "frames past the utterance are refused");
done:
    amass_speech_scorer_close(scorer);
    free(text);
    free(priors_text);
    free(priors);
    free(expected);
    free(scores);
    free(logits);
}

static void test_kinds(const char *directory)
{
    amass_speech_acoustic_options options;
    amass_speech_acoustic_model *model = NULL;
    amass_status status;
    amass_status_clear(&status);
    amass_speech_acoustic_options_default(&options);
    options.kind = "gmm";
    ok(amass_speech_acoustic_model_open(directory, &options, &model, &status) == AMASS_OK &&
           strcmp(amass_speech_acoustic_model_kind(model), "gmm") == 0,
       "kind gmm forces the GMM in a directory with both");
    amass_speech_acoustic_model_close(model);
    model = NULL;
    options.kind = "hmm";
    ok(amass_speech_acoustic_model_open(directory, &options, &model, &status) == AMASS_ERR_USAGE && !model &&
           strstr(status.message, "'hmm'"),
       "an unknown kind is a usage error naming it");
    options.kind = "dnn";
    ok(amass_speech_acoustic_model_open(EN_US, &options, &model, &status) != AMASS_OK && !model &&
           strstr(status.message, "dnn.params"),
       "kind dnn on a GMM-only directory names the missing file");
}

static void test_bad_models(const char *directory)
{
    char priors[sizeof testdata + 64], params[sizeof testdata + 64], onnx[sizeof testdata + 64];
    snprintf(priors, sizeof priors, "%s", data_path("priors"));
    snprintf(params, sizeof params, "%s", data_path("dnn.params"));
    snprintf(onnx, sizeof onnx, "%s", data_path("dnn.onnx"));
    char path[4096];

    snprintf(path, sizeof path, "%s/priors", directory);
    unlink(path);
    expect_failure(directory, "/priors", "No such file", "a missing priors file is named");

    /* One prior short, one too many, one bad value. */
    size_t length;
    char *text = read_file(priors, &length);
    if (text && length > 2) {
        char *last = text + length - 2;
        while (last > text && last[-1] != '\n')
            last--;
        char saved = *last;
        *last = '\0';
        write_model_file(directory, "priors", text);
        expect_failure(directory, "/priors", "5125 priors, but the mdef has 5126 senones",
                       "a prior too few is refused with both counts");
        *last = saved;
    }
    if (text) {
        write_model_file(directory, "priors", text);
        FILE *file = fopen(path, "a");
        if (file) {
            fputs("0.5\n", file);
            fclose(file);
        }
        expect_failure(directory, "/priors", "more than the mdef's 5126", "a prior too many is refused");
        text[0] = '-';
        write_model_file(directory, "priors", text);
        expect_failure(directory, "/priors", "value 1 '-", "a negative prior is refused");
        text[0] = 'x';
        write_model_file(directory, "priors", text);
        expect_failure(directory, "/priors", "value 1 'x", "a prior that is no number is refused");
    }
    free(text);
    write_model_file(directory, "priors", "0\n");
    {
        /* All zeros: nothing to normalise by. */
        FILE *file = fopen(path, "w");
        for (int i = 0; file && i < 5126; i++)
            fputs("0\n", file);
        if (file)
            fclose(file);
        expect_failure(directory, "/priors", "positive finite sum", "priors summing to zero are refused");
    }
    link_into(directory, "priors", priors);

    /* dnn.params */
    write_model_file(directory, "dnn.params", "-context 4,5\n");
    expect_failure(directory, "dnn.onnx", "must be [N, 390]", "a context that does not fit the network's input is refused");
    write_model_file(directory, "dnn.params", "-context 5\n");
    expect_failure(directory, "dnn.params", "-context '5'", "a context without R is refused");
    write_model_file(directory, "dnn.params", "-context 5,-1\n");
    expect_failure(directory, "dnn.params", "-context '5,-1'", "a negative context is refused");
    write_model_file(directory, "dnn.params", "-context 500,5\n");
    expect_failure(directory, "dnn.params", "0..50", "a huge context is refused");
    write_model_file(directory, "dnn.params", "# no context\n");
    expect_failure(directory, "dnn.params", "no -context", "params without a context are refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -splice 3\n");
    expect_failure(directory, "dnn.params", "unknown option '-splice'", "an unknown option is refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -acoustic_scale 0\n");
    expect_failure(directory, "-acoustic_scale '0'", "(0..100", "a zero acoustic scale is refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -acoustic_scale 1e9\n");
    expect_failure(directory, "dnn.params", "-acoustic_scale '1e9'", "a huge acoustic scale is refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -prior_scale -1\n");
    expect_failure(directory, "-prior_scale '-1'", "[0..100", "a negative prior scale is refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -prior_scale 0.5x\n");
    expect_failure(directory, "dnn.params", "'0.5x' is not a number", "a prior scale that is no number is refused");
    write_model_file(directory, "dnn.params", "-context 5,5 -acoustic_scale nan\n");
    expect_failure(directory, "dnn.params", "'nan'", "a NaN acoustic scale is refused");
    write_model_file(directory, "dnn.params", "-context\n");
    expect_failure(directory, "dnn.params", "has no value", "an option without a value is refused");
    snprintf(path, sizeof path, "%s/dnn.params", directory);
    unlink(path);
    expect_failure(directory, "dnn.params", "No such file", "a missing dnn.params is named");
    link_into(directory, "dnn.params", params);

    /* A network whose output is not one score per senone. */
    link_into(directory, "dnn.onnx", data_path("wrong-senones.onnx"));
    expect_failure(directory, "dnn.onnx", "must be float [N, 5126]", "a network with the wrong output width is refused");
    write_model_file(directory, "dnn.onnx", "not a network");
    expect_failure(directory, "dnn.onnx", "", "a dnn.onnx that is not ONNX is refused");
    link_into(directory, "dnn.onnx", onnx);
}

/* Scores of the whole utterance under the given dnn.params text, or NULL. */
static float *scores_with_params(const char *directory, const char *params, const float *features, size_t n_frames)
{
    amass_speech_acoustic_model *model = NULL;
    amass_speech_scorer *scorer = NULL;
    amass_status status;
    float *scores = NULL;
    amass_status_clear(&status);
    if (write_model_file(directory, "dnn.params", params) &&
        amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK &&
        amass_speech_scorer_open(model, &scorer, &status) == AMASS_OK &&
        (scores = malloc(n_frames * 5126 * sizeof *scores)) &&
        amass_speech_scorer_score(scorer, features, n_frames, 0, n_frames, scores, &status) != AMASS_OK) {
        free(scores);
        scores = NULL;
    }
    if (status.code != AMASS_OK)
        printf("# %s: %s\n", params, status.message);
    amass_speech_scorer_close(scorer);
    amass_speech_acoustic_model_close(model);
    return scores;
}

/* -acoustic_scale multiplies the scores; -prior_scale weighs the prior
 * division (0: none, the plain log-posteriors). */
static void test_scales(const char *directory, const float *features, size_t n_frames)
{
    size_t n = 5126, length;
    float *plain = scores_with_params(directory, "-context 5,5\n", features, n_frames);
    float *doubled = scores_with_params(directory, "-context 5,5 -acoustic_scale 2\n", features, n_frames);
    float *no_prior = scores_with_params(directory, "# tuned\n-context 5,5\n-prior_scale 0\n", features, n_frames);
    float *half = scores_with_params(directory, "-context 5,5 -acoustic_scale 0.5 -prior_scale 0.5\n", features,
                                     n_frames);
    char *priors_text = read_file(data_path("priors"), &length), *at = priors_text;
    double *log_priors = malloc(n * sizeof *log_priors), sum = 0;
    if (ok(plain && doubled && no_prior && half && priors_text && log_priors, "scaled models score")) {
        double worst_double = 0, worst_prior = 0, worst_half = 0;
        for (size_t j = 0; j < n; j++)
            sum += (log_priors[j] = strtod(at, &at));
        for (size_t j = 0; j < n; j++)
            log_priors[j] = log(fmax(log_priors[j] / sum, 1e-5));
        for (size_t t = 0; t < n_frames; t++)
            for (size_t j = 0; j < n; j++) {
                size_t i = t * n + j;
                worst_double = fmax(worst_double, fabs(doubled[i] - 2 * plain[i]));
                worst_prior = fmax(worst_prior, fabs(no_prior[i] - (plain[i] + log_priors[j])));
                worst_half = fmax(worst_half, fabs(half[i] - 0.5 * (plain[i] + 0.5 * log_priors[j])));
            }
        ok(worst_double == 0, "-acoustic_scale 2 doubles every score");
        if (!ok(worst_prior < 1e-4, "-prior_scale 0 leaves the log-posteriors undivided by the priors"))
            printf("#   max error %g\n", worst_prior);
        if (!ok(worst_half < 1e-4, "-acoustic_scale 0.5 -prior_scale 0.5 scales both parts"))
            printf("#   max error %g\n", worst_half);
    }
    free(plain);
    free(doubled);
    free(no_prior);
    free(half);
    free(priors_text);
    free(log_priors);
    link_into(directory, "dnn.params", data_path("dnn.params"));
}

/* The random network gives nonsense words, but the whole path (lexicon
 * over the DNN model, scores into the search, a hypothesis out) must run. */
static void test_decode(const amass_speech_acoustic_model *model, const float *features, size_t n_frames)
{
    amass_status status;
    amass_sphinx_dict *dict = NULL;
    amass_lm *lm = NULL;
    amass_speech_lexicon *lexicon = NULL;
    amass_speech_decoder *decoder = NULL;
    amass_speech_scorer *scorer = NULL;
    amass_speech_search_options options;
    amass_speech_hypothesis hypothesis;
    size_t n = (size_t)amass_speech_acoustic_model_n_senones(model), block = 128;
    float *scores = malloc(block * n * sizeof *scores);
    amass_code code;
    amass_status_clear(&status);
    amass_speech_search_options_default(&options);
    amass_speech_hypothesis_init(&hypothesis);
    if (!(dict = amass_sphinx_dict_open(EN_US_DIR "/cmudict-en-us.dict", amass_speech_acoustic_model_noisedict(model),
                                        amass_speech_acoustic_model_mdef(model), NULL, &status)) ||
        !(lm = amass_formats_lm_open(EN_US_DIR "/en-us.lm.bin", &status)))
        code = status.code;
    else
        code = amass_speech_lexicon_open(model, dict, lm, &lexicon, &status);
    if (code == AMASS_OK)
        code = amass_speech_decoder_open(lexicon, &options, &decoder, &status);
    if (code == AMASS_OK)
        code = amass_speech_scorer_open(model, &scorer, &status);
    if (code == AMASS_OK && !scores)
        code = AMASS_ERR_NOMEM;
    if (code == AMASS_OK)
        code = amass_speech_decoder_start(decoder, &status);
    for (size_t first = 0; code == AMASS_OK && first < n_frames; first += block) {
        size_t count = n_frames - first < block ? n_frames - first : block;
        code = amass_speech_scorer_score(scorer, features, n_frames, first, count, scores, &status);
        if (code == AMASS_OK)
            code = amass_speech_decoder_step(decoder, scores, count, &status);
    }
    if (code == AMASS_OK)
        code = amass_speech_decoder_finish(decoder, &hypothesis, &status);
    if (!ok(code == AMASS_OK, "goforward decodes end to end with the DNN scorer"))
        printf("# %s\n", status.message);
    printf("# words:");
    for (size_t w = 0; w < hypothesis.n_words; w++)
        printf(" %s", hypothesis.words[w].word ? hypothesis.words[w].word : "?");
    printf("\n");
    amass_speech_hypothesis_free(&hypothesis);
    amass_speech_scorer_close(scorer);
    amass_speech_decoder_close(decoder);
    amass_speech_lexicon_close(lexicon);
    amass_formats_lm_close(lm);
    amass_sphinx_dict_close(dict);
    free(scores);
}

static void remove_model(const char *directory)
{
    static const char *const names[] = {"mdef", "transition_matrices", "feat.params", "noisedict", "means",
                                        "variances", "sendump", "dnn.onnx", "priors", "dnn.params"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        unlink(path);
    }
    rmdir(directory);
}

/* The same network with its matrices stored as float16 and widened by
 * Casts (how scripts/dnn/train.py ships dnn.onnx): the loader widens the
 * constants, the Casts fold away, and the scores follow ONNX Runtime's
 * for that file. */
static void test_half_weights(const float *features, size_t n_frames)
{
    char directory[] = "/tmp/amass-test-dnn-XXXXXX";
    amass_status status;
    amass_speech_acoustic_model *model = NULL;
    amass_status_clear(&status);
    if (!ok(mkdtemp(directory) && make_model(directory, "dnn-fp16.onnx"), "a float16 DNN model directory is made"))
        return;
    if (!ok(amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK,
            "a network with float16 matrices opens"))
        printf("# %s\n", status.message);
    if (model)
        test_parity(model, features, n_frames, "goforward.ort-fp16.f32", "float16 matrices");
    amass_speech_acoustic_model_close(model);
    remove_model(directory);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--features") == 0)
        return dump_features(argv[2], argv[3]);
    /* Absolute, because the model directory links to these files from
     * /tmp: an in-tree build's top_srcdir is ".". */
    const char *top = getenv("top_srcdir");
    char relative[sizeof testdata];
    snprintf(relative, sizeof relative, "%s/testdata/dnn", top ? top : ".");
    if (!realpath(relative, testdata))
        snprintf(testdata, sizeof testdata, "%s", relative);
    if (!file_exists(EN_US "/mdef")) {
        skip("the pocketsphinx-en-us model is not installed");
        return done_testing();
    }
    char directory[] = "/tmp/amass-test-dnn-XXXXXX";
    if (!ok(mkdtemp(directory) && make_model(directory, "dnn.onnx"), "a DNN model directory is made"))
        return done_testing();

    amass_status status;
    amass_speech_acoustic_model *model = NULL;
    amass_status_clear(&status);
    size_t length = 0;
    float *features = read_file(data_path("goforward.features.f32"), &length);
    size_t n_frames = length / (FEATURE_DIM * sizeof(float));
    ok(features && n_frames > 20 && length % (FEATURE_DIM * sizeof(float)) == 0, "goforward's features read");
    if (!ok(amass_speech_acoustic_model_open(directory, NULL, &model, &status) == AMASS_OK, "the DNN model opens"))
        printf("# %s\n", status.message);
    if (model && features) {
        is_str(amass_speech_acoustic_model_kind(model), "dnn", "dnn.onnx makes the default kind dnn");
        test_parity(model, features, n_frames, "goforward.ort.f32", "float32 network");
        test_decode(model, features, n_frames);
    }
    amass_speech_acoustic_model_close(model);
    if (features)
        test_scales(directory, features, n_frames);
    test_kinds(directory);
    test_bad_models(directory);
    remove_model(directory);
    if (features)
        test_half_weights(features, n_frames);
    free(features);
    return done_testing();
}
