"""Compressed-weight kernels on ARM targets under qemu (marker "cross"; under a minute on two cores):
sparse (the sliced fully connected layout, full slices and the partial last slice; the delta layout of
convolutions), codebook and hashed layers, in q7, affine int8 and float32, on aarch64 Linux (NEON build)
and bare-metal Cortex-M4 (DSP build).  The target's raw outputs must equal the host build, the
simulator (the twins), and the host build of the same model with dense weights, bit for bit (float32:
the host builds bit for bit, the float simulator within 1e-5).
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import nncodegen
from nncodegen.harness.cmodel import CModel
from nncodegen.harness.cross import run_on_target
from nncodegen.passes.compress_weights import compress_weights

from test_cross import need
from test_hashed_import import hashed_model

TARGETS = ["aarch64-linux", "cortex-m4"]
cross = pytest.mark.cross


def mlp(path, rng):
    """48 -> 40 (Relu) -> 10 with 85 % of the first layer's weights zero: 40 rows = two full slices of the
    sliced layout and a partial one; a pointwise-free conv is covered by the MNIST copy."""
    w1 = rng.uniform(-1, 1, (40, 200)).astype(np.float32)
    w1[rng.random(w1.shape) < 0.85] = 0
    w2 = rng.uniform(-1, 1, (10, 40)).astype(np.float32)
    w2[rng.random(w2.shape) < 0.7] = 0
    inits = [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(rng.uniform(-.1, .1, 40).astype(np.float32),
                                                                        "b1"), numpy_helper.from_array(w2, "w2")]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
             helper.make_node("Relu", ["h"], ["r"], name="relu"),
             helper.make_node("Gemm", ["r", "w2"], ["y"], name="fc2", transB=1)]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 200])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


class Case:
    def __init__(self, graph, mode, outdir, x):
        gc = compress_weights(graph, mode)
        kinds = {gc.tensors[n.inputs[1]].meta.get("storage", {}).get("kind") for n in gc.nodes
                 if n.op in ("conv2d", "dense")}
        assert kinds - {None}, "nothing compressed"
        self.outdir = nncodegen.generate(gc, outdir / "c", name="m")
        cm = CModel(self.outdir)
        self.quantized = cm.quantized
        self.xq = cm.quantize_input(x)
        self.host = cm.run_raw(self.xq)
        self.sim = nncodegen.simulate(gc, x, raw=True).reshape(self.host.shape)
        dense = CModel(nncodegen.generate(compress_weights(graph, "none"), outdir / "d", name="m"))
        self.dense = dense.run_raw(self.xq)

    def check_target(self, y, what, float_scale=None):
        """The target's raw outputs ``y`` against the host build (bit for bit), the simulator and the host build
        with dense weights: bit for bit when quantized; float32 within 1e-5 times max(1, the largest magnitude
        of float_scale, or else of the reference): the dense build of a generic target takes the packed kernels
        (dense_pk_f32), which sum in another documented order, so it agrees to float rounding only."""
        assert y.shape == self.host.shape and y.dtype == self.host.dtype, what
        bad = np.argwhere(y != self.host)
        assert not len(bad), f"{what}: differs from the host build at {tuple(bad[0])}"
        for ref_name, ref in (("simulator", self.sim), ("dense host build", self.dense)):
            if self.quantized:
                assert np.array_equal(y, ref), f"{what}: differs from the {ref_name}"
            else:
                scale = max(1.0, float(np.abs(ref if float_scale is None else float_scale).max()))
                np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale, err_msg=f"{what}: {ref_name}")


@pytest.fixture(scope="module")
def cases(tmp_path_factory, examples_dir):
    rng = np.random.default_rng(3)
    d = tmp_path_factory.mktemp("compress_cross")
    mlp(d / "mlp.onnx", rng)
    hashed_model(d / "hashed.onnx")
    g_mlp = nncodegen.load(d / "mlp.onnx")
    g_h = nncodegen.load(d / "hashed.onnx")
    x_mlp = rng.uniform(-1, 1, (16, 200)).astype(np.float32)
    x_h = rng.uniform(-1, 1, (16, 24)).astype(np.float32)
    mn = examples_dir / "mnist_cnn"
    g_mn = nncodegen.load(mn / "mnist_cnn.onnx")
    for t in [g_mn.tensors[n.inputs[1]] for n in g_mn.nodes if n.op in ("conv2d", "dense")]:
        t.data = np.where(np.abs(t.data) > np.quantile(np.abs(t.data), 0.8), t.data, 0).astype(np.float32)
    x_mn = np.load(mn / "test_images.npy")[:8].astype(np.float32)
    calib = np.load(mn / "calib.npy")[:32]
    out = {
        "mlp_q7_sparse": (nncodegen.quantize(g_mlp, x_mlp, "q7"), "sparse", x_mlp),
        "mlp_int8_sparse": (nncodegen.quantize(g_mlp, x_mlp, "int8"), "sparse", x_mlp),
        "mlp_f32_sparse": (g_mlp, "sparse", x_mlp),
        "hashed_q7": (nncodegen.quantize(g_h, x_h, "q7"), "auto", x_h),
        "mnist_q7_sparse": (nncodegen.quantize(g_mn, calib, "q7"), "sparse", x_mn),
        "mnist_q7_codebook": (nncodegen.quantize(g_mn, calib, "q7"), "codebook", x_mn),
    }
    return {k: Case(g, mode, d / k, x) for k, (g, mode, x) in out.items()}


@cross
@pytest.mark.parametrize("target", TARGETS)
def test_compressed_models_on_target(cases, target):
    need(target)
    for name, c in cases.items():
        c.check_target(run_on_target(c.outdir, c.xq, target), f"{name} on {target}")
