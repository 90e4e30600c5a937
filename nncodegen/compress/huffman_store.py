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

    @property
    def nbytes(self) -> int:
        """Flash of the coded stream: the table and the codes."""
        return int(self.table.nbytes + self.coded.size)


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


def encode(parts: Sequence[np.ndarray], bits: Sequence[int], out_bytes: int) -> Coded:
    """The coded form of the fields whose parts are ``parts`` (one or two arrays of n symbols) of ``bits``
    widths; ``out_bytes``: the uncoded stream's size (at least ceil(n * sum(bits) / 8))."""
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
    return Coded(np.concatenate(table).astype(np.uint16), coded, int(n), int(bits[0]),
                 int(bits[1]) if len(bits) > 1 else 0, int(out_bytes))


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


def stored_bytes(enc) -> int:
    """Flash of a sparse + codebook layer stored Huffman-coded: the codebook, each stream coded or not."""
    count, entries = spcb_streams(enc)
    return int(enc.codebook.nbytes + (count.nbytes if count else enc.count.size) +
               (entries.nbytes if entries else enc.entries.size))


LUT_BYTES = 512   # the decoder's lookup table of one code (huffman_decode_scratch_size_u8: 512 a part)


def scratch_bytes(enc) -> int:
    """Arena the decoding of a layer takes: the uncoded bytes of each coded stream, and the decoder's lookup tables
    (each call's own block, planned live at the layer)."""
    coded = [c for c in spcb_streams(enc) if c is not None]
    return int(sum(c.out_bytes + LUT_BYTES * (2 if c.bits1 else 1) for c in coded))
