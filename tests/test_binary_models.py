"""Whole binarized graphs through lower -> plan -> C -> cffi: the C equals the simulator bit for bit,
and equals the float reference of the same +-1 network (exactly for {-1, +1} and Q outputs whose
inputs are exactly representable; within float32 rounding for float outputs)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import nncodegen
from nncodegen.ir import GraphBuilder, GraphError, QFormat
from nncodegen.ir.formats import FLOAT32, BinaryFormat, TernaryFormat


def pm1(rng, *shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def tern(rng, *shape):
    return rng.integers(-1, 2, size=shape).astype(np.float64)


def set_fmt(g, name, fmt):
    g.tensors[name].fmt = fmt


def finish(b, out, fmts):
    g = b.finish(out)
    for name, f in fmts.items():
        set_fmt(g, name, f)
    return nncodegen.ir.check_graph(g, "test")


def g_bnn_cnn(seed=0):
    """q7 input -> binary-weight conv -> XNOR convs (zero, -1 and +1 padding, stride, depthwise, dilation)
    -> binary max pool -> flatten -> XNOR dense (bits) -> XNOR dense with float output."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("bnn_cnn")
    x = b.input((1, 9, 9, 3))
    fmts = {x: QFormat(8, 5)}
    y1 = b.op("bconv2d", [x, pm1(rng, 20, 3, 3, 3), rng.normal(size=20) * 3], pads=(1, 1, 1, 1))
    y2 = b.op("bconv2d", [y1, pm1(rng, 40, 3, 3, 20), rng.integers(-20, 21, size=40).astype(float)],
              pads=(1, 1, 1, 1))
    y3 = b.op("maxpool", [y2], kernel=(2, 2), strides=(2, 2), pads=(0, 0, 1, 1))
    y4 = b.op("bconv2d", [y3, pm1(rng, 33, 3, 3, 40), rng.integers(-30, 31, size=33).astype(float)],
              pads=(1, 1, 1, 1), pad_value=-1.0)
    y5 = b.op("bconv2d", [y4, pm1(rng, 66, 2, 2, 1), rng.integers(-4, 5, size=66) + 0.5], pads=(1, 0, 1, 0),
              groups=33, pad_value=1.0, strides=(2, 1), dilations=(1, 2))
    n = int(np.prod(b.g.tensors[y5].shape))
    f = b.reshape(y5, shape=(1, n))
    y6 = b.op("bdense", [f, pm1(rng, 50, n), rng.integers(-40, 41, size=50).astype(float)])
    y7 = b.op("bdense", [y6, pm1(rng, 10, 50), rng.uniform(0.01, 0.2, 10), rng.normal(size=10)],
              epilogue="affine")
    for t in (y1, y2, y3, y4, y5, y6):
        fmts[t] = BinaryFormat()
    fmts[f] = BinaryFormat(group=66)
    fmts[y7] = FLOAT32
    g = finish(b, y7, fmts)
    for nd in g.nodes:
        if nd.op in ("bconv2d", "bdense"):
            w = g.tensors[nd.inputs[1]]
            w.fmt = BinaryFormat(group=66) if nd.inputs[0] == f else BinaryFormat()
    return g


def g_residual_q(seed=0):
    """q7 map -> sign (pack) -> XNOR conv with q7 output + residual + PReLU, relu variant, unpack, merge."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("bires")
    x = b.input((1, 6, 6, 8))
    s = b.sign(x)
    y = b.op("bconv2d", [s, pm1(rng, 8, 3, 3, 8), rng.uniform(0.01, 0.1, 8), rng.normal(size=8) * 0.2, x,
                         rng.uniform(0.05, 0.3, 8)], pads=(1, 1, 1, 1), epilogue="affine", act="prelu",
             residual=True)
    s2 = b.sign(y)
    y2 = b.op("bconv2d", [s2, tern(rng, 12, 3, 3, 8), rng.uniform(0.01, 0.1, 12), rng.normal(size=12) * 0.2],
              pads=(0, 0, 0, 0), epilogue="affine", act="relu")
    s3 = b.sign(b.add(y2, rng.normal(size=12) * 0.1))
    u = b.op("unpack", [s3])
    fmts = {x: QFormat(8, 5), s: BinaryFormat(), y: QFormat(8, 4), s2: BinaryFormat(), y2: QFormat(8, 5),
            s3: BinaryFormat(), u: QFormat(8, 6)}
    g = finish(b, u, fmts)
    add = next(n for n in g.nodes if n.op == "add")
    set_fmt(g, add.outputs[0], QFormat(8, 5))
    c = g.tensors[add.inputs[1]]
    c.fmt = QFormat(8, 7)
    c.qdata = c.fmt.quantize(c.data)
    for nd in g.nodes:
        if nd.op == "bconv2d":
            w = g.tensors[nd.inputs[1]]
            w.fmt = TernaryFormat() if np.any(w.data == 0) else BinaryFormat()
    return nncodegen.ir.check_graph(g, "test")


def g_ternary_q15(seed=0):
    """q15 input -> ternary-weight conv (bits) -> XNOR ternary dense (q15 out)."""
    rng = np.random.default_rng(seed)
    b = GraphBuilder("tern")
    x = b.input((1, 5, 5, 4))
    y = b.op("bconv2d", [x, tern(rng, 36, 3, 3, 2), rng.normal(size=36)], pads=(1, 1, 1, 1), groups=2,
             strides=(2, 2))
    f = b.reshape(y, shape=(1, 9 * 36))
    z = b.op("bdense", [f, tern(rng, 7, 9 * 36), rng.uniform(0.001, 0.01, 7), rng.normal(size=7)],
             epilogue="affine")
    g = finish(b, z, {x: QFormat(16, 12), y: BinaryFormat(), f: BinaryFormat(group=36), z: QFormat(16, 10)})
    g.tensors[g.nodes[0].inputs[1]].fmt = TernaryFormat()
    g.tensors[g.nodes[2].inputs[1]].fmt = TernaryFormat(group=36)
    return g


GRAPHS = {"bnn_cnn": g_bnn_cnn, "residual_q": g_residual_q, "ternary_q15": g_ternary_q15}


def exact_inputs(g, n, seed):
    """Inputs on the input format's grid (no rounding at the input), mostly inside its range."""
    t = g.tensors[g.inputs[0]]
    rng = np.random.default_rng(seed)
    q = rng.integers(t.fmt.qmin, t.fmt.qmax + 1, size=(n,) + tuple(t.shape[1:]))
    return (q * 2.0 ** -int(t.fmt.frac)).astype(np.float32)


@pytest.mark.parametrize("gname", sorted(GRAPHS))
def test_binary_graph_c_equals_simulator_and_reference(tmp_path, gname):
    g = GRAPHS[gname]()
    x = exact_inputs(g, 12, seed=5)
    out = nncodegen.generate(g, tmp_path / "out", name=gname)
    cm = nncodegen.build(out)
    raw_c = cm.run_raw(cm.quantize_input(x))
    raw_s = nncodegen.simulate(g, x, raw=True)
    mism = np.argwhere(raw_c != raw_s)
    assert mism.size == 0, f"C != simulator at {mism[:5].tolist()}"
    yc = cm.run(x)
    yr = nncodegen.reference(g, x).reshape(yc.shape)
    tout = g.tensors[g.outputs[0]].fmt
    if tout.kind == "float":
        np.testing.assert_allclose(yc, yr, rtol=2e-6, atol=2e-5)
    elif gname == "residual_q":
        # +-1 output after Q-format intermediate maps: the Q rounding of values near 0 may flip a
        # sign, so only most agree; the Q layers themselves are checked exactly in test_q_epilogue_*
        assert np.mean(yc == yr) > 0.9
    else:
        # Q output: within half an LSB of the exact value plus the 2^-30 relative scale error
        lsb = 2.0 ** -int(tout.frac)
        lo, hi = tout.qmin * lsb, tout.qmax * lsb
        err = np.abs(yc - np.clip(yr, lo, hi))
        assert err.max() <= 0.5 * lsb + 1e-6 * max(1.0, np.abs(yr).max()), err.max()
    rep = json.loads((out / "report.json").read_text())
    assert rep["binary_macs"] > 0 and rep["binary_macs"] <= rep["macs"]


def test_bnn_trace_matches_reference_layer_by_layer(tmp_path):
    """Every packed layer of the C trace unpacks to the float reference's +-1 values."""
    g = g_bnn_cnn(1)
    x = exact_inputs(g, 1, seed=9)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="tr"), trace=True)
    layers = cm.run_trace(cm.quantize_input(x)[0])
    _, ref = nncodegen.ref.interpreter.run_float(g, x, trace=True)
    for node, got in zip(g.nodes, layers):
        t = g.tensors[node.outputs[0]]
        if t.fmt.kind == "binary":
            np.testing.assert_array_equal(t.fmt.dequantize(got, t.shape), ref[t.name].reshape(t.shape),
                                          err_msg=node.name)


def test_binary_weights_32x_smaller_in_report(tmp_path):
    g = g_bnn_cnn()
    rep = json.loads((nncodegen.generate(g, tmp_path / "o", name="r") / "report.json").read_text())
    # packed: one bit per weight, a layer's filters back to back, padded to a whole 32-bit word at the end
    want = 0
    for n in g.nodes:
        if n.op in ("bconv2d", "bdense"):
            w = g.tensors[n.inputs[1]]
            want += 4 * ((w.size + 31) // 32)
    assert rep["binary_weight_bytes"] == want
    assert rep["binary_float_weight_bytes"] / rep["binary_weight_bytes"] > 31.9
    layer = next(l for l in rep["layers"] if l["op"] == "bconv2d" and l["out_shape"][-1] == 40)
    assert layer["weight_bytes"] == 40 * 180 // 8 + 40 * 4   # 180 bits per filter, 7,200 bits; + thresholds
    wsize = sum(g.tensors[n.inputs[1]].size for n in g.nodes if n.op in ("bconv2d", "bdense"))
    assert rep["binary_float_weight_bytes"] == 4 * wsize
    d = next(l for l in rep["layers"] if l["op"] == "bdense")
    assert d["binary_macs"] == d["macs"] > 0


def test_bad_binary_weights_name_the_node():
    g = g_bnn_cnn()
    node = next(n for n in g.nodes if n.op == "bconv2d")
    g.tensors[node.inputs[1]].data = g.tensors[node.inputs[1]].data * 0.5
    with pytest.raises(GraphError, match=node.name):
        nncodegen.simulate(g, exact_inputs(g, 1, 0))


def test_threshold_is_exact_on_q_input():
    """thr 0.1 on Q(8,5) input: acc_int * 2^-5 >= 0.1 <=> acc_int >= 4 (3.2 rounds up)."""
    from nncodegen.lower.lower_binary import exact_threshold
    assert exact_threshold(0.1, 5) == 4
    assert exact_threshold(0.125, 5) == 4          # a tie stays a tie: acc 4 -> +1
    assert exact_threshold(-3.0, 0) == -3
    assert exact_threshold(-2.5, 0) == -2
    assert exact_threshold(1e12, 0) == 1 << 30 and exact_threshold(-np.inf, 0) == -(1 << 30)


def test_q_epilogue_with_residual_and_prelu_within_half_lsb(tmp_path):
    """The first Q layer of g_residual_q (residual + PReLU) against the float reference: half an LSB."""
    g = g_residual_q(2)
    conv = next(n for n in g.nodes if n.op == "bconv2d")
    g.outputs = [conv.outputs[0]]
    g.nodes = g.nodes[:2]
    g.remove_unused()
    nncodegen.ir.check_graph(g, "cut")
    x = exact_inputs(g, 16, seed=4)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="res"))
    raw_c = cm.run_raw(cm.quantize_input(x))
    assert (raw_c == nncodegen.simulate(g, x, raw=True)).all()
    f = g.tensors[g.outputs[0]].fmt
    yr = np.clip(nncodegen.reference(g, x), f.qmin * 2.0 ** -f.frac, f.qmax * 2.0 ** -f.frac)
    err = np.abs(f.dequantize(raw_c) - yr)
    assert err.max() <= 0.5 * 2.0 ** -f.frac + 1e-6, err.max()


def test_binarize_thresholds_against_high_precision_batch_norm():
    """Thresholds from the exact predicate (sqrt compared by squaring) agree with a 60-digit decimal
    evaluation of gamma * (alpha * d - mean) / sqrt(var + eps) + beta >= 0 on every reachable d, for
    random float32 parameters with both signs of gamma and alpha."""
    from decimal import Decimal, getcontext
    from fractions import Fraction

    from nncodegen.passes.binarize import _Affine
    getcontext().prec = 60
    rng = np.random.default_rng(11)
    bound = 40
    for trial in range(60):
        c = 3
        alpha = rng.choice([0.5, 1.0, 0.1, -0.25], size=c).astype(np.float32)
        gamma, beta, mean, var = (rng.normal(size=c).astype(np.float32) for _ in range(4))
        var = np.abs(var).astype(np.float32)
        mean = (np.round(mean * 8) / 8 * 5).astype(np.float32)        # often exactly on the grid
        if trial % 7 == 0:
            beta[:] = 0                                               # exact ties: f = 0 at d = mean/alpha
        eps = np.float32(1e-5)
        aff = _Affine([Fraction(float(a)) for a in alpha], [Fraction(0)] * c)
        aff.batchnorm(gamma, beta, mean, var, eps)
        for k in range(c):
            t, neg = aff.threshold(k, Fraction(1), bound)
            for d in range(-bound, bound + 1):
                dd = -d if neg else d                                 # d is the (possibly negated) accumulator
                v = (Decimal(float(gamma[k])) * (Decimal(float(alpha[k])) * dd - Decimal(float(mean[k])))
                     / (Decimal(float(var[k])) + Decimal(float(eps))).sqrt() + Decimal(float(beta[k])))
                want = v >= 0 if abs(v) > Decimal(10) ** -40 else aff.nonneg(k, Fraction(dd))
                assert (d >= t) == want, (trial, k, d, t, neg, v)
