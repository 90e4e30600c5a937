"""Float ONNX models with several inputs or outputs (frontends/onnx_base.py: _make_joined_inputs / _join_outputs):
the inputs become rows of the one C input (each in the IR's layout: NHWC for a 4-D NCHW input), the outputs one
row at offsets; the C equals onnxruntime's float outputs to float rounding, and quantizes like any float model;
a QDQ copy (onnxruntime's quantize_static) equals onnxruntime exactly.  QONNX models keep one input and one output
(tests/test_qonnx_import.py)."""
from __future__ import annotations

import numpy as np
import pytest

import nncodegen
from nncodegen.ir.graph import GraphError

from helpers import quantized_build_agrees

onnx = pytest.importorskip("onnx")
from onnx import TensorProto as T, helper as h, numpy_helper as nh  # noqa: E402


def _model(seed: int):
    """An image (NCHW) through a conv + relu, and a feature vector through a matmul: outputs the conv map (4-D:
    NHWC in the IR), the vector head, and the image's global average added to the vector head."""
    r = np.random.default_rng(seed)
    c, hh, ww, f, co = int(r.integers(1, 4)), int(r.integers(3, 7)), int(r.integers(3, 7)), int(r.integers(2, 9)), 4
    img = h.make_tensor_value_info("image", T.FLOAT, [1, c, hh, ww])
    vec = h.make_tensor_value_info("features", T.FLOAT, [1, f])
    inits = [nh.from_array(r.standard_normal((co, c, 3, 3)).astype(np.float32), "w"),
             nh.from_array(r.standard_normal(co).astype(np.float32), "b"),
             nh.from_array(r.standard_normal((f, co)).astype(np.float32), "m")]
    nodes = [h.make_node("Conv", ["image", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
             h.make_node("Relu", ["conv"], ["map"]),
             h.make_node("MatMul", ["features", "m"], ["head"]),
             h.make_node("GlobalAveragePool", ["map"], ["gap"]),
             h.make_node("Flatten", ["gap"], ["gapf"]),
             h.make_node("Add", ["gapf", "head"], ["mixed"])]
    outs = [h.make_tensor_value_info("map", T.FLOAT, None), h.make_tensor_value_info("head", T.FLOAT, None),
            h.make_tensor_value_info("mixed", T.FLOAT, None)]
    m = h.make_model(h.make_graph(nodes, "two_in_three_out", [img, vec], outs, inits),
                     opset_imports=[h.make_opsetid("", 13)])
    return m, (1, c, hh, ww), (1, f)


def _ort(m, xs):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    res = [sess.run(None, {"image": a[None], "features": b[None]}) for a, b in zip(*xs)]
    return [np.concatenate([r[k] for r in res]) for k in range(len(res[0]))]


@pytest.mark.parametrize("seed", range(3))
def test_two_inputs_three_outputs_equal_onnxruntime(seed, tmp_path):
    m, si, sv = _model(seed)
    path = tmp_path / "m.onnx"
    onnx.save(m, path)
    g = nncodegen.load(path)
    ins, outs = g.meta["inputs"], g.meta["outputs"]
    assert [i["name"] for i in ins] == ["image", "features"] and ins[0]["layout"] == "NCHW->NHWC"
    assert [o["name"] for o in outs] == ["map", "head", "mixed"] and outs[0]["layout"] == "NCHW->NHWC"
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    r = np.random.default_rng(50 + seed)
    img = r.standard_normal((16,) + si[1:]).astype(np.float32)
    vec = r.standard_normal((16,) + sv[1:]).astype(np.float32)
    x = nncodegen.join_inputs(g, [img.transpose(0, 2, 3, 1), vec])   # the C takes NHWC, as every model
    ys = nncodegen.split_outputs(g, cm.run(x))
    want = _ort(m, (img, vec))
    np.testing.assert_allclose(ys[0], want[0].transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)
    for k in (1, 2):
        np.testing.assert_allclose(ys[k], want[k], rtol=1e-4, atol=1e-5)
    # the inputs' rows are each input's own: swapping the feature vector changes only what depends on it
    x2 = x.copy()
    x2[:, 1] = x2[::-1, 1]
    ys2 = nncodegen.split_outputs(g, cm.run(x2))
    np.testing.assert_array_equal(ys2[0], ys[0])
    assert not np.allclose(ys2[1], ys[1])
    hdr = (tmp_path / "out" / "m.h").read_text()
    assert "#define m_NUM_INPUTS 2" in hdr and "#define m_NUM_OUTPUTS 3" in hdr


@pytest.mark.parametrize("scheme,tol", [("q7", 0.08), ("q15", 2e-3), ("int8", 0.05)])
def test_joined_float_onnx_model_quantizes(scheme, tol, tmp_path):
    m, si, sv = _model(5)
    path = tmp_path / "m.onnx"
    onnx.save(m, path)
    g = nncodegen.load(path)
    r = np.random.default_rng(9)
    x = nncodegen.join_inputs(g, [r.standard_normal((48,) + (si[2], si[3], si[1])).astype(np.float32),
                                  r.standard_normal((48,) + sv[1:]).astype(np.float32)])
    quantized_build_agrees(g, x, scheme, tol, tmp_path / scheme)


def test_qdq_model_of_two_inputs_three_outputs_equals_onnxruntime(tmp_path):
    """onnxruntime's quantize_static QDQ copy of the model: the joins are float (each input row sliced, then its
    QuantizeLinear; each output after its DequantizeLinear), so the C's floats are onnxruntime's exactly (its
    default rounding mode) and the simulator's."""
    qz = pytest.importorskip("onnxruntime.quantization")
    m, si, sv = _model(1)
    onnx.save(m, tmp_path / "f.onnx")
    r = np.random.default_rng(3)

    class Reader(qz.CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"image": r.standard_normal(si).astype(np.float32),
                             "features": r.standard_normal(sv).astype(np.float32)} for _ in range(16)])

        def get_next(self):
            return next(self.it, None)

    qz.quantize_static(str(tmp_path / "f.onnx"), str(tmp_path / "q.onnx"), Reader(), quant_format=qz.QuantFormat.QDQ,
                       activation_type=qz.QuantType.QInt8, weight_type=qz.QuantType.QInt8)
    g = nncodegen.load(tmp_path / "q.onnx")
    assert {n.op for n in g.nodes} >= {"quantize", "dequantize", "conv2d", "dense"}
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    img = r.standard_normal((12,) + si[1:]).astype(np.float32)
    vec = r.standard_normal((12,) + sv[1:]).astype(np.float32)
    q = onnx.load(tmp_path / "q.onnx")
    want = _ort(q, (img, vec))
    x = nncodegen.join_inputs(g, [img.transpose(0, 2, 3, 1), vec])
    y = cm.run(x)
    ys = nncodegen.split_outputs(g, y)
    np.testing.assert_array_equal(ys[0], want[0].transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(ys[1], want[1])
    np.testing.assert_array_equal(ys[2], want[2])
    np.testing.assert_array_equal(y, nncodegen.simulate(g, x))


def test_qonnx_models_keep_one_input(tmp_path):
    """A QONNX model (a Quant node) of two inputs is refused naming them and why."""
    a = h.make_tensor_value_info("a", T.FLOAT, [1, 4])
    b = h.make_tensor_value_info("b", T.FLOAT, [1, 4])
    y = h.make_tensor_value_info("y", T.FLOAT, [1, 4])
    inits = [nh.from_array(np.array(0.05, np.float32), "s"), nh.from_array(np.array(0.0, np.float32), "z"),
             nh.from_array(np.array(8.0, np.float32), "bits")]
    nodes = [h.make_node("Quant", ["a", "s", "z", "bits"], ["aq"], domain="qonnx.custom_op.general", signed=1,
                         narrow=0, rounding_mode="ROUND"),
             h.make_node("Add", ["aq", "b"], ["y"])]
    path = tmp_path / "q.onnx"
    onnx.save(h.make_model(h.make_graph(nodes, "g", [a, b], [y], inits),
                           opset_imports=[h.make_opsetid("", 13), h.make_opsetid("qonnx.custom_op.general", 1)]),
              path)
    with pytest.raises(GraphError, match=r"exactly one \(non-initializer\) input, it has 2: \['a', 'b'\].*QONNX"):
        nncodegen.load(path)
