"""The q7 channel-shuffle fold (nncodegen/lower/fold_shuffle.py): a channel shuffle after a grouped convolution
that runs in its one-group packed form becomes that convolution's output-channel order.  The generated C then has
no shuffle copy and gives the bits of the unfolded graph's simulation (the twins of conv2d_pk_q7 + transpose_q7);
the folded graph keeps the float meaning; Arm targets and other formats keep the shuffle."""
from __future__ import annotations

import numpy as np
import pytest

import nncodegen
from nncodegen.harness.cmodel import CModel
from nncodegen.lower.fold_shuffle import fold_channel_shuffles, shuffle_perm
from nncodegen.ref import float_ops
from nncodegen.ref.interpreter import run_float

from onnx_zoo import _Builder


def shuffle_model(g, gs, cin, cmid, seed, bias):
    """grouped 1x1 (cin -> cmid, g groups) -> Relu -> channel shuffle (gs groups, as ONNX Reshape / Transpose /
    Reshape) -> depthwise 3x3; input (1, cin, 6, 5)."""
    b = _Builder(seed)
    h, w = 6, 5
    x = b.conv("input", cin, cmid, 1, group=g, bias=bias)
    x = b.relu(x)
    x = b.node("Reshape", [x, b.const("shape", [1, gs, cmid // gs, h, w], np.int64)])
    x = b.node("Transpose", [x], perm=[0, 2, 1, 3, 4])
    x = b.node("Reshape", [x, b.const("shape", [1, cmid, h, w], np.int64)])
    b.conv(x, cmid, cmid, 3, pad=1, group=cmid, bias=True)
    b.nodes[-1].output[0] = "output"
    return b.model("shuffle", (1, cin, h, w), "output", (1, cmid, h, w))


def test_shuffle_perm_is_float_ops_channel_shuffle():
    x = np.arange(2 * 24, dtype=np.float32).reshape(2, 24)
    for gs in (2, 3, 4, 6):
        assert np.array_equal(float_ops.channel_shuffle({"groups": gs}, x), x[:, shuffle_perm(24, gs)])


@pytest.mark.parametrize("g, gs, cin, cmid, bias", [(4, 4, 16, 8, False), (2, 4, 8, 8, True), (4, 2, 8, 16, True),
                                                    (8, 4, 16, 16, True)])
def test_fold_gives_the_unfolded_bits(tmp_path, g, gs, cin, cmid, bias):
    import onnx
    p = tmp_path / "m.onnx"
    onnx.save(shuffle_model(g, gs, cin, cmid, seed=g * 100 + gs, bias=bias), p)
    gf = nncodegen.load(str(p))
    rng = np.random.default_rng(g + gs)
    calib = rng.normal(size=(32, 6, 5, cin)).astype(np.float32)
    gq = nncodegen.quantize(gf, calib, "q7")
    folded = fold_channel_shuffles(gq, "generic")
    assert [n.op for n in folded.nodes].count("channel_shuffle") == 0
    assert [n.op for n in gq.nodes].count("channel_shuffle") == 1  # the input graph is left alone
    assert fold_channel_shuffles(gq, "cortex-m4") is gq and fold_channel_shuffles(gf, "generic") is gf
    x = (rng.normal(size=(16, 6, 5, cin)) * 1.5).astype(np.float32)
    np.testing.assert_allclose(run_float(folded, x), run_float(gq, x), rtol=1e-5, atol=1e-5)
    out = nncodegen.generate(gq, tmp_path / "c", name="m")
    src = (out / "m.c").read_text()
    assert "transpose_q7(" not in src and ("conv2d_pk_q7(" in src or "conv2d_pw4_q7(" in src)
    cm = CModel(out)
    got = cm.run_raw(cm.quantize_input(x))
    want = nncodegen.simulate(gq, x, raw=True)
    assert np.array_equal(got.reshape(want.shape), want)


@pytest.mark.parametrize("g, gs, cin, cmid, bias", [(4, 4, 16, 8, False), (4, 2, 8, 16, True)])
def test_qdq_shuffle_chain_folds_with_the_unfolded_bits(tmp_path, g, gs, cin, cmid, bias):
    """An onnxruntime-quantized (QDQ) shuffle imports as Transpose / Reshape / Transpose / Reshape / Transpose in
    one int8 format: shuffles_from_chains makes it one channel_shuffle on every target, and on the generic target
    the fold puts it into the grouped convolution's output order (no copy left).  In every requantization mode
    the C output (portable build and -march=native) equals the simulation of the unfolded graph, bit for bit."""
    import onnx
    from nncodegen.frontends.onnx_qdq import set_int8_rounding
    from nncodegen.harness.int8_agreement import quantize_with_onnxruntime
    from nncodegen.lower.fold_shuffle import shuffles_from_chains
    p = tmp_path / "m.onnx"
    onnx.save(shuffle_model(g, gs, cin, cmid, seed=g * 10 + gs, bias=bias), p)
    rng = np.random.default_rng(g * gs)
    qp = quantize_with_onnxruntime(p, tmp_path / "m_qdq.onnx", rng.normal(size=(16, cin, 6, 5)).astype(np.float32),
                                   "s8")
    x = rng.normal(size=(4, 6, 5, cin)).astype(np.float32)
    for rounding in ("onnxruntime", "single", "double"):
        gq = nncodegen.load(str(qp))
        set_int8_rounding(gq, rounding)
        ops = [n.op for n in gq.nodes]
        assert ops.count("transpose") == 3 and "channel_shuffle" not in ops
        chained = shuffles_from_chains(gq)
        assert [n.op for n in chained.nodes].count("channel_shuffle") == 1
        assert "transpose" not in [n.op for n in chained.nodes]
        on_arm = fold_channel_shuffles(gq, "cortex-m4")
        assert [n.op for n in on_arm.nodes] == [n.op for n in chained.nodes]
        folded = fold_channel_shuffles(gq, "generic")
        assert not {"channel_shuffle", "transpose"} & {n.op for n in folded.nodes}
        np.testing.assert_allclose(run_float(folded, x), run_float(gq, x), rtol=1e-5, atol=1e-5)
        out = nncodegen.generate(gq, tmp_path / f"c_{rounding}", name="m")
        src = (out / "m.c").read_text()
        assert "transpose_q7(" not in src and "conv2d_pk_s8(" in src
        want = nncodegen.simulate(gq, x, raw=True)
        for flags in ([], ["-march=native"]):  # the default build, and this host's SIMD paths
            cm = CModel(out, extra_flags=flags)
            got = cm.run_raw(cm.quantize_input(x))
            assert np.array_equal(got.reshape(want.shape), want), (rounding, flags)
