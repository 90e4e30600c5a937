"""FINN's streamlined QONNX graphs (frontends/qonnx_finn.py): the MultiThreshold and argmax C kernels against
their numpy twins (hypothesis, bit for bit, ties included); the exact fold of the input scaling into
thresholds; the shipped FINN-style TFC model (examples/finn_tfc) and small FINN-style graphs against
qonnx's own executor (labels and values); errors that name the nodes."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.frontends.qonnx_finn import _apply_chain, fold_thresholds
from nncodegen.harness.cbuild import build_cffi
from nncodegen.harness.cdefs import cdef_from_headers
from nncodegen.ir import GraphError
from nncodegen.lower.lower_finn import int_thresholds
from nncodegen.lower.params import to_cffi
from nncodegen.lower.params_finn import ArgMax, MThreshold, MThresholdF32
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import kernels_finn as kf

CFG = dict(deadline=None, database=None, max_examples=60,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
QD = "qonnx.custom_op.general"
FAMILIES = ["mthreshold", "mthreshold_f32", "argmax"]
CT = {np.dtype(np.int8): "int8_t", np.dtype(np.int16): "int16_t", np.dtype(np.int32): "int32_t",
      np.dtype(np.float32): "float"}

_LIB = {}


def _lib():
    if not _LIB:
        kd = kernels_dir()
        hdrs = [kd / f"{f}.h" for f in FAMILIES]
        ffi, lib = build_cffi("kernels_finn", [kd / f"{f}.c" for f in FAMILIES],
                              cdef_from_headers(hdrs, [include_dir(), kd]), include_dirs=[include_dir(), kd],
                              header="".join(f'#include "{h.name}"\n' for h in hdrs))
        _LIB["ffi"], _LIB["lib"] = ffi, lib
    return _LIB["ffi"], _LIB["lib"]


def _call(name, p, *arrays, out_dtype, n_out):
    ffi, lib = _lib()
    keep = []
    out = np.zeros(n_out, out_dtype)
    args = [to_cffi(ffi, p, keep)] + [ffi.from_buffer(CT[a.dtype] + "[]", np.ascontiguousarray(a)) for a in arrays]
    getattr(lib, name)(*args, ffi.from_buffer(CT[out.dtype] + "[]", out))
    return out


def _diff(a, b, what):
    a, b = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    if not np.array_equal(a, b):
        i = int(np.argwhere(a != b)[0][0])
        raise AssertionError(f"{what}: first mismatch at {i}: C {a[i]} twin {b[i]}")


# ---------------------------------------------------------------- kernels vs twins

@st.composite
def _mt_case(draw, lo, hi):
    outer = draw(st.integers(1, 9))
    c = draw(st.integers(1, 13))
    n = draw(st.integers(1, 20))
    shared = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 31))
    return outer, c, n, int(shared), np.random.default_rng(seed), lo, hi


@settings(**CFG)
@given(case=_mt_case(-128, 127), bits=st.sampled_from([8, 16]))
def test_mthreshold_int_c_equals_twin(case, bits):
    outer, c, n, shared, rng, _, _ = case
    dt = np.int8 if bits == 8 else np.int16
    lo, hi = (-128, 127) if bits == 8 else (-32768, 32767)
    x = rng.integers(lo // 4, hi // 4 + 1, outer * c).astype(dt)
    rows = 1 if shared else c
    thr = rng.integers(lo // 4 - 2, hi // 4 + 3, rows * n).astype(np.int32)
    thr[: max(1, thr.size // 3)] = rng.choice(x, max(1, thr.size // 3))     # thresholds on input values: ties
    scale = int(rng.integers(-40, 41))
    bias = int(rng.integers(-300, 301))
    p = MThreshold(outer, c, n, shared, scale, bias, lo, hi)
    name = "mthreshold_q7" if bits == 8 else "mthreshold_q15"
    got = _call(name, p, x, thr, out_dtype=dt, n_out=outer * c)
    want = getattr(kf, name)(p, x, thr)
    _diff(got, want, name)
    # the definition: count of thresholds <= x, affine, saturated
    t = thr.reshape(rows, n)
    cnt = (x.reshape(outer, c)[:, :, None] >= t[None]).sum(-1)
    np.testing.assert_array_equal(want.reshape(outer, c), np.clip(bias + scale * cnt, lo, hi))


@settings(**CFG)
@given(case=_mt_case(0, 0), out=st.sampled_from(["f32", "q7", "q15"]))
def test_mthreshold_f32_c_equals_twin(case, out):
    outer, c, n, shared, rng, _, _ = case
    rows = 1 if shared else c
    x = (rng.normal(size=outer * c) * 3).astype(np.float32)
    thr = (rng.normal(size=rows * n) * 3).astype(np.float32)
    thr[: max(1, thr.size // 3)] = rng.choice(x, max(1, thr.size // 3))
    if outer * c > 2:
        x[0] = np.nan
        x[1] = -np.inf
    if out == "f32":
        p = MThresholdF32(outer, c, n, shared, out_scale_f=float(np.float32(rng.normal())),
                          out_bias_f=float(np.float32(rng.normal())))
        name, dt = "mthreshold_f32", np.float32
    else:
        lo, hi = (-128, 127) if out == "q7" else (-32768, 32767)
        p = MThresholdF32(outer, c, n, shared, int(rng.integers(-30, 31)), int(rng.integers(-200, 201)), lo, hi)
        name, dt = f"mthreshold_f32_{out}", (np.int8 if out == "q7" else np.int16)
    got = _call(name, p, x, thr, out_dtype=dt, n_out=outer * c)
    want = getattr(kf, name)(p, x, thr)
    _diff(got.view(np.int32) if dt == np.float32 else got,
          np.asarray(want, dt).view(np.int32) if dt == np.float32 else want, name)


@settings(**CFG)
@given(outer=st.integers(1, 6), n=st.integers(1, 40), kind=st.sampled_from(["s8", "s16", "s32", "f32"]),
       seed=st.integers(0, 2 ** 31), span=st.sampled_from([2, 5, 1000]))
def test_argmax_c_equals_twin_first_index(outer, n, kind, seed, span):
    rng = np.random.default_rng(seed)
    dt = {"s8": np.int8, "s16": np.int16, "s32": np.int32, "f32": np.float32}[kind]
    x = rng.integers(-span, span + 1, outer * n)
    x = (x * 0.5).astype(dt) if kind == "f32" else np.clip(x, np.iinfo(dt).min, np.iinfo(dt).max).astype(dt)
    p = ArgMax(outer, n)
    got = _call(f"argmax_{kind}", p, x, out_dtype=np.int32, n_out=outer)
    want = getattr(kf, f"argmax_{kind}")(p, x)
    _diff(got, want, kind)
    np.testing.assert_array_equal(want, np.argmax(x.reshape(outer, n), axis=1))   # numpy / ONNX: first index


def test_int_thresholds_exact():
    """q >= ceil(t * 2^f)  <=>  q * 2^-f >= t, for thresholds on and between grid points."""
    t = np.array([0.0, 0.25, 0.2500001, -0.25, -0.2499999, 7.9, 1e9, -1e9, np.inf, -np.inf, np.nan], np.float32)
    T = int_thresholds(t, 2, -128, 127)
    q = np.arange(-128, 128)
    for tv, Tv in zip(t.astype(np.float64), T):
        np.testing.assert_array_equal(q >= Tv, q * 0.25 >= tv)


@settings(**CFG)
@given(seed=st.integers(0, 2 ** 31))
def test_input_scaling_fold_exact_on_float32(seed):
    """x >= T  <=>  g(x) >= t for float32 x at and around every folded threshold, and random x."""
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 4))
    ops = [str(o) for o in rng.choice(["Div", "Mul", "Sub", "Add"], int(rng.integers(1, 4)))]
    chain = []
    for op in ops:
        v = rng.uniform(0.01, 300, rows) if op in ("Div", "Mul") else rng.normal(size=rows) * 10
        chain.append((op, v.astype(np.float32)))
    xs = np.concatenate([rng.normal(size=200) * 100, rng.integers(0, 256, 100)]).astype(np.float32)
    thr = np.concatenate([_apply_chain(np.repeat(xs[:5], rows), chain, np.tile(np.arange(rows), 5)).reshape(5, rows).T,
                          (rng.normal(size=(rows, 4)) * 5).astype(np.float32)], axis=1)   # ties on reachable values
    T = fold_thresholds(chain, thr)
    for r in range(rows):
        for k in range(thr.shape[1]):
            tk = T[r, k]
            probe = np.concatenate([xs, [tk, np.nextafter(tk, np.float32(-np.inf)),
                                         np.nextafter(tk, np.float32(np.inf))]]).astype(np.float32)
            probe = probe[np.isfinite(probe)]
            g = _apply_chain(probe, chain, np.full(probe.size, r))
            np.testing.assert_array_equal(probe >= tk, g >= thr[r, k])


# ---------------------------------------------------------------- the shipped FINN-style model

def _qonnx_exec(path, x, in_name, out_name):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes
    mw = ModelWrapper(str(path)).transform(InferShapes())
    return np.stack([np.asarray(execute_onnx(mw, {in_name: r[None]})[out_name])[0] for r in x])


def test_finn_tfc_labels_equal_qonnx_executor(tmp_path, examples_dir):
    d = examples_dir / "finn_tfc"
    x = np.load(d / "test_x.npy")
    want = np.load(d / "expected_labels.npy")
    g = nncodegen.load(d / "finn_tfc.onnx")
    ops = [n.op for n in g.nodes]
    assert ops == ["multithreshold", "bdense", "bdense", "bdense", "argmax"], ops   # scaling folded, BN folded
    out = nncodegen.generate(g, tmp_path / "tfc", name="tfc")
    h = (out / "tfc.h").read_text()
    assert "#define tfc_OUTPUT_IS_INDEX 1" in h and "typedef int32_t tfc_output_t;" in h
    cm = nncodegen.build(out)
    raw = cm.run_raw(cm.quantize_input(x))
    np.testing.assert_array_equal(raw, nncodegen.simulate(g, x, raw=True))            # C == simulator
    yc = cm.run(x)
    assert yc.dtype == np.int64 and yc.shape == (len(x), 1)
    np.testing.assert_array_equal(yc.ravel(), want)                                    # == saved qonnx labels
    assert np.mean(yc.ravel() == np.load(d / "test_y.npy")) > 0.85
    pytest.importorskip("qonnx")
    live = _qonnx_exec(d / "finn_tfc.onnx", x, "global_in", "global_out")
    np.testing.assert_array_equal(yc.ravel(), live.ravel())                            # == qonnx, live


def test_finn_tfc_cli_verify_reports_label_agreement(tmp_path, examples_dir):
    d = examples_dir / "finn_tfc"
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(d / "finn_tfc.onnx"), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "nncodegen", "verify", str(out), "--inputs", str(d / "test_x.npy"),
                        "--labels", str(d / "test_y.npy"), "--json", str(tmp_path / "v.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "vs float: label agreement" in r.stdout and "vs float: cosine" not in r.stdout
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["bit_exact"] and v["float_ref"]["label_agreement"] == 1.0 and v["float_ref"]["cosine"] is None
    assert v["accuracy"] > 0.85
    r = subprocess.run([sys.executable, "-m", "nncodegen", "run", str(out), "--inputs", str(d / "test_x.npy"),
                        "-o", str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy").ravel(), np.load(d / "expected_labels.npy"))


# ---------------------------------------------------------------- small FINN-style graphs vs qonnx

class F:
    def __init__(self):
        self.nodes, self.inits, self.k = [], [], 0

    def c(self, arr, dtype=np.float32):
        self.k += 1
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype), f"c{self.k}"))
        return f"c{self.k}"

    def n(self, op, ins, n_out=1, domain="", **kw):
        self.k += 1
        outs = [f"t{self.k}_{j}" for j in range(n_out)]
        self.nodes.append(helper.make_node(op, ins, outs, name=f"{op}_{self.k}", domain=domain, **kw))
        return outs[0] if n_out == 1 else outs

    def mt(self, x, thr, **kw):
        kw.setdefault("out_dtype", "UINT8")
        return self.n("MultiThreshold", [x, self.c(thr)], domain=QD, **kw)

    def save(self, path, out, in_shape, out_type=TensorProto.INT64, out_shape=(1, 1)):
        g = helper.make_graph(self.nodes, "f", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info(out, out_type, list(out_shape))], initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QD, 1)])
        m.ir_version = 8
        onnx.save(m, path)
        return path


def _compile_and_compare(tmp_path, path, x, out_name, exact=True):
    g = nncodegen.load(path)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "o", name="m"))
    raw = cm.run_raw(cm.quantize_input(x))
    if exact:
        np.testing.assert_array_equal(raw, nncodegen.simulate(g, x, raw=True))
    else:   # a float dense layer: the C and its twin sum in different orders
        np.testing.assert_allclose(raw, nncodegen.simulate(g, x, raw=True), rtol=1e-5, atol=1e-5)
    yc = cm.run(x)
    pytest.importorskip("qonnx")
    xin = x.transpose(0, 3, 1, 2) if x.ndim == 4 else x
    want = _qonnx_exec(path, xin, "x", out_name)
    if want.ndim == 4:
        want = want.transpose(0, 2, 3, 1)
    if exact:
        np.testing.assert_array_equal(yc.reshape(want.shape), want)
    else:
        np.testing.assert_allclose(yc.reshape(want.shape), want, rtol=1e-6, atol=1e-6)
    return g


def test_integer_path_input_quant_multithreshold_xnor_argmax(tmp_path):
    """Quant(Q8 frac 4) -> MultiThreshold (per-channel, 5 thresholds, some on the grid, signed levels) ->
    MatMul(+-1) -> bipolar MultiThreshold -> MatMul(+-1) -> ArgMax: the integer threshold kernel."""
    rng = np.random.default_rng(1)
    f = F()
    q = f.n("Quant", ["x", f.c(2.0 ** -4), f.c(0.0), f.c(8.0)], domain=QD, signed=1, narrow=0,
            rounding_mode="ROUND")
    thr = np.sort(rng.normal(size=(12, 5)) * 2, axis=1)
    thr[:, 2] = np.round(thr[:, 2] * 16) / 16                 # exactly on input values
    h = f.mt(q, thr, out_scale=1.0, out_bias=-2.0)
    h = f.n("MatMul", [h, f.c(np.where(rng.random((12, 20)) < .5, -1.0, 1.0))])
    h = f.mt(h, rng.integers(-6, 7, (20, 1)).astype(np.float32) + 0.5, out_scale=2.0, out_bias=-1.0,
             out_dtype="BIPOLAR")
    h = f.n("MatMul", [h, f.c(np.where(rng.random((20, 7)) < .5, -1.0, 1.0))])
    y = f.n("ArgMax", [h], axis=1, keepdims=1)
    p = f.save(tmp_path / "int.onnx", y, (1, 12))
    x = (rng.integers(-128, 128, (64, 12)) / 16).astype(np.float32)
    g = _compile_and_compare(tmp_path, p, x, y)
    assert [n.op for n in g.nodes][:2] == ["clip", "multithreshold"]
    assert str(g.tensors[g.nodes[1].inputs[0]].fmt) == "Q3.4"      # the integer path


def test_multibit_thresholds_after_binary_layers_run_on_integer_accumulators(tmp_path):
    """W1A2-style: BipolarQuant weights with per-channel scales -> Mul (some negative) -> Add ->
    BatchNormalization -> MultiThreshold (3 thresholds per channel, out_bias -1.5: 2-bit signed levels
    -1.5..1.5) -> MatMul(+-1) -> shared-threshold MultiThreshold -> MatMul(+-1) -> TopK: the chains fold into
    integer thresholds on the accumulators (mthreshold_q7 on the exact accumulator), labels == qonnx."""
    rng = np.random.default_rng(5)
    f = F()
    q = f.n("Quant", ["x", f.c(2.0 ** -1), f.c(0.0), f.c(4.0)], domain=QD, signed=1, narrow=0,
            rounding_mode="ROUND")         # 4-bit input: |acc| <= 12 * 8 fits int8
    w = f.n("BipolarQuant", [f.c(rng.normal(size=(12, 24))), f.c(rng.choice([0.5, 0.25], (1, 24)))], domain=QD)
    h = f.n("MatMul", [q, w])
    h = f.n("Mul", [h, f.c(rng.uniform(0.5, 2, (1, 24)) * np.where(rng.random((1, 24)) < .3, -1, 1))])
    h = f.n("Add", [h, f.c(rng.normal(size=(1, 24)))])
    h = f.n("BatchNormalization", [h, f.c(rng.uniform(0.5, 2, 24)), f.c(rng.normal(size=24)),
                                   f.c(rng.normal(size=24) * 3), f.c(rng.uniform(0.5, 2, 24))], epsilon=1e-5)
    h = f.mt(h, np.sort(rng.normal(size=(24, 3)) * 2, axis=1), out_scale=1.0, out_bias=-1.5)
    h = f.n("MatMul", [h, f.c(np.where(rng.random((24, 20)) < .5, -1.0, 1.0))])
    h = f.mt(h, np.array([[-4.0, -1.0, 0.0, 2.5, 6.0]]), out_scale=0.5, out_bias=-1.0)
    h = f.n("MatMul", [h, f.c(np.where(rng.random((20, 6)) < .5, -1.0, 1.0))])
    v, idx = f.n("TopK", [h, f.c([1], np.int64)], n_out=2, axis=-1)
    p = f.save(tmp_path / "w1a2.onnx", idx, (1, 12))
    x = (rng.integers(-8, 8, (80, 12)) / 2).astype(np.float32)
    g = _compile_and_compare(tmp_path, p, x, idx)
    mts = [n for n in g.nodes if n.op == "multithreshold"]
    assert len(mts) == 2 and all(g.tensors[n.inputs[0]].fmt.kind == "q" for n in mts), \
        [str(g.tensors[n.inputs[0]].fmt) for n in mts]
    assert not any(n.op in ("mul", "add", "batchnorm") for n in g.nodes)
    del v


def test_float_path_nchw_and_topk_values(tmp_path):
    """A float-input MultiThreshold on NCHW (per-channel thresholds, out_scale 0.5, out_bias -1) in a float
    model, then Flatten -> Gemm (float) -> TopK whose values output is also used (TopK's values are the
    graph output here: a max)."""
    rng = np.random.default_rng(2)
    f = F()
    h = f.mt("x", rng.normal(size=(3, 6)), out_scale=0.5, out_bias=-1.0, out_dtype="FLOAT32")
    h = f.n("Flatten", [h], axis=1)
    h = f.n("Gemm", [h, f.c(rng.normal(size=(48, 5)))])
    vals, idx = f.n("TopK", [h, f.c([1], np.int64)], n_out=2, axis=-1)
    p = f.save(tmp_path / "flt.onnx", vals, (1, 3, 4, 4), TensorProto.FLOAT)
    x = rng.normal(size=(16, 4, 4, 3)).astype(np.float32)
    g = _compile_and_compare(tmp_path, p, x, vals, exact=False)
    assert "multithreshold" in [n.op for n in g.nodes]
    del idx


def test_float_path_multithreshold_output_and_shared_thresholds(tmp_path):
    """Shared thresholds (1, T) on a 2-D float input, output the thresholded values (y = 3 * count + 0.25)."""
    rng = np.random.default_rng(3)
    f = F()
    x = rng.normal(size=(40, 10)).astype(np.float32)
    thr = np.sort(rng.normal(size=(1, 9)), axis=1).astype(np.float32)
    thr[0, 4] = x[0, 0]                                          # a tie
    h = f.mt("x", thr, out_scale=3.0, out_bias=0.25, out_dtype="FLOAT32", data_layout="NC")
    p = f.save(tmp_path / "sh.onnx", h, (1, 10), TensorProto.FLOAT, (1, 10))
    _compile_and_compare(tmp_path, p, x, h)


# ---------------------------------------------------------------- errors: one line naming the nodes

def test_error_finn_dataflow_nodes_named_at_once(tmp_path):
    f = F()
    h = f.n("MVAU_hls", ["x"], domain="finn.custom_op.fpgadataflow.hls")
    h = f.n("StreamingFIFO", [h], domain="finn.custom_op.fpgadataflow")
    h = f.n("ConvolutionInputGenerator", [h], domain="finn.custom_op.fpgadataflow.hls")
    p = f.save(tmp_path / "df.onnx", h, (1, 8), TensorProto.FLOAT, (1, 8))
    with pytest.raises(GraphError) as e:
        nncodegen.load(p)
    msg = str(e.value)
    assert "\n" not in msg and all(k in msg for k in ("MVAU_hls", "StreamingFIFO", "ConvolutionInputGenerator"))


def test_error_unsupported_qonnx_ops_named_at_once(tmp_path):
    f = F()
    h = f.n("Trunc", ["x", f.c(1.0), f.c(0.0), f.c(8.0), f.c(4.0)], domain=QD)
    h = f.n("FloatQuant", [h, f.c(1.0)], domain=QD)
    p = f.save(tmp_path / "uq.onnx", h, (1, 8), TensorProto.FLOAT, (1, 8))
    with pytest.raises(GraphError, match=r"Trunc_\d+.*FloatQuant_\d+.*unsupported QONNX ops"):
        nncodegen.load(p)


def test_error_sign_without_binary_reader_names_node(tmp_path):
    """Item 4: a bipolar activation read by a float layer used to fail inside lowering ("sign output ... must
    be packed binary"); the check after the passes names the node in one line."""
    rng = np.random.default_rng(4)
    f = F()
    h = f.mt("x", np.zeros((8, 1)), out_scale=2.0, out_bias=-1.0, out_dtype="BIPOLAR")
    h = f.n("MatMul", [h, f.c(rng.normal(size=(8, 3)))])         # float weights: nothing reads packed bits
    p = f.save(tmp_path / "sg.onnx", h, (1, 8), TensorProto.FLOAT, (1, 3))
    with pytest.raises(GraphError) as e:
        nncodegen.load(p)
    msg = str(e.value)
    assert "\n" not in msg and "MultiThreshold_" in msg and "(sign)" in msg and "packed bits" in msg
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(p), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True)
    errs = [ln for ln in r.stderr.splitlines() if "compile: error" in ln]   # the other lines are progress
    assert r.returncode == 2 and len(errs) == 1 and "MultiThreshold_" in errs[0] and "Traceback" not in r.stderr


def test_error_topk_k_and_argmax_last_index(tmp_path):
    f = F()
    h = f.mt("x", np.zeros((1, 2)), out_dtype="UINT2")
    v, i = f.n("TopK", [h, f.c([2], np.int64)], n_out=2, axis=-1)
    p = f.save(tmp_path / "k2.onnx", i, (1, 8), TensorProto.INT64, (1, 2))
    with pytest.raises(GraphError, match=r"TopK_\d+.*only k=1"):
        nncodegen.load(p)
    f = F()
    f.n("MultiThreshold", ["x", f.c(np.zeros((1, 2)))], domain=QD, out_dtype="UINT2")
    y = f.n("ArgMax", [f.nodes[-1].output[0]], axis=1, select_last_index=1)
    p = f.save(tmp_path / "am.onnx", y, (1, 8))
    with pytest.raises(GraphError, match=r"ArgMax_\d+.*select_last_index"):
        nncodegen.load(p)
