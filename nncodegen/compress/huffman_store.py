"""Huffman-coded storage of bit-packed field streams (the sparse + codebook ``count`` / ``entries`` streams of
--compress huffman): canonical codes, stored as code-length counts and symbol lists, decoded at run time by
``huffman_decode_u8`` (templates_c/kernels/huffman_decode_u8.c, twin nncodegen/ref/kernels_huff.py) back into
the exact bytes of the uncoded stream.

A stream is ``n`` fields of one or two parts: part 0 of ``bits0`` bits, part 1 (when ``bits1`` > 0) of
``bits1`` bits above it (field = part0 | part1 << bits0; the entries: delta then codebook index; the counts: one
part).  Each part has its own canonical Huffman code over its own symbols (values < 2**16), code lengths 1..16
(``MAX_LEN``; longer Huffman codes are flattened by halving the frequencies until they fit).

Stored as two const arrays:

* ``table`` (uint16): for part 0 then part 1 (if any): ``MAX_LEN`` counts (codes of length 1, 2, .. 16), then
  that part's symbols in canonical order (by code length, then value).  Canonical code of the i-th symbol of
  length L: the codes of length L are consecutive, starting at (first code of length L-1 + count(L-1)) << 1,
  the first of length 1 being 0 (deflate's rule).
* ``coded`` (uint8): the fields' codes one after the other (field j: part 0's code, then part 1's) as one bit
  string read most significant bit first: bit b of the stream is bit 7 - b % 8 of byte b / 8 (so the next 16
  bits are a left-justified code the decoder compares with each length's limit).  A code of one symbol is the
  1-bit code 0.

Decoded: the fields packed LSB first (``sparse_codebook.pack_fields``) into ``out_bytes`` bytes, the bytes after
the last field's zero (the entries stream's padding byte).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .huffman import huffman_lengths

MAX_LEN = 16
MAX_SYMBOL_BITS = 16


@dataclass(frozen=True)
class Coded:
    table: np.ndarray      # uint16: per part MAX_LEN length counts, then its symbols in canonical order
    coded: np.ndarray      # uint8: the codes, one bit stream read most significant bit first
    n: int                 # fields
    bits0: int             # bits of part 0
    bits1: int             # bits of part 1 (0: one part)
    out_bytes: int         # bytes of the decoded (uncoded) stream
    blocks: Optional[np.ndarray] = None  # uint32 [blocks + 1][2]: (bit of the codes, first field) per block

    @property
    def nbytes(self) -> int:
        """Flash of the coded stream: the table, the codes and the block table."""
        return int(self.table.nbytes + self.coded.size + (self.blocks.nbytes if self.blocks is not None else 0))


def limited_lengths(symbols: np.ndarray) -> dict:
    """{symbol: code length} of a Huffman code for the symbols' frequencies, no code longer than MAX_LEN."""
    counts = np.bincount(np.asarray(symbols, dtype=np.int64).reshape(-1))
    while True:
        lens = huffman_lengths(counts)
        if max(lens.values()) <= MAX_LEN:
            return lens
        counts = np.where(counts > 0, (counts >> 1) | 1, 0)  # flatter frequencies, every symbol kept


def canonical(lens: dict):
    """(length counts [MAX_LEN], symbols in canonical order, {symbol: (code, length)})."""
    order = sorted(lens, key=lambda s: (lens[s], s))
    cnt = np.zeros(MAX_LEN, dtype=np.int64)
    for s in order:
        cnt[lens[s] - 1] += 1
    codes, code, prev = {}, 0, 1
    for s in order:
        code <<= lens[s] - prev
        prev = lens[s]
        codes[s] = (code, lens[s])
        code += 1
    return cnt, order, codes


def encode(parts: Sequence[np.ndarray], bits: Sequence[int], out_bytes: int,
           cuts: Optional[Sequence[int]] = None) -> Coded:
    """The coded form of the fields whose parts are ``parts`` (one or two arrays of n symbols) of ``bits``
    widths; ``out_bytes``: the uncoded stream's size (at least ceil(n * sum(bits) / 8)).  ``cuts``: the first
    field of each block (increasing, from 0; ``huffman_decode_block_u8``), giving ``blocks``: per block the bit its
    first code starts at and its first field, then (total bits, n)."""
    if len(parts) not in (1, 2) or len(bits) != len(parts):
        raise ValueError("one or two parts, each with its width")
    parts = [np.asarray(p, dtype=np.int64).reshape(-1) for p in parts]
    n = parts[0].size
    if any(p.size != n for p in parts) or n == 0:
        raise ValueError("parts of one non-zero length")
    for p, b in zip(parts, bits):
        if not 1 <= b <= MAX_SYMBOL_BITS or p.min() < 0 or p.max() >= 1 << b:
            raise ValueError(f"symbols of {b} bits: 1..{MAX_SYMBOL_BITS} bits, values below 2**bits")
    if out_bytes * 8 < n * sum(bits):
        raise ValueError(f"{out_bytes} bytes hold fewer than {n} fields of {sum(bits)} bits")
    table, code_of, len_of = [], [], []
    for p in parts:
        cnt, order, codes = canonical(limited_lengths(p))
        table += [cnt, np.asarray(order, dtype=np.int64)]
        lut_c = np.zeros(max(codes) + 1, dtype=np.int64)
        lut_l = np.zeros(max(codes) + 1, dtype=np.int64)
        for s, (c, ln) in codes.items():
            lut_c[s], lut_l[s] = c, ln
        code_of.append(lut_c[p])
        len_of.append(lut_l[p])
    c = np.stack(code_of, axis=1).reshape(-1)   # field j: part 0, then part 1
    ln = np.stack(len_of, axis=1).reshape(-1)
    start = np.concatenate([[0], np.cumsum(ln)[:-1]])
    item = np.repeat(np.arange(c.size), ln)
    k = np.arange(int(ln.sum())) - start[item]
    bitarr = ((c[item] >> (ln[item] - 1 - k)) & 1).astype(np.uint8)
    coded = np.packbits(bitarr, bitorder="big")
    blocks = None
    if cuts is not None:
        cuts = np.asarray(cuts, dtype=np.int64)
        if cuts.size == 0 or cuts[0] != 0 or np.any(np.diff(cuts) < 0) or cuts[-1] > n:
            raise ValueError("block cuts: increasing fields from 0 up to n")
        fstart = np.concatenate([start[::len(parts)], [int(ln.sum())]])  # bit of each field's first code
        blocks = np.stack([fstart[np.append(cuts, n)], np.append(cuts, n)], axis=1).astype(np.uint32)
    return Coded(np.concatenate(table).astype(np.uint16), coded, int(n), int(bits[0]),
                 int(bits[1]) if len(bits) > 1 else 0, int(out_bytes), blocks)


BLOCK_BYTES = 2048  # the decoded streams of one row block (count and entries together) at most, unless one row
#                    alone takes more (that row is a block)


@dataclass(frozen=True)
class Blocked:
    """A sparse + codebook layer stored Huffman-coded in row blocks: ``rows`` the blocks' row ranges
    [(r0, r1)], ``count`` / ``entries`` the coded streams (with their block tables, None: stored uncoded);
    ``first_entry[r]``: the entries before row r (r = 0..out)."""
    rows: list
    count: Optional[Coded]
    entries: Optional[Coded]
    first_entry: np.ndarray

    def block_bytes(self, key: str) -> int:
        """The buffer a block of stream ``key`` decodes into (the largest block's bytes; entries: and its
        padding byte)."""
        if len(self.rows) == 1:
            return (self.count if key == "count" else self.entries).out_bytes
        if key == "count":
            return max(decoded_bytes(self.count.bits0, r1 - r0, 0) for r0, r1 in self.rows)
        eb = self.entries.bits0 + self.entries.bits1
        fe = self.first_entry
        return max(decoded_bytes(eb, int(fe[r1] - fe[r0]), 1) for r0, r1 in self.rows)


def decoded_bytes(bits: int, fields: int, pad: int) -> int:
    """Bytes of ``fields`` decoded fields of ``bits`` bits, and ``pad`` padding bytes (the entries stream's one)."""
    return (bits * fields + 7) // 8 + pad


def row_blocks(enc, count: bool, entries: bool, budget: Optional[int] = None) -> list:
    """Row ranges [(r0, r1)] covering the layer's rows in order: each as many rows as keep the decoded bytes of
    the coded streams (``count`` / ``entries``: which are) within ``budget`` (None: BLOCK_BYTES), at least one
    row."""
    budget = BLOCK_BYTES if budget is None else budget
    out = int(enc.counts.size)
    fe = np.concatenate([[0], np.cumsum(enc.counts)]).astype(np.int64)
    eb = enc.delta_bits + enc.index_bits

    def size(r0, r1):
        return (decoded_bytes(enc.count_bits, r1 - r0, 0) if count else 0) + \
            (decoded_bytes(eb, int(fe[r1] - fe[r0]), 1) if entries else 0)

    rows, r0 = [], 0
    while r0 < out:
        r1 = r0 + 1
        while r1 < out and size(r0, r1 + 1) <= budget:
            r1 += 1
        rows.append((r0, r1))
        r0 = r1
    return rows


def spcb_streams(enc):
    """(count, entries) of a sparse + codebook layout (compress.sparse_codebook.SpCb), each its Coded form when
    that takes fewer bytes than the uncoded stream (and its fields fit MAX_SYMBOL_BITS), else None."""
    count: Optional[Coded] = None
    entries: Optional[Coded] = None
    if enc.counts.size and enc.count_bits <= MAX_SYMBOL_BITS:
        c = encode([enc.counts], [enc.count_bits], enc.count.size)
        count = c if c.nbytes < enc.count.size else None
    if enc.n_entries:
        e = encode([enc.deltas, enc.indices], [enc.delta_bits, enc.index_bits], enc.entries.size)
        entries = e if e.nbytes < enc.entries.size else None
    return count, entries


def spcb_blocked(enc, budget: Optional[int] = None) -> Blocked:
    """The layer's streams coded with their block tables over ``row_blocks``: a stream is coded when that, its
    block table included, takes fewer bytes than the uncoded stream (a stream dropped changes the blocks: the
    choice is made again with the other alone).  A layer of one block has no block tables: its streams are decoded
    whole (huffman_decode_u8)."""
    count, entries = spcb_streams(enc)
    fe = np.concatenate([[0], np.cumsum(enc.counts)]).astype(np.int64)
    while True:
        rows = row_blocks(enc, count is not None, entries is not None, budget) if (count or entries) else \
            [(0, int(enc.counts.size))]
        starts = [r0 for r0, _ in rows] if len(rows) > 1 else None  # one block: no table (huffman_decode_u8)
        bc = encode([enc.counts], [enc.count_bits], enc.count.size, starts) if count else None
        be = encode([enc.deltas, enc.indices], [enc.delta_bits, enc.index_bits], enc.entries.size,
                    None if starts is None else fe[starts]) if entries else None
        keep_c = bc is not None and bc.nbytes < enc.count.size
        keep_e = be is not None and be.nbytes < enc.entries.size
        if keep_c == (count is not None) and keep_e == (entries is not None):
            return Blocked(rows, bc, be, fe)
        count = count if keep_c else None
        entries = entries if keep_e else None


def stored_bytes(enc) -> int:
    """Flash of a sparse + codebook layer stored Huffman-coded: the codebook, each stream coded (with its block
    table) or not."""
    b = spcb_blocked(enc)
    return int(enc.codebook.nbytes + (b.count.nbytes if b.count else enc.count.size) +
               (b.entries.nbytes if b.entries else enc.entries.size))


LUT_BYTES = 512   # the decoder's lookup table of one code (huffman_decode_scratch_size_u8: 512 a part)


def scratch_bytes(enc) -> int:
    """Arena the decoding of a layer takes: per coded stream the buffer of one row block, and the decoder's
    lookup tables (each call's own block, planned live at the layer)."""
    b = spcb_blocked(enc)
    return int(sum(b.block_bytes(k) + LUT_BYTES * (2 if c.bits1 else 1)
                   for k, c in (("count", b.count), ("entries", b.entries)) if c is not None))
