"""The sparse + codebook storage in whole models: the trained, pruned and shared LeNets of
examples/deep_compression compile to it under --compress auto, their C equals the simulator and the dense
build bit for bit, and the report's stored / Huffman bytes are the layout's; the pass's choices (shared
weights only under auto, forcing, int16 biases) and the other formats (q15, int8, float32) on the
shared examples/mnist_cnn copy of test_compress_models.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import nncodegen
from nncodegen.compress import sparse_codebook as sc
from nncodegen.harness.cmodel import CModel
from nncodegen.ir.serialize import load_graph
from nncodegen.passes.compress_weights import compress_weights

from test_compress_models import MNIST, _build, _quantized, _weights, pruned, shared
from test_deep_compression import unpacked

CALIB = MNIST / "calib.npy"


def _compile(src, out, compress):
    from nncodegen.cli import main
    assert main(["compile", str(src), "-o", str(out), "--quantize", "q7", "--calib", str(CALIB),
                 "--compress", compress]) == 0
    return json.loads((out / "report.json").read_text())


@pytest.mark.parametrize("arch", ["lenet300", "lenet5"])
def test_deep_compression_lenets(arch, tmp_path, tmp_path_factory):
    src = unpacked(f"{arch}_pruned_shared.onnx.gz", tmp_path_factory)
    x = np.load(MNIST / "test_images.npy")[:100]
    rep = _compile(src, tmp_path / "c", "auto")
    comp = [l["compression"] for l in rep["layers"] if l.get("compression")]
    # every layer but LeNet-5's first (150 weights, 29 values for 90 nonzeros: not shared enough for auto)
    assert [c["storage"] for c in comp][arch == "lenet5":] == ["sparse_codebook"] * (len(comp) - (arch == "lenet5"))
    g = load_graph(tmp_path / "c" / "model.nnc")
    cm = CModel(tmp_path / "c")
    xq = cm.quantize_input(x)
    yc = cm.run_raw(xq)
    assert np.array_equal(cm.run(x), nncodegen.simulate(g, x)), "C != simulator"
    dense = CModel(nncodegen.generate(compress_weights(g, "none"), tmp_path / "d", name="d"))
    assert np.array_equal(yc, dense.run_raw(xq)), "sparse + codebook C != dense C"
    # the report counts the layout: codebook + count + entries, biases as int16 (2 bytes each)
    wb = 0
    for node, c in zip([n for n in g.nodes if n.op in ("conv2d", "dense")], comp):
        t = g.tensors[node.inputs[1]]
        if c["storage"] != "sparse_codebook":
            wb += c["stored_bytes"] + 4 * t.shape[0]
            continue
        enc = sc.encode(t.qdata.reshape(t.shape[0], -1), c["delta_bits"])
        assert c["stored_bytes"] == enc.codebook.nbytes + enc.count.size + enc.entries.size
        assert c["huffman_bytes"] == sc.huffman_bytes(enc) <= c["stored_bytes"]
        assert c["bias_bytes_saved"] == 2 * t.shape[0]
        wb += c["stored_bytes"] + 2 * t.shape[0]
    assert rep["weight_bytes"] == wb
    # the target of issue 12, on what this C stores, Huffman-coded as Deep Compression counts it
    huff = rep["weight_bytes"] - rep["compression_totals"]["stored_weight_bytes"] + \
        rep["compression_totals"]["huffman_bytes"]
    assert rep["float_weight_bytes"] / huff >= 35, (arch, huff)


def test_pass_choices(tmp_path):
    g = nncodegen.load(MNIST / "mnist_cnn.onnx")
    calib = np.load(CALIB)[:64]
    # pruned only (about 200 distinct int8 values): auto keeps the speed rule of sparse, no sparse + codebook
    auto = compress_weights(_quantized(pruned(g), calib, "q7"), "auto")
    assert all(t.meta.get("storage", {}).get("kind") != "sparse_codebook" for t in _weights(auto))
    # pruned and shared: sparse + codebook wherever it is the smallest; biases that fit are int16
    gq = _quantized(pruned(shared(g), 0.7), calib, "q7")
    auto = compress_weights(gq, "auto")
    kinds = [t.meta.get("storage", {}).get("kind") for t in _weights(auto)]
    assert "sparse_codebook" in kinds, kinds
    for t in _weights(auto):
        st = t.meta.get("storage", {})
        if st.get("kind") == "sparse_codebook":
            assert st["bias_bits"] in (0, 16, 32) and 1 <= st["delta_bits"] <= 8 and st["bits"] <= 6
    # forced for the whole model, and per layer through compress_layers
    forced = compress_weights(gq, "sparse_codebook")
    assert all(t.meta["storage"]["kind"] == "sparse_codebook" for t in _weights(forced))
    first = next(n for n in gq.nodes if n.op in ("conv2d", "dense"))
    one = compress_weights(gq, "codebook", {first.name: "sparse_codebook"})
    kinds = [t.meta.get("storage", {}).get("kind") for t in _weights(one)]
    assert kinds[0] == "sparse_codebook" and set(kinds[1:]) == {"codebook"}, kinds
    # a bias outside int16 keeps int32
    gb = gq.copy()
    b = gb.tensors[first.inputs[2]]
    b.qdata = b.qdata.copy()
    b.qdata[0] = 40000
    st = compress_weights(gb, "sparse_codebook").tensors[first.inputs[1]].meta["storage"]
    assert st["bias_bits"] == 32


@pytest.mark.parametrize("scheme", ["q7", "q15", "int8", "float"])
def test_formats_c_equals_simulator_and_dense(tmp_path, scheme):
    g = nncodegen.load(MNIST / "mnist_cnn.onnx")
    calib = np.load(CALIB)[:64]
    x = np.load(MNIST / "test_images.npy")[:20].astype(np.float32)
    gs = pruned(shared(g), 0.7)
    gq = gs if scheme == "float" else _quantized(gs, calib, scheme)
    gc, cm, rep = _build(gq, tmp_path, "sparse_codebook", f"spcb_{scheme}")
    comp = [l["compression"] for l in rep["layers"] if l.get("compression")]
    assert comp and all(c["storage"] == "sparse_codebook" for c in comp)
    kernels = {k for l in rep["layers"] for k in l["kernels"]}
    assert any("_sparse_codebook_" in k for k in kernels), kernels
    y_c = cm.run(x)
    y_s = nncodegen.simulate(gc, x)
    if scheme == "float":
        np.testing.assert_allclose(y_c, y_s, rtol=0, atol=1e-5)
    else:
        assert np.array_equal(y_c, y_s)
    _, cm_d, _ = _build(gq, tmp_path, "none", f"dense_{scheme}")
    y_d = cm_d.run(x)
    if scheme == "float":  # conv2d_f32's generic path sums per kernel row (KERNELS.md): rounding only
        np.testing.assert_allclose(y_c, y_d, rtol=0, atol=1e-4)
    else:
        assert np.array_equal(y_c, y_d), f"{scheme}: sparse + codebook C != dense C"


def test_report_command_shows_the_kind(tmp_path, tmp_path_factory, capsys):
    from nncodegen.cli import main
    _compile(unpacked("lenet5_pruned_shared.onnx.gz", tmp_path_factory), tmp_path / "c", "sparse_codebook")
    capsys.readouterr()
    assert main(["report", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "sparse_codebook" in out and "int16 bias" in out
    assert "sparse_codebook" in (tmp_path / "c" / "report.md").read_text()


def test_under_asan_and_ubsan(tmp_path):
    """The sparse + codebook kernels read their streams in bounds (the entries stream's padding byte) and
    without undefined behaviour: q7 (with int16 biases), int8 and float32 copies under ASan + UBSan, extreme
    inputs, the integer ones equal to the simulator (the harness of tests/test_sanitizers.py)."""
    from test_sanitizers import compilers, extreme_inputs, run_sanitized, runtime_library
    g = nncodegen.load(MNIST / "mnist_cnn.onnx")
    calib = np.load(CALIB)[:32]
    gs = pruned(shared(g), 0.8)
    rng = np.random.default_rng(2)
    cc = compilers()[0]
    lib = runtime_library(cc)
    for scheme in ("q7", "int8", "float"):
        gq = gs if scheme == "float" else _quantized(gs, calib, scheme, "sparse_codebook")
        gc = compress_weights(gq, "sparse_codebook")
        out = nncodegen.generate(gc, tmp_path / scheme, name="m")
        assert "_sparse_codebook_" in (out / "m.c").read_text()
        m = json.loads((out / "nncodegen.json").read_text())
        xraw = extreme_inputs(m["ctype"], int(np.prod(m["input"]["shape"])), rng)
        y = run_sanitized(out, cc, lib, xraw)
        if m["quantized"]:
            from nncodegen.ir.formats import format_from_json
            fin = format_from_json(m["input"]["format"])
            x = fin.dequantize(xraw).reshape(len(xraw), *m["input"]["shape"][1:])
            assert np.array_equal(np.asarray(nncodegen.simulate(gc, x, raw=True)).reshape(y.shape), y), scheme
