"""Binarized networks whose first and last layers keep multi-bit weights (the survey's binary networks: 8-bit
first and last layers), as Brevitas exports them (QONNX Quant on those weights, BipolarQuant in between).

The first layer (8-bit weights reading the 8-bit input) becomes an integer convolution / dense whose batch norm
+ sign are folded into integer thresholds on sum(x_int * w_int); the last (8-bit weights reading packed
{-1, +1} activations) sums +-w in integers before its affine epilogue.  Checked: Brevitas models
(tests/models/brevitas/make_binary_w8_models.py) against torch's outputs and the simulator; a hand-written
graph with thresholds on exact ties against the float64 evaluation of the QONNX graph; the kernels chosen,
the report's byte counts; what stays unsupported refused in one line naming the node."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import nncodegen
from nncodegen.ir import GraphError
from nncodegen.ir.formats import AffineFormat, QFormat

from test_qonnx_import import QD, Q, _check_against_qonnx_float, _rng_bn

MODELS = Path(__file__).parent / "models" / "brevitas"
KERNELS = {"binary_w8_cnn": ["bconv2d_w8_q7_bits", "bconv2d_xnor_bits", "bmaxpool", "bdense_bits_w8_f32"],
           "binary_w8_mlp": ["bdense_w8_q7_bits", "bdense_xnor_bits", "bdense_bits_w8_f32"]}


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_brevitas_binary_with_8bit_ends_matches_torch(tmp_path, name):
    """C == simulator bit for bit; logits within float32 rounding of torch's (the last layer's float epilogue;
    the first layer's thresholds are exact on q * s, torch's weights are float32(q * s)); top-1 equal."""
    x = np.load(MODELS / f"{name}_x.npy").transpose(0, 2, 3, 1)
    want = np.load(MODELS / f"{name}_y.npy")
    g = nncodegen.load(MODELS / f"{name}.onnx")
    layers = [n for n in g.nodes if n.op in ("bconv2d", "bdense")]
    wfmt = [g.tensors[n.inputs[1]].fmt for n in layers]
    assert wfmt[0] == QFormat(8, 0) and wfmt[-1] == QFormat(8, 0)
    assert all(f.kind == "binary" for f in wfmt[1:-1])
    assert layers[0].attrs["epilogue"] == "threshold" and layers[-1].attrs["epilogue"] == "affine"
    out = nncodegen.generate(g, tmp_path / name, name=name)
    cm = nncodegen.build(out)
    raw = cm.run_raw(cm.quantize_input(x))
    assert np.array_equal(raw, nncodegen.simulate(g, x, raw=True)), "C != simulator"
    yc = cm.run(x).reshape(want.shape)
    assert (yc.argmax(1) == want.argmax(1)).all()
    assert np.abs(yc - want).max() <= 1e-5 * max(1.0, np.abs(want).max()), np.abs(yc - want).max()
    rep = json.loads((out / "report.json").read_text())
    assert [k for l in rep["layers"] for k in l["kernels"] if k.startswith(("bconv", "bdense", "bmax"))] == KERNELS[name]
    # int8 weights take one byte each; only the binary middle counts as binary weights and MACs
    by = {l["name"]: l for l in rep["layers"]}
    w_int = sum(g.tensors[n.inputs[1]].size for n in (layers[0], layers[-1]))
    w_bin = sum(g.tensors[n.inputs[1]].size for n in layers[1:-1])
    assert rep["binary_float_weight_bytes"] == 4 * w_bin
    assert rep["binary_weight_bytes"] <= (w_bin + 31) // 32 * 4 * len(layers[1:-1])
    assert by[layers[0].name]["binary_macs"] == 0 and by[layers[-1].name]["binary_macs"] == 0
    assert sum(by[n.name]["weight_bytes"] for n in (layers[0], layers[-1])) >= w_int


def test_input_formats_of_the_models():
    """The CNN's input Quant has a power-of-two scale (Q format), the MLP's a float one (affine int8, folded into
    the first layer's thresholds with its per-channel 8-bit weight scales)."""
    g = nncodegen.load(MODELS / "binary_w8_cnn.onnx")
    assert isinstance(g.tensors[g.inputs[0]].fmt, QFormat)
    g = nncodegen.load(MODELS / "binary_w8_mlp.onnx")
    assert isinstance(g.tensors[g.inputs[0]].fmt, AffineFormat)


def _w8(b: Q, wlatent, scale, bits=8, narrow=1, zp=0.0):
    w = b.const(wlatent)
    return b.node("Quant", [w, b.const(scale), b.const(zp), b.const(float(bits))], domain=QD, signed=1,
                  narrow=narrow, rounding_mode="ROUND")


def _tie_model(rng, c=12, neg_gamma_w=None):
    """8-bit conv (weight scale 2^-6, per channel 2^-5 / 2^-7) on a Q2.5 input, BN means on exact multiples of
    s_in * s_w (thresholds on reachable accumulators, sign(0) = +1; some gammas negative, one zero), binary conv,
    an 8-bit last Gemm with a bias."""
    b = Q((1, 2, 6, 6), frac=5)
    sw = np.where(np.arange(c) % 3 == 0, 2.0 ** -5, np.where(np.arange(c) % 3 == 1, 2.0 ** -6, 2.0 ** -7))
    wl = rng.normal(size=(c, 2, 3, 3)) * 0.5
    if neg_gamma_w is not None:
        wl[0, 0, 0, 0] = neg_gamma_w
    wq = _w8(b, wl, sw.reshape(c, 1, 1, 1), narrow=0 if neg_gamma_w is not None else 1)
    b.cur = b.node("Conv", [b.cur, wq], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    gamma, beta, _, var = _rng_bn(rng, c, neg=0.4)
    gamma[1] = 0.0
    if neg_gamma_w is not None:
        gamma[0] = -1.0
    # means on accumulator values that the inputs of _check_against_qonnx_float (seed 0, 64 samples) reach:
    # exact multiples of s_in * s_w, so the thresholds sit on ties
    from nncodegen.ref.float_ops import conv2d_raw
    xq = np.random.default_rng(0).integers(-128, 128, size=(64, 6, 6, 2)).astype(np.float64)
    qw = np.clip(np.rint(wl / sw.reshape(c, 1, 1, 1)), -128 if neg_gamma_w is not None else -127, 127)
    acc = conv2d_raw(xq, qw.transpose(0, 2, 3, 1), {"strides": (1, 1), "pads": (1, 1, 1, 1), "dilations": (1, 1),
                                                     "groups": 1}).reshape(-1, c)
    mean = acc[rng.integers(0, len(acc), size=c), np.arange(c)] * (2.0 ** -5) * sw
    b.bn(gamma, np.zeros(c), mean, var)
    b.sign()
    b.conv(rng.normal(size=(20, c, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    b.bn(*_rng_bn(rng, 20))
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    wq = _w8(b, rng.normal(size=(7, 20 * 9)) * 0.3, 0.37 / 127)          # a float scale on the last layer
    b.cur = b.node("Gemm", [b.cur, wq, b.const(rng.normal(size=7))], transB=1)
    return b


def test_first_layer_thresholds_exact_at_ties(tmp_path):
    """The integer thresholds of the 8-bit first layer against the float64 evaluation of the QONNX graph: a BN
    mean on a reachable accumulator value must give +1 there (sign(0) = +1), one step below -1."""
    rng = np.random.default_rng(5)
    g, x, yc = _check_against_qonnx_float(tmp_path, _tie_model(rng).model(), n=64, name="w8tie")
    kinds = [g.tensors[n.inputs[1]].fmt.kind for n in g.nodes if n.op in ("bconv2d", "bdense")]
    assert kinds == ["q", "binary", "q"]
    # the inputs really reach the thresholds: accumulators equal to T on several channels
    from nncodegen.lower.lower_binary import exact_threshold
    from nncodegen.ref.float_ops import conv2d_raw
    first = next(n for n in g.nodes if n.op == "bconv2d")
    xq = np.round(x.astype(np.float64) * 32)
    acc = conv2d_raw(xq, g.tensors[first.inputs[1]].qdata.astype(np.float64),
                     {"strides": (1, 1), "pads": (1, 1, 1, 1), "dilations": (1, 1), "groups": 1})
    T = np.array([exact_threshold(t, 5) for t in g.tensors[first.inputs[2]].data])
    ties = (acc == T).any(axis=(0, 1, 2))
    assert ties.sum() == 11 and not ties[1]          # every channel but the gamma = 0 one (constant)


def test_int8_weights_in_the_middle_and_16bit_input(tmp_path):
    """An 8-bit layer between binary ones (packed bits in and out: thresholds on sum +-w) and a 16-bit Q input
    (w8_q15 kernels): C == simulator == float64 evaluation of the QONNX graph."""
    rng = np.random.default_rng(6)
    b = Q((1, 3, 5, 5), bits=12, frac=8)
    b.conv(rng.normal(size=(10, 3, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 10))
    b.sign()
    wq = _w8(b, rng.normal(size=(9, 10, 3, 3)) * 0.2, 2.0 ** -7)
    b.cur = b.node("Conv", [b.cur, wq], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 9))
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(6, 9 * 25))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    b.bn(*_rng_bn(rng, 6))
    g, _, _ = _check_against_qonnx_float(tmp_path, b.model(), n=32, name="w8mid")
    assert g.tensors[g.inputs[0]].fmt == QFormat(16, 8)
    assert [g.tensors[n.inputs[1]].fmt.kind for n in g.nodes if n.op in ("bconv2d", "bdense")] == \
        ["binary", "q", "binary"]

    b = Q((1, 2, 4, 4), bits=12, frac=8)
    wq = _w8(b, rng.normal(size=(5, 2, 3, 3)), 2.0 ** -6)
    b.cur = b.node("Conv", [b.cur, wq], kernel_shape=[3, 3])
    b.bn(*_rng_bn(rng, 5))
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    b.cur = b.node("Gemm", [b.cur, b.bipolar(b.const(rng.normal(size=(3, 20))))], transB=1)
    g, _, _ = _check_against_qonnx_float(tmp_path, b.model(), n=32, name="w8q15")
    assert any(k == "bconv2d_w8_q15_bits" for k in _kernels(g, tmp_path))


def _kernels(g, tmp_path):
    from nncodegen.lower.lower import lower
    return [c.kernel for c in lower(g).calls]


# ---------------------------------------------------------------- what stays unsupported, naming the node

def _quant_nodes(m):
    inits = {t.name for t in m.graph.initializer}
    return [n for n in m.graph.node if n.op_type == "Quant" and n.input[0] in inits]


def _put(m, node, k, arr):
    nm = f"mut_{node.name}_{k}"
    m.graph.initializer.append(numpy_helper.from_array(np.asarray(arr, np.float32), nm))
    node.input[k] = nm


def test_refused_naming_the_node(tmp_path):
    m0 = onnx.load(MODELS / "binary_w8_cnn.onnx")
    cases = []
    m = onnx.load(MODELS / "binary_w8_cnn.onnx")
    wq = _quant_nodes(m)[0]
    _put(m, wq, 2, 3.0)                                   # a zero point on the 8-bit weights
    cases.append((m, wq.name, r"nonzero zero point"))
    m = onnx.load(MODELS / "binary_w8_cnn.onnx")
    wq = _quant_nodes(m)[-1]
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    _put(m, wq, 1, float(inits[wq.input[1]]) / 64)       # 12-bit weights whose integers exceed int8
    _put(m, wq, 3, 12.0)
    cases.append((m, wq.name, r"must fit int8"))
    for i, (m, who, pattern) in enumerate(cases):
        p = tmp_path / f"bad{i}.onnx"
        onnx.save(m, p)
        with pytest.raises(GraphError, match=pattern) as e:
            nncodegen.generate(nncodegen.load(p), tmp_path / f"never{i}", name="never")
        msg = str(e.value)
        assert "\n" not in msg and who in msg, msg
    del m0


def test_negated_minus_128_refused_naming_the_layer(tmp_path):
    """A channel whose slope is negative is computed with negated weights: a -128 (a weight Quant that is not
    narrow) would become 128, outside int8."""
    b = _tie_model(np.random.default_rng(7), neg_gamma_w=-100.0)
    p = tmp_path / "neg.onnx"
    onnx.save(b.model(), p)
    with pytest.raises(GraphError, match=r"weight -128") as e:
        nncodegen.load(p)
    assert "\n" not in str(e.value) and "Conv_" in str(e.value)


def test_multibit_activation_quant_inside_still_refused(tmp_path):
    """Multi-bit weights are taken inside a binarized network; a multi-bit activation Quant there is not (the
    activations between the 8-bit ends are binary), and the error names it."""
    rng = np.random.default_rng(8)
    b = Q((1, 2, 4, 4))
    b.conv(rng.normal(size=(4, 2, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 4))
    b.cur = b.node("Quant", [b.cur, b.const(2.0 ** -4), "zp0", b.const(8.0)], domain=QD, signed=1, narrow=0,
                   rounding_mode="ROUND")
    name = f"Quant_{b.n}"
    b.cur = b.node("Flatten", [b.cur], axis=1)
    b.cur = b.node("Gemm", [b.cur, _w8(b, rng.normal(size=(3, 64)), 2.0 ** -6)], transB=1)
    p = tmp_path / "act.onnx"
    onnx.save(b.model(), p)
    with pytest.raises(GraphError, match=r"multi-bit Quant") as e:
        nncodegen.load(p)
    assert "\n" not in str(e.value) and name in str(e.value)
