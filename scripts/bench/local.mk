# Benchmark drivers: scripts/bench/run-all (`make bench`) runs the scripts;
# the C driver the nn benchmark times the engine with is built by `make` so
# it always compiles with the library, but it is neither a test nor installed.
noinst_PROGRAMS += scripts/bench/nn-bench
scripts_bench_nn_bench_SOURCES = scripts/bench/nn-bench.c
scripts_bench_nn_bench_LDADD = $(AMASS_LIBS)
EXTRA_DIST += scripts/bench/nn scripts/bench/nn-ort.js scripts/install-bench-deps
EXTRA_DIST += scripts/bench/transcribe
EXTRA_DIST += scripts/bench/classify scripts/bench/nn-tfjs.js
EXTRA_DIST += scripts/bench/bench-input.js
# The text-encoder benchmark's amass driver (scripts/bench/embed).
noinst_PROGRAMS += scripts/bench/embed-bench
scripts_bench_embed_bench_SOURCES = scripts/bench/embed-bench.c
scripts_bench_embed_bench_LDADD = $(AMASS_LIBS)
EXTRA_DIST += scripts/bench/embed scripts/bench/embed-ort.js
