libamass_a_SOURCES += src/nn/nn.h src/nn/gemm.c \
	src/nn/nn_internal.h src/nn/nn_ops.h src/nn/graph.c src/nn/infer.c src/nn/fold.c src/nn/prepare.c \
	src/nn/passes.c src/nn/exec.c src/nn/memory_plan.c src/nn/ops_conv.c src/nn/ops_matmul.c src/nn/ops_basic.c src/nn/ops_layout.c \
	src/nn/infer_math.c src/nn/fold_math.c src/nn/ops_math.c src/nn/fuse_encoder.c
# What a graph costs per image, for GFLOP/s figures in the benchmarks.
libamass_a_SOURCES += src/nn/flops.c
# Layout and resampling ops: Slice, Split, Pad, Resize/Upsample, ConvTranspose.
libamass_a_SOURCES += src/nn/nn_layout.h src/nn/infer_layout.c src/nn/ops_gather.c src/nn/ops_resample.c \
	src/nn/ops_deconv.c src/nn/host_step.c src/nn/ops_depth_to_space.c \
	src/nn/passes_fold_chain.c
# Integers known only at run time (token ids, masks): Cast, Gather by ids.
libamass_a_SOURCES += src/nn/ops_runtime_int.c
check_PROGRAMS += tests/unit/test-nn-typed
TESTS += tests/unit/test-nn-typed
tests_unit_test_nn_typed_SOURCES = tests/unit/test-nn-typed.c tests/unit/tap.h
tests_unit_test_nn_typed_LDADD = $(AMASS_LIBS)
