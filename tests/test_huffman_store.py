"""Huffman-coded weight streams (--compress huffman): the encoder (nncodegen/compress/huffman_store.py), the C
decoders huffman_decode_u8 / huffman_decode_block_u8 and their numpy twins (nncodegen/ref/kernels_huff.py).
Round trips encoder -> twin and encoder -> C give back the uncoded stream's bytes exactly, over hypothesis-drawn fields of one or two parts,
skewed and flat symbol frequencies, one-symbol codes and codes that need length limiting; on garbage coded
bits, random tables and coded lengths cut short the C and the twin agree byte for byte (the no-code path and the
zeros past the end included).  Blocks: every block of drawn cuts (one block, one field a block, a last partial
block) decodes to its own fields from bit 0 and a zero byte; the row blocks of a layer keep their decoded bytes
within the budget."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncodegen.compress import huffman_store as hs
from nncodegen.compress import sparse_codebook as sc
from nncodegen.paths import include_dir, kernels_dir
from nncodegen.ref.kernels_huff import huffman_decode_block_u8, huffman_decode_scratch_size_u8, huffman_decode_u8

from helpers import assert_same, build_clib

CFG = dict(deadline=None, derandomize=True)


@pytest.fixture(scope="module")
def lib():
    kd = kernels_dir()
    return build_clib("huffman_decode_test", [kd / "huffman_decode_u8.c"], [include_dir(), kd])


def run_c(lib, table, coded, n, bits0, bits1, out_bytes, seed=0, coded_bytes=None):
    table = np.ascontiguousarray(table, dtype=np.uint16)
    coded = np.ascontiguousarray(coded, dtype=np.uint8)
    if coded.size == 0:
        coded = np.zeros(1, np.uint8)
    out = np.random.default_rng(seed).integers(0, 256, size=max(1, out_bytes)).astype(np.uint8)  # noise
    nb = coded.size if coded_bytes is None else coded_bytes
    size = lib.lib.huffman_decode_scratch_size_u8(bits1)
    assert size == huffman_decode_scratch_size_u8(bits1)
    scratch = np.random.default_rng(seed + 1).integers(0, 1 << 16, size=size // 2).astype(np.uint16)  # noise
    lib.lib.huffman_decode_u8(lib.ffi.from_buffer("uint16_t[]", table), lib.ffi.from_buffer("uint8_t[]", coded),
                              nb, n, bits0, bits1, out_bytes, lib.ffi.from_buffer("uint16_t[]", scratch),
                              lib.ffi.from_buffer("uint8_t[]", out))
    return out[:out_bytes]


def draw_symbols(data, n, bits, label):
    kind = data.draw(st.sampled_from(["geometric", "uniform", "one", "fibonacci"]), label=f"{label} kind")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label=f"{label} seed"))
    top = (1 << bits) - 1
    if kind == "geometric":
        return np.minimum(rng.geometric(data.draw(st.floats(0.05, 0.95), label=f"{label} p"), n) - 1, top)
    if kind == "uniform":
        return rng.integers(0, top + 1, n)
    if kind == "one":
        return np.full(n, int(rng.integers(0, top + 1)))
    # Fibonacci frequencies: a Huffman code longer than MAX_LEN for enough symbols (length limiting)
    fib = [1, 1]
    while len(fib) < min(top + 1, 24):
        fib.append(fib[-1] + fib[-2])
    s = np.repeat(np.arange(len(fib)), fib)
    return rng.permutation(s)[:n] if s.size >= n else np.concatenate([s, np.zeros(n - s.size, np.int64)])


def draw_stream(data, most: int):
    """A stream of 1..most fields: one part of 1..16 bits or two of 1..8 bits each, symbols of skewed counts."""
    n = data.draw(st.integers(1, most), label="fields")
    two = data.draw(st.booleans(), label="two parts")
    bits = [data.draw(st.integers(1, 8 if two else 16), label="bits0")]
    if two:
        bits.append(data.draw(st.integers(1, 8), label="bits1"))
    return n, bits, [draw_symbols(data, n, b, f"part{k}") for k, b in enumerate(bits)]


def draw_table(data):
    """A random generator, field widths and an arbitrary code table (incomplete or over-full codes; one part or
    two): (rng, bits0, bits1, table uint16)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    bits0 = data.draw(st.integers(1, 16), label="bits0")
    bits1 = data.draw(st.integers(0, min(16, 24 - bits0)), label="bits1")
    table = []
    for _ in range(2 if bits1 else 1):
        cnt = rng.integers(0, 4, hs.MAX_LEN) * rng.integers(0, 2, hs.MAX_LEN)
        table += [cnt, rng.integers(0, 1 << 16, int(cnt.sum()))]
    return rng, bits0, bits1, np.concatenate(table).astype(np.uint16)


def uncoded(parts, bits, pad):
    f = parts[0] | (parts[1] << bits[0] if len(parts) > 1 else 0)
    return np.concatenate([sc.pack_fields(f, sum(bits)), np.zeros(pad, np.uint8)]).astype(np.uint8)


@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_round_trip_encoder_twin_c(lib, data):
    n, bits, parts = draw_stream(data, 3000)
    want = uncoded(parts, bits, data.draw(st.integers(0, 2), label="padding bytes"))
    c = hs.encode(parts, bits, want.size)
    assert c.table.dtype == np.uint16 and c.coded.dtype == np.uint8
    got = huffman_decode_u8(c.table, c.coded, c.coded.size, c.n, c.bits0, c.bits1, c.out_bytes)
    assert_same(got, want, f"twin round trip, {n} fields of {bits} bits")
    assert_same(run_c(lib, c.table, c.coded, c.n, c.bits0, c.bits1, c.out_bytes), want,
                f"C round trip, {n} fields of {bits} bits")
    # the coded size is the Huffman cost of the (length-limited) code, rounded up to bytes
    lens = [hs.limited_lengths(p) for p in parts]
    assert max(max(l.values()) for l in lens) <= hs.MAX_LEN
    cost = sum(sum(l[int(s)] for s in p) for l, p in zip(lens, parts))
    assert c.coded.size == (cost + 7) // 8


@settings(max_examples=150, **CFG)
@given(data=st.data())
def test_c_equals_twin_on_random_tables_and_bits(lib, data):
    """Arbitrary tables (incomplete or over-full codes) and garbage coded bits: the same bytes, symbol 0 where
    a pattern is no code; the coded buffer long enough for 16 bits a symbol."""
    rng, bits0, bits1, table = draw_table(data)
    n = data.draw(st.integers(0, 200), label="fields")
    coded = rng.integers(0, 256, n * 2 * hs.MAX_LEN // 8 + 1).astype(np.uint8)
    nb = data.draw(st.integers(0, coded.size), label="coded bytes")  # bits past them read as 0
    out_bytes = data.draw(st.integers(0, (n * (bits0 + bits1) + 7) // 8 + 3), label="out bytes")
    want = huffman_decode_u8(table, coded, nb, n, bits0, bits1, out_bytes)
    assert_same(run_c(lib, table, coded, n, bits0, bits1, out_bytes, coded_bytes=nb), want, f"C vs twin, {n} fields")


def run_c_block(lib, c, blk, out_bytes, seed=0, blocks=None, coded_bytes=None, scratch=None, tables=1):
    """The C block decoder's output buffer (noise past what it writes); ``scratch`` (the lookup tables) noise
    unless given: with ``tables`` 0 the tables an earlier call built in it."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 256, size=out_bytes + 4).astype(np.uint8)  # noise
    blocks = np.ascontiguousarray(c.blocks if blocks is None else blocks, dtype=np.uint32)
    if scratch is None:
        scratch = rng.integers(0, 1 << 16, size=huffman_decode_scratch_size_u8(c.bits1) // 2).astype(np.uint16)
    nb = c.coded.size if coded_bytes is None else coded_bytes
    lib.lib.huffman_decode_block_u8(lib.ffi.from_buffer("uint16_t[]", c.table),
                                    lib.ffi.from_buffer("uint8_t[]", c.coded), nb,
                                    lib.ffi.from_buffer("uint32_t[]", blocks), blk, c.bits0, c.bits1, out_bytes,
                                    tables, lib.ffi.from_buffer("uint16_t[]", scratch),
                                    lib.ffi.from_buffer("uint8_t[]", out))
    return out


@settings(max_examples=120, **CFG)
@given(data=st.data())
def test_blocks_round_trip(lib, data):
    n, bits, parts = draw_stream(data, 1500)
    kind = data.draw(st.sampled_from(["one", "each", "random"]), label="blocks")
    cuts = [0] if kind == "one" else list(range(n)) if kind == "each" and n <= 300 else \
        [0] + sorted(data.draw(st.sets(st.integers(1, max(1, n - 1)), max_size=30), label="cuts") - {0})
    c = hs.encode(parts, bits, (n * sum(bits) + 7) // 8 + 1, cuts)
    assert c.blocks.shape == (len(cuts) + 1, 2) and c.blocks[-1, 1] == n
    assert c.nbytes == c.table.nbytes + c.coded.size + 8 * (len(cuts) + 1)
    f = parts[0] | (parts[1] << bits[0] if len(bits) > 1 else 0)
    ends = cuts[1:] + [n]
    # the lookup tables: built by the first call into noise, reused by the later ones (as a layer's blocks do),
    # or built again by each call
    reuse = data.draw(st.booleans(), label="tables reused")
    lut = np.random.default_rng(n).integers(0, 1 << 16, size=huffman_decode_scratch_size_u8(c.bits1) // 2)
    lut = lut.astype(np.uint16)
    blks = sorted({0, len(cuts) - 1, *data.draw(st.sets(st.integers(0, len(cuts) - 1), max_size=6), label="b")})
    for j, blk in enumerate(blks):
        want = np.concatenate([sc.pack_fields(f[cuts[blk]:ends[blk]], sum(bits)), np.zeros(1, np.uint8)])
        got = huffman_decode_block_u8(c.table, c.coded, c.coded.size, c.blocks, blk, c.bits0, c.bits1, want.size,
                                      int(j == 0 or not reuse))
        assert_same(got, want, f"twin block {blk} of {cuts}")
        out = run_c_block(lib, c, blk, want.size, seed=blk, scratch=lut if reuse else None,
                          tables=int(j == 0 or not reuse))
        assert_same(out[:want.size], want, f"C block {blk} of {cuts} (tables {'reused' if reuse else 'built'})")


@settings(max_examples=100, **CFG)
@given(data=st.data())
def test_block_c_equals_twin_on_garbage(lib, data):
    """Any start bit (past the end too), garbage bits and a short out_bytes: the C and the twin write the same
    bytes (the fields out_bytes holds, then at most one zero byte)."""
    rng, bits0, bits1, table = draw_table(data)
    c = hs.Coded(table, rng.integers(0, 256, 300).astype(np.uint8), 0, bits0, bits1, 0)
    nb = data.draw(st.integers(0, c.coded.size), label="coded bytes")
    first = data.draw(st.integers(0, 100), label="first field")
    blocks = np.array([[data.draw(st.integers(0, 8 * 310), label="bit"), first],
                       [0, first + data.draw(st.integers(0, 60), label="fields")]], np.uint32)
    out_bytes = data.draw(st.integers(0, 200), label="out bytes")
    want = huffman_decode_block_u8(c.table, c.coded, nb, blocks, 0, bits0, bits1, out_bytes)
    n = min(int(blocks[1, 1] - blocks[0, 1]), out_bytes * 8 // (bits0 + bits1))
    used = min(out_bytes, (int(blocks[1, 1] - blocks[0, 1]) * (bits0 + bits1) + 7) // 8 + 1,
               max((n * (bits0 + bits1) + 7) // 8, 0) + 1)
    got = run_c_block(lib, c, 0, out_bytes, blocks=blocks, coded_bytes=nb)
    assert_same(got[:used], want[:used], f"C vs twin from bit {blocks[0, 0]}")


def test_row_blocks_within_budget():
    """A pruned + shared matrix in row blocks: every block's decoded streams within the budget (or one row), the
    blocks cover the rows in order; the block tables are counted in the stored bytes."""
    rng = np.random.default_rng(4)
    w = rng.choice(np.array([-40, -9, -3, 2, 5, 17, 60], np.int8), size=(300, 784)) * (rng.random((300, 784)) < 0.1)
    enc = sc.encode(w.astype(np.int8))
    for budget in (1, 200, 700, hs.BLOCK_BYTES, 10 ** 6):
        rows = hs.row_blocks(enc, True, True, budget)
        assert rows[0][0] == 0 and rows[-1][1] == 300 and all(a[1] == b[0] for a, b in zip(rows, rows[1:]))
        fe = np.concatenate([[0], np.cumsum(enc.counts)])
        eb = enc.delta_bits + enc.index_bits
        for r0, r1 in rows:
            size = (enc.count_bits * (r1 - r0) + 7) // 8 + (eb * int(fe[r1] - fe[r0]) + 7) // 8 + 1
            assert size <= budget or r1 == r0 + 1
        assert (len(rows) == 300) == (budget == 1) and (len(rows) == 1) == (budget == 10 ** 6)
    b = hs.spcb_blocked(enc)
    assert b.entries is not None and b.entries.blocks.shape == (len(b.rows) + 1, 2)
    assert hs.stored_bytes(enc) == enc.codebook.nbytes + sum(
        c.nbytes if c is not None else raw.size for c, raw in ((b.count, enc.count), (b.entries, enc.entries)))
    assert hs.scratch_bytes(enc) <= hs.BLOCK_BYTES + 2 * hs.LUT_BYTES + 512


def test_canonical_code_by_hand():
    """Lengths {5: 1, 2: 2, 1: 3, 7: 3} -> codes 0, 10, 110, 111, written most significant bit first."""
    parts = [np.array([5, 2, 7, 1, 5, 5, 5, 5, 2])]  # 5 most frequent, then 2, then 7 and 1
    c = hs.encode(parts, [3], 4)
    cnt, syms = list(c.table[:hs.MAX_LEN]), list(c.table[hs.MAX_LEN:])
    assert cnt[:3] == [1, 1, 2] and sum(cnt) == 4 and syms == [5, 2, 1, 7]
    # 5:0 2:10 7:111 1:110 5:0 5:0 5:0 5:0 2:10
    # 0 10 111 110 0 0 0 0 10: 15 bits, most significant first: 01011111 0000010(0)
    want = np.array([0b01011111, 0b00000100], np.uint8)
    assert np.array_equal(c.coded, want)
    assert np.array_equal(huffman_decode_u8(c.table, c.coded, c.coded.size, 9, 3, 0, 4), uncoded(parts, [3], 0)[:4])


def test_length_limited_to_16_bits():
    counts = [1, 1]
    while len(counts) < 30:
        counts.append(counts[-1] + counts[-2])
    s = np.repeat(np.arange(30), counts)
    lens = hs.limited_lengths(s)
    assert max(lens.values()) == hs.MAX_LEN and sum(2.0 ** -l for l in lens.values()) <= 1.0
    c = hs.encode([s], [5], (s.size * 5 + 7) // 8)
    got = huffman_decode_u8(c.table, c.coded, c.coded.size, c.n, 5, 0, c.out_bytes)
    assert np.array_equal(got, uncoded([s], [5], 0))


def test_spcb_streams_decode_to_the_uncoded_layout(lib):
    """A pruned + shared matrix: the coded count and entries streams decode (C and twin) to the exact bytes of
    sparse_codebook.encode, and the stored / scratch bytes account for them."""
    rng = np.random.default_rng(3)
    w = rng.choice(np.array([-40, -9, -3, 2, 5, 17, 60], np.int8), size=(120, 500)) * (rng.random((120, 500)) < 0.12)
    enc = sc.encode(w.astype(np.int8))
    count, entries = hs.spcb_streams(enc)
    assert entries is not None
    for coded, raw in ((count, enc.count), (entries, enc.entries)):
        if coded is None:
            continue
        assert coded.nbytes < raw.size
        assert_same(run_c(lib, coded.table, coded.coded, coded.n, coded.bits0, coded.bits1, coded.out_bytes), raw,
                    "C decoded stream")
        got = huffman_decode_u8(coded.table, coded.coded, coded.coded.size, coded.n, coded.bits0, coded.bits1,
                                coded.out_bytes)
        assert_same(got, raw, "twin decoded stream")
    b = hs.spcb_blocked(enc)
    assert hs.stored_bytes(enc) == enc.codebook.nbytes + (b.count.nbytes if b.count else enc.count.size) + \
        b.entries.nbytes
    assert hs.scratch_bytes(enc) == (b.block_bytes("count") + hs.LUT_BYTES if b.count else 0) + \
        b.block_bytes("entries") + lib.lib.huffman_decode_scratch_size_u8(entries.bits1)


def test_full_lookup_table(lib):
    """256 equally frequent symbols: every code 8 bits, the lookup table full to its last entry (index 255)."""
    s = np.random.default_rng(1).permutation(np.repeat(np.arange(256), 3))
    c = hs.encode([s], [8], s.size)
    assert list(c.table[:hs.MAX_LEN]) == [0] * 7 + [256] + [0] * 8
    for got in (huffman_decode_u8(c.table, c.coded, c.coded.size, c.n, 8, 0, c.out_bytes),
                run_c(lib, c.table, c.coded, c.n, 8, 0, c.out_bytes)):
        assert_same(got, s.astype(np.uint8), "256 8-bit codes")
