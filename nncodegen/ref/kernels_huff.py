"""Numpy twin of templates_c/kernels/huffman_decode_u8.c: a Huffman-coded field stream (the format of
nncodegen.compress.huffman_store) decoded into the bytes of the uncoded stream, with the C's steps: per field
one canonical-code symbol per part (kept to its part's width), read a bit at a time against the length counts (deflate's ``puff``
decoder: at most MAX_LEN steps a symbol), the field packed LSB first, the bytes after the last field zero.
A bit pattern that is no code (never written by the encoder) decodes as symbol 0.
"""
from __future__ import annotations

import numpy as np

MAX_LEN = 16


def _parts(table, bits1: int):
    """(counts, symbols) of part 0 and, when bits1 > 0, part 1, from the table as the C walks it."""
    t = np.asarray(table, dtype=np.uint16).reshape(-1)
    out, at = [], 0
    for _ in range(2 if bits1 else 1):
        cnt = [int(v) for v in t[at:at + MAX_LEN]]
        nsym = sum(cnt)
        if at + MAX_LEN + nsym > t.size:
            raise ValueError(f"a Huffman table of {t.size} entries: its counts need {at + MAX_LEN + nsym}")
        out.append((cnt, [int(v) for v in t[at + MAX_LEN:at + MAX_LEN + nsym]]))
        at += MAX_LEN + nsym
    return out


def _symbol(cnt, sym, coded, pos: int):
    """(symbol, next bit position): one canonical code read MSB first, a bit at a time."""
    code = first = index = 0
    for ln in range(MAX_LEN):
        code |= (int(coded[pos >> 3]) >> (pos & 7)) & 1
        pos += 1
        c = cnt[ln]
        if code - first < c:
            return sym[index + code - first], pos
        index += c
        first = (first + c) << 1
        code <<= 1
    return 0, pos


def huffman_decode_u8(table, coded, n, bits0, bits1, out_bytes) -> np.ndarray:
    n, bits0, bits1, out_bytes = int(n), int(bits0), int(bits1), int(out_bytes)
    if not 1 <= bits0 <= 16 or not 0 <= bits1 <= 16 or bits0 + bits1 > 24:
        raise ValueError(f"part widths {bits0}, {bits1}: 1..16 and 0..16, together at most 24")
    parts = _parts(table, bits1)
    c = np.asarray(coded, dtype=np.uint8).reshape(-1)
    out = np.zeros(out_bytes, dtype=np.uint8)
    pos = acc = nacc = w = 0
    for _ in range(n):
        f, pos = _symbol(*parts[0], c, pos)
        f &= (1 << bits0) - 1                      # symbols kept to their widths
        if bits1:
            s1, pos = _symbol(*parts[1], c, pos)
            f |= (s1 & ((1 << bits1) - 1)) << bits0
        acc |= f << nacc
        nacc += bits0 + bits1
        while nacc >= 8:
            if w < out_bytes:
                out[w] = acc & 0xFF
            w += 1
            acc >>= 8
            nacc -= 8
    if nacc > 0 and w < out_bytes:
        out[w] = acc & 0xFF
    return out
