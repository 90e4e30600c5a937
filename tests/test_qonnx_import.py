"""QONNX import and the binarize pass: the shipped Brevitas models (examples/bnn_digits) against the torch
logits saved beside them, and small QONNX graphs written with onnx.helper (binary and ternary weights,
per-channel scales, gamma < 0 and = 0, thresholds at exact ties, Mul/Add by constants, MultiThreshold,
+-1 padding, Identity chains, external data, a new IR version) against the float evaluation of the
imported QONNX graph; errors that name the node."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.frontends.onnx_import import load_onnx
from nncodegen.ir import GraphError

QD = "qonnx.custom_op.general"


# ---------------------------------------------------------------- the shipped examples

def _example(examples_dir, name):
    d = examples_dir / "bnn_digits"
    if not (d / f"{name}.onnx").exists():
        pytest.skip("examples/bnn_digits not present")
    x = np.load(d / "test_x.npy")
    if name == "bnn_mlp":
        x = x.reshape(len(x), 64)
    return d, x, np.load(d / "test_y.npy"), np.load(d / f"{name.replace('_dynamo', '')}_logits.npy")


@pytest.mark.parametrize("name", ["bnn_cnn", "bnn_mlp", "bnn_cnn_dynamo"])
def test_example_c_matches_torch_logits(tmp_path, examples_dir, name):
    d, x, y, logits = _example(examples_dir, name)
    g = nncodegen.load(d / f"{name}.onnx")
    assert [n.op for n in g.nodes].count("bconv2d") + [n.op for n in g.nodes].count("bdense") == 4
    out = nncodegen.generate(g, tmp_path / name, name=name.replace("_dynamo", "_d"))
    cm = nncodegen.build(out)
    raw = cm.run_raw(cm.quantize_input(x))
    assert np.array_equal(raw, nncodegen.simulate(g, x, raw=True)), "C != simulator"
    yc = cm.run(x)
    assert (yc.argmax(1) == logits.argmax(1)).mean() == 1.0
    assert np.abs(yc - logits).max() <= 1e-4
    rep = json.loads((out / "report.json").read_text())
    assert rep["binary_macs"] > 0.9 * rep["macs"]
    # one bit per weight (each layer's filters back to back): 32x smaller than float32 but for the
    # padding of each layer's run to a whole word (31.96x for the CNN, 31.99x for the MLP)
    assert rep["binary_float_weight_bytes"] / rep["binary_weight_bytes"] > 31.9


def test_example_layers_match_torch_trace(tmp_path, examples_dir):
    """Every binary activation of the C (trace build) equals torch's, image by image."""
    d, x, _, _ = _example(examples_dir, "bnn_cnn")
    tr = np.load(d / "bnn_cnn_trace.npz")
    g = nncodegen.load(d / "bnn_cnn.onnx")
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "t", name="t"), trace=True)
    checked = 0
    for i in range(len(tr["input"])):
        layers = cm.run_trace(cm.quantize_input(x[i:i + 1])[0])
        for node, got in zip(g.nodes, layers):
            t = g.tensors[node.outputs[0]]
            if t.fmt.kind == "binary" and t.name in tr.files:
                want = tr[t.name][i]
                if want.ndim != 3:
                    continue                       # flattened: torch's order is C,H,W, ours H,W,C
                want = want.transpose(1, 2, 0)
                np.testing.assert_array_equal(t.fmt.dequantize(got, t.shape)[0], want, err_msg=t.name)
                checked += 1
    assert checked == 4 * 4


def test_cli_compile_binarized_example(tmp_path, examples_dir):
    d, x, y, logits = _example(examples_dir, "bnn_cnn")
    out = tmp_path / "bnn"
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(d / "bnn_cnn.onnx"), "-o", str(out),
                        "--quantize", "q7", "--calib", str(d / "calib.npy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "binary" in r.stdout
    rep = json.loads((out / "report.json").read_text())
    assert rep["scheme"] == "binary" and rep["binary_weight_bytes"] * 31.9 < rep["binary_float_weight_bytes"]
    np.save(tmp_path / "x.npy", x[:50])
    np.save(tmp_path / "y.npy", y[:50])
    r = subprocess.run([sys.executable, "-m", "nncodegen", "verify", str(out), "--inputs", str(tmp_path / "x.npy"),
                        "--labels", str(tmp_path / "y.npy"), "--json", str(tmp_path / "v.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["bit_exact"] and v["float_ref"]["top1_agreement"] == 1.0


# ---------------------------------------------------------------- hand-written QONNX graphs

def _init(name, arr):
    return numpy_helper.from_array(np.asarray(arr, np.float32), name)


class Q:
    """A tiny QONNX graph builder (NCHW, batch 1)."""

    def __init__(self, in_shape, bits=8, signed=1, frac=5, narrow=0):
        self.nodes, self.inits, self.n = [], [], 0
        self.in_shape = in_shape
        self.inits += [_init("s_in", 2.0 ** -frac), _init("zp0", 0.0), _init("bw_in", float(bits)),
                       _init("one", [1.0])]
        self.cur = self.node("Quant", ["input", "s_in", "zp0", "bw_in"], domain=QD, signed=signed, narrow=narrow,
                             rounding_mode="ROUND")

    def node(self, op, ins, domain="", **attrs):
        self.n += 1
        out = f"t{self.n}"
        self.nodes.append(helper.make_node(op, ins, [out], name=f"{op}_{self.n}", domain=domain, **attrs))
        return out

    def const(self, arr):
        self.n += 1
        name = f"c{self.n}"
        self.inits.append(_init(name, arr))
        return name

    def bipolar(self, x, scale=None):
        return self.node("BipolarQuant", [x, self.const(scale) if scale is not None else "one"], domain=QD)

    def conv(self, wlatent, scale=None, ternary=False, **attrs):
        w = self.const(wlatent)
        if ternary:
            wq = self.node("Quant", [w, self.const(scale if scale is not None else 1.0), "zp0", self.const(2.0)],
                           domain=QD, signed=1, narrow=1, rounding_mode="ROUND")
        else:
            wq = self.bipolar(w, scale)
        self.cur = self.node("Conv", [self.cur, wq], **attrs)
        return self.cur

    def bn(self, gamma, beta, mean, var, eps=1e-5):
        self.cur = self.node("BatchNormalization", [self.cur, self.const(gamma), self.const(beta), self.const(mean),
                                                    self.const(var)], epsilon=eps)
        return self.cur

    def sign(self):
        self.cur = self.bipolar(self.cur)
        return self.cur

    def model(self, ir_version=9, out_shape=None):
        g = helper.make_graph(self.nodes, "q", [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                              list(self.in_shape))],
                              [helper.make_tensor_value_info(self.cur, TensorProto.FLOAT, out_shape)],
                              initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(QD, 2)])
        m.ir_version = ir_version
        return m


def _check_against_qonnx_float(tmp_path, m, n=16, seed=0, name="q"):
    """C == simulator, and == the float64 evaluation of the imported QONNX graph (before binarize)."""
    p = tmp_path / f"{name}.onnx"
    onnx.save(m, p)
    g_float = load_onnx(str(p))                   # QONNX semantics as float IR ops
    g = nncodegen.load(p)                         # after the binarize pass
    assert any(nd.op in ("bconv2d", "bdense") for nd in g.nodes)
    t = g.tensors[g.inputs[0]]
    rng = np.random.default_rng(seed)
    q = rng.integers(t.fmt.qmin, t.fmt.qmax + 1, size=(n,) + tuple(t.shape[1:]))
    x = (q * 2.0 ** -int(t.fmt.frac)).astype(np.float32)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / f"{name}_out", name=name))
    raw = cm.run_raw(cm.quantize_input(x))
    assert np.array_equal(raw, nncodegen.simulate(g, x, raw=True))
    yc = cm.run(x)
    yf = nncodegen.reference(g_float, x).reshape(yc.shape)
    if g.tensors[g.outputs[0]].fmt.kind == "float":
        np.testing.assert_allclose(yc, yf, rtol=1e-5, atol=1e-4)
    else:
        np.testing.assert_array_equal(yc, yf)
    return g, x, yc


def _rng_bn(rng, c, neg=0.3):
    gamma = rng.uniform(0.3, 2.0, c) * np.where(rng.random(c) < neg, -1, 1)
    return gamma, rng.normal(size=c), rng.normal(size=c) * 3, rng.uniform(0.1, 3.0, c)


def test_xnor_cnn_with_negative_gamma_and_padding(tmp_path):
    rng = np.random.default_rng(1)
    b = Q((1, 3, 7, 7))
    b.conv(rng.normal(size=(20, 3, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 20))
    b.sign()
    b.conv(rng.normal(size=(33, 20, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    b.bn(*_rng_bn(rng, 33))
    b.sign()
    b.cur = b.node("MaxPool", [b.cur], kernel_shape=[2, 2], strides=[2, 2])
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(10, 132))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    b.bn(*_rng_bn(rng, 10))
    _check_against_qonnx_float(tmp_path, b.model(), name="xnorcnn")


def test_exact_ties_gamma_zero_and_unreachable_thresholds(tmp_path):
    """BN parameters put thresholds exactly on reachable accumulator values (sign(0) = +1), gamma = 0
    channels are constant, thresholds beyond +-n saturate; per-channel weight scales."""
    rng = np.random.default_rng(2)
    c = 12
    b = Q((1, 4, 5, 5), bits=8, frac=0)           # integer input: accumulators are integers
    scale = rng.choice([0.5, 1.0, 0.25], size=(c, 1, 1, 1))
    b.conv(rng.normal(size=(c, 4, 3, 3)), scale=scale, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    # f = gamma * (acc*scale - mean) / sqrt(var + eps) + beta with beta = 0: zero exactly at acc*scale = mean
    mean = np.round(rng.normal(size=c) * 20) * scale.ravel()
    gamma = rng.uniform(0.5, 2, c) * np.where(np.arange(c) % 3 == 0, -1, 1)
    gamma[5] = 0.0
    beta = np.zeros(c)
    beta[5] = -1.0                                 # gamma = 0, beta < 0: always -1
    mean[7] = 1e6                                  # unreachable
    mean[8] = -1e6
    b.bn(gamma, beta, mean, np.full(c, 1.0 - 1e-5), eps=1e-5)
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(6, c * 25))))
    b.cur = b.node("MatMul", [b.cur, b.node("Transpose", [w], perm=[1, 0])])
    b.bn(*_rng_bn(rng, 6))
    g, x, yc = _check_against_qonnx_float(tmp_path, b.model(), n=24, name="ties")
    thr = g.tensors[g.nodes[1].inputs[2]].data
    assert thr[5] == np.inf and np.isinf(thr[7]) and np.isinf(thr[8])


def test_ternary_weights_mul_add_and_multithreshold(tmp_path):
    rng = np.random.default_rng(3)
    b = Q((1, 2, 6, 6), bits=16, signed=1, frac=10)
    b.conv(rng.normal(size=(16, 2, 3, 3)), scale=0.5, ternary=True, kernel_shape=[3, 3], pads=[0, 0, 0, 0])
    b.cur = b.node("Mul", [b.cur, b.const(rng.uniform(0.5, 2, (16, 1, 1)) * np.where(rng.random((16, 1, 1)) < .3,
                                                                                       -1, 1))])
    b.cur = b.node("Add", [b.cur, b.const(rng.normal(size=(16, 1, 1)))])
    b.sign()
    b.cur = b.node("Identity", [b.node("Identity", [b.cur])])
    b.conv(rng.normal(size=(8, 16, 2, 2)), kernel_shape=[2, 2])
    t = rng.normal(size=(8, 1)) * 3
    b.cur = b.node("MultiThreshold", [b.cur, b.const(t)], domain=QD, out_dtype="BIPOLAR", out_scale=2.0,
                   out_bias=-1.0)
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(5, 8 * 9))), scale=0.25)
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    _check_against_qonnx_float(tmp_path, b.model(ir_version=11), name="tern")


def test_pad_plus_minus_one_and_sign_scale(tmp_path):
    """A Pad node with value -1 / +1 in front of an XNOR conv becomes its padding; a BipolarQuant
    activation scale other than 1 folds into the next layer."""
    rng = np.random.default_rng(4)
    b = Q((1, 3, 6, 6))
    b.conv(rng.normal(size=(40, 3, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 40))
    b.cur = b.bipolar(b.cur, scale=[0.5])        # +-0.5 activations: the 0.5 folds into the next layer
    b.conv(rng.normal(size=(40, 40, 1, 1)), kernel_shape=[1, 1])
    b.bn(*_rng_bn(rng, 40))
    b.sign()
    for k, v in enumerate((-1.0, 1.0)):
        b.cur = b.node("Pad", [b.cur, _int_const(b, [0, 0, 1, 1, 0, 0, 1, 1]), b.const(v)])
        b.conv(rng.normal(size=(40, 40, 3, 3)), kernel_shape=[3, 3])
        b.bn(*_rng_bn(rng, 40))
        b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(4, 40 * 36))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    g, _, _ = _check_against_qonnx_float(tmp_path, b.model(), name="pads")
    assert "pad" not in [n.op for n in g.nodes]
    assert sorted(n.attrs.get("pad_value") for n in g.nodes if n.op == "bconv2d")[:2] == [-1.0, 0.0]


def _int_const(b, vals):
    b.n += 1
    name = f"i{b.n}"
    b.inits.append(numpy_helper.from_array(np.asarray(vals, np.int64), name))
    return name


def test_external_data_and_weights_as_graph_inputs(tmp_path):
    rng = np.random.default_rng(5)
    b = Q((1, 16))
    w = b.bipolar(b.const(rng.normal(size=(64, 16))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    b.bn(*_rng_bn(rng, 64))
    b.sign()
    w = b.bipolar(b.const(rng.normal(size=(3, 64))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    m = b.model(ir_version=10)
    for init in m.graph.initializer:     # Brevitas' quirk: parameters are graph inputs too
        if init.dims:
            m.graph.input.append(helper.make_tensor_value_info(init.name, TensorProto.FLOAT, list(init.dims)))
    p = tmp_path / "ext.onnx"
    onnx.save(m, p, save_as_external_data=True, all_tensors_to_one_file=True, location="ext.onnx.data",
              size_threshold=0)
    assert (tmp_path / "ext.onnx.data").exists()
    g = nncodegen.load(p)
    x = (np.random.default_rng(0).integers(-128, 128, size=(8, 16)) / 32).astype(np.float32)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="ext"))
    np.testing.assert_allclose(cm.run(x), nncodegen.reference(load_onnx(str(p)), x), rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- errors naming the node

def _tiny(tmp_path, mutate):
    rng = np.random.default_rng(6)
    b = Q((1, 8))
    w = b.bipolar(b.const(rng.normal(size=(4, 8))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    mutate(b)
    p = tmp_path / "bad.onnx"
    onnx.save(b.model(), p)
    return p


def test_error_binary_weights_not_pm_scale(tmp_path):
    def mutate(b):
        # a per-input-column scale: the weights are not +-alpha per output channel
        bq = next(n for n in b.nodes if n.op_type == "BipolarQuant" and n.input[0].startswith("c"))
        bq.input[1] = b.const(np.linspace(0.5, 1.5, 8).reshape(1, 8))
    p = _tiny(tmp_path, mutate)
    with pytest.raises(GraphError, match=r"Gemm_\d+.*BipolarQuant_\d+.*\+-a"):
        nncodegen.load(p)


def test_error_unsupported_qonnx_node(tmp_path):
    def mutate(b):
        b.cur = b.node("Trunc", [b.cur, "one", "zp0", "bw_in", "bw_in"], domain=QD)
    with pytest.raises(GraphError, match=r"Trunc_\d+.*unsupported QONNX op"):
        nncodegen.load(_tiny(tmp_path, mutate))


def test_error_quant_with_unsupported_rounding(tmp_path):
    def mutate(b):
        next(a for a in b.nodes[0].attribute if a.name == "rounding_mode").s = b"STOCHASTIC"
    with pytest.raises(GraphError, match=r"Quant_1.*rounding_mode 'STOCHASTIC'"):
        nncodegen.load(_tiny(tmp_path, mutate))

    def floor_input(b):
        next(a for a in b.nodes[0].attribute if a.name == "rounding_mode").s = b"FLOOR"
    with pytest.raises(GraphError, match=r"Quant_1.*rounding_mode 'FLOOR' on activations"):
        nncodegen.load(_tiny(tmp_path, floor_input))


def test_floor_rounding_on_weights_is_fine(tmp_path):
    """Quant on constant weights folds with any QONNX rounding mode (here a 1-bit signed Quant = binary)."""
    rng = np.random.default_rng(7)
    b = Q((1, 8))
    w = b.node("Quant", [b.const(rng.normal(size=(4, 8))), b.const(0.5), "zp0", b.const(1.0)], domain=QD,
               signed=1, narrow=0, rounding_mode="FLOOR")
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    p = tmp_path / "f.onnx"
    onnx.save(b.model(), p)
    g = nncodegen.load(p)
    assert [n.op for n in g.nodes][-1] == "bdense"


def test_qonnx_executor_agrees_when_available(tmp_path, examples_dir):
    """Optional cross-check with qonnx's own executor (a dev tool, not a dependency)."""
    pytest.importorskip("qonnx")
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes
    rng = np.random.default_rng(8)
    b = Q((1, 2, 5, 5))
    b.conv(rng.normal(size=(8, 2, 3, 3)), scale=0.5, ternary=True, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    b.bn(*_rng_bn(rng, 8))
    b.sign()
    b.cur = b.node("Flatten", [b.cur], axis=1)
    w = b.bipolar(b.const(rng.normal(size=(3, 200))))
    b.cur = b.node("Gemm", [b.cur, w], transB=1)
    m = b.model(out_shape=[1, 3])
    p = tmp_path / "qx.onnx"
    onnx.save(m, p)
    g = nncodegen.load(p)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="qx"))
    mw = ModelWrapper(str(p)).transform(InferShapes())
    for i in range(4):
        x = (rng.integers(-128, 128, size=(1, 5, 5, 2)) / 32).astype(np.float32)
        want = execute_onnx(mw, {"input": x.transpose(0, 3, 1, 2)})[mw.graph.output[0].name]
        np.testing.assert_allclose(cm.run(x), want, rtol=1e-5, atol=1e-5)


@pytest.mark.cross
@pytest.mark.slow
@pytest.mark.parametrize("target", ["aarch64-linux", "armv7-linux", "cortex-m4"])
def test_example_bit_identical_on_arm_targets(tmp_path, examples_dir, target):
    """The NEON (vcnt) and Cortex-M DSP (usada8) popcount paths under qemu: bit-identical to the host."""
    from nncodegen.harness.cross import missing_tools
    from nncodegen.harness.verify import verify
    if missing_tools(target):
        pytest.skip(f"no cross tools for {target}")
    d, x, y, _ = _example(examples_dir, "bnn_cnn")
    out = nncodegen.generate(nncodegen.load(d / "bnn_cnn.onnx"), tmp_path / "o", name="bnn")
    res = verify(out, x[:40], y[:40], target=target)
    assert res.bit_exact and res.vs_host["identical"], res.table()
