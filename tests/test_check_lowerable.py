"""passes/check_lowerable.py: what lowering cannot do is refused before it, in one line naming the node."""
import numpy as np
import pytest

import nncodegen
from nncodegen.ir import GraphBuilder
from nncodegen.ir.formats import QFormat
from nncodegen.ir.graph import GraphError
from nncodegen.passes.check_lowerable import check_lowerable


def _conv_graph():
    b = GraphBuilder("m")
    x = b.input((1, 4, 4, 2))
    y = b.conv2d(x, np.ones((3, 1, 1, 2), np.float32), np.zeros(3, np.float32))
    return b.finish(y)


def test_integer_input_with_float_weights_is_refused_naming_the_node():
    """A multi-bit weight quantizer in a binarized QONNX network used to import as a conv with a Q7 input and
    float weights, and lowering then failed inside (accumulator_bound: qdata None)."""
    g = _conv_graph()
    g.tensors[g.inputs[0]].fmt = QFormat(8, 7)
    g.tensors[g.outputs[0]].fmt = QFormat(8, 5)
    with pytest.raises(GraphError, match=r"^node 'conv2d_1' \(conv2d\): reads an integer value \(Q0.7\) but its "
                                         r"weights have no integer format"):
        check_lowerable(g)


def test_quantized_and_float_graphs_pass(examples_dir):
    g = _conv_graph()
    assert check_lowerable(g) is g                         # float: nothing to check
    m = nncodegen.load(examples_dir / "mnist_cnn" / "mnist_cnn.onnx")
    q = nncodegen.quantize(m, np.load(examples_dir / "mnist_cnn" / "calib.npy")[:50], "q7")
    assert check_lowerable(q) is q                         # every weight has its integers
