/* The WordPiece tokenizer against Hugging Face: ids that transformers.js's
 * BertTokenizer gives for hard texts under four normalizer settings
 * (tests/unit/text-tokenizer/make-fixtures.mjs), the vocab.txt route to
 * the same tokenizer, and the files a user could get wrong. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "text/text.h"

static char fixture_dir[4096];

static size_t unhex(const char *hex, char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        sscanf(hex + 2 * i, "%2x", &byte);
        out[i] = (char)byte;
    }
    return n;
}

static int same_ids(const amass_text_encoding *encoding, json_t *ids)
{
    if (encoding->length != json_array_size(ids))
        return 0;
    for (size_t i = 0; i < encoding->length; i++)
        if (encoding->ids[i] != json_integer_value(json_array_get(ids, i)))
            return 0;
    return 1;
}

static void show_mismatch(const amass_text_tokenizer *tokenizer, const amass_text_encoding *encoding, json_t *ids)
{
    printf("#   got ");
    for (size_t i = 0; i < encoding->length; i++)
        printf(" %s", amass_text_tokenizer_token(tokenizer, encoding->ids[i]));
    printf("\n#   want");
    for (size_t i = 0; i < json_array_size(ids); i++)
        printf(" %s", amass_text_tokenizer_token(tokenizer, (int32_t)json_integer_value(json_array_get(ids, i))));
    printf("\n");
}

/* Every case of one configuration through the tokenizer at path. */
static void run_cases(const char *config, const char *path, const char *label)
{
    char cases_path[4200], text[4096], name[256];
    amass_text_tokenizer *tokenizer;
    amass_text_encoding encoding;
    amass_status status;
    json_error_t error;
    json_t *cases;
    size_t n_cases = 0, n_passed = 0;
    FILE *in;
    char line[16384];
    snprintf(cases_path, sizeof cases_path, "%s/cases.ndjson", fixture_dir);
    amass_status_clear(&status);
    snprintf(name, sizeof name, "%s opens", label);
    if (!ok(amass_text_tokenizer_open(path, &tokenizer, &status) == AMASS_OK, name)) {
        printf("#   %s\n", status.message);
        return;
    }
    amass_text_encoding_init(&encoding);
    in = fopen(cases_path, "r");
    ok(in != NULL, "cases.ndjson opens");
    while (in && fgets(line, sizeof line, in)) {
        json_t *ids;
        size_t length, full;
        if (!(cases = json_loads(line, 0, &error)))
            continue;
        if (strcmp(json_string_value(json_object_get(cases, "config")), config) != 0) {
            json_decref(cases);
            continue;
        }
        n_cases++;
        length = unhex(json_string_value(json_object_get(cases, "hex")), text);
        ids = json_object_get(cases, "ids");
        full = (size_t)json_integer_value(json_object_get(cases, "max_length"));
        if (amass_text_tokenizer_encode(tokenizer, text, length, full, &encoding, &status) == AMASS_OK &&
            same_ids(&encoding, ids)) {
            n_passed++;
        } else {
            snprintf(name, sizeof name, "%s: \"%.*s\" (max %zu)", label, (int)(length < 60 ? length : 60), text, full);
            ok(0, name);
            show_mismatch(tokenizer, &encoding, ids);
        }
        json_decref(cases);
    }
    if (in)
        fclose(in);
    snprintf(name, sizeof name, "%s: all %zu cases as transformers.js", label, n_cases);
    ok(n_cases > 100 && n_passed == n_cases, name);
    amass_text_encoding_free(&encoding);
    amass_text_tokenizer_close(tokenizer);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[4200];
    FILE *out;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    out = fopen(path, "w");
    fputs(text, out);
    fclose(out);
    return path;
}

static void check_fails(const char *path, const char *expect, const char *name)
{
    amass_text_tokenizer *tokenizer = (amass_text_tokenizer *)1;
    amass_status status;
    amass_status_clear(&status);
    ok(amass_text_tokenizer_open(path, &tokenizer, &status) != AMASS_OK && tokenizer == NULL, name);
    if (!ok(strstr(status.message, expect) != NULL, "  ... and says why"))
        printf("#   message: %s\n", status.message);
}

static void check_bad_files(void)
{
    char dir[] = "/tmp/amass-test-tokenizer-XXXXXX", path[4200];
    if (!mkdtemp(dir))
        return;
    check_fails("/nonexistent/tokenizer", "no such tokenizer file", "a missing path fails");
    check_fails(dir, "no tokenizer.json or vocab.txt", "a directory without a tokenizer fails");
    check_fails(write_file(dir, "vocab.txt", ""), "empty vocabulary", "an empty vocab.txt fails");
    check_fails(write_file(dir, "vocab.txt", "[CLS]\n[SEP]\nhello\n"), "no [UNK]", "a vocab.txt without [UNK] fails");
    check_fails(write_file(dir, "tokenizer.json", "{\"model\": "), "not JSON", "a cut-off tokenizer.json fails");
    check_fails(write_file(dir, "tokenizer.json", "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0}}}"),
                "model type 'BPE' is not supported", "a BPE tokenizer.json is refused by name");
    check_fails(write_file(dir, "tokenizer.json",
                           "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":1}},"
                           "\"pre_tokenizer\":{\"type\":\"Metaspace\"}}"),
                "pre_tokenizer 'Metaspace'", "an unknown pre-tokenizer is refused by name");
    check_fails(write_file(dir, "tokenizer.json", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}}}"),
                "'[UNK]' is not in the vocabulary", "a vocabulary without its unk_token fails");
    check_fails(write_file(dir, "tokenizer.json", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":-3}}}"),
                "has no id", "a negative token id fails");
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    unlink(path);
    rmdir(dir);
}

/* The slow BertTokenizer's route: vocab.txt with tokenizer_config.json. */
static void check_vocab_txt(void)
{
    char dir[] = "/tmp/amass-test-tokenizer-XXXXXX", vocab[4200], link_path[4200], absolute[8400];
    amass_text_tokenizer *tokenizer;
    amass_text_tokenizer_info info;
    amass_status status;
    snprintf(vocab, sizeof vocab, "%s/vocab.txt", fixture_dir);
    run_cases("uncased", vocab, "vocab.txt (BertTokenizer defaults)");
    if (!mkdtemp(dir))
        return;
    snprintf(link_path, sizeof link_path, "%s/vocab.txt", dir);
    if (vocab[0] != '/') {
        char cwd[2048];
        if (getcwd(cwd, sizeof cwd))
            snprintf(absolute, sizeof absolute, "%s/%s", cwd, vocab);
    } else {
        snprintf(absolute, sizeof absolute, "%s", vocab);
    }
    ok(symlink(absolute, link_path) == 0, "vocab.txt linked into a model directory");
    write_file(dir, "tokenizer_config.json", "{\"do_lower_case\": false, \"model_max_length\": 128}");
    run_cases("cased", dir, "vocab.txt + do_lower_case false");
    amass_status_clear(&status);
    if (amass_text_tokenizer_open(dir, &tokenizer, &status) == AMASS_OK) {
        amass_text_tokenizer_get_info(tokenizer, &info);
        is_int(info.max_length, 128, "model_max_length read from tokenizer_config.json");
        is_int(info.lowercase, 0, "do_lower_case false read");
        is_str(info.source, "vocab.txt", "source is vocab.txt");
        is_int(info.cls_id, 101, "[CLS] id");
        is_int(info.sep_id, 102, "[SEP] id");
        is_int(info.pad_id, 0, "[PAD] id");
        amass_text_tokenizer_close(tokenizer);
    }
    write_file(dir, "tokenizer_config.json", "{\"do_lower_case\": true, \"strip_accents\": false}");
    run_cases("keep-accents", dir, "vocab.txt + strip_accents false");
    write_file(dir, "tokenizer_config.json", "{\"unk_token\": \"[NOPE]\"}");
    check_fails(dir, "'[NOPE]' is not in the vocabulary", "a tokenizer_config.json naming a missing token fails");
    write_file(dir, "tokenizer_config.json", "[1, 2");
    check_fails(dir, "not JSON", "a broken tokenizer_config.json fails");
    unlink(link_path);
    snprintf(link_path, sizeof link_path, "%s/tokenizer_config.json", dir);
    unlink(link_path);
    rmdir(dir);
}

/* Behaviour the JS fixtures cannot show. */
static void check_edges(void)
{
    char path[4200];
    amass_text_tokenizer *tokenizer;
    amass_text_encoding encoding;
    amass_status status;
    int32_t unk;
    snprintf(path, sizeof path, "%s/uncased", fixture_dir);
    amass_status_clear(&status);
    if (amass_text_tokenizer_open(path, &tokenizer, &status) != AMASS_OK) {
        ok(0, "uncased opens");
        return;
    }
    unk = amass_text_tokenizer_token_id(tokenizer, "[UNK]", 5);
    amass_text_encoding_init(&encoding);
    /* transformers.js walks UTF-16 units here, so it misses the
     * supplementary-plane ideographs; Python's BertTokenizer and the
     * tokenizers crate split them, and so do we: U+20000 then "a" */
    ok(amass_text_tokenizer_encode(tokenizer, "\xF0\xA0\x80\x80" "a", 5, 0, &encoding, &status) == AMASS_OK &&
           encoding.length == 4 && encoding.ids[1] == unk && encoding.ids[2] == amass_text_tokenizer_token_id(tokenizer, "a", 1),
       "an ideograph beyond the BMP is a word of its own");
    ok(amass_text_tokenizer_encode(tokenizer, "hello", 5, 2, &encoding, &status) == AMASS_ERR_USAGE,
       "a maximum length with no room between [CLS] and [SEP] fails");
    ok(amass_text_tokenizer_encode(tokenizer, "hello world the", 15, 4, &encoding, &status) == AMASS_OK &&
           encoding.length == 4 && encoding.full_length == 5 && encoding.ids[3] == 102,
       "truncation keeps [SEP] and reports the full length");
    {
        /* long texts go through the normalizer in pieces: the pieces must
         * not change a token (a final sigma at a cut, a word across it) */
        static const char phrase[] = "Hello, \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3's caf\xC3\xA9 wor.ld!\n";
        size_t phrase_length = sizeof phrase - 1, copies = 20000, k, per_phrase, mismatches = 0;
        char *text = malloc(phrase_length * copies);
        int32_t first[32];
        for (k = 0; k < copies; k++)
            memcpy(text + k * phrase_length, phrase, phrase_length);
        amass_text_tokenizer_encode(tokenizer, phrase, phrase_length, 0, &encoding, &status);
        per_phrase = encoding.length - 2;
        memcpy(first, encoding.ids + 1, per_phrase * sizeof *first);
        ok(amass_text_tokenizer_encode(tokenizer, text, phrase_length * copies, 0, &encoding, &status) == AMASS_OK &&
               encoding.length == 2 + per_phrase * copies, "a 580 kB text gives its phrase's tokens 20000 times");
        for (k = 0; k + 2 < encoding.length && k < per_phrase * copies; k++)
            mismatches += encoding.ids[1 + k] != first[k % per_phrase];
        is_int(mismatches, 0, "  ... the same tokens each time");
        ok(amass_text_tokenizer_encode(tokenizer, text, phrase_length * copies, 16, &encoding, &status) == AMASS_OK &&
               encoding.length == 16 && encoding.full_length > 16 && encoding.ids[15] == 102,
           "truncating it keeps 16 ids and says it was longer");
        free(text);
    }
    is_int(amass_text_tokenizer_token_id(tokenizer, "##ing", 5) >= 0, 1, "token lookup finds a continuation");
    is_int(amass_text_tokenizer_token_id(tokenizer, "##in", 4), -1, "token lookup of an absent piece is -1");
    ok(amass_text_tokenizer_token(tokenizer, 100000) == NULL, "an id past the vocabulary has no token");
    amass_text_encoding_free(&encoding);
    amass_text_tokenizer_close(tokenizer);
}

int main(void)
{
    static const char *const configs[] = {"uncased", "cased", "keep-accents", "raw"};
    const char *srcdir = getenv("top_srcdir");
    char path[4200];
    snprintf(fixture_dir, sizeof fixture_dir, "%s/tests/unit/text-tokenizer", srcdir ? srcdir : ".");
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", fixture_dir, configs[i]);
        run_cases(configs[i], path, configs[i]);
    }
    check_vocab_txt();
    check_edges();
    check_bad_files();
    return done_testing();
}
