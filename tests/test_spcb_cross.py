"""The sparse + codebook kernels on ARM targets under qemu (marker "cross"): the trained, pruned and shared
LeNet-5 of examples/deep_compression in q7 under --compress auto (conv2d and dense, int16 biases), a pruned
and shared examples/mnist_cnn copy forced to sparse_codebook in q7, q15, affine int8 and float32, and a
fully connected model.  On aarch64 Linux (NEON build) and bare-metal Cortex-M4 (DSP build) the raw outputs
must equal the host build, the simulator (the twins) and the host build with dense weights, bit for bit
(float32: the host build bit for bit, the simulator and the dense build within 1e-5).  The LeNet-5 and
LeNet-300-100 q7 builds under --compress huffman (streams Huffman-coded, decoded in row blocks by
huffman_decode_block_u8, or whole by huffman_decode_u8 for a layer of one block) too, and with small block
budgets (many blocks, conv2d layers in channel blocks: the mnist_cnn copy in q7, int8 and float32).
"""
from __future__ import annotations

import gzip

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.compress import huffman_store as hs

from test_compress_cross import TARGETS, Case, cross, mlp
from test_compress_models import pruned, shared
from test_cross import need


def skewed_cnn(path, rng):
    """Conv 5x5 1 -> 24 (Relu), grouped conv 3x3 24 -> 96 (2 groups, Relu), Gemm -> 10 on a 12x12 input: 70 % of
    the weights zero, the others 12 shared values drawn with skewed frequencies (so Huffman codes them smaller)."""
    vals = np.array([-0.3, -0.2, -0.12, -0.08, -0.05, -0.03, 0.02, 0.04, 0.07, 0.1, 0.18, 0.35], np.float32)
    freq = 0.3 ** np.abs(np.arange(12) - 5.5)

    def weights(shape):
        w = rng.choice(vals, size=shape, p=freq / freq.sum()).astype(np.float32)
        w[rng.random(shape) < 0.7] = 0
        return w

    inits = [numpy_helper.from_array(weights((24, 1, 5, 5)), "w1"),
             numpy_helper.from_array(weights((96, 12, 3, 3)), "w2"),
             numpy_helper.from_array(weights((10, 96 * 6 * 6)), "w3"),
             numpy_helper.from_array(rng.uniform(-.1, .1, 24).astype(np.float32), "b1"),
             numpy_helper.from_array(np.array([1, -1], np.int64), "shape")]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[0, 0, 0, 0]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2", group=2, pads=[0, 0, 0, 0]),
             helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
             helper.make_node("Reshape", ["r2", "shape"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "w3"], ["y"], name="fc", transB=1)]
    g = helper.make_graph(nodes, "skewed_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 12, 12])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


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
    skewed_cnn(d / "cnn.onnx", rng)
    g_cnn = nncodegen.load(d / "cnn.onnx")
    x_cnn = rng.uniform(0, 1, (6, 12, 12, 1)).astype(np.float32)
    small = {"lenet300_q7_huffman_blocks": (nncodegen.quantize(g_l300, calib, "q7"), 150, x_mn),
             "cnn_q7_huffman_blocks": (nncodegen.quantize(g_cnn, x_cnn, "q7"), 100, x_cnn),
             "cnn_int8_huffman_blocks": (nncodegen.quantize(g_cnn, x_cnn, "int8"), 100, x_cnn),
             "cnn_f32_huffman_blocks": (g_cnn, 100, x_cnn)}
    cs = {k: Case(g, mode, d / k, x) for k, (g, mode, x) in out.items()}
    keep = hs.BLOCK_BYTES
    try:
        for k, (g, budget, x) in small.items():
            hs.BLOCK_BYTES = budget
            cs[k] = Case(g, "huffman", d / k, x)
    finally:
        hs.BLOCK_BYTES = keep
    for k, c in cs.items():
        kernels = (c.outdir / "m.c").read_text()
        assert "_sparse_codebook_" in kernels, k
        assert ("huffman_decode_u8(" in kernels or "huffman_decode_block_u8(" in kernels) == ("_huffman" in k), k
        if k.endswith("_blocks"):
            assert "huffman_decode_block_u8(" in kernels, k
    for k in ("cnn_q7_huffman_blocks", "cnn_int8_huffman_blocks", "cnn_f32_huffman_blocks"):
        assert "conv2d_sparse_codebook_rows_" in (cs[k].outdir / "m.c").read_text(), k
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
