"""Size limits for untrusted model files (nncodegen/ir/limits.py): a model that asks for more than the limits
is refused in one line naming the tensor or node, before anything that size is allocated; the config
file's `limits` raises them."""
import json
import subprocess
import sys
import tracemalloc

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import nncodegen
from nncodegen.ir.graph import GraphError
from nncodegen.ir.limits import LIMITS, use_limits


def _relu_model(shape, name="x"):
    x = helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))
    g = helper.make_graph([helper.make_node("Relu", [name], ["y"], name="relu")], "g", [x], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def _raw_tensor(name, dims, data: bytes):
    """A float TensorProto whose dims and data may disagree (helper.make_tensor refuses to write one)."""
    t = TensorProto()
    t.name, t.data_type = name, TensorProto.FLOAT
    t.dims.extend(dims)
    t.raw_data = data
    return t


def _load_peak(path):
    """(exception, peak bytes Python allocated while loading)."""
    tracemalloc.start()
    try:
        nncodegen.load(path)
        err = None
    except GraphError as e:
        err = e
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return err, peak


def test_huge_input_shape_is_refused_before_allocation(tmp_path):
    p = tmp_path / "big.onnx"
    onnx.save(_relu_model((1, 3, 100000, 100000)), p)     # 3e10 elements: 120 GB of float32
    err, peak = _load_peak(p)
    assert err is not None and "\n" not in str(err)
    assert "'x'" in str(err) and "max_tensor_elements" in str(err)
    assert peak < 200 << 20


def test_initializer_claiming_more_data_than_it_has(tmp_path):
    m = _relu_model((1, 4))
    m.graph.initializer.append(_raw_tensor("w", [1 << 20, 1 << 20], np.zeros(4, np.float32).tobytes()))
    p = tmp_path / "lie.onnx"
    onnx.save(m, p)
    err, peak = _load_peak(p)
    assert err is not None and "initializer 'w'" in str(err)
    assert peak < 200 << 20


def test_initializer_data_length_must_match_its_shape(tmp_path):
    m = _relu_model((1, 4))
    m.graph.initializer.append(_raw_tensor("w", [3, 3], np.zeros(4, np.float32).tobytes()))
    p = tmp_path / "short.onnx"
    onnx.save(m, p)
    with pytest.raises(GraphError, match=r"initializer 'w': 16 bytes of data for shape \(3, 3\) \(36 expected\)"):
        nncodegen.load(p)


def test_node_count_limit(examples_dir):
    with use_limits(max_nodes=3):
        with pytest.raises(GraphError, match=r"nodes, over the limit 3 \(limits.max_nodes\)"):
            nncodegen.load(examples_dir / "mnist_cnn" / "mnist_cnn.onnx")
    assert LIMITS.max_nodes == 10_000   # restored


def test_tflite_tensor_over_the_limits(tmp_path):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    x = b.input((1, 8, 8, 4), 0.05, 0)
    y = b.pool(x, "max", 2, 2)
    p = tmp_path / "m.tflite"
    p.write_bytes(b.finish(y))
    nncodegen.load(p)
    with use_limits(max_tensor_elements=100):
        with pytest.raises(GraphError, match=r"tensor .* has 256 elements, over the limit 100"):
            nncodegen.load(p)


def test_unknown_or_bad_limit_keys():
    with pytest.raises(GraphError, match="unknown key 'max_bogus'"):
        with use_limits(max_bogus=1):
            pass
    with pytest.raises(GraphError, match="not a positive integer"):
        with use_limits(max_dim=0):
            pass


def test_config_file_sets_the_limits(examples_dir, tmp_path):
    model = examples_dir / "mnist_cnn" / "mnist_cnn.onnx"
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"limits": {"max_tensor_elements": 1000}}))
    cmd = [sys.executable, "-m", "nncodegen", "compile", str(model), "-o", str(tmp_path / "o"), "--config", str(cfg)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and "limits.max_tensor_elements" in r.stderr and "Traceback" not in r.stderr
    cfg.write_text(json.dumps({"limits": {"max_tensor_elements": 1 << 20}}))
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
