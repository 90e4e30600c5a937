"""The sparse + codebook kernels on ARM targets under qemu (marker "cross"): the trained, pruned and shared
LeNet-5 of examples/deep_compression in q7 under --compress auto (conv2d and dense, int16 biases), a pruned
and shared examples/mnist_cnn copy forced to sparse_codebook in q7, q15, affine int8 and float32, and a
fully connected model.  On aarch64 Linux (NEON build) and bare-metal Cortex-M4 (DSP build) the raw outputs
must equal the host build, the simulator (the twins) and the host build with dense weights, bit for bit
(float32: the host build bit for bit, the simulator and the dense build within 1e-5).  The LeNet-5 and
LeNet-300-100 q7 builds under --compress huffman (streams Huffman-coded, decoded by huffman_decode_u8) too.
"""
from __future__ import annotations

import gzip

import numpy as np
import pytest

import nncodegen

from test_compress_cross import TARGETS, Case, cross, mlp
from test_compress_models import pruned, shared
from test_cross import need


@pytest.fixture(scope="module")
def cases(tmp_path_factory, examples_dir):
    rng = np.random.default_rng(5)
    d = tmp_path_factory.mktemp("spcb_cross")
    mn = examples_dir / "mnist_cnn"
    calib = np.load(mn / "calib.npy")[:32]
    x_mn = np.load(mn / "test_images.npy")[:6].astype(np.float32)
    (d / "lenet5.onnx").write_bytes(gzip.decompress(
        (examples_dir / "deep_compression" / "lenet5_pruned_shared.onnx.gz").read_bytes()))
    g_l5 = nncodegen.load(d / "lenet5.onnx")
    g_l5.meta["compress"] = "auto"
    (d / "lenet300.onnx").write_bytes(gzip.decompress(
        (examples_dir / "deep_compression" / "lenet300_pruned_shared.onnx.gz").read_bytes()))
    g_l300 = nncodegen.load(d / "lenet300.onnx")
    g_l300.meta["compress"] = "auto"
    g_mn = pruned(shared(nncodegen.load(mn / "mnist_cnn.onnx")), 0.7)
    g_mn.meta["compress"] = "sparse_codebook"
    mlp(d / "mlp.onnx", rng)
    g_mlp = shared(nncodegen.load(d / "mlp.onnx"), 8)
    g_mlp.meta["compress"] = "sparse_codebook"
    x_mlp = rng.uniform(-1, 1, (8, 200)).astype(np.float32)
    out = {
        "lenet5_q7_auto": (nncodegen.quantize(g_l5, calib, "q7"), "auto", x_mn),
        "lenet5_q7_huffman": (nncodegen.quantize(g_l5, calib, "q7"), "huffman", x_mn),
        "lenet300_q7_huffman": (nncodegen.quantize(g_l300, calib, "q7"), "huffman", x_mn),
        "mnist_q7": (nncodegen.quantize(g_mn, calib, "q7"), "sparse_codebook", x_mn),
        "mnist_q15": (nncodegen.quantize(g_mn, calib, "q15"), "sparse_codebook", x_mn),
        "mnist_int8": (nncodegen.quantize(g_mn, calib, "int8"), "sparse_codebook", x_mn),
        "mnist_f32": (g_mn, "sparse_codebook", x_mn),
        "mlp_q7": (nncodegen.quantize(g_mlp, x_mlp, "q7"), "sparse_codebook", x_mlp),
    }
    cs = {k: Case(g, mode, d / k, x) for k, (g, mode, x) in out.items()}
    for k, c in cs.items():
        kernels = (c.outdir / "m.c").read_text()
        assert "_sparse_codebook_" in kernels, k
        assert ("huffman_decode_u8(" in kernels) == k.endswith("_huffman"), k
    return cs


@cross
@pytest.mark.parametrize("target", TARGETS)
def test_sparse_codebook_models_on_target(cases, target):
    from nncodegen.harness.cross import run_on_target
    need(target)
    for name, c in cases.items():
        c.check_target(run_on_target(c.outdir, c.xq, target), f"{name} on {target}", float_scale=c.sim)


@cross
@pytest.mark.parametrize("case", ["lenet5_q7_auto", "lenet5_q7_huffman", "lenet300_q7_huffman"])
def test_flash_is_the_reported_weight_bytes(cases, tmp_path, case):
    """report.json's weight_bytes (codebook, count and entries streams or their Huffman tables and codes, int16
    biases) is what the const arrays take in the Cortex-M4 image."""
    import json
    from test_cross import nnc
    need("cortex-m4")
    c = cases[case]
    r = nnc("report", c.outdir, "--target", "cortex-m4", "--json", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path / "r.json").read_text())
    assert rep["target_size"]["model"]["weights"] == rep["weight_bytes"]
