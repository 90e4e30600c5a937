"""Numpy twin of templates_c/kernels/huffman_decode_u8.c: a Huffman-coded field stream (the format of
nncodegen.compress.huffman_store) decoded into the bytes of the uncoded stream, with the C's steps: per part
a lookup table of 256 entries (length << 8 | canonical index of the code of at most 8 bits that the next 8
bits start with, 0: none) built from the length counts, and for longer codes the limit of each length (the
left-justified end of the codes up to that length) compared with the next 16 bits; per field one symbol a part
(kept to its part's width), the field packed LSB first, the bytes after the last field zero (no more
fields than ``out_bytes`` holds).  Bits past the
end of the coded bytes read as 0; a pattern that is no code (never written by the encoder) decodes as symbol
0 and takes 16 bits.  The tables are a prefix code's (the encoder's); for others the C's steps are kept (its
32-bit arithmetic by masks, the lookup table filled in the same order and cut off at the same points).
``huffman_decode_block_u8``: one block of the stream, from the bit its block table gives, its fields from bit 0
of the output, then one zero byte.
"""
from __future__ import annotations

import numpy as np

MAX_LEN = 16
LUT_BITS = 8
U32 = 0xFFFFFFFF


def huffman_decode_scratch_size_u8(bits1) -> int:
    return (2 if int(bits1) > 0 else 1) * (1 << LUT_BITS) * 2


def _part(table: np.ndarray, at: int):
    """(lut, limit[0..16], delta[0..16], symbols, next part's start) of the code at ``at``, as the C makes them."""
    if at + MAX_LEN > table.size:
        raise ValueError(f"a Huffman table of {table.size} entries: a part's counts start at {at}")
    first = limit = index = 0
    lim, dlt = [0] * (MAX_LEN + 1), [0] * (MAX_LEN + 1)
    lut = [0] * (1 << LUT_BITS)
    for ln in range(1, MAX_LEN + 1):
        c = int(table[at + ln - 1])
        dlt[ln] = index - first
        limit = (limit + (c << (MAX_LEN - ln))) & U32
        lim[ln] = limit
        if ln <= LUT_BITS:
            span = 1 << (LUT_BITS - ln)
            for j in range(c):  # the 8-bit patterns that start code first + j
                lo = ((first + j) << (LUT_BITS - ln)) & U32
                if lo + span > (1 << LUT_BITS) or index + j > 255:
                    break
                lut[lo:lo + span] = [(ln << 8) | (index + j)] * span
        index += c
        first = ((first + c) << 1) & U32
    sym = at + MAX_LEN
    if sym + index > table.size:
        raise ValueError(f"a Huffman table of {table.size} entries: its counts need {sym + index}")
    return lut, lim, dlt, [int(v) for v in table[sym:sym + index]], sym + index


class _Reader:
    """The stream's bits, most significant first: ``peek16`` the next 16 (zeros past the end), ``skip``."""

    def __init__(self, coded, nbytes: int, bit: int = 0):
        self.c = [int(v) for v in np.asarray(coded, dtype=np.uint8).reshape(-1)[:nbytes]] + [0, 0, 0]
        self.pos = bit

    def peek16(self) -> int:
        b = self.pos >> 3
        if b >= len(self.c) - 3:
            return 0
        three = (self.c[b] << 16) | (self.c[b + 1] << 8) | self.c[b + 2]
        return (three >> (8 - (self.pos & 7))) & 0xFFFF

    def skip(self, n: int) -> None:
        self.pos += n


def _symbol(part, rd: _Reader) -> int:
    lut, lim, dlt, sym, _ = part
    c = rd.peek16()
    e = lut[c >> (16 - LUT_BITS)]
    if e:
        rd.skip(e >> 8)
        return sym[e & 0xFF]
    for ln in range(LUT_BITS + 1, MAX_LEN + 1):
        if c < lim[ln]:
            rd.skip(ln)
            return sym[(c >> (MAX_LEN - ln)) + dlt[ln]]
    rd.skip(MAX_LEN)
    return 0


def _run(table, coded, coded_bytes, bit, n, bits0, bits1, out_bytes) -> np.ndarray:
    """n fields from bit ``bit`` of the coded stream (nnc_huff_run), the out_bytes bytes after them 0 (the C
    zeroes them all, or for a block one byte and leaves the others)."""
    if not 1 <= bits0 <= 16 or not 0 <= bits1 <= 16 or bits0 + bits1 > 24:
        raise ValueError(f"part widths {bits0}, {bits1}: 1..16 and 0..16, together at most 24")
    t = np.asarray(table, dtype=np.uint16).reshape(-1)
    p0 = _part(t, 0)
    p1 = _part(t, p0[4]) if bits1 else p0
    rd = _Reader(coded, coded_bytes, bit)
    out = np.zeros(out_bytes, dtype=np.uint8)
    acc = nacc = w = 0
    n = min(n, out_bytes * 8 // (bits0 + bits1))  # the fields out_bytes holds (the encoder's n fits)
    for _ in range(n):
        f = _symbol(p0, rd) & ((1 << bits0) - 1)  # symbols kept to their widths
        if bits1:
            f |= (_symbol(p1, rd) & ((1 << bits1) - 1)) << bits0
        acc |= f << nacc
        nacc += bits0 + bits1
        while nacc >= 8:
            out[w] = acc & 0xFF
            w += 1
            acc >>= 8
            nacc -= 8
    if nacc > 0 and w < out_bytes:
        out[w] = acc & 0xFF
    return out


def huffman_decode_u8(table, coded, coded_bytes, n, bits0, bits1, out_bytes, *scratch) -> np.ndarray:
    out_bytes = int(out_bytes)
    return _run(table, coded, int(coded_bytes), 0, int(n), int(bits0), int(bits1), out_bytes)


def huffman_decode_block_u8(table, coded, coded_bytes, blocks, blk, bits0, bits1, out_bytes, tables=1,
                            *scratch) -> np.ndarray:
    """Block ``blk`` of the stream (blocks: [bit, first field] per block, an entry past the last): its fields
    from bit 0 of the result, then a zero byte; the result is the whole out_bytes buffer, the bytes the C leaves
    untouched are 0 here (the kernel reads none of them).  ``tables`` (the C builds its lookup tables in scratch,
    or reuses the ones an earlier block's call built) does not change the result."""
    b = np.asarray(blocks, dtype=np.uint32).reshape(-1)
    blk = int(blk)
    bit, first, nxt = int(b[2 * blk]), int(b[2 * blk + 1]), int(b[2 * blk + 3])
    return _run(table, coded, int(coded_bytes), bit, max(0, nxt - first), int(bits0), int(bits1), int(out_bytes))
