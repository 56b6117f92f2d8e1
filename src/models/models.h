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
 * labels are relative to the directory. A transcribe model names its
 * parts instead of file:
 * {"name": "en-us", "task": "transcribe", "format": "sphinx",
 *  "acoustic": "acoustic", "dict": "cmudict-en-us.dict", "lm": "en-us.lm.bin",
 *  "scorer": "gmm"} */
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
    /* task "transcribe", format "sphinx": these three replace "file"
     * (directory/name each; "scorer" is "gmm" when not given). */
    char *acoustic_path; /* "acoustic": the acoustic model directory */
    char *dict_path;     /* "dict": the pronouncing dictionary */
    char *lm_path;       /* "lm": the language model (trie binary or ARPA) */
    char *scorer;        /* "scorer" */
    /* "postprocess": how outputs become labels: "nanodet" or "centernet"
     * (a detector's head, boxes out), else a classifier; NULL when not given. */
    char *postprocess;
    /* "outputs": the tensors to take as the model's outputs (TF.js node or
     * layer names), e.g. a detector's raw heads without its in-graph
     * decoding; none when not given: the model's own outputs. */
    char **outputs;
    size_t n_outputs;
    /* "features": {"output": NAME, "dim": N}: the tensor (TF.js node or
     * layer name) amass-embed takes as an image's feature vector, and its
     * size; NULL and 0 when not given. */
    char *features_output;
    size_t features_dim;
    /* "input.resize": "stretch", "letterbox" or "crop" (shorter side, then
     * centre crop: the default) */
    int has_resize;
    amass_vision_resize_mode resize;
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

/* ---- the model search path --------------------------------------------
 * A model is a directory NAME holding manifest.json in one of the search
 * path's directories: --model-path, then AMASS_MODEL_PATH (both
 * colon-separated), then the installed AMASS_MODELS_DIR
 * ($(datadir)/amass/models). The caller passes the option's and the
 * environment's values, so the library reads no environment itself. */
typedef struct {
    size_t n_directories;
    char **directories;
} amass_model_search;

/* The directory the build installs models into. */
const char *amass_models_installed_directory(void);
/* Empty entries (as in "a::b" or a trailing ':') are skipped. */
int amass_models_search_init(amass_model_search *search, const char *option_value, const char *environment_value,
                             amass_status *status);
void amass_models_search_free(amass_model_search *search);
/* A --model value is a name when it has no '/' and no .onnx suffix. */
int amass_models_is_name(const char *model);
/* The first directory/name holding manifest.json, in *directory (free it);
 * otherwise AMASS_ERR_USAGE with
 *   "no model 'foo' in /a, /b, /usr/local/share/amass/models (see --list-models)" */
int amass_models_find(const amass_model_search *search, const char *name, char **directory, amass_status *status);
/* What --model selects: a path is used as it is, a name is found on the
 * path (else, when the current directory has an entry of that name, that
 * is taken as the path); with no --model (model NULL), the path's "default" entry: the
 * first directory holding one decides. "default" is either a model
 * directory (or a link to one) or a text file naming the model, a line
 * "NAME" for every task or "TASK NAME" for one task; lines starting with
 * '#' are comments. *selected is the model's path (free it). */
int amass_models_select(const amass_model_search *search, const char *model, const char *task, char **selected,
                        amass_status *status);

/* One model the listing found. manifest is NULL and problem says why when
 * the manifest did not read. */
typedef struct {
    const char *name;                    /* the directory's name: what --model takes */
    const char *directory;
    const amass_model_manifest *manifest;
    const char *problem;
} amass_model_entry;

/* Calls visit for each model on the path, directory by directory, names in
 * byte order within one; a name seen in an earlier directory shadows the
 * later ones. A directory of the path that does not exist is skipped.
 * Stops early, returning the visitor's status, when visit fails. */
int amass_models_list(const amass_model_search *search,
                      int (*visit)(void *context, const amass_model_entry *entry, amass_status *status),
                      void *context, amass_status *status);

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
    int decode_threads;         /* threads decoding images ahead of inference, default 1 */
    int bf16;                   /* convolutions and matrix products in bfloat16 (amass_nn_session_set_bf16) */
    /* Videos (told from images by content, amass_media_probe): frames
     * sampled at video_fps a second, or every video_every-th frame; both
     * 0: AMASS_VIDEO_DEFAULT_FPS. Each frame is a record with "t". */
    double video_fps;
    int video_every;
    /* --annotate: each image (each sampled frame) with its labels drawn
     * on, written as DIR/NAME.jpg (annotate-write.c); NULL: none */
    const char *annotate_directory;
    /* Detectors (manifest "postprocess" nanodet or centernet): threshold
     * -inf means the detector default 0.3; iou_threshold 0 means 0.5;
     * has_top 0 means up to 100 objects rather than top_k. */
    float iou_threshold;
    int has_top;
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
 * writes their records in input order. decode_threads threads decode the
 * next images while a batch runs; the records do not depend on it. A bad image is reported through
 * the reporter and skipped. Returns AMASS_OK, or an error that ends the
 * run (the input list failed, the engine failed, a write failed). */
int amass_classifier_run(amass_classifier *classifier, amass_input_list *inputs, const amass_classify_sink *sink,
                         amass_status *status);

/* ---- images decoded ahead ------------------------------------------------
 * Worker threads read the input names (after --shard and --resume) and
 * decode and preprocess the images while the caller runs the model, and
 * hand them back strictly in input order. */
typedef struct amass_image_feed amass_image_feed;

typedef struct {
    const char *name;       /* the input; "" for a list entry that could not be read */
    const float *tensor;    /* the preprocessed image, or NULL when it was bad or a video */
    const char *problem;    /* why it was bad, when tensor and video are NULL */
    /* a video, opened: the caller reads its frames and closes it (the
     * feed decodes the next inputs meanwhile) */
    amass_video_reader *video;
    /* the decoded picture, when the feed keeps them (keep_images), else NULL */
    const amass_image *image;
    amass_vision_transform transform;   /* with tensor: input pixels to tensor pixels (boxes map back) */
} amass_image_feed_item;

/* What a feed does besides still images. */
typedef struct {
    const amass_video_options *video;   /* NULL: every input is read as an image */
    int keep_images;                    /* hand out the decoded pictures too (--annotate) */
} amass_image_feed_extras;

/* depth: images that may be decoded and not yet taken (at least 1). */
amass_image_feed *amass_image_feed_open(amass_input_list *inputs, const amass_shard *shard,
                                        const amass_name_set *done, const amass_vision_preprocess_spec *spec,
                                        int n_threads, size_t depth, amass_status *status);
/* The same, with videos opened as videos and pictures kept when extras
 * ask (NULL: as amass_image_feed_open). */
amass_image_feed *amass_image_feed_open_with(amass_input_list *inputs, const amass_shard *shard,
                                             const amass_name_set *done, const amass_vision_preprocess_spec *spec,
                                             int n_threads, size_t depth, const amass_image_feed_extras *extras,
                                             amass_status *status);
/* 1: *item is the next input, valid until the next call; 0: no more
 * inputs; -1: an error ends the run (the list failed, out of memory). */
int amass_image_feed_next(amass_image_feed *feed, amass_image_feed_item *item, amass_status *status);
/* Stops the workers (images read ahead are dropped) and frees. NULL is fine. */
void amass_image_feed_close(amass_image_feed *feed);

#endif
