"""The packed q7 kernels (templates_c/kernels/conv2d_pk_q7.c: weights interleaved at generation time for 4-byte
dot products, activations offset to uint8 on the fly) against their twins (nncodegen/ref/kernels_pk_q.py) and
against conv2d_q7 / dense_q7's twins on the same layer, in every build the host runs: portable, SSE2, SSE4.1,
AVX2 (PMADDWD on widened groups) and -O3 -march=native (VPDPBUSD where the CPU has AVX512-VNNI).  Both the
in-place read of the receptive field and the gathered one, the vector shift-only epilogue and the general
one; the lowering picks the packed kernels for int32-safe one-group q7 layers on the generic target only."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from nncodegen.lower.params import Requant
from nncodegen.ref import fixedpoint as fx
from nncodegen.ref import kernels_pk_q as kpq
from nncodegen.ref import kernels_pk_s8 as kpk
from nncodegen.ref import kernels_q as kq

import test_kernels_q as tq
from helpers import broadcast_strides
from test_kernels_pk_s8 import check_packed, draw_dense_geom, draw_geom, draw_grouped_geom
from test_kernels_simd import CFG, VARIANTS, check_out_and_in_place, need, simd_lib

def call(variant, name, params, arrays, out_shape):
    return simd_lib("kernels_pk_q7", variant, ("conv2d_pk_q7", "conv2d_dw_q7")).run_into(
        name, [*params, *arrays], tq.garbage(out_shape, np.int8))


def draw_rq(data, out_c):
    """The general epilogue (any shift, leaky slopes) or the shift-only one the vector paths take."""
    if data.draw(st.booleans(), label="shift only"):
        shifts = data.draw(st.lists(st.integers(1, 24), min_size=out_c, max_size=out_c), label="shifts")
        lo, hi = tq.draw_bounds(data, np.int8)
        event("shift-only epilogue")
        return Requant(tuple(shifts), lo, hi, fx.LEAKY_NONE)
    return tq.draw_requant(data, out_c, np.int8)


def draw_layer(data, shape_x, shape_w, bound_fn):
    x = tq.draw_values(data, shape_x, np.int8, "x")
    w = tq.draw_values(data, shape_w, np.int8, "w")
    b = tq.draw_bias(data, shape_w[0], allow_huge=False)
    w, b = tq.fit_acc32(bound_fn(x, w, b), w, b, np.int8)
    return x, w, b


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_pk_q7_equals_conv2d_q7(variant, data):
    need(variant)
    g = draw_geom(data)
    direct = g.in_c % 4 == 0 or (g.dil_w == 1 and g.k_w * g.in_c % 4 == 0)
    event(f"k {g.k_h}x{g.k_w}, " + ("in place where inside" if direct else "gathered"))
    x, w, b = draw_layer(data, (g.batch, g.in_h, g.in_w, g.in_c), (g.out_c, g.k_h, g.k_w, g.in_c),
                         lambda x, w, b: tq.conv_bound(False, g, x, w, b))
    rq = draw_rq(data, g.out_c)
    want = kq.conv2d_q7(g, rq, x, w, b)
    check_packed(call, variant, "conv2d_pk_q7", kpq.conv2d_pk_q7, g, rq, x, kpq.pack_pk_q7(w), kpq.pk_bias_q7(w, b),
                 want)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=80, **CFG)
@given(data=st.data())
def test_conv2d_pk_q7_small_layers(variant, data):
    """conv2d_pk_q7 on small layers (out_c < 16, kernel rows of at most 64 input bytes: the AVX-512 VBMI lane path
    of conv2d_pk_lane512.inc on this host, 16 // out_c pixels a register, row-padded weights, padding as x = 0):
    3x3 and other kernels, strides, dilations, padding, batch, rows of several runs and a partial last one, both
    epilogues: C = twin = conv2d_q7."""
    from nncodegen.lower.params import ConvGeom
    from nncodegen.ir.ops import conv_out_size
    need(variant)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    cout = data.draw(st.sampled_from([2, 8, 12, 1, 3, 4, 5, 6, 16]), label="out_c")
    cin = data.draw(st.sampled_from([2, 8, 16, 1, 3, 4, 5, 6, 7, 12, 21]), label="in_c")
    kh, kw = data.draw(st.sampled_from([(3, 3), (1, 1), (1, 3), (3, 1), (2, 2), (5, 5)]), label="k")
    sh, sw = ints(1, 2, "stride_h"), ints(1, 3, "stride_w")
    dh, dw = data.draw(st.sampled_from([(1, 1), (1, 1), (2, 1), (1, 2)]), label="dil")
    pt, pl = ints(0, kh - 1, "pt"), ints(0, kw - 1, "pl")
    h, w_ = max((kh - 1) * dh + 1, ints(1, 8, "h")), max((kw - 1) * dw + 1, ints(1, 40, "w"))
    oh, ow = conv_out_size(h, kh, sh, pt, pt, dh), conv_out_size(w_, kw, sw, pl, pl, dw)
    g = ConvGeom(ints(1, 2, "batch"), h, w_, cin, oh, ow, cout, kh, kw, sh, sw, pt, pl, dh, dw, 1)
    lane = cout < 16 and ((kw - 1) * dw + 1) * cin <= 64 and kh * -(-kw * cin // 4) <= 64
    event(("lane path" if lane else "other paths") + f", out_c {cout}")
    x, w, b = draw_layer(data, (g.batch, h, w_, cin), (cout, kh, kw, cin),
                         lambda x, w, b: tq.conv_bound(False, g, x, w, b))
    rq = draw_rq(data, cout)
    want = kq.conv2d_q7(g, rq, x, w, b)
    check_packed(call, variant, "conv2d_pk_q7", kpq.conv2d_pk_q7, g, rq, x, kpq.pack_pk_q7(w), kpq.pk_bias_q7(w, b),
                 want)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_dense_pk_q7_equals_dense_q7(variant, data):
    need(variant)
    g = draw_dense_geom(data)

    def bound(x, w, b):
        return (np.abs(x.astype(np.int64)) @ np.abs(w.astype(np.int64)).T
                + (0 if b is None else np.abs(b.astype(np.int64))))
    x, w, b = draw_layer(data, (g.batch, g.in_features), (g.out_features, g.in_features), bound)
    rq = draw_rq(data, g.out_features)
    want = kq.dense_q7(g, rq, x, w, b)
    check_packed(call, variant, "dense_pk_q7", kpq.dense_pk_q7, g, rq, x, kpq.pack_pk_q7(w), kpq.pk_bias_q7(w, b), want)


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_grouped_layers_as_block_diagonal_equal_conv2d_q7(variant, data):
    """Lowering runs narrow grouped q7 layers (depthwise included) as their block-diagonal one-group form."""
    need(variant)
    g, cin_g = draw_grouped_geom(data)
    x, w, b = draw_layer(data, (g.batch, g.in_h, g.in_w, g.in_c), (g.out_c, g.k_h, g.k_w, cin_g),
                         lambda x, w, b: tq.conv_bound(False, g, x, w, b))
    rq = draw_rq(data, g.out_c)
    want = kq.conv2d_q7(g, rq, x, w, b)
    wd = kpk.expand_groups(w, g.groups, g.in_c)
    gd = dataclasses.replace(g, groups=1)
    got = call(variant, "conv2d_pk_q7", [gd, rq], [x, kpq.pack_pk_q7(wd), kpq.pk_bias_q7(wd, b)], want.shape)
    tq.assert_same(got, want, f"conv2d_pk_q7 block-diagonal [{variant}] {g}")


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_pw4_q7_equals_conv2d_q7(variant, data):
    """conv2d_pw4_q7 (1x1 over a few 4-byte groups per output channel) on grouped 1x1 layers in their one-group
    form with their output channels permuted (a folded channel shuffle), on narrow dense 1x1 layers (in_c at most
    4 PW4_STEPS: every group of the pixel), and on random group tables (out_c up to 16 with up to 64 / (16 // out_c)
    input channels for the VPDPBUSD path, lanes past (16 // out_c) out_c unused when out_c does not divide 16; the
    AVX2 path's 8 lanes likewise; pixel counts that leave a partial vector): C and twin == conv2d_q7 on the
    unpacked weights."""
    from nncodegen.lower.params import ConvGeom
    need(variant)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    batch, h, w_ = ints(1, 2, "batch"), ints(1, 5, "h"), ints(1, 7, "w")
    kind = data.draw(st.sampled_from(["grouped", "sparse", "narrow"]), label="kind")
    if kind == "grouped":
        groups = data.draw(st.sampled_from([2, 4, 8]), label="groups")
        cin = groups * data.draw(st.sampled_from([1, 2, 4, 8]), label="cin_g")
        cin += (-cin) % 4
        while cin % groups:
            cin += 4
        cout = data.draw(st.sampled_from([c for c in (4, 8, 16) if c % groups == 0] or [groups]), label="out_c")
        event("grouped")
    elif kind == "narrow":  # dense 1x1 layers of at most PW4_STEPS groups (fire's 16 -> 4 and 4 -> 8)
        groups, cout = 1, data.draw(st.sampled_from([4, 8, 16, 1, 3, 6, 10, 12, 17]), label="out_c")
        cin = 4 * ints(1, kpq.PW4_STEPS, "in_c / 4")
        event(f"narrow {cin} -> {cout}")
    else:
        groups, cout = 1, data.draw(st.sampled_from([4, 8, 16, 1, 3, 6, 10, 12]), label="out_c")
        cin = 4 * ints(1, max(1, min(16, 16 // (16 // cout))), "in_c / 4")
    g = ConvGeom(batch, h, w_, cin, h, w_, cout, 1, 1, 1, 1, 0, 0, 1, 1, 1)
    x = tq.draw_values(data, (batch, h, w_, cin), np.int8, "x")
    if groups > 1:
        wg = tq.draw_values(data, (cout, 1, 1, cin // groups), np.int8, "w")
        w = kpk.expand_groups(wg, groups, cin)
        perm = np.random.default_rng(ints(0, 2**32 - 1, "perm")).permutation(cout)
        w = w[perm]
    elif kind == "narrow":
        w = tq.draw_values(data, (cout, 1, 1, cin), np.int8, "w")
    else:
        w = tq.draw_values(data, (cout, 1, 1, cin), np.int8, "w")
        keep = data.draw(st.lists(st.integers(0, cin // 4 - 1), min_size=1, max_size=kpq.PW4_STEPS),
                         label="groups kept")
        mask = np.zeros(cin // 4, bool)
        mask[keep] = True
        w = w * np.repeat(mask, 4)[None, None, None, :]
        w = w.astype(np.int8)
    b = tq.draw_bias(data, cout, allow_huge=False)
    w, b = tq.fit_acc32(tq.conv_bound(False, g, x, w, b), w, b, np.int8)
    rq = draw_rq(data, cout)
    want = kq.conv2d_q7(g, rq, x, w, b)
    steps, idx, w4 = kpq.pack_pw4_q7(w)
    if steps > kpq.PW4_STEPS:
        return
    if kind == "narrow" and cout <= 16 and 16 // cout * cin <= 64 and \
            (cout in (4, 8, 16) or (cin if cout > 8 else 8 // cout * cin) <= 32):
        assert kpq.pw4_fits(g, w), g  # the lowering takes narrow 1x1 layers (fire's 16 -> 6 among them)
    bias_u = kpq.pk_bias_q7(w, b)[:cout]
    tq.assert_same(kpq.conv2d_pw4_q7(g, rq, x, steps, idx, w4, bias_u), want, f"twin {g}")
    got = call(variant, "conv2d_pw4_q7", [g, rq, x, steps, idx, w4, bias_u], [], want.shape)
    tq.assert_same(got, want, f"conv2d_pw4_q7 [{variant}] {g} steps {steps}")


def check_dw_q7(variant, data, g):
    """A random depthwise layer of geometry ``g`` (multiplier 1) on conv2d_dw_q7: twin and C == conv2d_q7."""
    c = g.in_c
    x, w, b = draw_layer(data, (g.batch, g.in_h, g.in_w, c), (c, g.k_h, g.k_w, 1),
                         lambda x, w, b: tq.conv_bound(False, g, x, w, b))
    rq = draw_rq(data, c)
    want = kq.conv2d_q7(g, rq, x, w, b)
    wdw = kpq.pack_dw_q7(w)
    tq.assert_same(kpq.conv2d_dw_q7(g, rq, x, wdw, b), want, f"twin {g}")
    check_out_and_in_place(variant, "conv2d_dw_q7", [g, rq], x, [wdw, b], want, data, f"{g} {rq}")



@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_dw_q7_equals_conv2d_q7(variant, data):
    """Depthwise layers (multiplier 1) on conv2d_dw_q7: full and partial 16-channel blocks, borders, strides,
    dilations, no bias, both epilogues."""
    need(variant)
    c = data.draw(st.sampled_from([1, 3, 8, 12, 16, 17, 24, 32, 40]), label="channels")
    g = dataclasses.replace(draw_geom(data), in_c=c, out_c=c, groups=c)
    check_dw_q7(variant, data, g)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv_transpose2d_pk_q7_equals_conv_transpose2d_q7(variant, data):
    """One-group transposed convolutions on conv_transpose2d_pk_q7 (weights packed per output phase): strides,
    dilations, pads, output padding, phases without taps, channel counts that fill several 16-channel blocks and
    4-byte groups or not (taps read in place where in_c % 4 == 0 and the pixel's taps lie inside, else gathered)."""
    need(variant)
    g = dataclasses.replace(tq.draw_conv_transpose_geom(data), groups=1,
                            in_c=data.draw(st.sampled_from([1, 3, 4, 8, 12, 16, 20]), label="in_c"),
                            out_c=data.draw(st.integers(1, 40), label="out_c"))
    event(("in place where inside" if g.in_c % 4 == 0 else "gathered") +
          (", phases without taps" if min(len(k) for p in kpq.ct_phases(g) for k in p[2:]) == 0 else ""))
    x, w, b = draw_layer(data, (g.batch, g.in_h, g.in_w, g.in_c), (g.out_c, g.k_h, g.k_w, g.in_c),
                         lambda x, w, b: tq.conv_bound(True, g, x, w, b))
    rq = draw_rq(data, g.out_c)
    want = kq.conv_transpose2d_q7(g, rq, x, w, b)
    wpk, bu = kpq.pack_ct_q7(g, w), kpq.ct_bias_q7(g, w, b)
    assert wpk.size == -(-g.out_c // 16) * 16 * g.k_h * g.k_w * kpk.k4_of(g.in_c)  # every tap in one phase
    tq.assert_same(kpq.conv_transpose2d_pk_q7(g, rq, x, wpk, bu), want, f"twin {g}")
    got = call(variant, "conv_transpose2d_pk_q7", [g, rq], [x, wpk, bu], want.shape)
    tq.assert_same(got, want, f"conv_transpose2d_pk_q7 [{variant}] {g} {rq}")


def test_ct_packing_by_phase():
    """k 3, stride 2: phase 0 takes taps 0 and 2, phase 1 tap 1 (the order of ct_phases, the layout the C reads)."""
    from nncodegen.lower.params import ConvGeom
    g = ConvGeom(1, 4, 4, 4, 9, 9, 2, 3, 3, 2, 2, 0, 0)
    assert [(ry, rx, kys, kxs) for ry, rx, kys, kxs in kpq.ct_phases(g)][:2] == [(0, 0, [0, 2], [0, 2]),
                                                                                 (0, 1, [0, 2], [1])]
    w = np.arange(2 * 3 * 3 * 4).reshape(2, 3, 3, 4) % 100
    pk = kpq.pack_ct_q7(g, w)
    # phase (0, 0): taps (0,0) (0,2) (2,0) (2,2), 16 products: group j = tap j, channel block of 4
    assert list(pk[1 * 64 + 1 * 4:1 * 64 + 1 * 4 + 4]) == list(w[1, 0, 2])
    assert pk[1 * 64 + 2 * 4] == 0  # channel 2 of 2: padding of the 16-channel block
    # phase (0, 1) starts after phase (0, 0)'s 16 channels x 16 products
    assert list(pk[256 + 64 + 4:256 + 64 + 8]) == list(w[1, 2, 1])
    bu = kpq.ct_bias_q7(g, w, np.array([5, 7], np.int32))
    assert bu.shape == (4 * 16,) and bu[16 + 1] == 7 - 128 * int(w[1, [0, 2]][:, [1]].sum())


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_dw_q7_pixel_runs(variant, data):
    """conv2d_dw_q7 with 1, 2, 4 or 8 channels and horizontal stride 1 on rows wide enough for the AVX-512 runs
    of 16 / c pixels per register (weights repeated across the lanes by pack_dw_q7), with borders, dilations,
    vertical strides, no bias and both epilogues: C = twin = conv2d_q7."""
    from nncodegen.lower.params import ConvGeom
    need(variant)
    c = data.draw(st.sampled_from([1, 2, 4, 8]), label="channels")
    kh, kw = data.draw(st.sampled_from([(3, 3), (1, 1), (5, 5), (3, 1), (1, 3), (2, 2)]), label="k")
    sh, dh, dw = data.draw(st.integers(1, 2), label="stride_h"), data.draw(st.integers(1, 2), label="dil_h"), \
        data.draw(st.integers(1, 2), label="dil_w")
    pad = data.draw(st.integers(0, 2), label="pad")
    h = data.draw(st.integers((kh - 1) * dh + 1, 10), label="h")
    w_ = data.draw(st.integers((kw - 1) * dw + 1, 40), label="w")
    oh, ow = (h + 2 * pad - (kh - 1) * dh - 1) // sh + 1, w_ + 2 * pad - (kw - 1) * dw
    g = ConvGeom(data.draw(st.integers(1, 2), label="batch"), h, w_, c, oh, ow, c, kh, kw, sh, 1, pad, pad, dh, dw, c)
    event(f"{c} channels, {ow} columns")
    check_dw_q7(variant, data, g)


@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_pk_q7_one_channel_rows(variant, data):
    """conv2d_pk_q7 on one-channel inputs with k_w <= 4 and horizontal stride 1 (the AVX-512 VBMI path: 16 / out_c
    pixels per register, each kernel row one masked load and VPERMB, padding loaded as 0 on all four sides, partial
    vectors at the row's end), with vertical strides / dilations, tall kernels and both epilogues:
    C = twin = conv2d_q7."""
    from nncodegen.lower.params import ConvGeom
    need(variant)
    ints = lambda lo, hi, label: data.draw(st.integers(lo, hi), label=label)  # noqa: E731
    cout = data.draw(st.sampled_from([1, 2, 4, 8, 16, 3]), label="out_c")
    kh, kw = ints(1, 9, "k_h"), ints(1, 4, "k_w")
    sh, dh = ints(1, 2, "stride_h"), ints(1, 2, "dil_h")
    pt, pb, pl, pr = ints(0, kh - 1, "pt"), ints(0, kh - 1, "pb"), ints(0, min(kw - 1, 3), "pl"), ints(0, kw, "pr")
    h = max(1, (kh - 1) * dh + 1 - pt - pb) + ints(0, 5, "extra_h")
    w_ = max(1, kw - pl - pr) + ints(0, 30, "extra_w")
    oh, ow = (h + pt + pb - (kh - 1) * dh - 1) // sh + 1, w_ + pl + pr - kw + 1
    g = ConvGeom(ints(1, 2, "batch"), h, w_, 1, oh, ow, cout, kh, kw, sh, 1, pt, pl, dh, 1, 1)
    x, w, b = draw_layer(data, (g.batch, h, w_, 1), (cout, kh, kw, 1),
                         lambda x, w, b: tq.conv_bound(False, g, x, w, b))
    rq = draw_rq(data, cout)
    want = kq.conv2d_q7(g, rq, x, w, b)
    check_packed(call, variant, "conv2d_pk_q7", kpq.conv2d_pk_q7, g, rq, x, kpq.pack_pk_q7(w), kpq.pk_bias_q7(w, b),
                 want)


def test_dw_packing_round_trip():
    w = np.random.default_rng(1).integers(-128, 128, size=(20, 3, 3, 1)).astype(np.int8)
    pk = kpq.pack_dw_q7(w)
    assert pk.shape == (2 * 9 * 16,)
    assert pk[(1 * 9 + 4) * 16 + 2] == w[18, 1, 1, 0] and pk[(1 * 9 + 4) * 16 + 5] == 0
    assert np.array_equal(kpq.unpack_dw_q7(pk, 20, 3, 3), w)
    w8 = w[:8]
    pk8 = kpq.pack_dw_q7(w8)  # 8 channels: repeated in lanes 8 .. 15
    assert pk8.shape == (9 * 16,) and pk8[4 * 16 + 3] == pk8[4 * 16 + 11] == w8[3, 1, 1, 0]
    assert np.array_equal(kpq.unpack_dw_q7(pk8, 8, 3, 3), w8)


def test_bias_folds_the_offset():
    rng = np.random.default_rng(0)
    w = rng.integers(-128, 128, size=(20, 3, 3, 3)).astype(np.int8)
    bu = kpq.pk_bias_q7(w, np.arange(20, dtype=np.int32))
    assert bu.shape == (32,) and bu.dtype == np.int32 and not bu[20:].any()
    assert bu[3] == 3 - 128 * int(w[3].astype(np.int64).sum())
    pk = kpq.pack_pk_q7(w)  # rows of 3 * 3 = 9 products padded to 12: K' = 36
    assert pk.shape == (2 * 36 // 4 * 64,)
    assert pk[(0 * 9 + 2) * 64 + 5 * 4 + 0] == w[5, 0, 2, 2]  # block 0, group 2 = row 0, k 8 (tap 2, channel 2)
    assert pk[(0 * 9 + 2) * 64 + 5 * 4 + 1] == 0              # row 0, k 9: padding
    assert pk[(1 * 9 + 3) * 64 + 2 * 4 + 1] == w[18, 1, 0, 1]  # block 1, group 3 = row 1, k 1
    assert np.array_equal(kpq.unpack_pk_q7(pk, 20, 3, 3, 3), w.reshape(20, 27))
    w4 = rng.integers(-128, 128, size=(5, 3, 3, 4)).astype(np.int8)  # rows of 12: the flat packing
    assert np.array_equal(kpq.pack_pk_q7(w4), kpk.pack_pk_s8(w4))


# ------------------------------------------- the vectorizing Q-format loops (eltwise, rescale, pools)

QLOOPS = tuple(f"{f}_{q}" for f in ("eltwise", "rescale", "pool") for q in ("q7", "q15"))
CHANNELS = st.sampled_from([1, 3, 4, 8, 12, 16, 20, 24, 32, 64, 70])


@pytest.mark.parametrize("variant", ["portable", "sse2", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_maxpool_q_2x2_stride2(variant, data):
    """maxpool_q7 / maxpool_q15 with 2x2 windows, stride 2, no padding (the vector path with the window fixed:
    channel counts that fill its registers; odd sizes drop the last row / column) against the twins."""
    from nncodegen.lower.params import ConvGeom
    need(variant)
    clib = simd_lib("kernels_qloops", variant, QLOOPS)
    q = data.draw(st.sampled_from(["q7", "q15"]), label="format")
    dtype = tq.DTYPE[q]
    c = data.draw(st.sampled_from([8, 16, 24, 32, 64, 3]), label="channels")
    h, w = data.draw(st.integers(2, 9), label="h"), data.draw(st.integers(2, 9), label="w")
    batch = data.draw(st.integers(1, 2), label="batch")
    x = tq.draw_values(data, (batch, h, w, c), dtype, "x")
    g = ConvGeom(batch, h, w, c, h // 2, w // 2, c, 2, 2, 2, 2, 0, 0)
    want = getattr(kq, f"maxpool_{q}")(g, x)
    y = clib.run_into(f"maxpool_{q}", [g, x], tq.garbage(want.shape, dtype))
    tq.assert_same(y.reshape(want.shape), want, f"maxpool 2x2/2 {q} [{variant}] {g}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_q_loops_on_real_channel_counts(variant, data):
    """add / sub / mul, rescale (concat parts), maxpool, global average pool on the channel counts of real
    layers (the int32 and fixed-count loops, whole-tensor runs, broadcasts; global_avgpool_q7's AVX2 blocks of
    8 channels and AVX-512 masked blocks of 16) against the twins."""
    from nncodegen.lower.params import Broadcast, ConvGeom, Eltwise, Rescale
    need(variant)
    clib = simd_lib("kernels_qloops", variant, QLOOPS)
    q = data.draw(st.sampled_from(["q7", "q15"]), label="format")
    dtype = tq.DTYPE[q]
    c = data.draw(CHANNELS, label="channels")
    h, w = data.draw(st.integers(1, 9), label="h"), data.draw(st.integers(1, 9), label="w")
    kind = data.draw(st.sampled_from(["eltwise", "rescale", "maxpool", "global_avgpool"]), label="kernel")
    x = tq.draw_values(data, (1, h, w, c), dtype, "x")
    if kind == "eltwise":
        op = data.draw(st.sampled_from(["add", "sub", "mul"]), label="op")
        out = (1, h, w, c)
        sb = data.draw(st.sampled_from([out, (1, 1, 1, c), (1, 1, w, c), (1, 1, 1, 1)]), label="b shape")
        b = tq.draw_values(data, sb, dtype, "b")
        al, bl = (0, 0) if op == "mul" else (data.draw(st.integers(0, 16), label="al"),
                                               data.draw(st.integers(0, 16), label="bl"))
        lo, hi = tq.draw_bounds(data, dtype)
        p = Eltwise(Broadcast(out, broadcast_strides(out, out), broadcast_strides(sb, out)), al, bl,
                    data.draw(st.integers(-2, 31), label="shift"), lo, hi)
        want = getattr(kq, f"{op}_{q}")(p, x, b)
        y = clib.run_into(f"{op}_{q}", [p, x, b], tq.garbage(out, dtype))
    elif kind == "rescale":
        extra = data.draw(st.sampled_from([0, 0, 4, 8, 12]), label="other part")
        lo, hi = tq.draw_bounds(data, dtype)
        p = Rescale(h * w, c, c + extra, data.draw(st.integers(0, extra), label="offset"),
                    data.draw(st.integers(-16, 31), label="shift"), lo, hi)
        y = tq.garbage((h * w, c + extra), dtype)
        want = getattr(kq, f"rescale_{q}")(p, x, y.copy())
        clib.run_into(f"rescale_{q}", [p, x], y)
    elif kind == "maxpool":
        k, s = data.draw(st.sampled_from([(2, 2), (3, 2), (3, 1)]), label="k, stride")
        pad = data.draw(st.integers(0, 1), label="pad")
        oh, ow = max(1, (h + 2 * pad - k) // s + 1), max(1, (w + 2 * pad - k) // s + 1)
        g = ConvGeom(1, h, w, c, oh, ow, c, k, k, s, s, pad, pad)
        want = getattr(kq, f"maxpool_{q}")(g, x)
        y = clib.run_into(f"maxpool_{q}", [g, x], tq.garbage(want.shape, dtype))
    else:
        g = ConvGeom(1, h, w, c, 1, 1, c, h, w)
        want = getattr(kq, f"global_avgpool_{q}")(g, x)
        y = clib.run_into(f"global_avgpool_{q}", [g, x], tq.garbage(want.shape, dtype))
    tq.assert_same(y.reshape(want.shape), want, f"{kind} {q} [{variant}] c {c}")


@pytest.mark.parametrize("variant", ["portable", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_global_avgpool_q7_channel_blocks(variant, data):
    """global_avgpool_q7's vector sums (AVX2: whole blocks of 8 channels, the rest in the loop; AVX-512: blocks
    of 16, the last one masked) against the twin, on the channel counts of real layers and odd pixel counts."""
    from nncodegen.lower.params import ConvGeom
    need(variant)
    clib = simd_lib("kernels_qloops", variant, QLOOPS)
    c = data.draw(CHANNELS, label="channels")
    h, w = data.draw(st.integers(1, 9), label="h"), data.draw(st.integers(1, 9), label="w")
    batch = data.draw(st.integers(1, 2), label="batch")
    x = tq.draw_values(data, (batch, h, w, c), np.int8, "x")
    g = ConvGeom(batch, h, w, c, 1, 1, c, h, w)
    want = kq.global_avgpool_q7(g, x)
    y = clib.run_into("global_avgpool_q7", [g, x], tq.garbage(want.shape, np.int8))
    tq.assert_same(y, want, f"global_avgpool_q7 [{variant}] {g}")


@pytest.mark.parametrize("variant", ["portable", "sse2", "avx2", "native"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_rescale_q7_identity_copy(variant, data):
    """rescale_q7 with shift 0 and the full int8 bounds (a concatenation's part in its own format), which the
    x86 builds run as a strided copy (rows of 8, 16 or any other count), against the twin; the other part of
    the output stays as it was."""
    from nncodegen.lower.params import Rescale
    need(variant)
    clib = simd_lib("kernels_qloops", variant, QLOOPS)
    c = data.draw(st.sampled_from([8, 16, 1, 3, 12, 24, 70]), label="channels")
    rows = data.draw(st.integers(1, 40), label="rows")
    extra = data.draw(st.sampled_from([0, 0, 3, 8, 16]), label="other part")
    x = tq.draw_values(data, (rows, c), np.int8, "x")
    lo, hi = data.draw(st.sampled_from([(-128, 127), (-128, 127), (0, 127), (-128, 100)]), label="bounds")
    p = Rescale(rows, c, c + extra, data.draw(st.integers(0, extra), label="offset"), 0, lo, hi)
    y = tq.garbage((rows, c + extra), np.int8)
    want = kq.rescale_q7(p, x, y.copy())
    clib.run_into("rescale_q7", [p, x], y)
    tq.assert_same(y, want, f"rescale_q7 [{variant}] {p}")
