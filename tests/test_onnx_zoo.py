"""Every model in tests/onnx_zoo.py is valid ONNX and runs in onnxruntime."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort  # a missing onnxruntime is a failure, not a skip
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_zoo  # noqa: E402

_DTYPES = {onnx.TensorProto.FLOAT: np.float32}


def _shape(value_info):
    return tuple(d.dim_value for d in value_info.type.tensor_type.shape.dim)


@pytest.mark.parametrize("name", sorted(onnx_zoo.ALL))
def test_zoo_model_checks_and_runs(name):
    model = onnx_zoo.ALL[name]()
    assert isinstance(model, onnx.ModelProto)
    assert model.ir_version == 8
    opset = {o.domain: o.version for o in model.opset_import}[""]
    assert opset == (14 if name == "mlp_ops" else 13)

    onnx.checker.check_model(model, full_check=True)

    graph = model.graph
    assert [i.name for i in graph.input] == ["input"]
    assert len(graph.output) == 1
    in_shape = _shape(graph.input[0])
    out_shape = _shape(graph.output[0])
    assert len(in_shape) == 4 and in_shape[0] == 1
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(123)
    x = rng.standard_normal(in_shape).astype(np.float32)
    (y,) = sess.run(None, {"input": x})
    assert y.dtype == np.float32
    assert y.shape == out_shape
    assert np.all(np.isfinite(y))
    assert np.std(y) > 0.0  # not a degenerate constant output


@pytest.mark.parametrize("name", sorted(onnx_zoo.ALL))
def test_zoo_model_is_seeded(name):
    a = onnx_zoo.ALL[name]().SerializeToString()
    b = onnx_zoo.ALL[name](seed=0).SerializeToString()
    c = onnx_zoo.ALL[name](seed=1).SerializeToString()
    assert a == b
    assert a != c


def test_zoo_has_all_entries():
    assert set(onnx_zoo.ALL) == {
        "depthwise_separable",
        "grouped_shuffle",
        "residual",
        "fire",
        "encoder_decoder_convtranspose",
        "encoder_decoder_resize",
        "mlp_ops",
        "misc_ops",
    }
