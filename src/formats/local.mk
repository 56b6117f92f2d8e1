# libamass formats layer: model importers
libamass_a_SOURCES += src/formats/formats.h src/formats/onnx_internal.h src/formats/protobuf.c src/formats/onnx.c \
	src/formats/onnx_tensor.c src/formats/onnx_node.c src/formats/onnx_graph.c \
	src/formats/onnx_import.c
