/* Parity of the text encoders with PyTorch and ONNX Runtime: tiny BERT,
 * RoBERTa and DistilBERT networks (tests/parity/embed/make-fixtures) run
 * by amass from their ONNX export and from safetensors + config.json, on
 * batches of mixed lengths; every kept token's state must have cosine
 * >= 0.99999 with both references. A sequence run alone must give the
 * states it gets inside a padded batch. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/embed.h"
#include "nn/nn.h"
#include "../unit/tap.h"

static const char *fixture(const char *name)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/parity/embed/%s", top ? top : ".", name);
    return path;
}

static void *read_exact(const char *name, size_t count, size_t element)
{
    FILE *file = fopen(fixture(name), "rb");
    void *data = file ? malloc(count * element + 1) : NULL;
    int good = data && fread(data, element, count, file) == count && fgetc(file) == EOF;
    if (file)
        fclose(file);
    if (!good) {
        free(data);
        return NULL;
    }
    return data;
}

/* Worst cosine and largest absolute difference over the kept tokens. */
static void compare(const float *got, const float *want, const int32_t *mask, size_t tokens, size_t hidden,
                    double *worst_cosine, double *max_error)
{
    *worst_cosine = 1;
    *max_error = 0;
    for (size_t t = 0; t < tokens; t++) {
        if (!mask[t])
            continue;
        double dot = 0, a = 0, b = 0;
        for (size_t h = 0; h < hidden; h++) {
            double x = got[t * hidden + h], y = want[t * hidden + h];
            dot += x * y;
            a += x * x;
            b += y * y;
            *max_error = fmax(*max_error, fabs(x - y));
        }
        double cosine = a > 0 && b > 0 ? dot / sqrt(a * b) : 0;
        if (!(cosine >= -2)) /* NaN */
            cosine = -2;
        *worst_cosine = fmin(*worst_cosine, cosine);
    }
}

static void check_case(amass_text_encoder *encoder, const char *how, const char *model, size_t batch, size_t length,
                       size_t hidden)
{
    amass_status status = {0};
    char name[256], label[512];
    size_t tokens = batch * length;
    snprintf(name, sizeof name, "%s.b%zu.ids.i32", model, batch);
    int32_t *ids = read_exact(name, tokens, 4);
    snprintf(name, sizeof name, "%s.b%zu.mask.i32", model, batch);
    int32_t *mask = read_exact(name, tokens, 4);
    snprintf(name, sizeof name, "%s.b%zu.types.i32", model, batch);
    int32_t *types = read_exact(name, tokens, 4);
    snprintf(name, sizeof name, "%s.b%zu.torch.f32", model, batch);
    float *torch_states = read_exact(name, tokens * hidden, 4);
    snprintf(name, sizeof name, "%s.b%zu.ort.f32", model, batch);
    float *ort_states = read_exact(name, tokens * hidden, 4);
    float *states = calloc(tokens * hidden + 1, sizeof *states);
    uint8_t *keep = calloc(tokens + 1, 1);
    snprintf(label, sizeof label, "%s %s batch %zu: fixtures read", model, how, batch);
    if (!ok(ids && mask && types && torch_states && ort_states && states && keep, label))
        goto out;
    for (size_t t = 0; t < tokens; t++)
        keep[t] = (uint8_t)mask[t];
    amass_text_encoder_session *session = amass_text_encoder_session_open(encoder, &status);
    int ran = session && amass_text_encoder_run(session, batch, length, ids, keep, types, states, &status) == AMASS_OK;
    snprintf(label, sizeof label, "%s %s batch %zu x %zu runs", model, how, batch, length);
    if (ok(ran, label)) {
        double cosine_torch, error_torch, cosine_ort, error_ort;
        compare(states, torch_states, mask, tokens, hidden, &cosine_torch, &error_torch);
        compare(states, ort_states, mask, tokens, hidden, &cosine_ort, &error_ort);
        printf("# %s %s batch %zu: vs torch 1 - cosine <= %.2g, max |err| %.3g; "
               "vs ort 1 - cosine <= %.2g, max |err| %.3g\n",
               model, how, batch, 1 - cosine_torch, error_torch, 1 - cosine_ort, error_ort);
        snprintf(label, sizeof label, "%s %s batch %zu: every kept token within cosine 0.99999 of torch and ORT",
                 model, how, batch);
        ok(cosine_torch >= 0.99999 && cosine_ort >= 0.99999, label);
        /* each shorter sequence alone, unpadded, gives its batch states */
        for (size_t row = 1; row < batch; row++) {
            size_t kept = 0;
            while (kept < length && mask[row * length + kept])
                kept++;
            float *alone = calloc(kept * hidden + 1, sizeof *alone);
            int ran_alone = alone && amass_text_encoder_run(session, 1, kept, ids + row * length,
                                                             keep + row * length, types + row * length, alone,
                                                             &status) == AMASS_OK;
            double cosine = 0, error = 0;
            if (ran_alone)
                compare(alone, states + row * length * hidden, mask + row * length, kept, hidden, &cosine, &error);
            snprintf(label, sizeof label,
                     "%s %s: sequence %zu (%zu tokens) alone matches its padded batch states (cosine %.9f)", model,
                     how, row, kept, cosine);
            ok(ran_alone && cosine >= 1 - 1e-6, label);
            free(alone);
        }
    } else {
        printf("# %s\n", status.message);
    }
    amass_text_encoder_session_close(session);
out:
    free(ids);
    free(mask);
    free(types);
    free(torch_states);
    free(ort_states);
    free(states);
    free(keep);
}

static amass_text_encoder *open_encoder(const char *path, const char *label, amass_status *status)
{
    amass_text_encoder *encoder = NULL;
    if (!ok(amass_text_encoder_open(path, &encoder, status) == AMASS_OK, label))
        printf("# %s\n", status->message);
    return encoder;
}

static void check_info(void)
{
    amass_status status = {0};
    amass_text_encoder_info info;
    amass_text_encoder *encoder = open_encoder(fixture("bert-a"), "bert-a directory opens", &status);
    if (encoder) {
        amass_text_encoder_get_info(encoder, &info);
        ok(info.hidden == 48 && info.max_length == 64 && info.vocab_size == 400 && info.takes_token_types &&
               !strcmp(info.format, "safetensors"),
           "bert-a: sizes from config.json, token types taken, safetensors");
        ok(info.pooling == AMASS_EMBED_POOLING_CLS && info.normalize,
           "bert-a: CLS pooling and normalisation from its sentence-transformers files");
        amass_text_encoder_close(encoder);
    }
    encoder = open_encoder(fixture("roberta-a"), "roberta-a directory opens", &status);
    if (encoder) {
        amass_text_encoder_get_info(encoder, &info);
        ok(info.max_length == 40 && !info.takes_token_types && info.pooling == AMASS_EMBED_POOLING_MEAN &&
               !info.normalize,
           "roberta-a: 40 positions after padding_idx + 1, no token types, mean pooling");
        amass_text_encoder_session *session = amass_text_encoder_session_open(encoder, &status);
        int32_t ids[41] = {0};
        uint8_t mask[41];
        float *states = calloc(41 * 32, sizeof *states);
        memset(mask, 1, sizeof mask);
        ok(session && amass_text_encoder_run(session, 1, 41, ids, mask, NULL, states, &status) != AMASS_OK &&
               strstr(status.message, "41 tokens"),
           "roberta-a: a sequence longer than the position table is refused");
        ids[3] = 300;
        ok(session && amass_text_encoder_run(session, 1, 8, ids, mask, NULL, states, &status) != AMASS_OK &&
               strstr(status.message, "token id 300"),
           "roberta-a: a token id outside the vocabulary is refused");
        free(states);
        amass_text_encoder_session_close(session);
        amass_text_encoder_close(encoder);
    }
}

int main(void)
{
    amass_nn_set_threads(2);
    FILE *cases = fopen(fixture("cases.txt"), "r");
    if (!ok(cases != NULL, "cases.txt opens"))
        return done_testing();
    char line[512], model[128];
    size_t batch, length, hidden;
    int types;
    amass_status status = {0};
    while (fgets(line, sizeof line, cases)) {
        if (line[0] == '#' || sscanf(line, "%127s %zu %zu %zu %d", model, &batch, &length, &hidden, &types) != 5)
            continue;
        char onnx[160], label[256];
        snprintf(onnx, sizeof onnx, "%s.onnx", model);
        snprintf(label, sizeof label, "%s.onnx opens", model);
        amass_text_encoder *encoder = open_encoder(fixture(onnx), label, &status);
        if (encoder)
            check_case(encoder, "onnx", model, batch, length, hidden);
        amass_text_encoder_close(encoder);
        snprintf(label, sizeof label, "%s safetensors opens", model);
        encoder = open_encoder(fixture(model), label, &status);
        if (encoder)
            check_case(encoder, "safetensors", model, batch, length, hidden);
        amass_text_encoder_close(encoder);
    }
    fclose(cases);
    check_info();
    return done_testing();
}
