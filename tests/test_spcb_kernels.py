"""The sparse + codebook kernels (*_sparse_codebook_*, Deep Compression's layout) against their numpy twins
and against the dense C kernels, bit for bit, over hypothesis-generated shapes, densities, codebook sizes,
delta widths (fillers), per-channel codebooks and int16 biases; the encoder against its decoder.  The row-range
forms (*_sparse_codebook_rows_*) run a layer in drawn row blocks (one block, one row a block, a last partial
block, blocks across groups), each stream either Huffman-coded and decoded a block at a time by
huffman_decode_block_u8 or read uncoded from the block's first bit: the C chain equals the one-call kernel and
the twins' chain, bit for bit.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.compress import huffman_store as hs
from nncodegen.compress import sparse_codebook as sc
from nncodegen.lower import lower_compress as lc
from nncodegen.lower.params import ConvGeom, DenseGeom
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref import kernels_compress as kc
from nncodegen.ref import kernels_huff as kh
from nncodegen.ref import kernels_spcb as ksc

from helpers import build_clib
from test_compress_kernels import (CFG, INT_SFX, Lib, _acc32, _fmt, assert_same, check_c, draw_act, draw_conv_geom,
                                   draw_conv_int_layer, draw_int_case, draw_weights, fit_acc32, x_max)


@pytest.fixture(scope="session")
def lib():
    kd = kernels_dir()
    stems = [f"{fam}_sparse_codebook_{f}" for fam in ("conv2d", "dense") for f in ("q7", "q15", "s8", "f32")]
    stems += [f"{fam}_{f}" for fam in ("conv2d", "dense") for f in ("q7", "q15", "s8", "f32")]
    stems.append("huffman_decode_u8")
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


def draw_dense_int_layer(data, sfx, kind):
    """A fully connected int layer: geometry (batch 1..3, in 1..600, out 1..40), inputs, bias, requantization and
    weights of ``kind``, fitted to the 32-bit accumulator where the format has one."""
    dtype = _fmt(sfx)
    g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                  data.draw(st.integers(1, 40), label="out"))
    x, b, rq = draw_int_case(data, sfx, g.out_features, g.in_features, (g.batch, g.in_features))
    w = draw_weights(data, (g.out_features, g.in_features), dtype, kind)
    if _acc32(sfx):
        w = fit_acc32(w, g.in_features, x_max(sfx), dtype)
    return g, x, b, rq, w


@pytest.mark.parametrize("sfx", INT_SFX)
@pytest.mark.parametrize("kind", ["codebook", "gaps"])
@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_dense_int(lib, sfx, kind, data):
    dtype = _fmt(sfx)
    g, x, b, rq, w = draw_dense_int_layer(data, sfx, kind)
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


# ---------------------------------------------------------------- row blocks (--compress huffman)

def draw_cuts(data, rows: int):
    """First rows of the blocks: one block, one row a block, or random cuts (a last partial block)."""
    kind = data.draw(st.sampled_from(["one", "each", "random", "fixed"]), label="blocks")
    if kind == "one" or rows == 1:
        return [0]
    if kind == "each":
        return list(range(rows))
    if kind == "fixed":
        return list(range(0, rows, data.draw(st.integers(2, max(2, rows - 1)), label="rows a block")))
    cuts = data.draw(st.sets(st.integers(1, rows - 1), max_size=rows - 1), label="cuts")
    return [0] + sorted(cuts)


def run_blocks(lib, data, enc, name, head, mid, tail, want, dtype, what):
    """The layer in blocks: per block each stream decoded by huffman_decode_block_u8 (C and twin) into a buffer of
    noise, or read uncoded from the block's first field; the C rows kernel and its twin chained over the blocks
    into one output buffer (noise at the start) == want (the one-call kernel's output)."""
    rows = int(enc.counts.size)
    cuts = draw_cuts(data, rows)
    r1s = cuts[1:] + [rows]
    fe = np.concatenate([[0], np.cumsum(enc.counts)]).astype(np.int64)
    coded = {}
    if data.draw(st.booleans(), label="count coded") and enc.count_bits <= 16:
        coded["count"] = hs.encode([enc.counts], [enc.count_bits], enc.count.size, cuts)
    if enc.n_entries and data.draw(st.booleans(), label="entries coded"):
        coded["entries"] = hs.encode([enc.deltas, enc.indices], [enc.delta_bits, enc.index_bits], enc.entries.size,
                                     fe[cuts])
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="noise seed"))
    out_c = rng.integers(-100, 100, size=want.shape).astype(dtype)
    out_t = out_c.copy()
    ebits = enc.delta_bits + enc.index_bits
    # each stream's lookup tables: one buffer of noise, built by the first block's call, reused by the later ones
    luts = {key: rng.integers(0, 1 << 16, size=kh.huffman_decode_scratch_size_u8(c.bits1) // 2).astype(np.uint16)
            for key, c in coded.items()}
    for blk, (r0, r1) in enumerate(zip(cuts, r1s)):
        streams_c, streams_t = [], []
        for key, raw, at in (("count", enc.count, r0 * enc.count_bits), ("entries", enc.entries, int(fe[r0]) * ebits)):
            c = coded.get(key)
            if c is None:
                streams_c.append((raw, at))
                streams_t.append((raw, at))
                continue
            nbytes = ((c.bits0 + c.bits1) * int(c.blocks[blk + 1, 1] - c.blocks[blk, 1]) + 7) // 8 + 1
            buf = rng.integers(0, 256, size=nbytes + 3).astype(np.uint8)  # noise past the block's bytes
            lib.run("huffman_decode_block_u8", *[lib.arg(a) for a in (c.table, c.coded, c.coded.size, c.blocks, blk,
                                                                      c.bits0, c.bits1, nbytes, int(blk == 0),
                                                                      luts[key], buf)])
            t = kh.huffman_decode_block_u8(c.table, c.coded, c.coded.size, c.blocks, blk, c.bits0, c.bits1, nbytes)
            assert_same(buf[:nbytes], t, f"C huffman_decode_block_u8 block {blk} of {key}")
            streams_c.append((buf, 0))
            streams_t.append((t, 0))
        (cc, cat), (ec, eat) = streams_c
        lib.run(name, *[lib.arg(a) for a in head + [cc, ec] + mid + [r0, r1, cat, eat] + tail + [out_c]])
        (ct, tat), (et, eat) = streams_t
        out_t = getattr(ksc, name)(*head, ct, et, *mid, r0, r1, tat, eat, *tail, out_t)
    assert_same(out_c, want, f"C {name} in blocks {cuts} ({sorted(coded)} coded) vs the one call, {what}")
    assert_same(np.asarray(out_t).astype(dtype).reshape(want.shape), want,
                f"twin {name} in blocks {cuts} vs the one call, {what}")


@pytest.mark.parametrize("sfx", INT_SFX)
@settings(max_examples=30, **CFG)
@given(data=st.data())
def test_rows_in_blocks_int(lib, sfx, data):
    dtype = _fmt(sfx)
    if data.draw(st.booleans(), label="conv"):
        g, w, x, b, rq = draw_conv_int_layer(data, sfx, data.draw(st.sampled_from(["codebook", "gaps"]), label="kind"))
        w2, fam = w.reshape(g.out_c, -1), "conv2d"
    else:
        g, x, b, rq, w2 = draw_dense_int_layer(data, sfx, "codebook")
        fam = "dense"
    enc = draw_encoding(data, w2)
    if enc is None:
        return
    b, b16 = draw_bias16(data, b)
    arrays, scalars = args_of(enc)
    tail = []
    if fam == "conv2d":
        isz = np.dtype(dtype).itemsize
        tail = [np.zeros(max(1, lc.conv_scratch_bytes(g, isz) // isz), dtype)]
    want = getattr(ksc, f"{fam}_sparse_codebook{b16}_{sfx}")(g, rq, x, *arrays, *scalars, b, *tail)
    whole = lib.run_into(f"{fam}_sparse_codebook{b16}_{sfx}", [g, rq, x, *arrays, *scalars, b, *tail],
                         np.full(want.shape, 77, dtype=dtype))
    assert_same(whole, want, f"C {fam}_sparse_codebook{b16}_{sfx} {g}")
    run_blocks(lib, data, enc, f"{fam}_sparse_codebook_rows{b16}_{sfx}", [g, rq, x, arrays[0]], scalars + [b], tail,
               want, dtype, f"{g} delta_bits {enc.delta_bits}")


@settings(max_examples=40, **CFG)
@given(data=st.data())
def test_rows_in_blocks_f32(lib, data):
    conv = data.draw(st.booleans(), label="conv")
    if conv:
        g = draw_conv_geom(data)
        w2 = draw_weights(data, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups), np.float32, "codebook")
        w2 = w2.reshape(g.out_c, -1)
        xs = (g.batch, g.in_h, g.in_w, g.in_c)
        nout = g.out_c
    else:
        g = DenseGeom(data.draw(st.integers(1, 3), label="batch"), data.draw(st.integers(1, 600), label="in"),
                      data.draw(st.integers(1, 20), label="out"))
        w2 = draw_weights(data, (g.out_features, g.in_features), np.float32, "codebook")
        xs, nout = (g.batch, g.in_features), g.out_features
    enc = draw_encoding(data, w2)
    if enc is None:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="x seed"))
    x = rng.standard_normal(xs).astype(np.float32)
    b = rng.standard_normal(nout).astype(np.float32) if data.draw(st.booleans(), label="bias") else None
    act = draw_act(data)
    arrays, scalars = args_of(enc)
    fam = "conv2d" if conv else "dense"
    tail = [lc.f32_seq_channels(g), np.zeros(max(1, lc.conv_scratch_bytes(g, 4) // 4), np.float32)] if conv else []
    want = getattr(ksc, f"{fam}_sparse_codebook_f32")(g, act, x, *arrays, *scalars, b, *tail)
    whole = lib.run_into(f"{fam}_sparse_codebook_f32", [g, act, x, *arrays, *scalars, b, *tail],
                         np.full(want.shape, np.nan, dtype=np.float32))
    assert_same(whole, want, f"C {fam}_sparse_codebook_f32 {g}")
    run_blocks(lib, data, enc, f"{fam}_sparse_codebook_rows_f32", [g, act, x, arrays[0]], scalars + [b], tail,
               want, np.float32, f"{g} delta_bits {enc.delta_bits}")


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
