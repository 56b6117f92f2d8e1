# CLI cases kept as data, run by one driver; the options check keeps
# --help, --list-options and the man pages in step.
TEST_EXTENSIONS += .pl
PL_LOG_DRIVER = $(LOG_DRIVER)
PL_LOG_COMPILER = $(PERL)
TESTS += tests/cli/run-cases.pl tests/cli/options-documented.sh
include tests/unit/local-io.mk
include tests/parity/local.mk
include tests/unit/local-cluster.mk
include tests/fuzz/local.mk
include tests/unit/local-formats.mk
include tests/unit/local-media.mk
include tests/unit/local-nn.mk
include tests/unit/local-nn-math.mk
include tests/parity/local-layout.mk
include tests/parity/local-speed.mk
include tests/unit/local-speech.mk
include tests/unit/local-sphinx.mk
include tests/unit/local-audio.mk
include tests/unit/local-sphinx-lm.mk
include tests/unit/local-speech-gmm.mk
include tests/tools/local.mk
include tests/unit/local-transcribe.mk
EXTRA_DIST += tests/cli/transcribe.cases tests/cli/transcribe-model.sh tests/cli/transcribe-check.py
include tests/unit/local-speech-search.mk
include tests/unit/local-speech-dnn.mk
include tests/unit/local-dnn-align.mk
include tests/parity/local-tfjs-layers.mk
include tests/unit/local-text.mk
include tests/parity/local-embed.mk
