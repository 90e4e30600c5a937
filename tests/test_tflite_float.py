"""Float32 TFLite models (nncodegen/frontends/tflite/importer.py): a float input and no QUANTIZE import as a
float32 IR graph.  The C must equal nncodegen's own float simulator and TFLite's reference runtimes (TFLite
Micro, LiteRT with the reference op resolver) within float32 rounding (`nncodegen verify`'s rule for float
models: the kernels' twins sum in numpy); TFLite Micro's own
hello_world_float (a real model: 1-16-16-1 fully connected) gives TFLite Micro's floats exactly.  Models with
float16 constants (TFLite's float16 quantization: each weight through a DEQUANTIZE) import with the DEQUANTIZE
folded.  What a float model cannot hold is refused with the operator named.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from nncodegen.ir.graph import GraphError
from test_tflite_import import MODELS, run_litert_ref, run_tflm

HELLO = Path(__file__).resolve().parent / "models" / "tflite" / "hello_world_float.tflite"


def _cnn(seed: int, fp16: bool) -> bytes:
    """A float CNN of the families the project targets: conv + relu6, depthwise, a residual add, a pad,
    pools, concat, a constant multiply, logistic / tanh / leaky / hard-swish, max / min, mean, transpose,
    nearest resize, fully connected, softmax."""
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder(float32=True, fp16=fp16)
    r = lambda *s: rng.normal(0, 0.4, s).astype(np.float32)  # noqa: E731
    x = b.float_input((1, 8, 8, 3))
    c1 = b.conv2d(x, r(8, 3, 3, 3), r(8), None, None, None, act="relu6")
    dw = b.conv2d(c1, r(1, 3, 3, 8), r(8), None, None, None, depthwise=True, act="relu")
    res = b.add(c1, dw, None, None)
    p = b.pad(res, [(0, 0), (1, 1), (1, 1), (0, 0)])
    mp = b.pool(p, "max", 2, 2)                                   # 5x5
    ap = b.pool(mp, "avg", 2, 1, padding="SAME")
    cat = b.concat([mp, ap], axis=3)                               # 16 channels
    m = b.mul(cat, b.fconst(r(1, 1, 1, 16)), None, None)
    sg = b.logistic(m)
    th = b.tanh(m)
    lk = b.leaky_relu(b.sub(sg, th, None, None), 0.1, None, None)
    hs = b.unary("HARD_SWISH", lk, None, None)
    mx = b.maximum_minimum("MAXIMUM", hs, th)
    mn = b.maximum_minimum("MINIMUM", mx, b.fconst(r(1, 1, 1, 16)))
    tr = b.transpose(mn, [0, 2, 1, 3])
    rs = b.resize_nearest(tr, (10, 10))
    c2 = b.conv2d(rs, r(6, 1, 1, 16), r(6), None, None, None, stride=2)
    mean = b.mean(c2, [1, 2], seed % 2 == 0, None, None)            # [1,1,1,6] or [1,6]
    flat = b.reshape(c2, (1, 150))
    fc = b.fully_connected(flat, r(10, 150), r(10), None, None, None, act="relu")
    fc2 = b.fully_connected(b.reshape(mean, (1, 6)), r(10, 6), r(10), None, None, None)
    return b.finish(b.softmax(b.add(fc, fc2, None, None)))


def test_hello_world_float_equals_tflite_micro_and_litert(tmp_path):
    """TFLite Micro's float sine model: the C's floats are TFLite Micro's and LiteRT's (fully connected layers
    summed in input order, as both runtimes' reference kernels sum), and the simulator's."""
    pytest.importorskip("tflite_micro")
    pytest.importorskip("ai_edge_litert")
    g = nncodegen.load(HELLO)
    assert g.tensors[g.inputs[0]].fmt.kind == "float" and not g.is_quantized
    assert [n.op for n in g.nodes] == ["dense"] * 3
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    x = np.linspace(-1.0, 7.5, 400, dtype=np.float32).reshape(-1, 1)
    y = cm.run(x)
    np.testing.assert_array_equal(y, run_tflm(HELLO, x).reshape(y.shape))
    np.testing.assert_array_equal(y, run_litert_ref(HELLO, x).reshape(y.shape))
    np.testing.assert_allclose(y, nncodegen.simulate(g, x), rtol=0, atol=1e-5)  # float twins: to rounding
    assert np.abs(y[(x >= 0) & (x <= 2 * np.pi)] - np.sin(x[(x >= 0) & (x <= 2 * np.pi)])).max() < 0.1


@pytest.mark.parametrize("fp16", [False, True], ids=["f32", "f16"])
@pytest.mark.parametrize("seed", [0, 1])
def test_float_cnn_equals_simulator_and_litert(tmp_path, seed, fp16):
    pytest.importorskip("ai_edge_litert")
    path = tmp_path / f"cnn{seed}.tflite"
    path.write_bytes(_cnn(seed, fp16))
    g = nncodegen.load(path)
    ops = {n.op for n in g.nodes}   # (LEAKY_RELU may fold into the SUB before it as its activation)
    assert {"conv2d", "dense", "add", "sub", "mul", "pad", "maxpool", "avgpool", "concat", "sigmoid", "tanh",
            "hard_swish", "maximum", "minimum", "transpose", "resize", "global_avgpool"} <= ops, ops
    assert "dequantize" not in ops and all(t.fmt.kind == "float" for t in g.tensors.values())
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    x = np.random.default_rng(10 + seed).normal(0, 1, (16, 8, 8, 3)).astype(np.float32)
    y = cm.run(x)
    np.testing.assert_allclose(y, nncodegen.simulate(g, x), rtol=0, atol=1e-5 * max(1.0, np.abs(y).max()))
    ref = run_litert_ref(path, x).reshape(y.shape)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def test_float_tflite_quantizes_like_an_onnx_float_model(tmp_path):
    """`nncodegen compile model.tflite --quantize q7 / int8 --calib` on a float TFLite model: bit-exact with the
    simulator (verify), close to the float model."""
    x = np.linspace(0, 2 * np.pi, 256, dtype=np.float32).reshape(-1, 1)
    calib, inputs = tmp_path / "calib.npy", tmp_path / "x.npy"
    np.save(calib, x[::4])
    np.save(inputs, x)
    for q in ("q15", "int8"):
        out = tmp_path / q
        r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(HELLO), "--quantize", q, "--calib",
                            str(calib), "-o", str(out)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        r = subprocess.run([sys.executable, "-m", "nncodegen", "verify", str(out), "--inputs", str(inputs)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        y = nncodegen.build(out).run(x)
        assert np.abs(y - np.sin(x)).max() < 0.15, q


def _hybrid() -> bytes:
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    x = b.float_input((1, 4))
    s = b.s
    w = b.tensor((3, 4), s.TensorType.INT8, 0.02, 0, data=np.ones((3, 4), np.int8))
    bias = b.tensor((3,), s.TensorType.FLOAT32, data=np.zeros(3, np.float32))
    y = b.tensor((1, 3), s.TensorType.FLOAT32)
    o = s.FullyConnectedOptionsT()
    b.op(s.BuiltinOperator.FULLY_CONNECTED, [x, w, bias], [y], s.BuiltinOptions.FullyConnectedOptions, o, 4)
    return b.finish(y)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_float_model_refusals_name_the_operator(tmp_path):
    """A dynamic-range (hybrid) model - int8 weights under float activations - and an operator without a
    float32 kernel in the import are refused by name, not compiled into something else."""
    pytest.importorskip("ai_edge_litert")
    (tmp_path / "hybrid.tflite").write_bytes(_hybrid())
    with pytest.raises(GraphError, match=r"operator #0 FULLY_CONNECTED .*int8 under float32 activations"):
        nncodegen.load(tmp_path / "hybrid.tflite")
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder(float32=True)
    x = b.float_input((1, 4, 4, 2))
    y = b.tensor((1, 4, 4, 2), b.s.TensorType.FLOAT32)
    b.op(b.s.BuiltinOperator.SQUARED_DIFFERENCE, [x, x], [y])
    with pytest.raises(GraphError, match=r"1 unsupported .*operator #0 SQUARED_DIFFERENCE"):
        nncodegen.load(_write(tmp_path / "sqd.tflite", b.finish(y)))
    b = TfliteBuilder(float32=True)
    x = b.float_input((1, 4, 4, 3))
    y = b.prelu(x, b.fconst(np.full((4, 1, 3), 0.25, np.float32)), None, None)
    with pytest.raises(GraphError, match=r"operator #0 PRELU .*slope of shape \[4, 1, 3\]: float32 PRELU takes one "
                                         r"slope or one per channel"):
        nncodegen.load(_write(tmp_path / "prelu.tflite", b.finish(y)))


def _tconv_f32(b, x, w, bias, out_shape, stride, padding):
    s = b.s
    ins = [b.tensor((4,), s.TensorType.INT32, data=np.asarray(out_shape, np.int32)), b.fconst(w), x]
    if bias is not None:
        ins.append(b.fconst(bias))
    y = b.tensor(out_shape, s.TensorType.FLOAT32)
    o = s.TransposeConvOptionsT()
    o.padding, o.strideW, o.strideH = {"SAME": 0, "VALID": 1}[padding], stride, stride
    b.op(s.BuiltinOperator.TRANSPOSE_CONV, ins, [y], s.BuiltinOptions.TransposeConvOptions, o, 3)
    return y


@pytest.mark.parametrize("case", [(2, "SAME", True), (2, "VALID", False), (1, "SAME", True), (3, "VALID", True)])
def test_float_transpose_conv_equals_litert(tmp_path, case):
    """TRANSPOSE_CONV in a float32 model (conv_transpose2d_f32): LiteRT's reference values to float32 rounding."""
    pytest.importorskip("ai_edge_litert")
    from tflite_builder import TfliteBuilder
    stride, padding, with_bias = case
    rng = np.random.default_rng(stride)
    b = TfliteBuilder(float32=True)
    x = b.float_input((1, 5, 4, 3))
    k = 3
    oh, ow = (5 * stride, 4 * stride) if padding == "SAME" else ((5 - 1) * stride + k, (4 - 1) * stride + k)
    y = _tconv_f32(b, x, rng.normal(0, 0.5, (6, k, k, 3)).astype(np.float32),
                   rng.normal(0, 0.5, 6).astype(np.float32) if with_bias else None, (1, oh, ow, 6), stride, padding)
    path = tmp_path / "t.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    assert [n.op for n in g.nodes] == ["conv_transpose2d"]
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    xs = rng.normal(0, 1, (10, 5, 4, 3)).astype(np.float32)
    y_c = cm.run(xs)
    ref = run_litert_ref(path, xs).reshape(y_c.shape)
    np.testing.assert_allclose(y_c, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())
    np.testing.assert_allclose(y_c, nncodegen.simulate(g, xs), rtol=0, atol=1e-5 * np.abs(ref).max())


@pytest.mark.parametrize("seed", range(3))
def test_float_slicing_and_prelu_equal_litert(tmp_path, seed):
    """SPLIT, SPLIT_V, STRIDED_SLICE (masks, a negative stride, a shrunk axis) and PRELU (one slope, a slope per
    channel) in a float32 model: the C gives LiteRT's reference values (copies and one multiply: exactly)."""
    pytest.importorskip("ai_edge_litert")
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder(float32=True)
    x = b.float_input((1, 6, 6, 4))
    a, c = b.split(x, 3, 2)                                          # two (1, 6, 6, 2)
    p1 = b.prelu(a, b.fconst(rng.uniform(0, 0.5, (1, 1, 1, 2)).astype(np.float32)), None, None)
    p2 = b.prelu(c, b.fconst(np.full((1,), 0.2, np.float32)), None, None)
    u, v, w = b.split_v(b.add(p1, p2, None, None), [1, -1, 2], 1)     # rows 1, 3, 2
    rev = b.strided_slice(v, [0, -1, 5, 0], [1, -4, 0, 2], [1, -1, -2, 1], (1, 3, 3, 2), begin_mask=1,
                          end_mask=9)                                # rows reversed, every other column reversed
    sh = b.strided_slice(w, [0, 1, 0, 0], [1, 2, 6, 2], [1, 1, 2, 1], (1, 3, 2), shrink_mask=2)
    y = b.concat([b.reshape(rev, (1, 18)), b.reshape(sh, (1, 6)), b.reshape(u, (1, 12))], 1)
    path = tmp_path / "s.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    assert {"strided_slice", "prelu"} <= {n.op for n in g.nodes}
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    xs = rng.normal(0, 1, (20, 6, 6, 4)).astype(np.float32)
    y_c = cm.run(xs)
    np.testing.assert_array_equal(y_c, run_litert_ref(path, xs).reshape(y_c.shape))
    np.testing.assert_array_equal(y_c, nncodegen.simulate(g, xs))


def test_hello_world_float_is_a_copy_of_the_shared_model():
    """The test copy is TFLite Micro's file (its sha256 as tests/models/tflite/README.md records it)."""
    import hashlib
    assert hashlib.sha256(HELLO.read_bytes()).hexdigest() == \
        "ee939863195ca37ce063b18e14fb82aa0d98db6596ba41095757f6b560da1070"
    assert MODELS == HELLO.parent
