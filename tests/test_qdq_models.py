"""Int8 models from real quantizers: float models of tests/onnx_zoo.py quantized by
onnxruntime.quantization.quantize_static (QDQ, per-channel int8 weights, int8 or uint8
activations, MinMax calibration on random data), compiled to C and compared with
onnxruntime's execution of the same quantized model.

Two references (nncodegen/harness/int8_agreement.py):
* onnxruntime without graph optimizations: every op in float between DequantizeLinear and
  QuantizeLinear - the QDQ graph's own semantics;
* onnxruntime with its default optimizations: its fused int8 kernels (QLinearConv, QGemm,
  QLinearAdd, QLinearAveragePool, QLinearSoftmax, ...).
Targets: >= 99.9 % identical output integers, none more than 1 LSB apart, top-1 agreement 100 %.
Where a model misses the identical-fraction target the expectation below says why (docs/INT8.md):
averages (onnxruntime rounds the ties of a 2x2 average in float, so nearly at random) and
onnxruntime's QLinearSoftmax, which scales by floor(1/s_out) = 254 instead of 1/s_out = 255.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("onnxruntime")

import nncodegen  # noqa: E402
import onnx_zoo  # noqa: E402
from nncodegen.harness.cbuild import STRICT_FLAGS  # noqa: E402
from nncodegen.harness.int8_agreement import agreement, quantize_with_onnxruntime, to_ir_layout  # noqa: E402
from nncodegen.frontends.onnx_qdq import set_int8_rounding  # noqa: E402
from nncodegen.ir.graph import GraphError  # noqa: E402

N_CALIB, N_TEST = 16, 40
TARGET = (0.999, 1)  # identical fraction, largest difference in LSB
# (reference: float QDQ semantics, fused onnxruntime kernels) where a model misses TARGET, and why
# (docs/INT8.md; measured over 200 samples by benchmarks/int8_vs_onnxruntime.py).  The C reproduces
# onnxruntime's fused int8 kernels (rounding mode "onnxruntime", the default for QDQ models), so the
# fused column meets TARGET; the float column differs where onnxruntime's float kernels round
# differently from its own int8 kernels:
EXPECT = {
    "residual": ((0.80, 1), TARGET),          # float AveragePool breaks the 2x2 ties by float error
    "fire": ((0.85, 1), TARGET),              # float Softmax vs QLinearSoftmax's floor(1 / s_out) = 254
    "mlp_ops": ((0.85, 1), TARGET),           # the same Softmax
    "grouped_shuffle": ((0.999, 2), TARGET),  # float conv sums in the float path, then an Add
    "misc_ops": ((0.998, 1), TARGET),
    # int8 activations: onnxruntime leaves the first conv in float (DQ -> Conv -> Q), whose float sum
    # rounds a rare near-tie one step away from the exact value; LeakyRelu / Sigmoid tables with finer
    # output steps grow that step to 3
    "encoder_decoder_resize": ((0.999, 3), (0.999, 3)),
    "encoder_decoder_convtranspose": ((0.999, 3), (0.999, 3)),
    ("encoder_decoder_resize", "u8"): ((0.999, 3), TARGET),
    ("encoder_decoder_convtranspose", "u8"): ((0.999, 3), TARGET),
}
FAST = [("fire", "s8"), ("depthwise_separable", "u8"), ("residual", "u8"), ("misc_ops", "s8"),
        ("grouped_shuffle", "u8"), ("encoder_decoder_convtranspose", "s8")]
ALL = [(m, a) for m in onnx_zoo.ALL for a in ("s8", "u8")]


def onnx_inputs(model, n, seed):
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    return np.random.default_rng(seed).normal(size=[n] + shape[1:]).astype(np.float32)


@pytest.fixture(scope="module")
def qdir(tmp_path_factory):
    return tmp_path_factory.mktemp("qdq")


def quantized(qdir, name, act, fmt="QDQ", preprocess=True):
    out = qdir / f"{name}_{act}_{fmt}{'' if preprocess else '_raw'}.onnx"
    if not out.exists():
        m = onnx_zoo.ALL[name]()
        fp = qdir / f"{name}.onnx"
        onnx.save(m, fp)
        quantize_with_onnxruntime(fp, out, onnx_inputs(m, N_CALIB, 0), act, quant_format=fmt, preprocess=preprocess)
    return out


def compile_and_compare(qdir, path, tag, rounding=None):
    g = nncodegen.load(path)
    if rounding:
        set_int8_rounding(g, rounding)
    out = nncodegen.generate(g, qdir / f"c_{tag}", name="m")
    cm = nncodegen.build(out)
    x = onnx_inputs(onnx.load(path), N_TEST, 1)
    xi = to_ir_layout(x, g.meta.get("input_layout"))
    y_c = cm.run_raw(cm.quantize_input(xi))
    y_s = nncodegen.simulate(g, xi, raw=True)
    if g.meta["quantization"].get("float_layers"):
        # a float layer's C kernel and its numpy twin agree to float32 rounding, not bit for bit, so
        # the quantize_s8 after it may round a near-tie the other way
        assert np.abs(y_c.astype(np.int64) - y_s.reshape(y_c.shape)).max() <= 1
    else:
        np.testing.assert_array_equal(y_c, y_s.reshape(y_c.shape))  # the C is its simulator, bit for bit
    res = {opt: agreement(path, x, out, optimize=opt, y_c_raw=y_c) for opt in (False, True)}
    return g, out, res


def check_targets(name, res, act=None):
    for opt, (lo, max_lsb) in zip((False, True), EXPECT.get((name, act), EXPECT.get(name, (TARGET, TARGET)))):
        r = res[opt]
        what = f"{name} vs onnxruntime ({'fused int8 kernels' if opt else 'float QDQ semantics'}): {r}"
        assert r["max_lsb"] <= max_lsb, what
        assert r["top1"] == 1.0, what
        assert r["identical"] >= lo, what


def _run(qdir, name, act):
    path = quantized(qdir, name, act)
    g, out, res = compile_and_compare(qdir, path, f"{name}_{act}")
    print(f"{name} {act}: float-semantics {res[False]}  fused {res[True]}")
    check_targets(name, res, act)
    # the float reference (dequantized weights, Q/DQ as the identity, removed ReLUs restored) stays
    # close to the original float model
    from nncodegen.harness.int8_agreement import run_onnxruntime
    x = onnx_inputs(onnx.load(path), 8, 2)
    y_ref = nncodegen.reference(g, to_ir_layout(x, g.meta.get("input_layout"))).ravel()
    y_float = to_ir_layout(run_onnxruntime(qdir / f"{name}.onnx", x), g.meta.get("output_layout")).ravel()
    assert y_ref @ y_float / np.linalg.norm(y_ref) / np.linalg.norm(y_float) >= 0.99
    return g, out


@pytest.mark.parametrize("name,act", FAST)
def test_qdq_model_against_onnxruntime(qdir, name, act):
    g, out = _run(qdir, name, act)
    fin = g.tensors[g.inputs[0]].fmt
    assert fin.kind == "affine" and fin.signed == (act == "s8")  # the C API takes the model's own format


@pytest.mark.slow
@pytest.mark.parametrize("name,act", [p for p in ALL if p not in FAST])
def test_qdq_model_against_onnxruntime_all(qdir, name, act):
    _run(qdir, name, act)


def test_single_rounding_is_onnxruntimes_double_rounding_loses_bits(qdir):
    """TFLite's double rounding rounds x * M to 2^-right before the final rounding: near-ties then go
    the other way than onnxruntime's one float rounding.  Single rounding matches every conv layer."""
    path = quantized(qdir, "depthwise_separable", "s8")
    _, _, single = compile_and_compare(qdir, path, "dw_single", "single")
    _, _, double = compile_and_compare(qdir, path, "dw_double", "double")
    assert single[True]["identical"] >= TARGET[0]
    assert double[True]["max_lsb"] <= 1
    assert double[True]["identical"] <= single[True]["identical"]


def _qdq_op_model(op_nodes, in_shape, out_shape, s_in, z_in, s_out, z_out, act, inits=None):
    T = np.uint8 if act == "u8" else np.int8
    i = {"s": np.float32(s_in), "z": T(z_in), "so": np.float32(s_out), "zo": T(z_out)}
    i.update(inits or {})
    nodes = [helper.make_node("QuantizeLinear", ["input", "s", "z"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"])] + op_nodes + [
             helper.make_node("QuantizeLinear", ["y", "so", "zo"], ["q2"]),
             helper.make_node("DequantizeLinear", ["q2", "so", "zo"], ["output"])]
    return _model(nodes, i, in_shape, out_shape)


def _ort_kernel_cases():
    return {
        # equal input and output formats: a quarter of the 2x2 windows are exact ties
        "avgpool2x2": ([helper.make_node("AveragePool", ["d"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
                       [1, 4, 6, 6], [1, 4, 3, 3], (0.05, 3, 0.05, 3), None),
        "avgpool3x3_pad": ([helper.make_node("AveragePool", ["d"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                           [1, 4, 6, 6], [1, 4, 6, 6], (0.05, -7, 0.043, 11), None),
        "global_avgpool": ([helper.make_node("GlobalAveragePool", ["d"], ["y"])],
                           [1, 8, 2, 2], [1, 8, 1, 1], (0.05, 3, 0.05, 3), None),
        "softmax": ([helper.make_node("Softmax", ["d"], ["y"], axis=-1)],
                    [1, 10], [1, 10], (0.11, 5, 1 / 255, -128), None),
    }


@pytest.mark.parametrize("case", list(_ort_kernel_cases()))
def test_onnxruntime_fused_kernels_bit_exact(tmp_path, case):
    """onnxruntime fuses DQ -> op -> Q into QLinearAveragePool, QLinearGlobalAveragePool,
    QLinearSoftmax, which compute in float32.  The default rounding mode reproduces them with integer
    arithmetic: every output identical (QLinearAdd: the residual model, whose Add onnxruntime fuses) (the float path of onnxruntime rounds its own
    ties differently, so it is not the reference here), and the C has no float in it."""
    nodes, ishape, oshape, (s_in, z_in, s_out, z_out), inits = _ort_kernel_cases()[case]
    m = _qdq_op_model(nodes, ishape, oshape, s_in, z_in, s_out, z_out, "s8", inits)
    p = tmp_path / f"{case}.onnx"
    onnx.save(m, p)
    g, out, res = compile_and_compare(tmp_path, p, case)
    assert g.meta["quantization"]["rounding"] == "onnxruntime"
    assert res[True]["identical"] == 1.0, res
    assert not g.meta["quantization"]["float_layers"]
    assert not re.search(r"\bfloat\b|\bdouble\b", (out / "m.c").read_text())
    # the exact semantics (single rounding, averages ties to even) breaks the ties the other way
    if case == "avgpool2x2":
        _, _, exact = compile_and_compare(tmp_path, p, case + "_exact", "single")
        assert exact[True]["identical"] < 0.95, exact


def test_qoperator_format(qdir):
    """QLinearConv / QLinearMatMul / QLinearAdd ... (QuantFormat.QOperator) fold the same way."""
    path = quantized(qdir, "residual", "u8", fmt="QOperator")
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert "QLinearConv" in ops and "QLinearAdd" in ops
    g, _, res = compile_and_compare(qdir, path, "residual_qop")
    check_targets("residual", res, "u8")
    assert not g.meta["quantization"]["float_layers"]


def test_batchnorm_between_qdq_runs_in_float(qdir):
    """Without quant_pre_process, BatchNormalization sits between Q/DQ pairs: it stays a float layer
    (dequantize -> float mul/add -> quantize), like onnxruntime runs it, and the report says so."""
    path = quantized(qdir, "depthwise_separable", "s8", preprocess=False)
    g, out, res = compile_and_compare(qdir, path, "dw_raw")
    check_targets("depthwise_separable", res)
    assert any("BatchNormalization" in f for f in g.meta["quantization"]["float_layers"])
    kernels = (out / "m.c").read_text()
    assert "dequantize_s8(" in kernels and "quantize_s8(" in kernels and "_f32(" in kernels


# ---------------------------------------------------------------- hand-made patterns

def _model(nodes, inits, in_shape, out_shape, out_type=TensorProto.FLOAT, opset=13, domain_ms=False):
    g = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info("output", out_type, out_shape)],
                          [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    ops = [helper.make_opsetid("", opset)] + ([helper.make_opsetid("com.microsoft", 1)] if domain_ms else [])
    m = helper.make_model(g, opset_imports=ops)
    m.ir_version = 8
    return m


def test_convinteger_pattern_against_onnxruntime(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=(6, 3, 3, 3)).astype(np.int8)
    inits = {"s": np.float32(0.02), "z": np.uint8(120), "wz": np.int8(0),
             "c": (np.float32(0.02) * rng.uniform(0.003, 0.01, size=(1, 6, 1, 1))).astype(np.float32),
             "w": w, "s_out": np.float32(0.05), "z_out": np.int8(3)}
    nodes = [helper.make_node("QuantizeLinear", ["input", "s", "z"], ["xq"]),
             helper.make_node("ConvInteger", ["xq", "w", "z", "wz"], ["acc"], pads=[1, 1, 1, 1], name="convint"),
             helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["accf", "c"], ["y"]),
             helper.make_node("QuantizeLinear", ["y", "s_out", "z_out"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "s_out", "z_out"], ["output"])]
    m = _model(nodes, inits, [1, 3, 8, 8], [1, 6, 8, 8])
    p = tmp_path / "convint.onnx"
    onnx.save(m, p)
    _, _, res = compile_and_compare(tmp_path, p, "convint")
    assert res[False]["max_lsb"] <= 1 and res[False]["identical"] >= TARGET[0], res


def test_dynamic_quantization_is_refused_naming_the_node(tmp_path):
    inits = {"w": np.ones((4, 3), np.int8)}
    nodes = [helper.make_node("DynamicQuantizeLinear", ["input"], ["xq", "xs", "xz"], name="dq_node"),
             helper.make_node("MatMulInteger", ["xq", "w", "xz"], ["output"], name="mm")]
    m = _model(nodes, inits, [1, 4], [1, 3], out_type=TensorProto.INT32, opset=13)
    from nncodegen.frontends.onnx_import import load_onnx
    with pytest.raises(GraphError, match="dq_node.*DynamicQuantizeLinear.*run time"):
        load_onnx(m)


def test_per_axis_activation_quantization_is_refused_naming_the_node():
    inits = {"s": np.full(3, 0.1, np.float32), "z": np.zeros(3, np.int8)}
    nodes = [helper.make_node("QuantizeLinear", ["input", "s", "z"], ["q"], axis=1, name="q_axis"),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["output"], axis=1)]
    m = _model(nodes, inits, [1, 3, 4, 4], [1, 3, 4, 4])
    from nncodegen.frontends.onnx_import import load_onnx
    with pytest.raises(GraphError, match="q_axis.*per-axis"):
        load_onnx(m)


def _qdq_around(op_node, in_shape, out_shape, extra=None):
    inits = {"s": np.float32(0.05), "z": np.int8(3), "so": np.float32(0.04), "zo": np.int8(-5)}
    inits.update(extra or {})
    nodes = [helper.make_node("QuantizeLinear", ["input", "s", "z"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]), op_node,
             helper.make_node("QuantizeLinear", ["y", "so", "zo"], ["q2"]),
             helper.make_node("DequantizeLinear", ["q2", "so", "zo"], ["output"])]
    return _model(nodes, inits, in_shape, out_shape)


def test_float_op_between_qdq_pairs_runs_in_float(tmp_path):
    """A bilinear Resize has no int8 kernel: DQ -> Resize -> Q runs as dequantize_s8 ->
    resize_bilinear_f32 -> quantize_s8, equal to onnxruntime's float execution of the QDQ graph up to
    float rounding near ties, and the report names the layer."""
    node = helper.make_node("Resize", ["d", "", "scales"], ["y"], mode="linear", name="bilinear",
                            coordinate_transformation_mode="half_pixel")
    m = _qdq_around(node, [1, 3, 5, 5], [1, 3, 10, 10], {"scales": np.array([1, 1, 2, 2], np.float32)})
    p = tmp_path / "bilinear.onnx"
    onnx.save(m, p)
    g, out, res = compile_and_compare(tmp_path, p, "bilinear")
    assert any(f.startswith("bilinear") for f in g.meta["quantization"]["float_layers"])
    assert "resize_bilinear_f32(" in (out / "m.c").read_text()
    assert res[False]["max_lsb"] <= 1 and res[False]["identical"] >= 0.99, res


def test_op_without_any_kernel_between_qdq_pairs_names_the_node():
    m = _qdq_around(helper.make_node("Cos", ["d"], ["y"], name="cosine"), [1, 4], [1, 4])
    from nncodegen.frontends.onnx_import import load_onnx
    with pytest.raises(GraphError, match="cosine"):
        load_onnx(m)


# ---------------------------------------------------------------- command line

def _compilers():
    return [cc for cc in ("gcc", "clang") if shutil.which(cc)]


def test_cli_compile_keeps_the_models_formats(qdir, tmp_path):
    path = quantized(qdir, "fire", "u8")
    out = tmp_path / "fire"
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(path), "-o", str(out), "--name", "fire",
                        "--quantize", "q7"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "scheme: int8" in r.stdout
    h = (out / "fire.h").read_text()
    g = nncodegen.load(path)
    fin = g.tensors[g.inputs[0]].fmt
    assert f"#define fire_INPUT_ZERO_POINT {fin.zero_point}" in h
    m = re.search(r"#define fire_INPUT_SCALE (\S+)f", h)
    assert m and np.float32(float(m.group(1))) == np.float32(fin.scale)
    assert "typedef uint8_t fire_input_t;" in h
    code = re.sub(r"/\*.*?\*/", "", (out / "fire.c").read_text(), flags=re.S)
    assert not re.search(r"\b(float|double)\b", code), "an integer-only model's .c uses float"
    rep = (out / "report.md").read_text()
    assert "onnxruntime" in rep and "rounding" in rep  # the requantization mode is reported
    np.save(tmp_path / "x.npy", to_ir_layout(onnx_inputs(onnx.load(path), 20, 3), g.meta.get("input_layout")))
    r = subprocess.run([sys.executable, "-m", "nncodegen", "verify", str(out), "--inputs", str(tmp_path / "x.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "PASS" in r.stdout, r.stdout + r.stderr
    for cc in _compilers():
        for src in [out / "fire.c"] + sorted((out / "runtime").glob("*.c")):
            rr = subprocess.run([cc, *STRICT_FLAGS, "-O2", "-c", str(src), "-o", str(tmp_path / "x.o"),
                                 f"-I{out}", f"-I{out / 'runtime'}"], capture_output=True, text=True)
            assert rr.returncode == 0, f"{cc} {src.name}:\n{rr.stderr}"


# ---------------------------------------------------------------- --quantize int8 (post-training)

def test_ptq_int8_is_onnxruntimes_quantize_static(examples_dir, tmp_path):
    """nncodegen's --quantize int8 reproduces onnxruntime's quantize_static (MinMax, QInt8 activations,
    per-channel symmetric QInt8 weights): the same weight integers and the same activation formats up
    to the last bit of a scale (onnxruntime takes the ranges from its float32 execution, nncodegen from
    its float64 reference), hence nearly the same C as the QDQ model onnxruntime writes."""
    calib = np.load(examples_dir / "mnist_cnn" / "calib.npy")[:32]
    ort_path = quantize_with_onnxruntime(examples_dir / "mnist_cnn" / "mnist_cnn.onnx", tmp_path / "m_qdq.onnx",
                                         calib.transpose(0, 3, 1, 2), "s8", preprocess=False)
    g_ort = nncodegen.load(ort_path)
    g_ptq = nncodegen.quantize(nncodegen.load(examples_dir / "mnist_cnn" / "mnist_cnn.onnx"), calib, "int8")
    assert [n.op for n in g_ptq.nodes] == [n.op for n in g_ort.nodes]
    for a, b in zip(g_ptq.nodes, g_ort.nodes):
        fa, fb = g_ptq.tensors[a.outputs[0]].fmt, g_ort.tensors[b.outputs[0]].fmt
        assert fa.zero_point == fb.zero_point and abs(fa.scale / fb.scale - 1) < 1e-6, (a.name, fa, fb)
        if a.op in ("conv2d", "dense"):
            np.testing.assert_array_equal(g_ptq.tensors[a.inputs[1]].qdata, g_ort.tensors[b.inputs[1]].qdata)
            if len(a.inputs) > 2:  # int32 at s_in * s_w: one unit apart where s_in differs in its last bit
                assert np.abs(g_ptq.tensors[a.inputs[2]].qdata.astype(np.int64)
                              - g_ort.tensors[b.inputs[2]].qdata).max() <= 1
    x = np.load(examples_dir / "mnist_cnn" / "test_images.npy")[:50]
    g_ptq.meta["quantization"]["rounding"] = g_ort.meta["quantization"]["rounding"]
    g_ptq.meta["quantization"]["average_rounding"] = g_ort.meta["quantization"]["average_rounding"]
    ya, yb = nncodegen.simulate(g_ptq, x, raw=True), nncodegen.simulate(g_ort, x, raw=True)
    assert np.abs(ya.astype(int) - yb).max() <= 1 and np.mean(ya == yb) >= 0.99


def test_cli_quantize_int8_and_verify(examples_dir, tmp_path):
    ex = examples_dir / "mnist_cnn"
    out = tmp_path / "mnist_int8"
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(ex / "mnist_cnn.onnx"), "-o", str(out),
                        "--quantize", "int8", "--calib", str(ex / "calib.npy"), "--rounding", "single"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "single rounding" in (out / "report.md").read_text()
    x = np.load(ex / "test_images.npy")[:200]
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.load(ex / "test_labels.npy")[:200])
    r = subprocess.run([sys.executable, "-m", "nncodegen", "verify", str(out), "--inputs", str(tmp_path / "x.npy"),
                        "--labels", str(tmp_path / "y.npy"), "--json", str(tmp_path / "v.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    import json
    v = json.loads((tmp_path / "v.json").read_text())
    assert v["bit_exact"] and v["float_ref"]["top1_agreement"] >= 0.98 and v["accuracy"] >= 0.95


def test_cli_float_layers_error_names_the_node(qdir, tmp_path):
    path = quantized(qdir, "encoder_decoder_convtranspose", "s8")
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"float_layers": "error"}')
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(path), "-o", str(tmp_path / "o"),
                        "--config", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 2 and "n_ConvTranspose_0" in r.stderr and "float" in r.stderr, r.stderr
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(path), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "runs in float: n_ConvTranspose_0" in r.stderr, r.stderr
