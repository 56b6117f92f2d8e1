/* libamass models layer: a model directory (manifest.json, the model
 * file, its labels) and the pipelines that run a model over inputs and
 * write records (DESIGN.md, "Models"). Above vision, nn and formats;
 * below cli. */
#ifndef AMASS_MODELS_H
#define AMASS_MODELS_H

#include <stddef.h>

#include "../base/base.h"
#include "../io/io.h"
#include "../vision/vision.h"

/* ---- manifest.json ---------------------------------------------------
 * {"name": "resnet18", "task": "classify", "format": "onnx",
 *  "file": "model.onnx", "labels": "labels.txt",
 *  "input": {"size": 256, "crop": 224, "mean": [0.485, 0.456, 0.406],
 *            "std": [0.229, 0.224, 0.225], "scale": 0.00392156862,
 *            "layout": "nchw", "colour": "rgb"}}
 * task, format and file are required; the rest may be left out. file and
 * labels are relative to the directory. */
typedef struct {
    char *name;          /* "name", else the directory's last component */
    char *task;
    char *format;
    char *file_path;     /* directory/file */
    char *labels_path;   /* directory/labels, or NULL */
    int size, crop;      /* 0 when not given */
    int has_mean, has_std, has_scale, has_layout;
    float mean[3], std[3];
    float scale;
    amass_vision_layout layout;
    int bgr;             /* "colour": "bgr" */
} amass_model_manifest;

/* Reads directory/manifest.json. On failure the manifest is left empty
 * and the message names the file and the field:
 *   "m/manifest.json: "input.mean" is not an array of 3 numbers" */
int amass_models_manifest_load(const char *directory, amass_model_manifest *manifest, amass_status *status);
/* The same from text in memory; where names it in messages. */
int amass_models_manifest_parse(const char *text, size_t length, const char *where, const char *directory,
                                amass_model_manifest *manifest, amass_status *status);
void amass_models_manifest_free(amass_model_manifest *manifest);

/* ---- labels ------------------------------------------------------------ */

/* A labels file: one label per line, line N naming class N - 1; a CR
 * before the newline is dropped, so files written on Windows work. */
typedef struct {
    size_t n_labels;
    char **labels;
} amass_model_labels;

int amass_models_labels_load(const char *path, amass_model_labels *labels, amass_status *status);
void amass_models_labels_free(amass_model_labels *labels);

/* ---- classify ------------------------------------------------------------ */

typedef enum { AMASS_SOFTMAX_AUTO, AMASS_SOFTMAX_YES, AMASS_SOFTMAX_NO } amass_softmax_mode;

/* What the user asked for; zero / NULL / has_* 0 means the model's or
 * the default value. */
typedef struct {
    const char *model_path;     /* a .onnx file or a directory with manifest.json */
    const char *labels_path;
    int top_k;                  /* default 5 */
    float threshold;            /* default -inf: keep all */
    int size, crop;
    int has_mean, has_std, has_layout;
    float mean[3], std[3];
    amass_vision_layout layout;
    int bgr;
    amass_softmax_mode softmax;
    int batch;                  /* images per inference, default 8 */
} amass_classify_options;

void amass_classify_options_init(amass_classify_options *options);

typedef struct amass_classifier amass_classifier;

/* Loads the model, its labels and the preprocess spec, and opens a
 * session. Any problem (no such model, a manifest error, labels that do
 * not match the model's classes, an input that is not an image tensor)
 * fails here, before any input is read. */
int amass_classifier_open(const amass_classify_options *options, amass_classifier **classifier,
                          amass_status *status);
void amass_classifier_close(amass_classifier *classifier);
const char *amass_classifier_model_name(const amass_classifier *classifier);
const amass_vision_preprocess_spec *amass_classifier_spec(const amass_classifier *classifier);

typedef struct {
    amass_record_writer *writer;
    amass_format format;          /* NDJSON: one record per image; TSV: one row per label */
    const amass_reporter *reporter;
    const amass_shard *shard;     /* NULL: keep every input */
    const amass_name_set *done;   /* --resume: skip these; NULL for none */
    int precision;                /* scores: 0 shortest round-trip, else significant digits */
} amass_classify_sink;

/* Decodes the inputs, --batch at a time, runs them as one batch and
 * writes their records in input order. A bad image is reported through
 * the reporter and skipped. Returns AMASS_OK, or an error that ends the
 * run (the input list failed, the engine failed, a write failed). */
int amass_classifier_run(amass_classifier *classifier, amass_input_list *inputs, const amass_classify_sink *sink,
                         amass_status *status);

#endif
