/* Teacher targets for training the DNN acoustic model: features and GMM senone posteriors per frame. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "media/media.h"
#include "speech/acoustic.h"
#include "speech/speech.h"

#include "align.h"

/* Not a test and not installed: `make` builds it so that
 * scripts/train-dnn-am always runs the front end and the GMM scorer the
 * library ships, the ones amass-transcribe decodes with. It is a program
 * rather than a hidden option of amass-transcribe because what it writes
 * (features and soft targets) is training data, no user's output.
 *
 *   dump-targets [--scale S] [--top K] [--texts TSV --dict DICT [--align-weight A]]
 *                MODEL_DIR OUTPUT FILE...
 *
 * Each FILE (audio, or headerless s16le at 16 kHz when it ends in .raw) is
 * one utterance, as a training clip is: the front end runs over all of it,
 * frames of digital silence at its ends are dropped as amass-transcribe
 * drops them, the rest gets the model's CMN and 1s_c_d_dd, and the GMM
 * scores every frame. The teacher's posterior of senone s at frame t is
 * softmax_s(S * log p(x_t | s)), kept as its K largest values renormalised
 * to sum to 1.
 *
 * The acoustic scale S: the GMM's log-likelihoods differ by hundreds of
 * nats between senones, so at S = 1 the posterior is one-hot and tells the
 * student nothing about which other senones are close. The decoder weighs
 * acoustic scores against the language model at 1 : lw (lw = 6.5 for en-us),
 * the same as scaling the acoustic scores by 1/lw against an LM weight of
 * 1; posteriors at that scale are the frame-level confidence the decoder
 * itself acts on. The default S = 0.15 (about 1/6.5).
 *
 * With --texts, a FILE whose path the TSV lists (PATH, tab, the words
 * spoken, lowercase, as DICT spells them) is also force-aligned
 * (align.c): the GMM's best path through those words, with pauses
 * allowed. Its targets are then (1 - A) x the posteriors above plus A on
 * the aligned senone (default A = 0.5), so the student learns what was
 * said where the transcript is known, beside how the teacher hedges. A
 * file that cannot be aligned (a word the dictionary lacks, too few
 * frames) keeps its posteriors and is counted on stderr.
 *
 * OUTPUT, little-endian as the host writes it (the trainer reads it back
 * on the same machine):
 *   "AMDT0001", int32 feature_dim, int32 top_k, int32 n_senones, float32 S
 *   per file: int32 path_length, the path's bytes, int32 n_frames,
 *             n_frames x feature_dim float32 features,
 *             n_frames x top_k uint16 senone ids (best first),
 *             n_frames x top_k float32 posteriors.
 * A file that cannot be read is reported on stderr and left out; the exit
 * status is then 1. */

#define DEFAULT_SCALE 0.15
#define DEFAULT_TOP 16
#define MAX_TOP 64
#define READ_BLOCK 16384
#define DEFAULT_ALIGN_WEIGHT 0.5
#define MAX_TEXT_LINE 65536

typedef struct {
    char *path, *words;
} known_text;

typedef struct {
    amass_speech_acoustic_model *model;
    amass_speech_scorer *scorer;
    amass_speech_frontend *frontend;
    const amass_speech_params *params;
    double scale;
    int top;
    int feature_dim;
    int32_t n_senones;
    amass_speech_frames cepstra;
    float *features, *scores;
    FILE *output;
    amass_sphinx_dict *dict;
    known_text *texts;
    size_t n_texts, n_aligned, n_unaligned;
    double align_weight;
} dumper;

static int write_all(FILE *output, const void *data, size_t size, size_t count)
{
    return fwrite(data, size, count, output) == count;
}

/* The top entries of one frame's posterior, best first. */
static void top_posteriors(const float *scores, int32_t n_senones, double scale, int top, uint16_t *ids,
                           float *weights)
{
    double best = -INFINITY, sum = 0;
    int kept = 0;
    for (int32_t s = 0; s < n_senones; s++)
        best = scores[s] > best ? scores[s] : best;
    /* Insertion into a short sorted list: K is small next to the senones. */
    for (int32_t s = 0; s < n_senones; s++) {
        float value = (float)exp(scale * ((double)scores[s] - best));
        int at = kept < top ? kept : top;
        if (kept == top && value <= weights[top - 1])
            continue;
        while (at > 0 && weights[at - 1] < value) {
            if (at < top) {
                weights[at] = weights[at - 1];
                ids[at] = ids[at - 1];
            }
            at--;
        }
        weights[at] = value;
        ids[at] = (uint16_t)s;
        if (kept < top)
            kept++;
    }
    for (int k = 0; k < kept; k++)
        sum += weights[k];
    for (int k = 0; k < kept; k++)
        weights[k] = (float)(weights[k] / sum);
    for (int k = kept; k < top; k++) {
        ids[k] = 0;
        weights[k] = 0;
    }
}

/* (1 - weight) x the frame's posteriors + weight on the aligned senone,
 * which takes the place of the least likely entry when it is not among
 * them; kept best first and summing to 1. */
static void add_alignment(uint16_t *ids, float *weights, int top, int32_t aligned, double weight)
{
    int at = top - 1;
    double sum = 0;
    for (int k = 0; k < top; k++) {
        weights[k] = (float)((1 - weight) * weights[k]);
        if (ids[k] == (uint16_t)aligned && weights[k] > 0)
            at = k;
    }
    if (ids[at] != (uint16_t)aligned || weights[at] == 0) {
        ids[at] = (uint16_t)aligned;
        weights[at] = 0;
    }
    weights[at] += (float)weight;
    for (; at > 0 && weights[at - 1] < weights[at]; at--) {
        float w = weights[at];
        uint16_t id = ids[at];
        weights[at] = weights[at - 1];
        ids[at] = ids[at - 1];
        weights[at - 1] = w;
        ids[at - 1] = id;
    }
    for (int k = 0; k < top; k++)
        sum += weights[k];
    for (int k = 0; k < top; k++)
        weights[k] = (float)(weights[k] / sum);
}

static const char *known_words(const dumper *d, const char *path)
{
    for (size_t i = 0; i < d->n_texts; i++)
        if (strcmp(d->texts[i].path, path) == 0)
            return d->texts[i].words;
    return NULL;
}

/* Reads --texts: PATH, tab, words, a line each. */
static int read_texts(dumper *d, const char *file)
{
    FILE *in = fopen(file, "r");
    char *line = malloc(MAX_TEXT_LINE);
    size_t capacity = 0, number = 0;
    int ok = in && line;
    if (in && !line)
        fprintf(stderr, "dump-targets: out of memory\n");
    while (ok && fgets(line, MAX_TEXT_LINE, in)) {
        size_t length = strcspn(line, "\r\n");
        char *tab = strchr(line, '\t');
        number++;
        if (length == MAX_TEXT_LINE - 1 || !tab || tab > line + length) {
            fprintf(stderr, "dump-targets: %s:%zu: not PATH<tab>WORDS\n", file, number);
            ok = 0;
            break;
        }
        line[length] = '\0';
        *tab = '\0';
        if (d->n_texts == capacity) {
            capacity = capacity ? 2 * capacity : 256;
            known_text *grown = realloc(d->texts, capacity * sizeof *grown);
            if (!grown) {
                ok = (fprintf(stderr, "dump-targets: out of memory\n"), 0);
                break;
            }
            d->texts = grown;
        }
        d->texts[d->n_texts].path = strdup(line);
        d->texts[d->n_texts].words = strdup(tab + 1);
        if (!d->texts[d->n_texts].path || !d->texts[d->n_texts].words) {
            free(d->texts[d->n_texts].path);
            free(d->texts[d->n_texts].words);
            ok = (fprintf(stderr, "dump-targets: out of memory\n"), 0);
            break;
        }
        d->n_texts++;
    }
    if (!in)
        fprintf(stderr, "dump-targets: %s: %s\n", file, strerror(errno));
    else if (ok && ferror(in))
        ok = (fprintf(stderr, "dump-targets: %s: read error\n", file), 0);
    if (in)
        fclose(in);
    free(line);
    return ok;
}

/* Forced alignment of a file with known words into its targets; a file
 * that will not align keeps its posteriors. */
static amass_code align_file(dumper *d, const char *path, size_t n, uint16_t *ids, float *weights)
{
    const char *words = known_words(d, path);
    int32_t *senones;
    amass_status status;
    if (!words)
        return AMASS_OK;
    amass_status_clear(&status);
    if (!(senones = amass_alloc_array(n, sizeof *senones)))
        return AMASS_ERR_NOMEM;
    if (align_words(d->model, d->dict, words, d->scores, n, senones, &status) == AMASS_OK) {
        for (size_t t = 0; t < n; t++)
            add_alignment(ids + t * (size_t)d->top, weights + t * (size_t)d->top, d->top, senones[t], d->align_weight);
        d->n_aligned++;
    } else if (status.code == AMASS_ERR_NOMEM) {
        free(senones);
        return AMASS_ERR_NOMEM;
    } else {
        fprintf(stderr, "dump-targets: %s: not aligned: %s\n", path, status.message);
        d->n_unaligned++;
    }
    free(senones);
    return AMASS_OK;
}

static amass_code read_cepstra(dumper *d, const char *path, amass_status *status)
{
    amass_audio_options options = {0};
    amass_audio_reader *reader;
    float *samples = malloc(READ_BLOCK * sizeof *samples);
    size_t count, length = strlen(path);
    amass_code code = AMASS_OK;
    if (!samples)
        return amass_fail(status, AMASS_ERR_NOMEM, "out of memory");
    options.sample_rate = (int)d->params->sample_rate;
    if (length > 4 && strcmp(path + length - 4, ".raw") == 0)
        options.raw_rate = (int)d->params->sample_rate;
    d->cepstra.n_frames = 0;
    if (amass_media_audio_open(path, &options, &reader, status) != AMASS_OK) {
        free(samples);
        return status->code;
    }
    for (;;) {
        if ((code = amass_media_audio_read(reader, samples, READ_BLOCK, &count, status)) != AMASS_OK || count == 0)
            break;
        if ((code = amass_speech_frontend_feed_float(d->frontend, samples, count, &d->cepstra, status)) != AMASS_OK)
            break;
    }
    if (code == AMASS_OK && amass_media_audio_samples_read(reader) > 0)
        code = amass_speech_frontend_finish(d->frontend, &d->cepstra, status);
    amass_media_audio_close(reader);
    free(samples);
    return code;
}

static amass_code dump_file(dumper *d, const char *path, amass_status *status)
{
    int n_cepstra = d->params->n_cepstra;
    size_t first = 0, end, n, n_senones = (size_t)d->n_senones, top = (size_t)d->top;
    amass_speech_cmn_state *cmn = NULL;
    uint16_t *ids = NULL;
    float *weights = NULL, *cepstra;
    int32_t header[2];
    amass_code code = AMASS_OK;
    if (read_cepstra(d, path, status) != AMASS_OK)
        return status->code;
    end = d->cepstra.n_frames;
    /* c0 < 0: digital silence, which amass-transcribe never scores. */
    while (first < end && d->cepstra.data[first * (size_t)n_cepstra] < 0)
        first++;
    while (end > first && d->cepstra.data[(end - 1) * (size_t)n_cepstra] < 0)
        end--;
    n = end - first;
    if (n == 0)
        return amass_fail(status, AMASS_ERR_INPUT, "%s: no frames with energy", path);
    cepstra = d->cepstra.data + first * (size_t)n_cepstra;
    free(d->features);
    free(d->scores);
    d->features = amass_alloc_array(n, (size_t)d->feature_dim * sizeof *d->features);
    d->scores = amass_alloc_array(n, n_senones * sizeof *d->scores);
    ids = amass_alloc_array(n, top * sizeof *ids);
    weights = amass_alloc_array(n, top * sizeof *weights);
    if (!d->features || !d->scores || !ids || !weights) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory for %zu frames", path, n);
        goto done;
    }
    if (d->params->cmn != AMASS_SPEECH_CMN_NONE) {
        if ((code = amass_speech_cmn_open(d->params, &cmn, status)) != AMASS_OK)
            goto done;
        amass_speech_cmn_apply(cmn, cepstra, n);
    }
    amass_speech_features_1s_c_d_dd(cepstra, n, n_cepstra, d->features);
    if ((code = amass_speech_scorer_score(d->scorer, d->features, n, 0, n, d->scores, status)) != AMASS_OK) {
        amass_status_prefix(status, path);
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        top_posteriors(d->scores + t * n_senones, d->n_senones, d->scale, d->top, ids + t * top, weights + t * top);
    if (d->dict && align_file(d, path, n, ids, weights) != AMASS_OK) {
        code = amass_fail(status, AMASS_ERR_NOMEM, "%s: out of memory aligning %zu frames", path, n);
        goto done;
    }
    header[0] = (int32_t)strlen(path);
    header[1] = (int32_t)n;
    if (!write_all(d->output, &header[0], sizeof header[0], 1) || !write_all(d->output, path, 1, strlen(path)) ||
        !write_all(d->output, &header[1], sizeof header[1], 1) ||
        !write_all(d->output, d->features, sizeof *d->features, n * (size_t)d->feature_dim) ||
        !write_all(d->output, ids, sizeof *ids, n * top) || !write_all(d->output, weights, sizeof *weights, n * top))
        code = amass_fail(status, AMASS_ERR_FATAL, "writing the output: %s", strerror(errno));
done:
    amass_speech_cmn_close(cmn);
    free(ids);
    free(weights);
    return code;
}

static int usage(void)
{
    fprintf(stderr, "usage: dump-targets [--scale S] [--top K] [--texts TSV --dict DICT [--align-weight A]] "
                    "MODEL_DIR OUTPUT FILE...\n");
    return 2;
}

int main(int argc, char **argv)
{
    amass_speech_acoustic_options options;
    amass_status status;
    dumper d;
    int i = 1, failed = 0, code;
    char *end;
    const char *texts = NULL, *dict = NULL;
    memset(&d, 0, sizeof d);
    amass_status_clear(&status);
    d.scale = DEFAULT_SCALE;
    d.top = DEFAULT_TOP;
    d.align_weight = DEFAULT_ALIGN_WEIGHT;
    for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
        if (strcmp(argv[i], "--scale") == 0) {
            d.scale = strtod(argv[i + 1], &end);
            if (*end || !(d.scale > 0 && d.scale <= 10))
                return fprintf(stderr, "dump-targets: --scale '%s' is not a number in (0, 10]\n", argv[i + 1]), 2;
        } else if (strcmp(argv[i], "--top") == 0) {
            long top = strtol(argv[i + 1], &end, 10);
            if (*end || top < 1 || top > MAX_TOP)
                return fprintf(stderr, "dump-targets: --top '%s' is not a count of 1..%d\n", argv[i + 1], MAX_TOP), 2;
            d.top = (int)top;
        } else if (strcmp(argv[i], "--texts") == 0) {
            texts = argv[i + 1];
        } else if (strcmp(argv[i], "--dict") == 0) {
            dict = argv[i + 1];
        } else if (strcmp(argv[i], "--align-weight") == 0) {
            d.align_weight = strtod(argv[i + 1], &end);
            if (*end || !(d.align_weight >= 0 && d.align_weight <= 1))
                return fprintf(stderr, "dump-targets: --align-weight '%s' is not a number in [0, 1]\n", argv[i + 1]), 2;
        } else {
            fprintf(stderr, "dump-targets: unknown option '%s'\n", argv[i]);
            return usage();
        }
    }
    if (argc - i < 3 || !texts != !dict)
        return usage();
    amass_speech_acoustic_options_default(&options);
    options.kind = "gmm";
    if (amass_speech_acoustic_model_open(argv[i], &options, &d.model, &status) != AMASS_OK ||
        amass_speech_scorer_open(d.model, &d.scorer, &status) != AMASS_OK ||
        amass_speech_frontend_open(amass_speech_acoustic_model_params(d.model), &d.frontend, &status) != AMASS_OK) {
        fprintf(stderr, "dump-targets: %s\n", status.message);
        code = 2;
        goto done;
    }
    d.params = amass_speech_acoustic_model_params(d.model);
    d.feature_dim = amass_speech_acoustic_model_feature_dim(d.model);
    d.n_senones = amass_speech_acoustic_model_n_senones(d.model);
    if (d.n_senones > 65536) {
        fprintf(stderr, "dump-targets: %ld senones do not fit 16-bit ids\n", (long)d.n_senones);
        code = 2;
        goto done;
    }
    if (texts && !read_texts(&d, texts)) {
        code = 2;
        goto done;
    }
    if (dict && !(d.dict = amass_sphinx_dict_open(dict, amass_speech_acoustic_model_noisedict(d.model),
                                                  amass_speech_acoustic_model_mdef(d.model), NULL, &status))) {
        fprintf(stderr, "dump-targets: %s\n", status.message);
        code = 2;
        goto done;
    }
    amass_speech_frames_init(&d.cepstra, d.params->n_cepstra);
    if (!(d.output = fopen(argv[i + 1], "wb"))) {
        fprintf(stderr, "dump-targets: %s: %s\n", argv[i + 1], strerror(errno));
        code = 2;
        goto done;
    }
    {
        int32_t header[3] = {d.feature_dim, d.top, d.n_senones};
        float scale = (float)d.scale;
        if (!write_all(d.output, "AMDT0001", 1, 8) || !write_all(d.output, header, sizeof *header, 3) ||
            !write_all(d.output, &scale, sizeof scale, 1)) {
            fprintf(stderr, "dump-targets: %s: %s\n", argv[i + 1], strerror(errno));
            code = 2;
            goto done;
        }
    }
    for (int f = i + 2; f < argc; f++) {
        amass_status_clear(&status);
        if (dump_file(&d, argv[f], &status) == AMASS_OK)
            continue;
        fprintf(stderr, "dump-targets: %s\n", status.message);
        if (status.code == AMASS_ERR_FATAL || status.code == AMASS_ERR_NOMEM) {
            code = 2;
            goto done;
        }
        failed = 1;
    }
    code = failed;
    if (d.dict)
        fprintf(stderr, "dump-targets: %zu files aligned to their words, %zu not\n", d.n_aligned, d.n_unaligned);
done:
    if (d.output && fclose(d.output) != 0 && code == 0) {
        fprintf(stderr, "dump-targets: %s: %s\n", argv[i + 1], strerror(errno));
        code = 2;
    }
    amass_speech_frames_free(&d.cepstra);
    for (size_t t = 0; t < d.n_texts; t++) {
        free(d.texts[t].path);
        free(d.texts[t].words);
    }
    free(d.texts);
    amass_sphinx_dict_close(d.dict);
    free(d.features);
    free(d.scores);
    amass_speech_frontend_close(d.frontend);
    amass_speech_scorer_close(d.scorer);
    amass_speech_acoustic_model_close(d.model);
    return code;
}
