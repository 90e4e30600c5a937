"""QONNX Quant as Brevitas writes it by default (float scales, any bit width, zero points): the
models of examples/brevitas_defaults against torch's logits stored beside them, one-layer models of
every default quantizer (tests/models/brevitas/, made by make_models.py there), a hand-written binary
graph whose input scale is not a power of two (exact thresholds at ties), and bad Quant parameters
refused in one line naming the node."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import nncodegen
from nncodegen.frontends.onnx_import import load_onnx
from nncodegen.ir import GraphError
from nncodegen.ir.formats import AffineFormat, QFormat

from test_qonnx_import import Q, _rng_bn

SMALL = ["fixedpoint_linear", "int4w_conv_relu", "int8act_binary", "int8act_int8w_linear", "int8act_output",
         "perchannel_relu4", "uint8act_conv"]


def _example(examples_dir, name):
    d = examples_dir / "brevitas_defaults"
    x = np.load(d / "test_x.npy")                               # NHWC, as the IR input
    return d, x, np.load(d / "test_y.npy"), np.load(d / f"{name}_logits.npy")


def _input_scale(path):
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    q = next(n for n in m.graph.node if n.op_type == "Quant" and n.input[0] not in inits)
    return float(inits[q.input[1]])


@pytest.mark.parametrize("name", ["bnn_mlp", "bnn_cnn"])
def test_bnn_with_default_int8_input_matches_torch(tmp_path, examples_dir, name):
    """Int8ActPerTensorFloat input (scale not a power of two; after a Flatten in the MLP): the input is
    affine int8, the first binary-weight layer sums q * w exactly and its thresholds fold the scale in."""
    d, x, y, logits = _example(examples_dir, name)
    s = _input_scale(d / f"{name}.onnx")
    assert np.frexp(s)[0] != 0.5                                   # really not a power of two
    g = nncodegen.load(d / f"{name}.onnx")
    assert g.tensors[g.inputs[0]].fmt == AffineFormat(8, s, 0)
    assert sum(n.op in ("bconv2d", "bdense") for n in g.nodes) == 3
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / name, name=name))
    raw = cm.run_raw(cm.quantize_input(x))
    assert np.array_equal(raw, nncodegen.simulate(g, x, raw=True)), "C != simulator"
    yc = cm.run(x)
    assert (yc.argmax(1) == logits.argmax(1)).mean() == 1.0
    # measured: 2e-6 (float32 rounding of the last layer's affine epilogue); the requirement is 2 %
    assert np.abs(yc - logits).max() <= 0.02 * np.ptp(logits)
    assert np.abs(yc - logits).max() <= 1e-4


def test_multibit_default_quantizers_cnn_matches_torch(tmp_path, examples_dir):
    """int_cnn: Int8ActPerTensorFloat input, QuantConv2d with Int8WeightPerTensorFloat and 4-bit weights,
    QuantReLU (Uint8ActPerTensorFloat), MaxPool, a QuantLinear with float logits.

    Integer layers: C == simulator bit for bit (traced).  The last layer has no output quantizer, so it
    runs in float on the int8 values and the simulator's float64 twin differs by float32 rounding.
    Against torch: the integers equal Brevitas' except where torch's float32 conv, the int32-rounded bias
    (0.5 * s_in * s_w) or the 31-bit multiplier puts a value on the other side of a rounding boundary:
    one LSB (0.012 / 0.032) of one activation, moving a logit by at most LSB * max|w| of the next layer.
    Tolerance: top-1 100 % and 2 % of torch's logit range (measured: 0.08 %, 0.044 of 56)."""
    d, x, y, logits = _example(examples_dir, "int_cnn")
    g = nncodegen.load(d / "int_cnn.onnx")
    ops = [n.op for n in g.nodes]
    assert ops.count("conv2d") == 2 and "maxpool" in ops
    affine = [g.tensors[n.outputs[0]].fmt for n in g.nodes if n.op == "conv2d"]
    assert all(isinstance(f, AffineFormat) and f.bits == 8 for f in affine)
    w2 = next(g.tensors[n.inputs[1]] for n in g.nodes if n.op == "conv2d" and n is not g.nodes[0])
    assert np.abs(w2.qdata).max() <= 7                             # 4-bit narrow weights in int8 storage
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "int_cnn", name="int_cnn"), trace=True)
    yc = cm.run(x)
    np.testing.assert_allclose(yc, nncodegen.simulate(g, x), rtol=1e-5, atol=1e-4)
    _, traces = nncodegen.simulate(g, x[:4], raw=True, trace=True)
    for i in range(4):
        layers = cm.run_trace(cm.quantize_input(x[i:i + 1])[0])
        for node, got in zip(g.nodes, layers):
            t = node.outputs[0]
            if g.tensors[t].fmt.kind == "affine":
                assert np.array_equal(got.reshape(-1), np.asarray(traces[i][t]).reshape(-1)), (i, node.name)
    assert (yc.argmax(1) == logits.argmax(1)).mean() == 1.0
    assert np.abs(yc - logits).max() <= 0.02 * np.ptp(logits)
    assert (yc.argmax(1) == y).mean() == (logits.argmax(1) == y).mean()


@pytest.mark.parametrize("name", SMALL)
def test_default_quantizer_one_layer(tmp_path, name):
    """Each Brevitas default quantizer imports with its own scale (no calibration) and the C agrees with
    torch: within one LSB of a quantized output (exact ties and the multiplier's rounding, see above),
    float outputs within float32 rounding."""
    from pathlib import Path
    d = Path(__file__).parent / "models" / "brevitas"
    x = np.load(d / f"{name}_x.npy")
    want = np.load(d / f"{name}_y.npy")
    if x.ndim == 4:
        x, want = x.transpose(0, 2, 3, 1), want.transpose(0, 2, 3, 1)
    g = nncodegen.load(d / f"{name}.onnx")
    fin = g.tensors[g.inputs[0]].fmt
    s_in = np.float32(_input_scale(d / f"{name}.onnx"))
    if name == "fixedpoint_linear":   # power-of-two scales everywhere and a quantized output: Q formats
        assert isinstance(fin, QFormat) and np.float32(2.0 ** -fin.frac) == s_in
        assert all(g.tensors[n.outputs[0]].fmt.kind == "q" for n in g.nodes)
    else:
        assert isinstance(fin, AffineFormat) and np.float32(fin.scale) == s_in
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / name, name=name))
    yc = cm.run(x).reshape(want.shape)
    ys = nncodegen.simulate(g, x).reshape(want.shape)
    fout = g.tensors[g.outputs[0]].fmt
    if fout.kind == "float":
        np.testing.assert_allclose(yc, ys, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(yc, want, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(want).max()))
    else:
        assert np.array_equal(yc, ys), "C != simulator"
        lsb = float(fout.scale) if isinstance(fout, AffineFormat) else 2.0 ** -int(fout.frac)
        assert np.abs(yc - want).max() <= lsb * 1.001, np.abs(yc - want).max() / lsb


def test_pow2_model_without_a_format_for_every_tensor_is_affine(tmp_path):
    """Power-of-two scales but float logits (no output Quant): Q formats cannot hold the float output, so
    the model takes the affine int8 path, and its policy says why."""
    from pathlib import Path
    m = onnx.load(Path(__file__).parent / "models" / "brevitas" / "fixedpoint_linear.onnx")
    last = m.graph.node[-1]
    assert last.op_type == "Quant"
    prev = next(n for n in m.graph.node if last.input[0] in n.output)
    prev.output[0] = last.output[0]
    m.graph.node.remove(last)
    p = tmp_path / "fp_float_out.onnx"
    onnx.save(m, p)
    g = nncodegen.load(p)
    assert isinstance(g.tensors[g.inputs[0]].fmt, AffineFormat)
    assert "affine, not Q formats" in g.meta["quantization"]["policy"]
    x = np.load(Path(__file__).parent / "models" / "brevitas" / "fixedpoint_linear_x.npy")
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "fpf", name="fpf"))
    np.testing.assert_allclose(cm.run(x), nncodegen.simulate(g, x), rtol=1e-5, atol=1e-5)


def test_binary_layer_with_non_pow2_input_exact_at_ties(tmp_path):
    """Input scale 3/256 (not a power of two): BN means on exact multiples of the scale put thresholds on
    reachable accumulators (sign(0) = +1); the C equals the float64 evaluation of the QONNX graph, whose
    accumulators are exact sums of q * s."""
    rng = np.random.default_rng(11)
    s = 3.0 / 256
    b = Q((1, 3, 6, 6))
    next(i for i in b.inits if i.name == "s_in").CopyFrom(numpy_helper.from_array(np.float32(s), "s_in"))
    c = 16
    b.conv(rng.normal(size=(c, 3, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    gamma, beta, _, var = _rng_bn(rng, c)
    mean = np.round(rng.normal(size=c) * 30) * s               # exact in float32: ties reachable
    b.bn(gamma, np.zeros(c), mean, var)
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(5, c * 36))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    b.bn(*_rng_bn(rng, 5))
    p = tmp_path / "tie.onnx"
    onnx.save(b.model(), p)
    g_float, g = load_onnx(str(p)), nncodegen.load(p)
    assert g.tensors[g.inputs[0]].fmt == AffineFormat(8, s, 0)
    q = rng.integers(-128, 128, size=(40, 6, 6, 3))
    q[:, :3] = rng.integers(-2, 3, size=(40, 3, 6, 3))        # small values: accumulators near the means
    x = (q * s).astype(np.float32)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "tie_out", name="tie"))
    raw = cm.run_raw(cm.quantize_input(x))
    assert np.array_equal(raw, nncodegen.simulate(g, x, raw=True))
    yf = nncodegen.reference(g_float, x).reshape(raw.shape)
    np.testing.assert_allclose(cm.run(x), yf, rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- errors naming the node

def _mutated(tmp_path, name, fn):
    from pathlib import Path
    m = onnx.load(Path(__file__).parent / "models" / "brevitas" / f"{name}.onnx")
    inits = {t.name for t in m.graph.initializer}
    quants = [n for n in m.graph.node if n.op_type == "Quant"]
    act = next(n for n in quants if n.input[0] not in inits)
    wq = next((n for n in quants if n.input[0] in inits), None)

    def put(node, k, arr):
        nm = f"mut_{node.name}_{k}"
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(arr, np.float32), nm))
        node.input[k] = nm
    fn(m, act, wq, put)
    p = tmp_path / "bad.onnx"
    onnx.save(m, p)
    return p, act, wq


BAD = {
    "zero scale": ("int8act_int8w_linear", lambda m, a, w, put: put(a, 1, 0.0), "act", r"scale must be finite and > 0"),
    "negative scale": ("int8act_int8w_linear", lambda m, a, w, put: put(w, 1, -0.5), "w", r"finite and > 0"),
    "nan scale": ("int8act_binary", lambda m, a, w, put: put(a, 1, np.nan), "act", r"finite and > 0"),
    "inf scale": ("uint8act_conv", lambda m, a, w, put: put(a, 1, np.inf), "act", r"finite and > 0"),
    "bit width 0": ("int8act_int8w_linear", lambda m, a, w, put: put(a, 3, 0.0), "act", r"bit width .* 1\.\.16"),
    "bit width 17": ("int4w_conv_relu", lambda m, a, w, put: put(w, 3, 17.0), "w", r"bit width .* 1\.\.16"),
    "bit width 2.5": ("int8act_int8w_linear", lambda m, a, w, put: put(w, 3, 2.5), "w", r"bit width"),
    "per-input-channel weight scale": ("int8act_int8w_linear",
                                       lambda m, a, w, put: put(w, 1, np.full((1, 16), 0.01)), "w",
                                       r"per-channel scale of shape \[1, 16\] does not lie along axis 0"),
    "conv scale on axis 1": ("uint8act_conv", lambda m, a, w, put: put(w, 1, np.full((1, 2, 1, 1), 0.01)), "w",
                             r"per-channel scale .* axis 0"),
    "per-channel activation scale": ("int8act_int8w_linear", lambda m, a, w, put: put(a, 1, np.full((1, 16), 0.1)),
                                     "act", r"per-channel .* on an activation"),
    "zero point out of range": ("int8act_int8w_linear", lambda m, a, w, put: put(a, 2, 300.0), "act",
                                r"zero point .* outside"),
    # 12-bit activations import as int16 (tests/test_qonnx_int16.py); unsigned 16 bits do not fit int16
    "unsigned 16-bit activation": ("uint8act_conv", lambda m, a, w, put: put(a, 3, 16.0), "act",
                                   r"unsigned 16-bit Quant on activations .* does not fit int16"),
    "unsigned 8-bit input of a binary layer": (
        "int8act_binary", lambda m, a, w, put: next(x for x in a.attribute if x.name == "signed").CopyFrom(
            onnx.helper.make_attribute("signed", 0)), "act", r"does not fit int8"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_quant_parameters_one_line_naming_the_node(tmp_path, case):
    name, fn, which, pattern = BAD[case]
    p, act, wq = _mutated(tmp_path, name, fn)
    node = act if which == "act" else wq
    with pytest.raises(GraphError, match=pattern) as e:
        g = nncodegen.load(p)
        nncodegen.generate(g, tmp_path / "never", name="never")   # must not get here
    msg = str(e.value)
    assert "\n" not in msg and repr(node.name) in msg, msg
