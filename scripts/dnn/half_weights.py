# Stores an ONNX network's large float32 initializers as float16, each
# widened back by a Cast to FLOAT ahead of the graph: the file is half the
# size and computes in float32 as before (ONNX Runtime and amass alike;
# amass widens such constants when it loads them). Used by train.py for
# dnn.onnx and by testdata/dnn/make-dnn for its fixture.
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SMALLEST = 4096  # matrices only: biases and the input normalisation stay float32


def store_weights_as_half(path):
    model = onnx.load(path)
    graph = model.graph
    kept, casts = [], []
    for initializer in graph.initializer:
        values = numpy_helper.to_array(initializer)
        if initializer.data_type != TensorProto.FLOAT or values.ndim < 2 or values.size < SMALLEST:
            kept.append(initializer)
            continue
        half = numpy_helper.from_array(values.astype(np.float16), initializer.name + "_half")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [initializer.name], to=TensorProto.FLOAT,
                                      name="widen_" + initializer.name))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, path)
