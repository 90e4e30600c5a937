"""QONNX power-of-two Quant -> Q-format without calibration (nncodegen/frontends/qonnx_pow2.py):
the mapping rules, and a graph whose formats all come from its Quants compiled to C and compared
with QONNX's fake-quantized float semantics (identical except exact ties, which QONNX's ROUND
sends to even and the Q-format shift rounds up)."""
from __future__ import annotations

import numpy as np
import pytest

import nncodegen
from nncodegen.frontends.qonnx_pow2 import assign_pow2_formats, pow2_frac, pow2_quant, quantize_const_pow2
from nncodegen.ir import GraphBuilder, GraphError, QFormat
from nncodegen.ref import float_ops


def test_mapping_rules():
    pq = pow2_quant(2.0 ** -5, 0, 8)
    assert pq.fmt == QFormat(8, 5) and (pq.qmin, pq.qmax) == (-128, 127)
    assert pow2_quant(0.25, 0, 4, narrow=1).fmt == QFormat(8, 2)
    assert (pow2_quant(0.25, 0, 4, narrow=1).qmin, pow2_quant(0.25, 0, 4).qmax) == (-7, 7)
    assert pow2_quant(2.0 ** -10, 0, 12).fmt == QFormat(16, 10)
    assert pow2_quant(8.0, 0, 8).fmt == QFormat(8, -3)
    w = pow2_quant(np.array([2.0 ** -7, 2.0 ** -6]).reshape(2, 1, 1, 1), 0, 8, axis=0)
    assert w.fmt == QFormat(8, (7, 6), 0)
    assert pow2_frac([0.5, 0.125]) == (1, 3)
    for bad, why in (((0.1, 0, 8), "power of two"), ((0.25, 1, 8), "zero point"), ((0.25, 0, 1), "bipolar"),
                     ((0.25, 0, 20), "bit width")):
        with pytest.raises(ValueError, match=why):
            pow2_quant(*bad)
    with pytest.raises(ValueError, match="unsigned"):
        pow2_quant(0.25, 0, 8, signed=0)
    x = np.array([0.3, -0.3, 0.375, 0.625, 100.0, -100.0])
    np.testing.assert_array_equal(quantize_const_pow2(x, pow2_quant(0.25, 0, 4)), [1, -1, 2, 2, 7, -8])


def _qonnx_quant(x, frac, lo, hi):
    """QONNX Quant (ROUND = half to even) on real values."""
    s = 2.0 ** -frac
    return np.clip(np.rint(x / s), lo, hi) * s


def test_pow2_graph_compiles_without_calibration(tmp_path):
    rng = np.random.default_rng(0)
    f_in, f_c, f_out = 5, 3, 4
    w1 = rng.normal(size=(6, 3, 3, 2)) * 0.3
    w1_fr = tuple(int(v) for v in rng.integers(5, 8, size=6))
    w1 = np.stack([np.rint(w1[c] * 2.0 ** w1_fr[c]) * 2.0 ** -w1_fr[c] for c in range(6)])
    b1 = rng.normal(size=6) * 0.2
    w2 = np.rint(rng.normal(size=(5, 6 * 4 * 4)) * 0.1 * 2 ** 7) * 2.0 ** -7
    b = GraphBuilder("qonnx_pow2")
    x = b.input((1, 8, 8, 2))
    xq = b.clip(x, min=-128 * 2.0 ** -f_in, max=127 * 2.0 ** -f_in)          # input Quant, 8 bit
    y = b.conv2d(xq, w1, b1, pads=(1, 1, 1, 1), act="relu")
    y = b.clip(y, min=-32 * 2.0 ** -f_c, max=31 * 2.0 ** -f_c)               # 6-bit Quant after ReLU
    y = b.maxpool(y, kernel=(2, 2), strides=(2, 2))
    y = b.reshape(y, shape=(1, 96))
    y = b.dense(y, w2)
    out = b.clip(y, min=-128 * 2.0 ** -f_out, max=127 * 2.0 ** -f_out)       # output Quant, 8 bit
    g = b.finish(out)
    conv = next(n for n in g.nodes if n.op == "conv2d")
    dense = next(n for n in g.nodes if n.op == "dense")
    clips = [n for n in g.nodes if n.op == "clip"]
    acts = {g.inputs[0]: pow2_quant(2.0 ** -f_in, 0, 8), clips[0].outputs[0]: pow2_quant(2.0 ** -f_in, 0, 8),
            clips[1].outputs[0]: pow2_quant(2.0 ** -f_c, 0, 6), clips[2].outputs[0]: pow2_quant(2.0 ** -f_out, 0, 8)}
    consts = {conv.inputs[1]: pow2_quant(np.power(2.0, -np.array(w1_fr)), 0, 8, axis=0),
              dense.inputs[1]: pow2_quant(2.0 ** -7, 0, 8)}
    gq = assign_pow2_formats(g, acts, consts)
    assert gq.tensors[conv.outputs[0]].fmt == QFormat(8, f_c)  # the conv writes in its Quant's format
    assert gq.tensors[conv.inputs[1]].fmt == QFormat(8, w1_fr, 0)
    out_dir = nncodegen.generate(gq, tmp_path / "c", name="m")
    cm = nncodegen.build(out_dir)
    xs = rng.normal(size=(30, 8, 8, 2)).astype(np.float32)
    y_c = cm.run_raw(cm.quantize_input(xs))
    np.testing.assert_array_equal(y_c, nncodegen.simulate(gq, xs, raw=True).reshape(y_c.shape))
    # QONNX semantics in float: fake-quantize at every Quant (ties to even)
    ref, ties = [], []
    for xi in xs:
        v = _qonnx_quant(xi[None].astype(np.float64), f_in, -128, 127)
        a = float_ops.conv2d({**conv.attrs, "act": "relu"}, v, w1, b1)
        v = _qonnx_quant(a, f_c, -32, 31)
        v = float_ops.maxpool({"kernel": (2, 2), "strides": (2, 2), "pads": (0, 0, 0, 0)}, v).reshape(1, 96)
        d = v @ w2.T
        ties.append(np.mod(d * 2.0 ** f_out, 1.0) == 0.5)
        ref.append(np.clip(np.rint(d * 2.0 ** f_out), -128, 127))
    ref = np.concatenate(ref)
    ties = np.concatenate(ties)
    diff = np.abs(y_c.reshape(ref.shape).astype(np.float64) - ref)
    assert diff.max() <= 1
    # at the output, every difference is a tie, rounded half up instead of half to even (earlier
    # layers' ties can move an output by one LSB too, so allow a few more)
    assert np.mean(diff == 0) >= 0.95
    assert np.all(diff[~ties] <= 1)


def test_missing_quant_is_an_error_naming_the_tensor():
    b = GraphBuilder("m")
    x = b.input((1, 4))
    y = b.dense(x, np.full((3, 4), 0.25))
    g = b.finish(b.sigmoid(y))
    dense = g.nodes[0]
    with pytest.raises(GraphError, match="no power-of-two Quant"):
        assign_pow2_formats(g, {g.inputs[0]: pow2_quant(0.125, 0, 8)}, {dense.inputs[1]: pow2_quant(0.25, 0, 8)})
