# libamass formats layer: model importers
libamass_a_SOURCES += src/formats/formats.h src/formats/tfjs.h src/formats/onnx_internal.h src/formats/protobuf.c src/formats/onnx.c \
	src/formats/onnx_tensor.c src/formats/onnx_node.c src/formats/onnx_graph.c \
	src/formats/onnx_import.c
# Sphinx acoustic model and dictionary readers (the LM readers are sphinx_lm*).
libamass_a_SOURCES += src/formats/sphinx.h src/formats/sphinx_internal.h src/formats/sphinx_file.c \
	src/formats/sphinx_mdef.c src/formats/sphinx_params.c src/formats/sphinx_sendump.c src/formats/sphinx_dict.c
# N-gram language models: ARPA and the Sphinx trie binary, one query
libamass_a_SOURCES += src/formats/sphinx_lm.h src/formats/sphinx_lm_internal.h src/formats/sphinx_lm.c \
	src/formats/sphinx_lm_arpa.c src/formats/sphinx_lm_binary.c src/formats/sphinx_lm_query.c
# TF.js models: the model.json and shard reader, the importers' builder
libamass_a_SOURCES += src/formats/tfjs_internal.h src/formats/tfjs_model.c src/formats/tfjs_build.c
# TF.js layers models (Keras topologies) onto the nn graph
libamass_a_SOURCES += src/formats/tfjs_layers.h src/formats/tfjs_layers.c src/formats/tfjs_layers_conv.c src/formats/tfjs_layers_ops.c \
	src/formats/tfjs_layers_emit.c src/formats/tfjs_layers_entry.c
# the graph-model importer, by op family
libamass_a_SOURCES += src/formats/tfjs_graph_internal.h src/formats/tfjs_graph.c src/formats/tfjs_graph_tensor.c \
	src/formats/tfjs_graph_attr.c src/formats/tfjs_graph_fuse.c \
	src/formats/tfjs_graph_conv.c src/formats/tfjs_graph_math.c src/formats/tfjs_graph_shape.c \
	src/formats/tfjs_graph_index.c src/formats/load.c
# safetensors weight files (Hugging Face), read and checked
libamass_a_SOURCES += src/formats/safetensors.h src/formats/safetensors.c
# float16 and bfloat16 widened to float32 (safetensors and ONNX weights)
libamass_a_SOURCES += src/formats/half_float.c
