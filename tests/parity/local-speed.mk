# The engine's speed paths (fused HardSwish chains, bf16) against ONNX
# Runtime on fixtures made by tests/parity/onnx/make-fixtures-fusion.
check_PROGRAMS += tests/parity/onnx-speed-paths
TESTS += tests/parity/onnx-speed-paths
tests_parity_onnx_speed_paths_LDADD = $(AMASS_LIBS)
EXTRA_DIST += tests/parity/onnx/make-fixtures-fusion tests/parity/onnx/hardswish-chains.onnx \
	tests/parity/onnx/hardswish-chains.ort.f32
