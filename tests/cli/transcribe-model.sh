#!/bin/sh
# Sourced by tests/cli/transcribe.cases: makes ./en-us, a transcribe model
# directory over the Debian pocketsphinx-en-us files, as
# scripts/install-models does, and sets L to the LibriVox clips.
model=/usr/share/pocketsphinx/model/en-us
mkdir -p en-us
ln -sfn "$model/en-us" en-us/acoustic
ln -sf "$model/cmudict-en-us.dict" en-us/cmudict-en-us.dict
ln -sf "$model/en-us.lm.bin" en-us/en-us.lm.bin
printf '%s\n' '{"name": "en-us", "task": "transcribe", "format": "sphinx", "acoustic": "acoustic",' \
    '"dict": "cmudict-en-us.dict", "lm": "en-us.lm.bin", "scorer": "gmm"}' >en-us/manifest.json
L=/usr/share/pocketsphinx/test/data/librivox
