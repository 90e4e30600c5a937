"""The packed affine int8 kernels (templates_c/kernels/conv2d_pk_s8.c: weights interleaved at generation time
for 4-byte dot products, activations offset to uint8) against their twins (nncodegen/ref/kernels_pk_s8.py) and
against conv2d_s8 / dense_s8's twins on the same layer, in every build the host runs: portable, SSE2, SSE4.1,
AVX2 (PMADDWD on widened groups) and -O3 -march=native (VPDPBUSD where the CPU has AVX512-VNNI).
Also: the packing round-trips, and the lowering picks the packed kernels for one-group layers on the generic
target and keeps conv2d_s8 on ARM targets."""
from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from nncodegen.lower.params import ConvGeom, DenseGeom
from nncodegen.ir.ops import conv_out_size
from nncodegen.ref import kernels_pk_s8 as kpk
from nncodegen.ref import kernels_s8 as ks

import test_kernels_s8 as ts8
import test_kernels_q as tq
from helpers import assert_same
from test_kernels_simd import CFG, VARIANTS, need, simd_lib


def call(variant, name, params, arrays, out_shape):
    return simd_lib("kernels_pk_s8", variant, ("conv2d_pk_s8",)).run_into(name, [*params, *arrays],
                                                                           tq.garbage(out_shape, np.int8))


def draw_geom(data):
    k = data.draw(st.sampled_from([(1, 1), (3, 3), (1, 3), (5, 5), (2, 2)]), label="k")
    s = data.draw(st.sampled_from([1, 2]), label="stride")
    dil = data.draw(st.sampled_from([(1, 1), (1, 1), (2, 1), (1, 2)]), label="dil")
    pad = data.draw(st.integers(0, 2), label="pad")
    cin = data.draw(st.sampled_from([1, 2, 3, 4, 5, 8, 16, 17, 33]), label="cin")
    cout = data.draw(st.sampled_from([1, 3, 8, 15, 16, 17, 32, 40]), label="cout")
    h, w = data.draw(st.integers(1, 9), label="h"), data.draw(st.integers(1, 9), label="w")
    batch = data.draw(st.integers(1, 2), label="batch")
    oh = conv_out_size(h, k[0], s, pad, pad, dil[0])
    ow = conv_out_size(w, k[1], s, pad, pad, dil[1])
    if oh < 1 or ow < 1:
        oh, ow, pad = 1, 1, 0
        h, w = max(h, (k[0] - 1) * dil[0] + 1), max(w, (k[1] - 1) * dil[1] + 1)
    return ConvGeom(batch, h, w, cin, oh, ow, cout, k[0], k[1], s, s, pad, pad, dil[0], dil[1], 1)


def draw_grouped_geom(data):
    """A draw_geom layer made grouped (2, 3, 4 or 8 groups of 1 to 4 input and output channels); returns the
    geometry and the input channels of a group."""
    g1 = draw_geom(data)
    groups = data.draw(st.sampled_from([2, 3, 4, 8]), label="groups")
    cin_g = data.draw(st.integers(1, 4), label="cin_g")
    cout_g = data.draw(st.integers(1, 4), label="cout_g")
    return dataclasses.replace(g1, in_c=groups * cin_g, out_c=groups * cout_g, groups=groups), cin_g


def draw_dense_geom(data):
    return DenseGeom(data.draw(st.integers(1, 6), label="batch"), data.draw(st.integers(1, 300), label="in"),
                     data.draw(st.integers(1, 40), label="out"))


def check_packed(call, variant, kernel, twin, g, rq, x, wpk, bu, want):
    """The packed kernel's twin and its C build ``variant`` (run by ``call``) on the packed weights ``wpk`` and
    folded bias ``bu`` equal ``want``, the unpacked kernel's twin output."""
    assert_same(twin(g, rq, x, wpk, bu), want, f"twin {g}")
    assert_same(call(variant, kernel, [g, rq], [x, wpk, bu], want.shape), want, f"{kernel} [{variant}] {g} {rq}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=50, **CFG)
@given(data=st.data())
def test_conv2d_pk_s8_equals_conv2d_s8(variant, data):
    need(variant)
    g = draw_geom(data)
    event(f"k {g.k_h}x{g.k_w}, stride {g.stride_h}")
    check_conv_pk(variant, data, g)


def check_conv_pk(variant, data, g):
    """conv2d_pk_s8 (build ``variant``) and its twin on drawn inputs, weights, requantization and bias of the
    layer g equal conv2d_s8's twin."""
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    w = ts8.draw_s8(data, (g.out_c, g.k_h, g.k_w, g.in_c), "w")
    rq = ts8.draw_requant(data, g.out_c, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, g.out_c)
    want = ks.conv2d_s8(g, rq, x, w, b)
    check_packed(call, variant, "conv2d_pk_s8", kpk.conv2d_pk_s8, g, rq, x, kpk.pack_pk_s8(w),
                 kpk.pk_bias_s8(w, b, rq.input_offset), want)


def draw_small_field_geom(data):
    """A layer whose receptive field k_h * k_w * in_c is at most 64 bytes (the AVX-512 register-field paths:
    zero-padded image copy and row permute when k_h <= 4 and k_w * in_c <= 16, masked row loads otherwise),
    on images large enough to hold inside and border windows."""
    kh, kw = data.draw(st.integers(1, 5), label="k_h"), data.draw(st.integers(1, 5), label="k_w")
    cin = data.draw(st.integers(1, max(1, min(8, 64 // (kh * kw)))), label="cin")
    s = data.draw(st.sampled_from([(1, 1), (2, 2), (1, 2), (3, 1)]), label="stride")
    dil = data.draw(st.sampled_from([(1, 1), (1, 1), (2, 1), (1, 2)]), label="dil")
    pad = data.draw(st.integers(0, 2), label="pad")
    cout = data.draw(st.sampled_from([1, 2, 4, 8, 16, 24]), label="cout")
    h, w = data.draw(st.integers(1, 20), label="h"), data.draw(st.integers(1, 20), label="w")
    h, w = max(h, (kh - 1) * dil[0] + 1), max(w, (kw - 1) * dil[1] + 1)
    oh = conv_out_size(h, kh, s[0], pad, pad, dil[0])
    ow = conv_out_size(w, kw, s[1], pad, pad, dil[1])
    return ConvGeom(data.draw(st.integers(1, 2), label="batch"), h, w, cin, oh, ow, cout, kh, kw, s[0], s[1],
                    pad, pad, dil[0], dil[1], 1)


@pytest.mark.parametrize("variant", ["portable", "native"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_pk_s8_small_fields(variant, data):
    need(variant)
    g = draw_small_field_geom(data)
    event(f"k {g.k_h}x{g.k_w}x{g.in_c}, dil {g.dil_h}x{g.dil_w}")
    check_conv_pk(variant, data, g)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_dense_pk_s8_equals_dense_s8(variant, data):
    need(variant)
    g = draw_dense_geom(data)
    x = ts8.draw_s8(data, (g.batch, g.in_features), "x")
    w = ts8.draw_s8(data, (g.out_features, g.in_features), "w")
    rq = ts8.draw_requant(data, g.out_features, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, g.out_features)
    want = ks.dense_s8(g, rq, x, w, b)
    check_packed(call, variant, "dense_pk_s8", kpk.dense_pk_s8, g, rq, x, kpk.pack_pk_s8(w),
                 kpk.pk_bias_s8(w, b, rq.input_offset), want)


def test_packing_layout_and_round_trip():
    rng = np.random.default_rng(0)
    w = rng.integers(-128, 128, size=(20, 3, 3, 3)).astype(np.int8)
    pk = kpk.pack_pk_s8(w)
    assert pk.shape == (2 * 28 // 4 * 64,)  # 2 blocks of 16 channels, K = 27 -> 28
    flat = w.reshape(20, 27).astype(np.int64)
    assert pk[0 * 64 + 5 * 4 + 2] == flat[5, 2]          # block 0, k4 0, channel 5, k 2
    assert pk[(1 * 7 + 3) * 64 + 2 * 4 + 1] == flat[18, 13]  # block 1, k4 3, channel 16 + 2, k 13
    assert pk[6 * 64 + 0 * 4 + 3] == 0                   # k 27: padding
    assert np.array_equal(kpk.unpack_pk_s8(pk, 20, 27), flat)
    bu = kpk.pk_bias_s8(w, np.arange(20, dtype=np.int32), -5)
    assert bu.shape == (32,) and not bu[20:].any()
    assert bu[3] == 3 + (-5 - 128) * int(flat[3].sum())


def test_lowering_packs_one_group_layers_on_generic_only():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_arm
    from nncodegen.lower.lower import lower
    from nncodegen.lower.lower_s8_mac import rows_depthwise_s8
    from nncodegen.lower.program import Param
    g = bench_arm.person_detect_graph()
    calls = lower(g).calls
    kernels = [c.kernel for c in calls]
    assert "conv2d_pk_s8" in kernels or "conv2d_inplace_pk_s8" in kernels  # the first 3x3 layer, the 1x1 ones
    assert not any(k in kernels for k in ("conv2d_pw_s8", "conv2d_inplace_pw_s8", "dense_s8"))
    rows = 0
    for c in calls:  # conv2d_s8 keeps the depthwise layers only: 16-channel blocks, or 1, 2, 4, 8 channels by rows
        if "conv2d" in c.kernel and "_pk_" not in c.kernel:
            geom = next(a.value for a in c.args if isinstance(a, Param))
            assert geom.groups == geom.in_c == geom.out_c, (c.kernel, geom)
            assert geom.in_c % 16 == 0 or rows_depthwise_s8(geom), (c.kernel, geom)
            rows += geom.in_c % 16 != 0
    assert rows == 1  # depthwise_conv_2d_1: 8 channels, 48 x 48
    arm = [c.kernel for c in lower(g, "cortex-m4").calls]
    assert not any("_pk_" in k for k in arm)
    assert "conv2d_pwp_s8" in arm or "conv2d_inplace_pwp_s8" in arm


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_grouped_layers_as_block_diagonal_equal_conv2d_s8(variant, data):
    """Lowering runs narrow grouped layers (depthwise included) as their block-diagonal one-group form."""
    need(variant)
    g, cin_g = draw_grouped_geom(data)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    w = ts8.draw_s8(data, (g.out_c, g.k_h, g.k_w, cin_g), "w")
    rq = ts8.draw_requant(data, g.out_c, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, g.out_c)
    want = ks.conv2d_s8(g, rq, x, w, b)
    wd = kpk.expand_groups(w, g.groups, g.in_c)
    gd = dataclasses.replace(g, groups=1)
    wpk, bu = kpk.pack_pk_s8(wd), kpk.pk_bias_s8(wd, b, rq.input_offset)
    got = call(variant, "conv2d_pk_s8", [gd, rq], [x, wpk, bu], want.shape)
    ts8.assert_same(got, want, f"conv2d_pk_s8 block-diagonal [{variant}] {g}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_pk_s8_pointwise_match_twin(variant, data):
    """1x1 stride-1 layers around conv2d_pk_pw512's range (in_c a multiple of 4 up to 16, 16 to 64 output
    channels; some just outside it), one group or the block-diagonal form of a grouped layer, every rounding:
    the C kernel and the twin equal conv2d_s8's twin."""
    need(variant)
    cin = data.draw(st.sampled_from([4, 8, 12, 16]) | st.sampled_from([2, 3, 20]), label="cin")
    cout = data.draw(st.integers(16, 64) | st.sampled_from([8, 15, 65]), label="cout")
    h, w = data.draw(st.integers(1, 9), label="h"), data.draw(st.integers(1, 9), label="w")
    g = ConvGeom(data.draw(st.integers(1, 2), label="batch"), h, w, cin, h, w, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    groups = data.draw(st.sampled_from([d for d in (1, 2, 4, 8) if cin % d == 0 and cout % d == 0]), label="groups")
    event(f"groups {groups}, in range {cin % 4 == 0 and cin <= 16 and 16 <= cout <= 64}")
    x = ts8.draw_s8(data, (g.batch, h, w, cin), "x")
    w8 = ts8.draw_s8(data, (cout, 1, 1, cin // groups), "w")
    rq = ts8.draw_requant(data, cout, ts8.draw_zp(data, "in_zp"))
    b = ts8.draw_bias(data, cout)
    want = ks.conv2d_s8(dataclasses.replace(g, groups=groups), rq, x, w8, b)
    wd = kpk.expand_groups(w8, groups, cin)
    check_packed(call, variant, "conv2d_pk_s8", kpk.conv2d_pk_s8, g, rq, x, kpk.pack_pk_s8(wd),
                 kpk.pk_bias_s8(wd, b, rq.input_offset), want)


def test_expand_pays():
    assert kpk.expand_pays(8, 9, 8, 8)        # 8-channel depthwise: conv2d_s8 has no 16-channel block
    assert not kpk.expand_pays(32, 9, 32, 32)  # 16-channel blocks: conv2d_s8's depthwise path
    assert kpk.expand_pays(4, 1, 16, 8)
    assert not kpk.expand_pays(1, 9, 16, 16)


def test_few_channel_depthwise_keeps_conv2d_s8():
    """8-channel (and 1, 2, 4) depthwise layers with horizontal stride 1 stay on conv2d_s8, which runs them by output
    rows with AVX-512 (conv2d_dwrow512.inc), instead of the block-diagonal packed form (8x the products); other
    channel counts, horizontal stride 2 and kernels over 7x7 keep the packed form."""
    from nncodegen.lower.lower_s8_mac import rows_depthwise_s8
    from nncodegen.lower.params import ConvGeom

    def g(c, sw=1, k=3):
        return ConvGeom(1, 16, 16, c, 16, 16 // sw, c, k, k, 1, sw, 1, 1, 1, 1, c)
    assert all(rows_depthwise_s8(g(c)) for c in (1, 2, 4, 8))
    assert not any(rows_depthwise_s8(g(c)) for c in (3, 5, 6, 7, 16))
    assert not rows_depthwise_s8(g(8, sw=2))
    assert rows_depthwise_s8(g(8, k=7)) and not rows_depthwise_s8(g(8, k=8))
    assert not rows_depthwise_s8(dataclasses.replace(g(8), groups=1))


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@pytest.mark.parametrize("kernel", ["add_s8", "sub_s8", "mul_s8"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_eltwise_s8_blocks_of_eight(variant, kernel, data):
    """add / sub / mul in blocks of eight contiguous elements (nnc_acc8_requant_s8 on AVX2; mul in blocks of 16
    through nnc_rq16_s8_store with AVX-512) equal the twin."""
    from nncodegen.lower.params import Broadcast, EltwiseS8
    from nncodegen.ref import affine as af
    need(variant)
    out = (1, data.draw(st.integers(1, 3), label="h"), data.draw(st.integers(1, 3), label="w"),
           data.draw(st.integers(1, 40) | st.integers(32, 70), label="c"))
    sb = out if data.draw(st.booleans(), label="same shape") else (1, 1, 1, out[3])
    a, b = ts8.draw_s8(data, out, "a"), ts8.draw_s8(data, sb, "b")
    rounding = data.draw(st.sampled_from([af.ROUND_DOUBLE, af.ROUND_SINGLE]), label="rounding")
    zo = ts8.draw_zp(data, "out_zp")
    lo, hi = ts8.draw_bounds(data, zo)
    bc = Broadcast(out, ts8.strides(out, out), ts8.strides(sb, out))
    if kernel == "mul_s8":
        m, s = ts8.draw_multiplier(data, "m", 1e-6, 2.0)
        p = EltwiseS8(bc, -ts8.draw_zp(data, "za"), -ts8.draw_zp(data, "zb"), 0, 0, 0, 0, 0, m, s, zo, lo, hi, rounding)
    else:
        sc = [float(data.draw(st.floats(1e-3, 1.0), label=n)) for n in ("s_a", "s_b", "s_o")]
        (ma, sa_), (mb, sb_), (mo, so) = af.add_params(*sc, rounding)
        p = EltwiseS8(bc, -ts8.draw_zp(data, "za"), -ts8.draw_zp(data, "zb"), 20, ma, sa_, mb, sb_, mo, so, zo, lo,
                      hi, rounding)
    want = getattr(ks, kernel)(p, a, b)
    y = simd_lib("kernels_eltwise_s8", variant, ("eltwise_s8",)).run_into(kernel, [p, a, b], tq.garbage(out, np.int8))
    ts8.assert_same(y, want, f"{kernel} [{variant}] {p}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@pytest.mark.parametrize("rounding", [0, 1, 2])
@pytest.mark.parametrize("geom", [
    ConvGeom(1, 6, 6, 32, 6, 6, 150, 1, 1, 1, 1, 0, 0, 1, 1, 1),   # > 8 blocks of 16 channels, read in place
    ConvGeom(2, 5, 7, 8, 5, 7, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1),     # rows in place inside, gathered at the border
    ConvGeom(1, 9, 9, 4, 4, 3, 7, 1, 3, 2, 3, 0, 0, 1, 1, 1),      # single-row windows, strides, no padding
    ConvGeom(1, 9, 9, 3, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1),     # K not a multiple of 4: gathered
    ConvGeom(1, 8, 8, 4, 8, 6, 5, 1, 3, 1, 1, 0, 0, 1, 1, 1),      # 1x3 windows, K = 12
    ConvGeom(1, 16, 16, 8, 16, 16, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1),  # pointwise 8 -> 16 (conv2d_pk_pw512)
    ConvGeom(2, 3, 5, 12, 3, 5, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1),    # pointwise, a block of 8 channels last
])
def test_conv2d_pk_s8_layers_all_roundings(variant, rounding, geom):
    """Fixed layers through every path of conv2d_pk_s8 (the AVX-512 one on this host: constants of more than
    eight channel blocks, windows read in place or gathered, the onnxruntime mode's near-half lanes) equal the twin
    of conv2d_s8, with multipliers that include TFLite's edge cases (shift 0, -31, a zero multiplier)."""
    from nncodegen.lower.params import RequantS8
    from nncodegen.ref import affine as af
    need(variant)
    rng = np.random.default_rng(17 * rounding + geom.out_c)
    g = geom
    x = rng.integers(-128, 128, size=(g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int8)
    w = rng.integers(-128, 128, size=(g.out_c, g.k_h, g.k_w, g.in_c)).astype(np.int8)
    b = rng.integers(-1 << 16, 1 << 16, size=g.out_c).astype(np.int32)
    if rounding == af.ROUND_ORT:
        ms = [af.ort_multiplier(np.float32(2.0 ** rng.uniform(-14, -6))) for _ in range(g.out_c)]
        ms[0] = af.ort_multiplier(np.float32(2.0 ** -9))  # power of two: exact halves
        sh = [0] * g.out_c
    else:
        pairs = [af.quantize_multiplier(2.0 ** rng.uniform(-14, -0.1)) for _ in range(g.out_c)]
        edges = [(1 << 30, 0), ((1 << 31) - 1, -1), (1 << 30, -31), (0, 0), ((1 << 30) + 1, -7)]
        for i, e in enumerate(edges[:g.out_c]):
            pairs[(3 * i) % g.out_c] = e
        ms, sh = [m for m, _ in pairs], [s for _, s in pairs]
    rq = RequantS8(tuple(ms), tuple(sh), -int(rng.integers(-128, 128)), int(rng.integers(-128, 128)), -128, 127,
                   rounding)
    want = ks.conv2d_s8(g, rq, x, w, b)
    wpk, bu = kpk.pack_pk_s8(w), kpk.pk_bias_s8(w, b, rq.input_offset)
    got = call(variant, "conv2d_pk_s8", [g, rq], [x, wpk, bu], want.shape)
    ts8.assert_same(got, want, f"conv2d_pk_s8 [{variant}] {g} rounding {rounding}")
    if g.k_h == g.k_w == 1 and g.stride_h == 1:
        dg = DenseGeom(g.batch * g.in_h * g.in_w, g.in_c, g.out_c)
        got = call(variant, "dense_pk_s8", [dg, rq], [x.reshape(-1, g.in_c), wpk, bu], want.reshape(-1, g.out_c).shape)
        ts8.assert_same(got, want.reshape(-1, g.out_c), f"dense_pk_s8 [{variant}] {dg} rounding {rounding}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_quantize_s8_blocks_of_sixteen(variant, data):
    """quantize_s8 (16 floats at a time on AVX-512) equals the twin: exact ties of x / scale both ways, NaN,
    infinities, values past +-1e9 * scale, subnormals, tails of 1 to 15 elements."""
    from nncodegen.lower.params import QuantS8
    need(variant)
    n = data.draw(st.integers(1, 100), label="n")
    scale = float(np.float32(data.draw(st.floats(1e-4, 10.0), label="scale")))
    away = data.draw(st.sampled_from([0, 1]), label="round_away")
    zp = ts8.draw_zp(data, "zp")
    lo, hi = ts8.draw_bounds(data, zp)
    p = QuantS8(scale, zp, lo, hi, away)
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    x = rng.normal(size=n) * scale * data.draw(st.sampled_from([1.0, 50.0, 1e6, 1e10]), label="spread")
    x[: n // 3] = (rng.integers(-200, 200, size=n // 3) + 0.5) * scale  # exact ties
    specials = [np.nan, np.inf, -np.inf, 1e-42, -1e-42, 0.0, -0.0, 3e9 * scale, -3e9 * scale]
    pick = rng.random(n) < 0.1
    x[pick] = rng.choice(specials, size=int(pick.sum()))
    x = np.ascontiguousarray(x.astype(np.float32))
    want = ks.quantize_s8(n, p, x)
    y = simd_lib("kernels_quant_s8", variant, ("quant_s8",)).run_into("quantize_s8", [n, p, x], tq.garbage((n,), np.int8))
    ts8.assert_same(y, want, f"quantize_s8 [{variant}] {p}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@pytest.mark.parametrize("scales", [(0.05, 0.03, 0.07), (0.02, 0.02, 0.04), (0.1, 0.0125, 0.0125), (1e-3, 1e-3, 30.0)])
@pytest.mark.parametrize("zps", [(-128, -128, -128), (3, -40, 100)])
@pytest.mark.parametrize("row", [256, 17])
def test_add_ort_s8_every_build(variant, scales, zps, row):
    """The onnxruntime-mode add in every build (native: float32 FMA where the MXCSR has its defaults) on every
    (a, b) pair of int8 values, rows of 256 and of 17 elements (a masked tail), and in place, equals the twin."""
    from nncodegen.lower.params import Broadcast, EltwiseS8
    from nncodegen.ref import affine as af
    from nncodegen.ref import sf32
    need(variant)
    sa, sb, sc = (np.float32(v) for v in scales)
    za, zb, zc = (z + 128 for z in zps)
    ra, rb = np.float32(sa / sc), np.float32(sb / sc)
    fixed = np.float32(np.float32(zc) - np.float32(np.float32(ra * np.float32(za)) + np.float32(rb * np.float32(zb))))
    as_i32 = lambda v: v - (1 << 32) if v >= 1 << 31 else v  # noqa: E731
    n = 65536 if row == 256 else 65535
    out = (1, 1, n // row, row)
    a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
    b = np.tile(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
    p = EltwiseS8(Broadcast(out, ts8.strides(out, out), ts8.strides(out, out)), 128, 128, 0, af.ort_multiplier(ra), 0,
                  af.ort_multiplier(rb), 0, as_i32(sf32.bits_of(fixed)), 0, -128, -128 + (zps[2] > 0), 127,
                  af.ROUND_ORT, ts8.ort_add_table(rb, fixed))
    want = ks.add_s8(p, a, b)
    lib = simd_lib("kernels_eltwise_s8", variant, ("eltwise_s8",))
    ts8.assert_same(lib.run_into("add_s8", [p, a, b], tq.garbage(out, np.int8)), want, f"add_s8 ort [{variant}] {p}")
    y = a.copy()
    lib.call("add_s8", lib.arg(p), lib.p(y), lib.p(b), lib.p(y))
    ts8.assert_same(y, want, f"add_s8 ort in place [{variant}]")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@pytest.mark.parametrize("rounding", [0, 1, 2])
@pytest.mark.parametrize("geom, groups", [
    (ConvGeom(1, 24, 24, 16, 24, 24, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1), 1),   # squeeze 1x1: four pixels a register
    (ConvGeom(1, 7, 9, 6, 7, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1), 1),       # 3x3, one pixel a register, borders
    (ConvGeom(2, 9, 11, 4, 5, 6, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1),       # stride 2, two pixels, a partial run
    (ConvGeom(1, 9, 9, 3, 11, 9, 5, 3, 3, 1, 1, 2, 2, 1, 2, 1), 1),       # rows all padding, dilation 2 across
    (ConvGeom(1, 16, 16, 8, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1), 8),    # depthwise (block-diagonal)
    (ConvGeom(1, 16, 16, 16, 16, 16, 8, 1, 1, 1, 1, 0, 0, 1, 1, 1), 4),   # grouped 1x1
    (ConvGeom(1, 5, 30, 24, 5, 30, 10, 1, 1, 1, 1, 0, 0, 1, 1, 1), 1),    # 24 -> 10, span of 24 bytes
    (ConvGeom(1, 4, 40, 2, 4, 38, 1, 1, 3, 1, 1, 0, 0, 1, 1, 1), 1),      # one channel: 16 pixels a register
    (ConvGeom(1, 6, 19, 16, 6, 19, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1), 1),     # 6 channels: two pixels a register, runs of 8
    (ConvGeom(1, 9, 21, 6, 5, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1), 1),     # 12 channels, stride 2, a partial last run
])
def test_conv2d_pk_s8_small_layers(variant, rounding, geom, groups):
    """Small layers (out_c <= 16, narrow kernel rows: the AVX-512 VBMI lane path on this host, several pixels per
    register, the float32 onnxruntime and 32-bit single / double requantization forms) equal the twin of conv2d_s8,
    grouped layers in their block-diagonal form."""
    from nncodegen.lower.params import RequantS8
    from nncodegen.ref import affine as af
    need(variant)
    rng = np.random.default_rng(5 * rounding + geom.out_c + groups)
    g = dataclasses.replace(geom, groups=groups)
    x = rng.integers(-128, 128, size=(g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int8)
    w = rng.integers(-128, 128, size=(g.out_c, g.k_h, g.k_w, g.in_c // groups)).astype(np.int8)
    b = rng.integers(-1 << 16, 1 << 16, size=g.out_c).astype(np.int32)
    if rounding == af.ROUND_ORT:
        ms = [af.ort_multiplier(np.float32(2.0 ** rng.uniform(-14, -6))) for _ in range(g.out_c)]
        ms[0] = af.ort_multiplier(np.float32(2.0 ** -9))  # power of two: exact halves
        sh = [0] * g.out_c
    else:
        pairs = [af.quantize_multiplier(2.0 ** rng.uniform(-14, -1.1)) for _ in range(g.out_c)]
        ms, sh = [m for m, _ in pairs], [s for _, s in pairs]
    rq = RequantS8(tuple(ms), tuple(sh), -int(rng.integers(-128, 128)), int(rng.integers(-128, 128)), -128,
                   127 - int(rng.integers(0, 2)) * 60, rounding)
    want = ks.conv2d_s8(g, rq, x, w, b)
    wd = kpk.expand_groups(w, groups, g.in_c) if groups > 1 else w
    wpk, bu = kpk.pack_pk_s8(wd), kpk.pk_bias_s8(wd, b, rq.input_offset)
    got = call(variant, "conv2d_pk_s8", [dataclasses.replace(g, groups=1), rq], [x, wpk, bu], want.shape)
    ts8.assert_same(got, want, f"conv2d_pk_s8 [{variant}] {g} rounding {rounding}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_global_avgpool_s8_every_build(variant, data):
    """global_avgpool_s8 (native: the 16-bytes-a-step sums for in_c <= 64, masked last step) equals the twin in
    every rounding mode, for channel counts with every gcd with 16 and one past the vector path (those dividing 16:
    four accumulators over 64 bytes a step, then steps of 16), with means' multipliers (outputs mostly unclamped)."""
    from nncodegen.lower.params import GavgS8
    from nncodegen.ref import affine as af
    need(variant)
    h, w = data.draw(st.integers(1, 30), label="h"), data.draw(st.integers(1, 30), label="w")
    c = data.draw(st.sampled_from([1, 2, 3, 8, 10, 12, 16, 24, 40, 63, 64, 65]), label="c")
    g = ConvGeom(data.draw(st.integers(1, 2), label="batch"), h, w, c, 1, 1, c, h, w)
    x = ts8.draw_s8(data, (g.batch, h, w, c), "x")
    rounding = data.draw(st.sampled_from([af.ROUND_DOUBLE, af.ROUND_SINGLE, af.ROUND_ORT]), label="rounding")
    # a mean's multiplier (about 1 / (h w): outputs inside the bounds, each sum visible) or any other
    lo_m, hi_m = (0.3 / (h * w), min(0.99, 3.0 / (h * w))) if data.draw(st.booleans(), label="mean") else (1e-5, 0.99)
    if rounding == af.ROUND_ORT:
        m, s = ts8.draw_ort_multiplier(data, "m", max(1e-4, lo_m), hi_m)[0], 0
    else:
        m, s = ts8.draw_multiplier(data, "m", lo_m, hi_m)
    zo = ts8.draw_zp(data, "out_zp")
    lo, hi = ts8.draw_bounds(data, zo)
    p = GavgS8(-ts8.draw_zp(data, "in_zp"), m, s, zo, lo, hi, rounding)
    want = ks.global_avgpool_s8(g, p, x)
    got = simd_lib("kernels_pool_s8", variant, ("pool_s8",)).run_into("global_avgpool_s8", [g, p, x],
                                                                      tq.garbage(want.shape, np.int8))
    ts8.assert_same(got, want, f"global_avgpool_s8 [{variant}] {g} {p}")


@pytest.mark.parametrize("variant", ["portable", "native"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_avgpool_ort_s8_hardware_float(variant, data):
    """avgpool_ort_s8 on the CPU's float32 instructions (AVX-512: 16 channels per vector, the rest in scalar SSE)
    equals the twin's integer float emulation: equal scales (exact ties), tiny output scales (quotients far
    outside 0..255), padded windows with and without count_include_pad, 1 to 40 channels."""
    from nncodegen.lower.params import PoolOrtS8
    from nncodegen.ref import sf32
    need(variant)
    g = ts8.draw_pool_geom(data)
    c = data.draw(st.sampled_from([1, 3, 16, 17, 32, 40]), label="channels")
    g = dataclasses.replace(g, in_c=c, out_c=c)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    s_in = ts8.draw_scale(data, "s_in")
    kind = data.draw(st.sampled_from(["same", "other", "tiny"]), label="out scale")
    s_out = s_in if kind == "same" else (ts8.draw_scale(data, "s_out") if kind == "other" else s_in * 1e-6)
    zi = ts8.draw_zp(data, "zi")
    zo = zi if kind == "same" else ts8.draw_zp(data, "zo")
    lo, hi = ts8.draw_bounds(data, zo)
    table = (np.float32(s_in) * (np.arange(-128, 128) - zi).astype(np.float32)).astype(np.float32)
    p = PoolOrtS8(data.draw(st.sampled_from([0, 1]), label="cip"), tuple(int(v) for v in sf32.to_bits(table)),
                  sf32.bits_of(np.float32(s_out)), zo + 128, lo, hi)
    want = ks.avgpool_ort_s8(g, p, x)
    y = simd_lib("kernels_pool_s8", variant, ("pool_s8",)).run_into("avgpool_ort_s8", [g, p, x],
                                                                  tq.garbage(want.shape, np.int8))
    ts8.assert_same(y, want, f"avgpool_ort_s8 [{variant}] {g}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=80, **CFG)
@given(data=st.data())
def test_avgpool_s8_every_build(variant, data):
    """avgpool_s8 (native: 16 channels a vector, the quotient's floor through float64 and both roundings from the
    remainder) equals the twin: TFLite's ties away from zero and ONNX's ties to even, padded windows with and
    without count_include_pad, 1 to 40 channels (masked last vector), windows of up to 7 x 7 taps (exact ties for
    even counts, sums of both signs, all-extreme inputs)."""
    from nncodegen.lower.params import PoolS8
    need(variant)
    g = ts8.draw_pool_geom(data)
    if data.draw(st.booleans(), label="big window"):
        k = data.draw(st.integers(4, 7), label="k")
        g = dataclasses.replace(g, in_h=g.in_h + k, in_w=g.in_w + k, k_h=k, k_w=k)
        g = dataclasses.replace(g, out_h=conv_out_size(g.in_h, k, g.stride_h, g.pad_top, g.pad_top, 1),
                                out_w=conv_out_size(g.in_w, k, g.stride_w, g.pad_left, g.pad_left, 1))
    c = data.draw(st.sampled_from([1, 3, 15, 16, 17, 32, 40]), label="channels")
    g = dataclasses.replace(g, in_c=c, out_c=c)
    x = ts8.draw_s8(data, (g.batch, g.in_h, g.in_w, g.in_c), "x")
    zp = ts8.draw_zp(data, "zp")
    lo, hi = ts8.draw_bounds(data, zp)
    p = PoolS8(data.draw(st.sampled_from([0, 1]), label="cip"), zp, lo, hi,
               data.draw(st.sampled_from([0, 1]), label="half_even"))
    event(f"half_even {p.half_even}, cip {p.count_include_pad}")
    want = ks.avgpool_s8(g, p, x)
    y = simd_lib("kernels_pool_s8", variant, ("pool_s8",)).run_into("avgpool_s8", [g, p, x],
                                                                  tq.garbage(want.shape, np.int8))
    ts8.assert_same(y, want, f"avgpool_s8 [{variant}] {g} {p}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@pytest.mark.parametrize("kernel", ["add_s8", "sub_s8"])
@pytest.mark.parametrize("rounding", [0, 1])
@pytest.mark.parametrize("scales", [(0.05, 0.03, 0.07), (0.0619, 0.0747, 0.0444), (0.1, 0.0125, 0.0125),
                                    (1e-3, 1e-3, 0.9)])
@pytest.mark.parametrize("row", [256, 17, 100])
def test_add_sub_s8_every_pair(variant, kernel, rounding, scales, row):
    """add / sub in double and single rounding (native with VBMI: the operands' scaled values looked up from byte
    planes, 64 elements a step) on every (a, b) pair of int8 values, whole contiguous tensors (65,536 elements, or
    65,535: a masked last step of 63), in place, and b broadcast along rows of 100 (the path runs row by row)
    equal the twin."""
    from nncodegen.lower.params import Broadcast, EltwiseS8
    from nncodegen.ref import affine as af
    need(variant)
    (ma, sa_), (mb, sb_), (mo, so) = af.add_params(*scales, rounding)
    lib = simd_lib("kernels_eltwise_s8", variant, ("eltwise_s8",))
    zps = (3, -40, 100) if row == 17 else (-128, 127, -5)
    if row == 100:
        out, sb = (1, 3, 4, row), (1, 1, 1, row)
        rng = np.random.default_rng(row + rounding)
        a = rng.integers(-128, 128, size=out).astype(np.int8)
        b = rng.integers(-128, 128, size=sb).astype(np.int8)
    else:
        n = 65536 if row == 256 else 65535
        out = sb = (1, 1, n // row, row)
        a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
        b = np.tile(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
    p = EltwiseS8(Broadcast(out, ts8.strides(out, out), ts8.strides(sb, out)), -zps[0], -zps[1], 20, ma, sa_, mb,
                  sb_, mo, so, zps[2], -128, 127 - 50 * (row == 17), rounding)
    want = getattr(ks, kernel)(p, a, b)
    ts8.assert_same(lib.run_into(kernel, [p, a, b], tq.garbage(out, np.int8)), want, f"{kernel} [{variant}] {p}")
    y = a.copy()
    lib.call(kernel, lib.arg(p), lib.p(y), lib.p(b), lib.p(y))
    ts8.assert_same(y, want, f"{kernel} in place [{variant}]")


def qh_model(p, op):
    """How add_s8 / sub_s8's 16-bit-lane path (eltwise_s8_qh512, AVX-512 VBMI) takes p, from the twin's integers:
    None where it does not apply (T = 31 - out_shift outside 47..62, out_multiplier <= 0, fewer than 384 elements, or
    outside eltwise_s8_direct512's constants), "sampled" where more than 2 of its 256 sampled pairs would fall back
    (the 32-bit planes then), else (aligned, the number of (a, b) pairs whose lane sends its block of 64 to the 32-bit
    arithmetic).  Q + carry from the top 16 bits of the fractions must equal the twin on every pair the path keeps
    (asserted here too, so a wrong argument in eltwise_s8.c's comment fails)."""
    from nncodegen.ref import affine as af
    t, dbl, mo = 31 - p.out_shift, p.rounding == af.ROUND_DOUBLE, p.out_multiplier
    consts = [(p.a_multiplier, p.a_shift), (p.b_multiplier, p.b_shift)]
    if p.rounding not in (af.ROUND_DOUBLE, af.ROUND_SINGLE) or not 0 <= p.left_shift <= 21 or not 47 <= t <= 62 or \
            mo <= 0 or any(s > 0 or s < -31 or (dbl and m < 0) for m, s in consts) or np.prod(p.bc.shape) < 384:
        return None
    v = np.arange(-128, 128, dtype=np.int64)
    sa = af.mbqm((v + p.a_offset) << p.left_shift, p.a_multiplier, p.a_shift, p.rounding)
    sb = af.mbqm((v + p.b_offset) << p.left_shift, p.b_multiplier, p.b_shift, p.rounding) * (1 if op == "add" else -1)
    pa, pb = sa * mo, sb * mo
    aligned = not np.any((pa | pb) & ((1 << (t - 16)) - 1))
    pb = pb + (1 << (t - 1)) + ((1 << 30) if dbl and not aligned else 0)
    hs = ((pa >> (t - 16)) & 0xFFFF)[:, None] + ((pb >> (t - 16)) & 0xFFFF)[None, :]
    s, g = hs & 0xFFFF, (pa >> t)[:, None] + (pb >> t)[None, :] + (hs >> 16)
    zero = dbl & (s == 0)
    amb = np.zeros_like(s, dtype=bool) if aligned else (s == 0xFFFF) | zero  # C tests s = 0 alone
    assert not np.any((g != af.mbqm(sa[:, None] + sb[None, :], mo, p.out_shift, p.rounding)) & zero & (g > 0)), \
        "double rounding's s = 0 lanes with Q + c >= 1 need no fallback"
    if aligned:
        g = g - (zero & (g <= 0))
    else:  # the C sample: a's block k (bytes 16 k .. 16 k + 15 as uint8) against b's block 5 k + 3, lanes reversed
        u = (np.arange(256) + 128) & 255  # table position (value + 128) of each uint8 byte
        k, j = np.divmod(np.arange(256), 16)
        if amb[u[16 * k + j], u[16 * ((5 * k + 3) % 16) + 15 - j]].sum() > 2:
            return "sampled"
    raw = sa[:, None] + sb[None, :]
    want = af.mbqm(raw, mo, p.out_shift, p.rounding)
    assert np.array_equal(g[~amb], want[~amb]), "the 16-bit form differs from the twin on a kept pair"
    return bool(aligned), int(amb.sum())


# (a, b, out) constants of the qh cases: scales through TFLite's add_params, or multipliers as they are
QH_CASES = {
    "scales": (0.05, 0.03, 0.07),
    "scales2": (0.0619, 0.0747, 0.0444),
    "pow2": (0.02, 0.02, 0.04),                      # every fraction a multiple of 2^(T - 16): ties, aligned
    "pow2_t47": (0.5, 0.125, 0.125),                 # aligned, T = 47
    "grouped_shuffle": ((1 << 30, 0), (1193135209, -2), (1840280942, -18)),
    "t47_max": (((1 << 31) - 1, 0), ((1 << 31) - 1, 0), ((1 << 31) - 1, -16)),  # |Q| near 2^13
    "t62": (((1 << 30) + 1, -7), (1 << 30, -31), (1 << 30, -31)),
    "t46": ((1 << 30, 0), (1 << 30, 0), (1 << 30, -15)),  # T = 46: the 32-bit plane path
    # not aligned, with pairs of s = 0 whose double rounding differs for raw < 0 (thousands of each 65,536)
    "near_ties": ((1 << 30, -1), (1431655765, -3), (1 << 30, -19)),
}


def qh_params(case, rounding, out, sb_shape, zps, lo, hi):
    from nncodegen.lower.params import Broadcast, EltwiseS8
    from nncodegen.ref import affine as af
    c = QH_CASES[case]
    (ma, sa_), (mb, sb_), (mo, so) = af.add_params(*c, rounding) if isinstance(c[0], float) else c
    ls = 21 if case == "t47_max" else 20
    return EltwiseS8(Broadcast(out, ts8.strides(out, out), ts8.strides(sb_shape, out)), -zps[0], -zps[1], ls, ma, sa_,
                     mb, sb_, mo, so, zps[2], lo, hi, rounding)


def test_qh_cases_reach_every_branch():
    """QH_CASES take the 16-bit path aligned and not, with pairs whose blocks fall back, in both roundings and ops,
    and once not at all (T = 46)."""
    seen = set()
    for case in QH_CASES:
        for rounding in (0, 1):
            for op in ("add", "sub"):
                m = qh_model(qh_params(case, rounding, (1, 1, 1, 512), (1, 1, 1, 512), (3, -40, 100), -128, 127), op)
                seen.add((rounding, m if m is None or m == "sampled" else
                          "aligned" if m[0] else "fallback" if m[1] else "kept"))
    assert {(r, k) for r in (0, 1) for k in (None, "aligned", "fallback", "kept")} | {(0, "sampled")} <= seen, seen


@pytest.mark.parametrize("variant", ["portable", "avx2", "avx512", "native"])
@pytest.mark.parametrize("kernel", ["add_s8", "sub_s8"])
@pytest.mark.parametrize("rounding", [0, 1])
@pytest.mark.parametrize("case", list(QH_CASES))
def test_add_sub_s8_qh_every_pair(variant, kernel, rounding, case):
    """add / sub through the 16-bit-lane path (native with VBMI; the others: their own paths) on every (a, b) pair,
    whole (65,536 elements, and 65,535: a masked last step), in place, and b broadcast along rows of 100 (row by row,
    a tail of 36), narrow bounds, equal the twin; QH_CASES cover its aligned form, blocks that fall back to the
    32-bit arithmetic, T = 47 and 62, and |Q| near 2^13."""
    need(variant)
    lib = simd_lib("kernels_eltwise_s8", variant, ("eltwise_s8",))
    rng = np.random.default_rng(zlib.crc32(f"{kernel}{rounding}{case}".encode()))
    for n, zps, (lo, hi) in ((65536, (-128, 127, -5), (-128, 127)), (65535, (3, -40, 100), (-20, 77))):
        out = (1, 1, n // 256, 256) if n == 65536 else (1, 1, 1, n)
        a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
        b = np.tile(np.arange(-128, 128, dtype=np.int8), 256)[:n].reshape(out)
        p = qh_params(case, rounding, out, out, zps, lo, hi)
        want = getattr(ks, kernel)(p, a, b)
        ts8.assert_same(lib.run_into(kernel, [p, a, b], tq.garbage(out, np.int8)), want, f"{kernel} [{variant}] {p}")
        y = a.copy()
        lib.call(kernel, lib.arg(p), lib.p(y), lib.p(b), lib.p(y))
        ts8.assert_same(y, want, f"{kernel} in place [{variant}] {p}")
    out, sb = (1, 3, 4, 100), (1, 1, 1, 100)
    a = rng.integers(-128, 128, size=out).astype(np.int8)
    b = rng.integers(-128, 128, size=sb).astype(np.int8)
    p = qh_params(case, rounding, out, sb, (int(rng.integers(-128, 128)), int(rng.integers(-128, 128)), 7), -128, 127)
    ts8.assert_same(lib.run_into(kernel, [p, a, b], tq.garbage(out, np.int8)), getattr(ks, kernel)(p, a, b),
                    f"{kernel} rows [{variant}] {p}")


@pytest.mark.parametrize("variant", ["portable", "avx512", "native"])
@pytest.mark.parametrize("kernel", ["add_s8", "sub_s8"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_add_sub_s8_qh_random_constants(variant, kernel, data):
    """add / sub with random constants around the 16-bit path's range (operand multipliers 0 or 2^30 .. 2^31 - 1,
    shifts -31..0; output shifts -31..-14: T = 45..62; left_shift 0..21), random or extreme data, whole tensors or rows
    of 64..200 (b broadcast or not), equal the twin."""
    from nncodegen.lower.params import Broadcast, EltwiseS8
    need(variant)
    rounding = data.draw(st.sampled_from([0, 1]), label="rounding")

    def mult(label, lo_shift, hi_shift):
        m = data.draw(st.sampled_from([0, 1 << 30, (1 << 31) - 1]) | st.integers(1 << 30, (1 << 31) - 1), label=label)
        return m, data.draw(st.integers(lo_shift, hi_shift), label=f"{label} shift")
    (ma, sa_), (mb, sb_), (mo, so) = mult("a", -31, 0), mult("b", -31, 0), mult("out", -31, -14)
    row = data.draw(st.integers(64, 200), label="row")
    out = (1, data.draw(st.integers(1, 3), label="h"), data.draw(st.integers(1, 2), label="w"), row)
    sb = out if data.draw(st.booleans(), label="same shape") else (1, 1, 1, row)
    a, b = ts8.draw_s8(data, out, "a"), ts8.draw_s8(data, sb, "b")
    zo = ts8.draw_zp(data, "out_zp")
    lo, hi = ts8.draw_bounds(data, zo)
    p = EltwiseS8(Broadcast(out, ts8.strides(out, out), ts8.strides(sb, out)), -ts8.draw_zp(data, "za"),
                  -ts8.draw_zp(data, "zb"), data.draw(st.integers(0, 21), label="left_shift"), ma, sa_, mb, sb_, mo, so,
                  zo, lo, hi, rounding)
    m = qh_model(p, kernel[:3])
    event(str(m) if m is None or m == "sampled" else "aligned" if m[0] else "fallback pairs" if m[1] else "kept")
    want = getattr(ks, kernel)(p, a, b)
    y = simd_lib("kernels_eltwise_s8", variant, ("eltwise_s8",)).run_into(kernel, [p, a, b], tq.garbage(out, np.int8))
    ts8.assert_same(y, want, f"{kernel} [{variant}] {p}")
