#!/bin/sh
# Sourced by tests/cli/transcribe-dnn.cases: makes ./dnn, a transcribe
# model directory whose acoustic model is the en-us senone set scored by
# testdata/dnn's random network (a DNN model as src/speech/dnn.c lays it
# out), and sets L to the LibriVox clips.
model=/usr/share/pocketsphinx/model/en-us
mkdir -p dnn/acoustic
for f in mdef transition_matrices feat.params noisedict; do
    ln -sf "$model/en-us/$f" dnn/acoustic/$f
done
for f in dnn.onnx priors dnn.params; do
    ln -sf "$TESTDATA/dnn/$f" dnn/acoustic/$f
done
ln -sf "$model/cmudict-en-us.dict" dnn/cmudict-en-us.dict
ln -sf "$model/en-us.lm.bin" dnn/en-us.lm.bin
printf '%s\n' '{"name": "dnn-random", "task": "transcribe", "format": "sphinx", "acoustic": "acoustic",' \
    '"dict": "cmudict-en-us.dict", "lm": "en-us.lm.bin", "scorer": "dnn"}' >dnn/manifest.json
L=/usr/share/pocketsphinx/test/data/librivox
