"""The packed float32 kernels (templates_c/kernels/conv2d_pk_f32.c): every host build (portable, SSE2, SSE4.1,
AVX2, -O3 -march=native with AVX-512) gives the portable build's bits, and all agree with the twin
(float64, rounded once) within float tolerance; the packing round-trips; lowering picks them for
one-group float layers on the generic target only."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nncodegen.lower.params import ActF32, ConvGeom
from nncodegen.ref import kernels_pk_f32 as kpkf

from test_kernels_pk_s8 import draw_dense_geom, draw_geom
from test_kernels_simd import CFG, host_variants, simd_lib


def call(variant, name, geom, act, x, wpk, bias, out_shape):
    return simd_lib("kernels_pk_f32", variant, ("conv2d_pk_f32",)).run_into(name, [geom, act, x, wpk, bias],
                                                                             np.full(out_shape, np.nan, np.float32))


def draw_act(data):
    return data.draw(st.sampled_from([None, ActF32(), ActF32(0.0, 6.0, 1.0), ActF32(-2.0, 3.0, 0.1)]), label="act")


def check_conv_every_build(data, g, groups):
    """A random float layer of geometry ``g`` (``groups`` groups) through conv2d_pk_f32: every host build gives
    the portable build's bits and the twin's values."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.normal(size=(g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
    w = rng.normal(size=(g.out_c, g.k_h, g.k_w, g.in_c // groups)).astype(np.float32)
    bias = rng.normal(size=g.out_c).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    wpk = kpkf.pack_pk_f32_groups(w, groups)
    want = kpkf.conv2d_pk_f32(g, act, x, wpk, bias)
    shape = (g.batch, g.out_h, g.out_w, g.out_c)
    ref = None
    for variant in host_variants():
        got = call(variant, "conv2d_pk_f32", g, act, x, wpk, bias, shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * (1 + np.abs(x).max() * np.abs(w).sum() / g.out_c))
        if ref is None:
            ref = got
        assert got.tobytes() == ref.tobytes(), f"{variant} differs from the portable build: {g}"


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv2d_pk_f32_same_bits_in_every_build(data):
    g = draw_geom(data)
    groups = data.draw(st.sampled_from([1, 1, 2, 3, 4]), label="groups")
    g = dataclasses.replace(g, in_c=g.in_c * groups, out_c=g.out_c * groups, groups=groups)
    assume(g.k_h * g.k_w * g.in_c // groups <= kpkf.PKF_K)
    check_conv_every_build(data, g, groups)


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv2d_pk_f32_small_channel_1x1_same_bits(data):
    """The AVX-512 small-channel 1x1 path (stride 1, no padding, in_c <= 32, out_c <= 16, several pixels or
    all groups in one vector, tails of fewer pixels): every build gives the portable build's bits and the twin's
    values; the draws also cross the path's limits (in_c 33, out_c 17, one pixel a vector)."""
    groups = data.draw(st.sampled_from([1, 1, 2, 3, 4, 8]), label="groups")
    cin_g = data.draw(st.integers(1, 34 // groups), label="cin_g")
    cout_g = data.draw(st.integers(1, 18 // groups), label="cout_g")
    batch, h, w_ = (data.draw(st.integers(1, n), label=f"d{n}") for n in (2, 5, 7))
    g = ConvGeom(batch, h, w_, cin_g * groups, h, w_, cout_g * groups, 1, 1, 1, 1, 0, 0, 1, 1, groups)
    check_conv_every_build(data, g, groups)


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv2d_pk_f32_pixel_lanes_same_bits(data):
    """The AVX-512 pixel-lane path (one group, no dilation, k_h k_w > 1, out_c <= 12: 16 output pixels of a row in
    the lanes, a row's last 8 or fewer in 256-bit vectors, input rows copied into a ring of planar rows, zeros at
    the padding, stride_w phases), rows wider than a vector with partial last blocks, strides 1 to 3, top / left
    padding up to the kernel's: every build gives the portable build's bits and the twin's values; the draws also
    cross the path's limits (out_c 13, 1 x k and k x 1 kernels)."""
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    k_h, k_w = ints(1, 5, "k_h"), ints(1, 5, "k_w")
    assume(k_h * k_w > 1)
    s_h, s_w = ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
    p_t, p_l = ints(0, k_h - 1, "pad_top"), ints(0, k_w - 1, "pad_left")
    in_h, in_w, in_c = ints(1, 9, "in_h"), ints(1, 40, "in_w"), ints(1, 8, "in_c")
    out_h = (in_h + 2 * p_t - k_h) // s_h + 1
    out_w = (in_w + 2 * p_l - k_w) // s_w + 1
    assume(out_h >= 1 and out_w >= 1)
    g = ConvGeom(ints(1, 2, "batch"), in_h, in_w, in_c, out_h, out_w, ints(1, 13, "out_c"), k_h, k_w, s_h, s_w,
                 p_t, p_l, 1, 1, 1)
    check_conv_every_build(data, g, 1)


@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_dense_pk_f32_same_bits_in_every_build(data):
    g = draw_dense_geom(data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.normal(size=(g.batch, g.in_features)).astype(np.float32)
    w = rng.normal(size=(g.out_features, g.in_features)).astype(np.float32)
    bias = rng.normal(size=g.out_features).astype(np.float32)
    act = draw_act(data)
    wpk = kpkf.pack_pk_f32(w)
    want = kpkf.dense_pk_f32(g, act, x, wpk, bias)
    ref = None
    for variant in host_variants():
        got = call(variant, "dense_pk_f32", g, act, x, wpk, bias, (g.batch, g.out_features))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.sqrt(g.in_features))
        if ref is None:
            ref = got
        assert got.tobytes() == ref.tobytes(), f"{variant} differs from the portable build: {g}"


@pytest.mark.parametrize("act", [None, ActF32(), ActF32(0.0, 6.0, 1.0), ActF32(-2.0, 3.0, 0.1)])
@pytest.mark.parametrize("geom", [
    ConvGeom(1, 7, 9, 24, 7, 9, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1),    # 1x1 read in place, 3 channel blocks
    ConvGeom(2, 6, 5, 8, 6, 5, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1),     # 3x3 rows in place inside, gathered at the border
    ConvGeom(1, 9, 8, 6, 4, 3, 18, 3, 3, 2, 2, 1, 0, 1, 2, 3),     # groups 3, horizontal dilation: one run per tap
    ConvGeom(1, 5, 5, 16, 5, 5, 8, 1, 1, 1, 1, 0, 0, 1, 1, 4),     # grouped 1x1 (ShuffleNet): the lanes path
    ConvGeom(2, 3, 5, 6, 3, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1),      # lanes path, 4 pixels a vector, a 2-pixel tail
    ConvGeom(1, 4, 3, 20, 4, 3, 12, 1, 1, 1, 1, 0, 0, 1, 1, 4),    # lanes path, two input vectors, groups 4
    ConvGeom(1, 4, 19, 3, 4, 19, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1),    # pixel lanes: 16 + 3 pixels a row, padding
    ConvGeom(2, 5, 11, 2, 3, 6, 8, 3, 2, 2, 2, 1, 1, 1, 1, 1),     # pixel lanes, stride 2 (two phases)
    ConvGeom(1, 26, 26, 4, 24, 24, 12, 3, 3, 1, 1, 0, 0, 1, 1, 1),  # blocks of 8 pixels inside the input (out_c 12)
    ConvGeom(1, 9, 40, 3, 4, 19, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1),   # blocks inside the input, stride 2
    ConvGeom(1, 8, 34, 8, 4, 17, 16, 1, 1, 2, 2, 0, 0, 1, 1, 1),   # 1x1 stride 2 (residual's shortcut)
])
def test_conv2d_pk_f32_layers_special_values(geom, act):
    """Fixed layers through every path of the AVX-512 whole-layer loop, with -0.0, infinities and NaN among the
    inputs and sums that are exactly zero: every build gives the portable build's bits, NaN at the same places
    (the vector bias and activation keep NaN and signed zeros as the scalar comparisons do)."""
    from nncodegen.ir.ops import conv_out_size
    g = geom
    assert conv_out_size(g.in_h, g.k_h, g.stride_h, g.pad_top, g.pad_top, g.dil_h) >= g.out_h
    rng = np.random.default_rng(g.out_c)
    x = rng.normal(size=(g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
    x.reshape(-1)[rng.choice(x.size, 6, replace=False)] = [-0.0, 0.0, np.inf, -np.inf, np.nan, -0.0]
    x[0, 1] = 0.0  # a row of zeros: sums of signed zeros
    w = rng.normal(size=(g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(np.float32)
    w[0] = -0.0
    wpk = kpkf.pack_pk_f32_groups(w, g.groups)
    shape = (g.batch, g.out_h, g.out_w, g.out_c)
    for bias in (None, rng.normal(size=g.out_c).astype(np.float32)):
        ref = call("portable", "conv2d_pk_f32", g, act, x, wpk, bias, shape)
        for variant in host_variants():
            got = call(variant, "conv2d_pk_f32", g, act, x, wpk, bias, shape)
            # NaN where the portable build has NaN (its sign and payload depend on the instruction that made it),
            # every other value with the same bits, signed zeros included
            assert np.array_equal(np.isnan(got), np.isnan(ref)), f"{variant}: NaN elsewhere: {g} {act}"
            keep = ~np.isnan(ref)
            assert got[keep].tobytes() == ref[keep].tobytes(), f"{variant} differs from the portable build: {g} {act}"


def test_packing_round_trip():
    w = np.arange(20 * 27, dtype=np.float32).reshape(20, 3, 3, 3)
    pk = kpkf.pack_pk_f32(w)
    assert pk.shape == (2 * 27 * 16,)
    assert pk[(1 * 27 + 5) * 16 + 2] == w.reshape(20, 27)[18, 5] and pk[(1 * 27 + 5) * 16 + 9] == 0
    assert np.array_equal(kpkf.unpack_pk_f32(pk, 20, 27), w.reshape(20, 27))


def test_lowering_picks_packed_float_kernels_on_generic_only():
    from pathlib import Path
    import nncodegen
    from nncodegen.lower.lower import lower
    ex = Path(__file__).resolve().parent.parent / "examples" / "mnist_cnn" / "mnist_cnn.onnx"
    g = nncodegen.load(str(ex))
    kernels = [c.kernel for c in lower(g).calls]
    assert any("pk_f32" in k for k in kernels) and "dense_pk_f32" in kernels
    assert not any("pk_f32" in k for k in (c.kernel for c in lower(g, "cortex-a53").calls))


@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_concat_part_f32_same_bits_in_every_build(data):
    """concat_part_f32 (AVX-512: rows in 16-float vectors, the last under a mask) copies every row of the input
    into its slice of the output with the input's bits (NaN payloads and -0.0 included), in every build, and
    leaves the rest of the output alone; the twin gives the same array."""
    from nncodegen.lower.params import Rescale
    from nncodegen.ref import kernels_f32 as kf
    outer, inner = data.draw(st.integers(1, 9), label="outer"), data.draw(st.integers(1, 40), label="inner")
    before, after = data.draw(st.integers(0, 20), label="before"), data.draw(st.integers(0, 20), label="after")
    p = Rescale(outer, inner, before + inner + after, before)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    bits = rng.integers(0, 2**32, size=(outer, inner), dtype=np.uint64).astype(np.uint32)
    bits.reshape(-1)[: min(bits.size, 3)] = np.array([0x80000000, 0x7FC01234, 0xFF800000], np.uint32)[: min(bits.size, 3)]
    x = bits.view(np.float32)
    fill = np.full((outer, p.out_inner), 0x7F812345, np.uint32)
    want = fill.copy()
    want[:, before:before + inner] = bits
    twin = kf.concat_part_f32(p, x, fill.copy().view(np.float32))
    assert np.asarray(twin).view(np.uint32).tobytes() == want.tobytes()
    for variant in host_variants():
        lib = simd_lib("concat_f32", variant, ("concat_f32",))
        got = lib.run_into("concat_part_f32", [p, x], fill.copy().view(np.float32))
        assert got.view(np.uint32).tobytes() == want.tobytes(), f"{variant}: {p}"


def _special(rng, x):
    """x with -0.0, +-inf and NaN at random places."""
    k = min(x.size, 8)
    x.reshape(-1)[rng.choice(x.size, k, replace=False)] = \
        np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, -0.0, np.nan, 0.0], np.float32)[:k]
    return x


def _same_bits(got, ref, what):
    assert np.array_equal(np.isnan(got), np.isnan(ref)), f"{what}: NaN elsewhere"
    keep = ~np.isnan(ref)
    assert got[keep].tobytes() == ref[keep].tobytes(), f"{what}: differs from the portable build"


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_maxpool_f32_same_bits_in_every_build(data):
    """maxpool_f32's AVX-512 paths (16 channels a vector with a masked tail, the taps in the order ky, kx; the
    2x2 stride-2 one and the general one, padding and clipped windows included), with -0.0, infinities and NaN
    among the inputs: every build gives the portable build's bits, which are the twin's without NaN."""
    from nncodegen.ref import kernels_f32 as kf
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    if data.draw(st.booleans(), label="2x2 stride 2"):
        k_h = k_w = s_h = s_w = 2
        p_t = p_l = 0
    else:
        k_h, k_w, s_h, s_w = ints(1, 3, "k_h"), ints(1, 3, "k_w"), ints(1, 3, "stride_h"), ints(1, 3, "stride_w")
        p_t, p_l = ints(0, k_h - 1, "pad_top"), ints(0, k_w - 1, "pad_left")
    in_h, in_w, ch = ints(1, 9, "in_h"), ints(1, 9, "in_w"), ints(1, 40, "channels")
    out_h, out_w = (in_h + 2 * p_t - k_h) // s_h + 1, (in_w + 2 * p_l - k_w) // s_w + 1
    assume(out_h >= 1 and out_w >= 1)
    g = ConvGeom(ints(1, 2, "batch"), in_h, in_w, ch, out_h, out_w, ch, k_h, k_w, s_h, s_w, p_t, p_l, 1, 1, 1)
    rng = np.random.default_rng(ints(0, 2**32 - 1, "seed"))
    x = rng.normal(size=(g.batch, in_h, in_w, ch)).astype(np.float32)
    special = data.draw(st.booleans(), label="special")
    if special:
        x = _special(rng, x)
    shape = (g.batch, out_h, out_w, ch)
    run = lambda v: simd_lib("kernels_eltpool_f32", v, ("eltwise_f32", "pool_f32")).run_into(  # noqa: E731
        "maxpool_f32", [g, x], np.full(shape, 7.0, np.float32))
    ref = run("portable")
    if not special:  # (the twin's np.max passes NaN on; the C's comparisons skip it, as onnxruntime's MaxPool)
        _same_bits(ref, kf.maxpool_f32(g, x).reshape(shape), f"twin {g}")
    for variant in host_variants():
        _same_bits(run(variant), ref, f"maxpool_f32 [{variant}] {g}")


@pytest.mark.parametrize("name", ["add_f32", "sub_f32", "mul_f32", "maximum_f32", "minimum_f32"])
@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_eltwise_f32_same_bits_in_every_build(name, data):
    """add / sub / mul / maximum / minimum_f32's AVX-512 path for dense operands (16 elements a vector, a masked
    tail, the activation on the vectors) and the strided loop for broadcasts, special values among the inputs:
    every build gives the portable build's bits and the twin's values (maximum / minimum: the twin's bits, -0.0
    against +0.0 and NaN operands included: TFLite's std::max / std::min)."""
    from helpers import broadcast_strides
    from nncodegen.lower.params import Broadcast
    from nncodegen.ref import kernels_f32 as kf
    out = tuple(data.draw(st.integers(1, 9), label=f"d{i}") for i in range(4))
    ashp = out if data.draw(st.booleans(), label="a dense") else tuple(d if data.draw(st.booleans()) else 1 for d in out)
    bshp = out if data.draw(st.booleans(), label="b dense") else tuple(d if data.draw(st.booleans()) else 1 for d in out)
    out = tuple(np.broadcast_shapes(ashp, bshp))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    a, b = rng.normal(size=ashp).astype(np.float32), rng.normal(size=bshp).astype(np.float32)
    if data.draw(st.booleans(), label="special"):
        a = _special(rng, a)
    act = draw_act(data)
    bc = Broadcast(out, broadcast_strides(ashp, out), broadcast_strides(bshp, out))
    run = lambda v: simd_lib("kernels_eltpool_f32", v, ("eltwise_f32", "pool_f32")).run_into(  # noqa: E731
        name, [bc, act, a, b], np.full(out, 7.0, np.float32))
    ref = run("portable")
    want = getattr(kf, name)(bc, act, a, b).reshape(out)
    fin = np.isfinite(want)
    np.testing.assert_allclose(ref[fin], want[fin], rtol=1e-6, atol=1e-6)
    if name in ("maximum_f32", "minimum_f32") and act is None:
        r = rng.random(bshp)  # zeros of either sign and NaN in b too (a has them when "special")
        b[...] = np.where(r < 0.1, np.float32(-0.0), np.where(r < 0.2, np.float32(0.0), np.where(r < 0.25, np.nan, b)))
        want = getattr(kf, name)(bc, act, a, b).reshape(out)
        ref = run("portable")
        _same_bits(ref, want, f"{name} portable vs twin {ashp} {bshp}")
    for variant in host_variants():
        _same_bits(run(variant), ref, f"{name} [{variant}] {ashp} {bshp}")


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_global_avgpool_f32_same_bits_in_every_build(data):
    """global_avgpool_f32's AVX-512 path (16 channels a vector, a masked tail; each lane sums its channel from 0.0f
    in pixel order, then divides), special values among the inputs: every build gives the portable build's bits
    and the twin's values."""
    from nncodegen.ref import kernels_f32 as kf
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    batch, h, w_, ch = ints(1, 3, "batch"), ints(1, 24, "h"), ints(1, 24, "w"), ints(1, 40, "channels")
    g = ConvGeom(batch, h, w_, ch, 1, 1, ch, h, w_, 1, 1, 0, 0, 1, 1, 1)
    rng = np.random.default_rng(ints(0, 2**32 - 1, "seed"))
    x = (rng.normal(size=(batch, h, w_, ch)) * 4.0 + 1.0).astype(np.float32)
    if data.draw(st.booleans(), label="special"):
        x = _special(rng, x)
    run = lambda v: simd_lib("kernels_eltpool_f32", v, ("eltwise_f32", "pool_f32")).run_into(  # noqa: E731
        "global_avgpool_f32", [g, x], np.full((batch, ch), 7.0, np.float32))
    ref = run("portable")
    with np.errstate(invalid="ignore"):  # inf + -inf among the special values: NaN, as the C gives
        want = kf.global_avgpool_f32(g, x).reshape(batch, ch)
    fin = np.isfinite(want)
    np.testing.assert_allclose(ref[fin], want[fin], rtol=1e-5, atol=1e-5 * float(np.abs(x[np.isfinite(x)]).max()))
    for variant in host_variants():
        _same_bits(run(variant), ref, f"global_avgpool_f32 [{variant}] {g}")
