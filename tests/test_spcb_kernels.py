"""The sparse + codebook kernels (*_sparse_codebook_*, Deep Compression's layout) against their numpy twins
and against the dense C kernels, bit for bit, over hypothesis-generated shapes, densities, codebook sizes,
delta widths (fillers), per-channel codebooks and int16 biases; the encoder against its decoder.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.compress import sparse_codebook as sc
from nncodegen.lower import lower_compress as lc
from nncodegen.lower.params import ConvGeom, DenseGeom
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import kernels_compress as kc
from nncodegen.ref import kernels_spcb as ksc

from helpers import build_clib
from test_compress_kernels import (CFG, INT_SFX, Lib, _acc32, _fmt, assert_same, check_c, draw_act, draw_conv_geom,
                                   draw_conv_int_layer, draw_int_case, draw_weights, fit_acc32, x_max)


@pytest.fixture(scope="session")
def lib():
    kd = kernels_dir()
    stems = [f"{fam}_sparse_codebook_{f}" for fam in ("conv2d", "dense") for f in ("q7", "q15", "s8", "f32")]
    stems += [f"{fam}_{f}" for fam in ("conv2d", "dense") for f in ("q7", "q15", "s8", "f32")]
    return build_clib("spcb_kernels_test", [kd / f"{s}.c" for s in stems], [include_dir(), kd], cls=Lib,
                      libraries=["m"])


def draw_encoding(data, w2):
    """The layout of w2 with a drawn delta width (None: the smallest) and codebook sharing, or None."""
    db = data.draw(st.sampled_from([None, 1, 2, 3, 4, 8]), label="delta bits")
    pc = data.draw(st.sampled_from([None, True]), label="per channel")
    enc = sc.encode(w2, db, pc)
    if enc is None:
        return None
    assert np.array_equal(sc.decode(enc.codebook, enc.cb_stride, enc.count, enc.count_bits, enc.entries,
                                    enc.delta_bits, enc.index_bits, *w2.shape), w2)
    return enc


def args_of(enc):
    return [enc.codebook.reshape(-1), enc.count, enc.entries], [enc.cb_stride, enc.count_bits, enc.delta_bits,
                                                                 enc.index_bits]


def draw_bias16(data, b):
    """int16 biases for the _b16 variants (same values), or the int32 ones."""
    if b is not None and data.draw(st.booleans(), label="b16"):
        return np.clip(b, -32768, 32767).astype(np.int16), "_b16"
    return b, ""


@pytest.mark.parametrize("sfx", INT_SFX)
@pytest.mark.parametrize("kind", ["codebook", "gaps"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_conv2d_int(lib, sfx, kind, data):
    g, w, x, b, rq = draw_conv_int_layer(data, sfx, kind)
    dtype = _fmt(sfx)
    enc = draw_encoding(data, w.reshape(g.out_c, -1))
    if enc is None:
        return
    b, b16 = draw_bias16(data, b)
    arrays, scalars = args_of(enc)
    name = f"conv2d_sparse_codebook{b16}_{sfx}"
    dense = getattr(kc.kq if sfx != "s8" else kc.ks8, f"conv2d_{sfx}")(g, rq, x, w, b)
    want = getattr(ksc, name)(g, rq, x, *arrays, *scalars, b, None)
    assert_same(want, dense, f"twin {name} vs dense twin")
    isz = np.dtype(dtype).itemsize
    scratch = np.zeros(max(1, lc.conv_scratch_bytes(g, isz) // isz), dtype)
    assert getattr(lib.lib, f"conv2d_sparse_codebook_scratch_size_{sfx}")(lib.s(g)) == lc.conv_scratch_bytes(g, isz)
    check_c(lib, name, [g, rq, x, *arrays, *scalars, b, scratch], want, dtype, f"{g} delta_bits {enc.delta_bits}",
            (f"conv2d_{sfx}", [g, rq, x, w, None if b is None else b.astype(np.int32)], f" {g}"))


@pytest.mark.parametrize("sfx", INT_SFX)
@pytest.mark.parametrize("kind", ["codebook", "gaps"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_dense_int(lib, sfx, kind, data):
    dtype = _fmt(sfx)
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                  data.draw(st.integers(1, 40), label="out"))
    x, b, rq = draw_int_case(data, sfx, g.out_features, g.in_features, (g.batch, g.in_features))
    w = draw_weights(data, (g.out_features, g.in_features), dtype, kind)
    if _acc32(sfx):
        w = fit_acc32(w, g.in_features, x_max(sfx), dtype)
    enc = draw_encoding(data, w)
    if enc is None:
        return
    b, b16 = draw_bias16(data, b)
    arrays, scalars = args_of(enc)
    name = f"dense_sparse_codebook{b16}_{sfx}"
    want = getattr(ksc, name)(g, rq, x, *arrays, *scalars, b)
    dense = getattr(kc.kq if sfx != "s8" else kc.ks8, f"dense_{sfx}")(g, rq, x, w, b)
    assert_same(want, dense, f"twin {name} vs dense twin")
    check_c(lib, name, [g, rq, x, *arrays, *scalars, b], want, dtype, f"{g} delta_bits {enc.delta_bits}",
            (f"dense_{sfx}", [g, rq, x, w, None if b is None else b.astype(np.int32)], ""))


@pytest.mark.parametrize("kind", ["codebook", "gaps"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_conv2d_f32(lib, kind, data):
    g = draw_conv_geom(data)
    if kind == "gaps":
        g = ConvGeom(1, 5, 5, 40, 5, 5, 3, 3, 3, 1, 1, 1, 1)
    w = draw_weights(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), np.float32, kind)
    enc = draw_encoding(data, w.reshape(g.out_c, -1))
    if enc is None:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    x = rng.standard_normal((g.batch, g.in_h, g.in_w, g.in_c)).astype(np.float32)
    b = rng.standard_normal(g.out_c).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    arrays, scalars = args_of(enc)
    seq = lc.f32_seq_channels(g)
    want = ksc.conv2d_sparse_codebook_f32(g, act, x, *arrays, *scalars, b, seq, None)
    assert lib.lib.conv2d_sparse_codebook_scratch_size_f32(lib.s(g)) == ksc.conv2d_sparse_codebook_scratch_size_f32(g)
    scratch = np.zeros(max(1, lc.conv_scratch_bytes(g, 4) // 4), dtype=np.float32)
    out = np.full(want.shape, np.nan, dtype=np.float32)
    ap = lib.s(act) if act else lib.ffi.NULL
    lib.run("conv2d_sparse_codebook_f32", lib.s(g), ap, lib.p(x), *[lib.p(a) for a in arrays], *scalars, lib.p(b),
            seq, lib.p(scratch), lib.p(out))
    assert_same(out, want, f"C conv2d_sparse_codebook_f32 {g}")
    out_d = np.full(want.shape, np.nan, dtype=np.float32)
    lib.run("conv2d_f32", lib.s(g), lib.s(act) if act else lib.ffi.NULL, lib.p(x), lib.p(w), lib.p(b), lib.p(out_d))
    if lc.f32_order_is_dense(g):
        assert_same(out, out_d, f"C conv2d_sparse_codebook_f32 vs C conv2d_f32 (same order) {g}")
    else:  # conv2d_f32's generic path sums per kernel row
        kk = g.k_h * g.k_w * g.in_c // g.groups
        tol = 4 * kk * np.finfo(np.float32).eps * (np.abs(x).max() * np.abs(w).sum(axis=(1, 2, 3)).max() + 1)
        np.testing.assert_allclose(out, out_d, rtol=0, atol=tol)


@pytest.mark.parametrize("kind", ["codebook", "gaps"])
@settings(max_examples=60, **CFG)
@given(data=st.data())
def test_dense_f32(lib, kind, data):
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                  data.draw(st.integers(1, 20), label="out"))
    w = draw_weights(data, (g.out_features, g.in_features), np.float32, kind)
    enc = draw_encoding(data, w)
    if enc is None:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    x = rng.standard_normal((g.batch, g.in_features)).astype(np.float32)
    b = rng.standard_normal(g.out_features).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    arrays, scalars = args_of(enc)
    want = ksc.dense_sparse_codebook_f32(g, act, x, *arrays, *scalars, b)
    out = np.full(want.shape, np.nan, dtype=np.float32)
    ap = lib.s(act) if act else lib.ffi.NULL
    lib.run("dense_sparse_codebook_f32", lib.s(g), ap, lib.p(x), *[lib.p(a) for a in arrays], *scalars, lib.p(b),
            lib.p(out))
    assert_same(out, want, f"C dense_sparse_codebook_f32 {g}")
    out_d = np.full(want.shape, np.nan, dtype=np.float32)
    lib.run("dense_f32", lib.s(g), lib.s(act) if act else lib.ffi.NULL, lib.p(x), lib.p(w), lib.p(b), lib.p(out_d))
    assert_same(out, out_d, "C dense_sparse_codebook_f32 vs C dense_f32")


# ---------------------------------------------------------------- the encoding

@settings(max_examples=80, **CFG)
@given(data=st.data())
def test_encode_round_trip_and_sizes(data):
    out, k = data.draw(st.integers(1, 6), label="out"), data.draw(st.integers(1, 900), label="k")
    dtype = data.draw(st.sampled_from([np.int8, np.int16, np.float32]), label="dtype")
    w = draw_weights(data, (out, k), dtype, data.draw(st.sampled_from(["codebook", "gaps", "sparse"]), label="kind"))
    for db in (None, 1, 5, 8):
        enc = sc.encode(w, db)
        if enc is None:
            assert np.union1d(np.unique(w), [0]).size > 256
            continue
        assert np.array_equal(sc.decode(enc.codebook, enc.cb_stride, enc.count, enc.count_bits, enc.entries,
                                        enc.delta_bits, enc.index_bits, out, k), w)
        nnz = int(np.count_nonzero(w))
        assert enc.n_entries == sc.entry_count(w, enc.delta_bits) >= nnz
        assert enc.count.size == -(-out * enc.count_bits // 8)
        assert enc.entries.size == -(-enc.n_entries * (enc.delta_bits + enc.index_bits) // 8) + 1  # + padding
        assert np.all(enc.deltas < (1 << enc.delta_bits)) and np.all(enc.indices < (1 << enc.index_bits))
        assert enc.codebook[0 if not enc.per_channel else slice(None)].size and 0 in enc.codebook
        if db is None:  # the chosen width gives the smallest entries stream
            assert all(enc.n_entries * (enc.delta_bits + enc.index_bits)
                       <= sc.entry_count(w, d) * (d + enc.index_bits) for d in sc.DELTA_BITS)


def test_filler_layout_by_hand():
    # row [5, 0 x 9, 7]: with 2-bit deltas (at most 3 zeros per entry) the 9 zeros take 2 fillers
    # (each skips 3 zeros and sits on a fourth) and the 7 then skips 1 zero
    w = np.array([[5] + [0] * 9 + [7]], dtype=np.int8)
    enc = sc.encode(w, 2)
    assert enc.codebook.reshape(-1)[:3].tolist() == [0, 5, 7] and enc.index_bits == 2
    assert enc.deltas.tolist() == [0, 3, 3, 1] and enc.indices.tolist() == [1, 0, 0, 2]
    assert enc.counts.tolist() == [4] and enc.count_bits == 3
    # fields delta | index << 2, 4 bits each, LSB first: 0x4, 0x3, 0x3, 0x9; then a byte of padding
    assert enc.entries.tolist() == [0x34, 0x93, 0]


def test_pack_fields_matches_bit_order():
    assert sc.pack_fields([1, 2, 3], 3).tolist() == [0b11010001, 0]
    assert sc.unpack_fields(sc.pack_fields([5, 0, 19, 200], 8), 8, 4).tolist() == [5, 0, 19, 200]
