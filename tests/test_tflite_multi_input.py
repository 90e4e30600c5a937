"""TFLite models with several inputs (frontends/tflite/join.py): the inputs become rows of the one C input, each
row in its own input's format, and the C equals TFLite Micro / LiteRT's reference kernels bit for bit.

* simple_add_model (TFLite Micro's memory_footprint example: one ADD of two int8 inputs in different scales).
* Random int8 models of three inputs of different shapes and formats (conv / fully connected / concat / add).
* A float32 model of two inputs, against LiteRT.
* The C header's per-input macros (a hostile input name stays inside its comment), join_inputs' checks, and the
  refusal of inputs that cannot share one C input.
"""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

import nncodegen
from nncodegen.ir.graph import GraphError
from nncodegen.lower.lower import lower
from nncodegen.ref.program_sim import run_program

from helpers import quantized_build_agrees
from tflite_builder import TfliteBuilder, f32
from test_tflite_import import MODELS


def run_tflm_multi(path, xs, arena_size=400_000):
    """TFLite Micro's first output for samples i of the per-input batches xs (one array per model input)."""
    from tflite_micro.python.tflite_micro import runtime
    ip = runtime.Interpreter.from_file(str(path), arena_size=arena_size)
    out = []
    for i in range(len(xs[0])):
        for k, x in enumerate(xs):
            ip.set_input(x[i][None], k)
        ip.invoke()
        out.append(ip.get_output(0).copy())
    return np.concatenate(out)


def run_litert_multi(path, xs, ref=True):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF} if ref else {}
    it = Interpreter(model_path=str(path), **kw)
    it.allocate_tensors()
    ins, o = it.get_input_details(), it.get_output_details()[0]
    assert len(ins) == len(xs)
    out = []
    for i in range(len(xs[0])):
        for d, x in zip(ins, xs):
            it.set_tensor(d["index"], x[i][None])
        it.invoke()
        out.append(it.get_tensor(o["index"]).copy())
    return np.concatenate(out)


def test_simple_add_model_equals_tflite_micro(tmp_path):
    """TFLite Micro's own two-input example: the joined C input gives TFLite Micro's integers on every sample,
    and the simulator the C's."""
    pytest.importorskip("tflite_micro")
    path = MODELS / "simple_add_model.tflite"
    g = nncodegen.load(path)
    assert [m["row"] for m in g.meta["inputs"]] == [0, 1]
    fin = g.tensors[g.inputs[0]].fmt
    assert g.tensors[g.inputs[0]].shape == (1, 2, 128 * 128) and fin.per_channel and len(set(fin.scale)) == 2
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    r = np.random.default_rng(1)
    xs = [r.integers(-128, 128, size=(12, 128, 128, 1)).astype(np.int8) for _ in range(2)]
    y_c = cm.run_raw(nncodegen.join_inputs(g, xs))
    y_m = run_tflm_multi(path, xs)
    np.testing.assert_array_equal(y_c.reshape(y_m.shape), y_m)
    assert len(np.unique(y_m)) > 100
    # the inputs' formats matter: the two rows swapped give other integers
    y_sw = cm.run_raw(nncodegen.join_inputs(g, xs[::-1]))
    assert (y_sw.reshape(y_m.shape) != y_m).any()
    prog = lower(g)
    for i, x1 in enumerate(nncodegen.join_inputs(g, [x[:3] for x in xs])):
        np.testing.assert_array_equal(run_program(g, prog, x1).reshape(-1), y_c[i].reshape(-1))


def _three_input_model(seed: int):
    """Inputs a (1, h, w, 3) -> conv -> flat, b (1, n) -> fully connected, their sum concatenated with c
    (1, 2, 2, m) flattened: three inputs of different sizes, in three formats (c in the sum's)."""
    r = np.random.default_rng(seed)
    b = TfliteBuilder()
    h, w, n, m = int(r.integers(2, 6)), int(r.integers(2, 6)), int(r.integers(3, 40)), int(r.integers(1, 5))
    xa = b.input((1, h, w, 3), f32(r.uniform(0.01, 0.1)), int(r.integers(-20, 20)))
    xb = b.input((1, n), f32(r.uniform(0.01, 0.1)), int(r.integers(-20, 20)))
    zs = int(r.integers(-10, 10))
    xc = b.input((1, 2, 2, m), f32(0.4), zs)  # TFLite's int8 CONCATENATION: the output's format
    co = 4
    wc = r.integers(-127, 128, size=(co, 3, 3, 3))
    ya = b.conv2d(xa, wc, r.integers(-500, 500, size=co), f32(r.uniform(0.002, 0.01)) * np.ones(co), f32(0.2),
                  int(r.integers(-10, 10)))
    fa = b.reshape(ya, (1, h * w * co))
    wf = r.integers(-127, 128, size=(h * w * co, n))
    fb = b.fully_connected(xb, wf, r.integers(-500, 500, size=h * w * co), f32(r.uniform(0.002, 0.01)), f32(0.3),
                           int(r.integers(-10, 10)))
    s = b.add(fa, fb, f32(0.4), zs)
    fc = b.reshape(xc, (1, 4 * m))
    y = b.concat([s, fc], 1)
    shapes = [(1, h, w, 3), (1, n), (1, 2, 2, m)]
    return b.finish(y), shapes


@pytest.mark.parametrize("seed", range(4))
def test_three_int8_inputs_equal_tflite_micro(seed, tmp_path):
    pytest.importorskip("tflite_micro")
    pytest.importorskip("ai_edge_litert")
    data, shapes = _three_input_model(seed)
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    g = nncodegen.load(path)
    sizes = [int(np.prod(s)) for s in shapes]
    assert [m["size"] for m in g.meta["inputs"]] == sizes
    assert g.tensors[g.inputs[0]].shape == (1, 3, max(sizes))
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    r = np.random.default_rng(100 + seed)
    xs = [r.integers(-128, 128, size=(40,) + s[1:]).astype(np.int8) for s in shapes]
    joined = nncodegen.join_inputs(g, xs)
    # the rows' padding is not read: garbage there changes nothing
    padded = joined.copy()
    for k, n in enumerate(sizes):
        padded[:, k, n:] = r.integers(-128, 128, size=padded[:, k, n:].shape)
    y_c = cm.run_raw(joined)
    np.testing.assert_array_equal(cm.run_raw(padded), y_c)
    y_m = run_tflm_multi(path, xs)
    np.testing.assert_array_equal(y_c.reshape(y_m.shape), y_m)
    # LiteRT's reference kernels feed the same inputs the same way (its int8 ADD / FULLY_CONNECTED round a few
    # values 1 apart from TFLite Micro's, as on the real models: tests/test_tflite_import.py)
    y_l = run_litert_multi(path, xs).reshape(y_m.shape).astype(int)
    assert np.abs(y_l - y_m).max() <= 1 and (y_l == y_m).mean() > 0.99
    prog = lower(g)
    for i in range(5):
        np.testing.assert_array_equal(run_program(g, prog, padded[i]).reshape(-1), y_c[i].reshape(-1))
    assert len(np.unique(y_m)) > 20


def test_two_float_inputs_equal_litert(tmp_path):
    """A float32 model of two inputs (ADD then FULLY_CONNECTED): a float32 joined input; the C gives LiteRT's
    values to float32 rounding."""
    pytest.importorskip("ai_edge_litert")
    r = np.random.default_rng(7)
    b = TfliteBuilder(float32=True)
    xa, xb = b.float_input((1, 4, 4, 2)), b.float_input((1, 4, 4, 2))
    s = b.add(xa, xb, None, None)
    f = b.reshape(s, (1, 32))
    y = b.fully_connected(f, r.standard_normal((5, 32)).astype(np.float32), r.standard_normal(5).astype(np.float32),
                          None, None, None)
    path = tmp_path / "f.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    assert g.tensors[g.inputs[0]].fmt.kind == "float" and g.tensors[g.inputs[0]].shape == (1, 2, 32)
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    xs = [r.standard_normal((30, 4, 4, 2)).astype(np.float32) for _ in range(2)]
    y_c = cm.run(nncodegen.join_inputs(g, xs))
    y_l = run_litert_multi(path, xs, ref=False)
    np.testing.assert_allclose(y_c.reshape(y_l.shape), y_l, rtol=1e-5, atol=1e-5)
    y_ref = nncodegen.reference(g, nncodegen.join_inputs(g, xs))
    np.testing.assert_allclose(y_ref.reshape(y_l.shape), y_l, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("scheme,tol", [("q7", 0.1), ("q15", 1e-3), ("int8", 0.05)])
def test_two_float_inputs_quantized(scheme, tol, tmp_path):
    """The joined float input quantized like any float model (calibrated on joined batches): C == simulator, and
    near the float model (tolerance relative to the outputs' range)."""
    r = np.random.default_rng(8)
    b = TfliteBuilder(float32=True)
    xa, xb = b.float_input((1, 3, 3, 2)), b.float_input((1, 5))
    fa = b.reshape(xa, (1, 18))
    ya = b.fully_connected(fa, r.standard_normal((5, 18)).astype(np.float32), np.zeros(5, np.float32), None, None,
                           None)
    y = b.add(ya, xb, None, None)
    path = tmp_path / "f.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    assert g.tensors[g.inputs[0]].shape == (1, 2, 18)
    xs = [r.standard_normal((64, 3, 3, 2)).astype(np.float32), r.standard_normal((64, 5)).astype(np.float32)]
    quantized_build_agrees(g, nncodegen.join_inputs(g, xs), scheme, tol, tmp_path / scheme)


def test_header_states_each_input_and_hides_hostile_names(tmp_path):
    b = TfliteBuilder()
    xa = b.input((1, 6), 0.05, -3)
    xb = b.input((1, 6), 0.07, 4)
    b.tensors[xa].name = "evil */ int injected = 1; /*"
    y = b.add(xa, xb, 0.1, 0)
    path = tmp_path / "m.tflite"
    path.write_bytes(b.finish(y))
    g = nncodegen.load(path)
    out = nncodegen.generate(g, tmp_path / "out", name="m")
    h = (out / "m.h").read_text()
    assert "#define m_NUM_INPUTS 2" in h and "#define m_INPUT_ROW_LEN 6" in h
    assert "#define m_INPUT0_LEN 6" in h and "#define m_INPUT1_ZERO_POINT 4" in h
    assert f"#define m_INPUT1_SCALE {f32(0.07)!r}f" in h
    assert "int injected" not in h.replace("*\\/ int injected", "")
    src = out / "check.c"
    src.write_text('#include "m.h"\n'
                   'typedef char two_inputs[m_NUM_INPUTS == 2 ? 1 : -1];\n'
                   'typedef char row_len[m_INPUT_ROW_LEN * m_NUM_INPUTS == m_INPUT_LEN ? 1 : -1];\n'
                   'int injected;\n')
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", str(src), "-I", str(out),
                    "-o", str(tmp_path / "check.o")], check=True)


def test_join_inputs_checks_its_arrays():
    g = nncodegen.load(MODELS / "simple_add_model.tflite")
    a = np.zeros((2, 128, 128, 1), np.float32)
    with pytest.raises(GraphError, match="2 inputs, 1 arrays"):
        nncodegen.join_inputs(g, [a])
    with pytest.raises(GraphError, match=r"input 1 .*16384 elements a sample"):
        nncodegen.join_inputs(g, [a, np.zeros((2, 100), np.float32)])
    with pytest.raises(GraphError, match="one batch size"):
        nncodegen.join_inputs(g, [a, a[:1]])
    single = nncodegen.load(MODELS / "hello_world_int8.tflite")
    with pytest.raises(GraphError, match="one input"):
        nncodegen.join_inputs(single, [a, a])


def test_mixed_inputs_are_refused_by_name(tmp_path):
    """An int8 input beside a float32 one (through QUANTIZE) cannot share the one C input: the error names both."""
    b = TfliteBuilder()
    xf = b.float_input((1, 4))
    xq = b.quantize(xf, 0.05, 0)
    xi = b.input((1, 4), 0.05, 0)
    y = b.add(xq, xi, 0.1, 0)
    path = tmp_path / "mixed.tflite"
    path.write_bytes(b.finish(y))
    with pytest.raises(GraphError, match=r"2 inputs 't0' \(float32\), 't2' \(int8\).*all are int8, all int16 or all "
                                         r"float32"):
        nncodegen.load(path)


# ---------------------------------------------------------------- several int8 outputs

def _two_head_model(seed: int):
    """A small detector-like model: a conv trunk and two heads in their own formats, a conv 'boxes' map and a fully
    connected 'scores' row (two int8 outputs of different sizes), optionally the trunk itself as a third output."""
    r = np.random.default_rng(seed)
    b = TfliteBuilder()
    h, w, c = int(r.integers(3, 7)), int(r.integers(3, 7)), int(r.integers(1, 4))
    x = b.input((1, h, w, c), f32(r.uniform(0.01, 0.05)), int(r.integers(-20, 20)))
    co = int(r.integers(2, 6))
    t = b.conv2d(x, r.integers(-127, 128, size=(co, 3, 3, c)), r.integers(-300, 300, size=co),
                 f32(r.uniform(0.002, 0.01)) * np.ones(co), f32(0.1), int(r.integers(-10, 10)), act="relu")
    boxes = b.conv2d(t, r.integers(-127, 128, size=(4, 1, 1, co)), r.integers(-300, 300, size=4),
                     f32(r.uniform(0.002, 0.01)) * np.ones(4), f32(r.uniform(0.05, 0.2)), int(r.integers(-30, 30)))
    ft = b.reshape(t, (1, h * w * co))
    k = int(r.integers(2, 9))
    scores = b.fully_connected(ft, r.integers(-127, 128, size=(k, h * w * co)), r.integers(-300, 300, size=k),
                               f32(r.uniform(0.002, 0.01)), f32(r.uniform(0.05, 0.3)), int(r.integers(-30, 30)))
    outs = [boxes, scores] + ([t] if seed % 2 else [])
    return b.finish(*outs), (1, h, w, c), len(outs)


@pytest.mark.parametrize("seed", range(4))
def test_several_int8_outputs_equal_tflite_micro(seed, tmp_path):
    """Several int8 outputs are rows of the one C output, each in its own format: split again, every output
    equals TFLite Micro's integers, the simulator the C's, and `run`'s floats are each output's real values."""
    pytest.importorskip("tflite_micro")
    from test_tflite_import import run_tflm
    data, shape, n_out = _two_head_model(seed)
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    g = nncodegen.load(path)
    meta = g.meta["outputs"]
    tout = g.tensors[g.outputs[0]]
    assert len(meta) == n_out and tout.shape == (1, n_out, max(m["size"] for m in meta))
    assert tout.fmt.per_channel and [m["row"] for m in meta] == list(range(n_out))
    cm = nncodegen.build(nncodegen.generate(g, tmp_path / "out", name="m"))
    r = np.random.default_rng(200 + seed)
    xs = r.integers(-128, 128, size=(30,) + shape[1:]).astype(np.int8)
    y_c = cm.run_raw(xs)
    parts = nncodegen.split_outputs(g, y_c)
    y_m = run_tflm(path, xs, every_output=True)
    np.testing.assert_array_equal(np.concatenate([p.reshape(len(xs), -1) for p in parts], axis=1), y_m)
    assert len(np.unique(y_m)) > 10
    prog = lower(g)
    for i in range(3):
        np.testing.assert_array_equal(run_program(g, prog, xs[i]).reshape(-1), y_c[i].reshape(-1))
    # run's float output: each part dequantized in its own output's format
    y_f = nncodegen.split_outputs(g, cm.run(g.tensors[g.inputs[0]].fmt.dequantize(xs)))
    for m, p, pf in zip(meta, parts, y_f):
        np.testing.assert_allclose(pf, (p.astype(np.float32) - m["zero_point"]) * np.float32(m["scale"]), rtol=1e-6)
    h = (tmp_path / "out" / "m.h").read_text()
    assert f"#define m_NUM_OUTPUTS {n_out}" in h and "#define m_OUTPUT1_ZERO_POINT " in h
    assert f"#define m_OUTPUT1_OFFSET {tout.shape[2]}" in h


def test_mixed_outputs_are_refused_by_name(tmp_path):
    b = TfliteBuilder()
    x = b.input((1, 4), 0.05, 0)
    y = b.add(x, x, 0.1, 0)
    z = b.dequantize(y)
    path = tmp_path / "m.tflite"
    path.write_bytes(b.finish(y, z))
    with pytest.raises(GraphError, match=r"2 outputs \('t1' \(int8\), 't2' \(float32\)\).*all are float32 or all int8"):
        nncodegen.load(path)
