"""TFLite import (nncodegen/frontends/tflite_import.py) against TFLite's own reference runtimes, on
real models nobody here trained (tests/models/tflite/README.md):

* TFLite Micro's interpreter (package tflite-micro; TFLite's default double rounding): the import's
  default rounding mode must give its integers exactly;
* LiteRT's interpreter with the reference op resolver (package ai-edge-litert, BUILTIN_REF): its fully
  connected layers round once (a TFLITE_SINGLE_ROUNDING build), so hello_world compiled with
  --rounding single must give its integers; its depthwise convolution still rounds twice, so
  micro_speech matches neither mode exactly (test_litert_depthwise_conv_rounds_twice).

Unsupported models fail with one clear error naming every offending operator or tensor.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nncodegen
from nncodegen.frontends.onnx_qdq import set_int8_rounding
from nncodegen.ir.graph import GraphError

MODELS = Path(__file__).resolve().parent / "models" / "tflite"


def run_tflm(path, xs):
    from tflite_micro.python.tflite_micro import runtime
    ip = runtime.Interpreter.from_file(str(path), arena_size=200_000)
    out = []
    for x in xs:
        ip.set_input(x[None], 0)
        ip.invoke()
        out.append(ip.get_output(0).copy())
    return np.concatenate(out)


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
    ("ptq_mnist_lenet-300-100", r"operator #\d+ LOG_SOFTMAX"),
    ("simple_add_model", r"2 inputs .*serving_default_input_1:0.*one input"),
    ("seanet_conv0_int16", r"CONV_2D.*int16"),
])
def test_unsupported_models_name_the_cause(model, pattern):
    with pytest.raises(GraphError, match=pattern):
        nncodegen.load(MODELS / f"{model}.tflite")


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
