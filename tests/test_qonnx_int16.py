"""QONNX activation Quants wider than 8 bits with float (non-power-of-two) scales: int16 activations on the
TFLite 16x8 kernels.  Models made by Brevitas (tests/models/brevitas/make_int16_models.py, with torch's
outputs beside them; torch is not needed here):

* int12act_mlp: QuantIdentity(bit_width=12) -> QuantLinear (8-bit weights) -> QuantReLU(bit_width=12) ->
  QuantLinear -> QuantIdentity(bit_width=16): integer only, int16 output;
* int16act_cnn: QuantIdentity(bit_width=16) -> QuantConv2d -> QuantReLU(bit_width=12) -> MaxPool ->
  QuantConv2d -> QuantReLU(bit_width=12) -> Flatten -> QuantLinear with float logits.

The C equals the simulator bit for bit on every int16 layer.  Against torch the tolerance is derived from
the model (``_lsb_bound``): each int16 MAC layer rounds once more than Brevitas' float arithmetic can
differ from (TFLite's 64-bit rescaling multiplies by a multiplier rounded to 15 bits, relative error
<= 2^-16, and torch's float32 sums sit on the other side of a rounding boundary now and then), so its
integers may be one LSB off, and an input k LSBs off moves output channel c by k * sum|w_c| * s_in * s_w
/ s_out LSBs.  Measured: the MLP's output within 1 LSB (2.5e-5) of torch's, the CNN's logits within
1.1e-4 (0.013 % of their range), top-1 equal on all 32 inputs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import nncodegen
from nncodegen.ir import GraphError
from nncodegen.ir.formats import AffineFormat

D = Path(__file__).parent / "models" / "brevitas"


def _data(name):
    x, y = np.load(D / f"{name}_x.npy"), np.load(D / f"{name}_y.npy")
    return (x.transpose(0, 2, 3, 1) if x.ndim == 4 else x), y


def _quants(name):
    m = onnx.load(D / f"{name}.onnx")
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return m, inits, [n for n in m.graph.node if n.op_type == "Quant"]


def _lsb_bound(g):
    """Largest possible difference from Brevitas' integers of the graph output: in LSBs of an int16 output,
    or in real units for a float one (see the module docstring).  The input may differ by one LSB at exact
    ties (the C's input quantizer rounds half away, QONNX's half to even)."""
    err = {g.inputs[0]: 1.0}
    for n in g.nodes:
        x, y = n.inputs[0], n.outputs[0]
        fo = g.tensors[y].fmt
        if n.op in ("conv2d", "dense"):
            w = g.tensors[n.inputs[1]]
            fi = g.tensors[x].fmt if n.op != "dense" or g.tensors[x].fmt.kind != "float" else None
            wq = w.qdata if w.qdata is not None else w.data
            sw = np.asarray(w.fmt.scales(w.shape[0]) if w.qdata is not None else np.ones(w.shape[0]), np.float64)
            rows = np.abs(wq.astype(np.float64)).reshape(w.shape[0], -1).sum(1) * sw
            if fo.kind == "float":   # float layer on dequantized int16 inputs: real units, plus float32 rounding
                err[y] = float((rows * err[x]).max()) + 1e-5
            else:
                err[y] = 1.0 + float(np.ceil((rows * err[x] * fi.scale / fo.scale).max()))
        elif n.op == "dequantize":
            err[y] = err[x] * float(g.tensors[x].fmt.scale)
        else:                        # clip, max pool, reshape: the same format, no new rounding
            err[y] = err[x]
    return err[g.outputs[0]]


@pytest.mark.parametrize("name", ["int12act_mlp", "int16act_cnn"])
def test_int16_activations_c_equals_simulator_and_torch(tmp_path, name):
    x, want = _data(name)
    m, inits, quants = _quants(name)
    g = nncodegen.load(D / f"{name}.onnx")
    q = g.meta["quantization"]
    assert q["scheme"] == "int16x8" and q["rounding"] == "double"
    # the input Quant's own scale (not a power of two), int16, zero point 0
    s_in = float(inits[next(n for n in quants if n.input[0] not in inits).input[1]])
    assert np.frexp(s_in)[0] != 0.5
    assert g.tensors[g.inputs[0]].fmt == AffineFormat(16, s_in, 0)
    macs = [n for n in g.nodes if n.op in ("conv2d", "dense") and g.tensors[n.outputs[0]].fmt.kind == "affine"]
    assert len(macs) == 2
    for n in macs:
        assert g.tensors[n.inputs[1]].fmt.bits == 8 and g.tensors[n.inputs[2]].fmt.bits == 64
        fo = g.tensors[n.outputs[0]].fmt
        assert fo.bits == 16 and fo.zero_point == 0
    # a 12-bit QuantReLU is a clip to [0, 4095] LSBs fused into its layer
    relu = [n for n in quants if n.input[0] not in inits and int(inits[n.input[3]]) == 12 and
            not next(a.i for a in n.attribute if a.name == "signed")]
    for n, qn in zip(macs, relu):
        s = float(inits[qn.input[1]])
        assert n.attrs["act"] == "clip" and n.attrs["act_min"] == 0.0
        assert round(n.attrs["act_max"] / s) == 4095

    cm = nncodegen.build(nncodegen.generate(g, tmp_path / name, name=name), trace=True)
    xq = cm.quantize_input(x)
    _, traces = nncodegen.simulate(g, x[:4], raw=True, trace=True)
    for i in range(4):
        for node, got in zip(g.nodes, cm.run_trace(xq[i])):
            t = node.outputs[0]
            if g.tensors[t].fmt.kind == "affine":
                assert np.array_equal(got.reshape(-1), np.asarray(traces[i][t]).reshape(-1)), (i, node.name)
    yc = cm.run(x)
    bound = _lsb_bound(g)
    fo = g.tensors[g.outputs[0]].fmt
    if fo.kind == "affine":          # integer only: no float in the generated model
        assert np.array_equal(cm.run_raw(xq), nncodegen.simulate(g, x, raw=True))
        assert "float" not in (tmp_path / name / f"{name}.c").read_text()
        assert np.abs(yc - want).max() <= bound * fo.scale
        assert np.abs(yc - want).max() <= 2 * fo.scale           # measured: 1 LSB
    else:                            # float logits: float32 rounding from the simulator's float64 twin
        np.testing.assert_allclose(yc, nncodegen.simulate(g, x), rtol=1e-5, atol=1e-5)
        assert np.abs(yc - want).max() <= bound
        assert np.abs(yc - want).max() <= 1e-3 * np.ptp(want)   # measured: 1.3e-4 of the range
    assert (yc.argmax(1) == want.argmax(1)).all()


def test_int16_dense_within_one_lsb_of_exact_qdq():
    """Where the 15-bit multiplier allows, the int16 layer is QDQ's exact round(acc * s_in * s_w / s_out):
    every output integer within one LSB of it, and most equal."""
    x, _ = _data("int12act_mlp")
    g = nncodegen.load(D / "int12act_mlp.onnx")
    _, traces = nncodegen.simulate(g, x, raw=True, trace=True)
    same = total = 0
    for n in (n for n in g.nodes if n.op == "dense"):
        w, b = g.tensors[n.inputs[1]], g.tensors[n.inputs[2]]
        fi, fo = g.tensors[n.inputs[0]].fmt, g.tensors[n.outputs[0]].fmt
        sw = np.float64(np.float32(w.fmt.scales(w.shape[0])[0]))
        lo, hi = (0, 4095) if n.attrs["act"] == "clip" else (-32768, 32767)
        for tr in traces:
            acc = tr[n.inputs[0]].reshape(-1).astype(np.int64) @ w.qdata.astype(np.int64).T + b.qdata
            exact = np.clip(np.rint(acc * np.float64(np.float32(fi.scale)) * sw / np.float64(np.float32(fo.scale))),
                            lo, hi)
            got = np.asarray(tr[n.outputs[0]]).reshape(-1)
            assert np.abs(got - exact).max() <= 1, n.name
            same += int((got == exact).sum())
            total += got.size
    assert same >= 0.9 * total, (same, total)


def _mutate(tmp_path, name, pick, fn):
    m, inits, quants = _quants(name)
    node = pick(quants, inits)
    fn(m, node)
    p = tmp_path / f"bad_{name}.onnx"
    onnx.save(m, p)
    return p, node


def _put(m, node, k, v):
    nm = f"mut_{node.name}_{k}"
    m.graph.initializer.append(numpy_helper.from_array(np.asarray(v, np.float32), nm))
    node.input[k] = nm


_ACT = lambda q, i: next(n for n in q if n.input[0] not in i and int(i[n.input[3]]) == 12)   # noqa: E731
_W = lambda q, i: next(n for n in q if n.input[0] in i)                                        # noqa: E731

BAD = {
    "unsigned 16-bit activation": ("int16act_cnn", _ACT, lambda m, n: _put(m, n, 3, 16.0), r"does not fit int16"),
    "zero point on an int16 activation": ("int12act_mlp", _ACT, lambda m, n: _put(m, n, 2, 7.0),
                                          r"zero point 7 .* int16 activations take zero point 0"),
    "12-bit weights with int16 activations": ("int16act_cnn", _W, lambda m, n: _put(m, n, 3, 12.0),
                                              r"12-bit signed weights .* up to 8 bits"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refused_in_one_line_naming_the_node(tmp_path, case):
    name, pick, fn, pattern = BAD[case]
    p, node = _mutate(tmp_path, name, pick, fn)
    with pytest.raises(GraphError, match=pattern) as e:
        nncodegen.load(p)
    msg = str(e.value)
    assert "\n" not in msg and repr(node.name) in msg, msg
