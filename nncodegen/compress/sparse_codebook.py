"""The combined storage kind "sparse_codebook": Deep Compression's layout as the C stores it.

Pruning and weight sharing together: only the nonzero weights of a row (an output channel) are stored,
each as a (relative position, codebook index) pair in a few bits, plus the layer's codebook.

Layout of the rows ``w2`` (out, K) (``encode``; the kernels ``*_sparse_codebook_*`` read it, twins in
``nncodegen/ref/kernels_spcb.py``, C helpers in ``templates_c/include/nnc_spcb.h``):

* ``codebook``: ``[rows][2**index_bits]`` values in the weight's element type, rows = 1 (one codebook for
  the layer) or ``out`` (one per output channel, when the quantized format is per channel and the
  channels' values differ; ``cb_stride`` = 0 or ``2**index_bits``).  The value 0 is always in it
  (the filler entries below point at it); ``index_bits`` (1..8) = bits of an index into the values used.
* ``entries``: per row, its entries one after the other, rows one after the other; an entry is the field
  ``delta | index << delta_bits`` of ``delta_bits + index_bits`` bits.  Entry j of a row sits at position
  ``p_j = p_(j-1) + 1 + delta_j`` (``p_(-1) = -1``): delta counts the zeros skipped.  A run of more than
  ``2**delta_bits - 1`` zeros takes filler entries (delta ``2**delta_bits - 1``, the index of 0) -- as
  Deep Compression pads its relative indices.  Zeros after a row's last nonzero take nothing.
* ``count``: per row its number of entries (fillers included), ``count_bits`` bits each (1..24).
* Bit streams (``entries``, ``count``) are packed LSB first: field j starts at bit j * bits of the stream,
  bit b of a stream is bit b % 8 of byte b / 8.  The C reads ``count`` a byte at a time, as it needs them
  (no padding), and ``entries`` two bytes at a time: one byte of padding (0) ends it.

``delta_bits`` (1..8) is chosen per layer to make the entries smallest (``best_delta_bits``).
Accounting (``sizes``): stored bytes = codebook + count + entries; Huffman bytes = codebook + the
Huffman-coded sizes of the three symbol streams count, delta and index (each coded by its own
frequencies; accounting only, as Deep Compression reports it -- the C stores the fixed-width fields).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

DELTA_BITS = tuple(range(1, 9))
MAX_COUNT_BITS = 24


@dataclass(frozen=True)
class SpCb:
    codebook: np.ndarray      # [rows][2**index_bits], the weight's dtype
    count: np.ndarray         # uint8, count_bits-bit fields
    entries: np.ndarray       # uint8, (delta_bits + index_bits)-bit fields
    count_bits: int
    delta_bits: int
    index_bits: int
    values: int               # values in the largest codebook, 0 included
    per_channel: bool
    n_entries: int
    # the symbol streams (for the Huffman accounting and the tests)
    counts: np.ndarray
    deltas: np.ndarray
    indices: np.ndarray

    @property
    def cb_stride(self) -> int:
        return (1 << self.index_bits) if self.per_channel else 0

    @property
    def stored_bytes(self) -> int:
        return int(self.codebook.nbytes + self.count.size + self.entries.size)


def bit_width(n: int) -> int:
    """Bits of an unsigned field holding 0..n (at least 1)."""
    return max(1, int(n).bit_length())


def pack_fields(vals, bits: int) -> np.ndarray:
    """Unsigned fields (< 2**bits, bits <= 32) packed LSB first, field j at bit j * bits; no padding."""
    v = np.asarray(vals, dtype=np.uint64).reshape(-1)
    nbits = v.size * bits
    if v.size == 0:
        return np.zeros(0, dtype=np.uint8)
    bitarr = ((v[:, None] >> np.arange(bits, dtype=np.uint64)[None, :]) & np.uint64(1)).astype(np.uint8).reshape(-1)
    pad = (-nbits) % 8
    bitarr = np.concatenate([bitarr, np.zeros(pad, dtype=np.uint8)])
    return np.packbits(bitarr.reshape(-1, 8), axis=1, bitorder="little").reshape(-1)


def unpack_fields(packed, bits: int, n: int) -> np.ndarray:
    """Twin of nnc_spcb_get (nnc_spcb.h) over a whole stream: n fields of ``bits`` bits (int64)."""
    p = np.asarray(packed, dtype=np.uint8).reshape(-1)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if p.size * 8 < n * bits:
        raise ValueError(f"packed stream of {p.size} bytes holds fewer than {n} fields of {bits} bits")
    bitarr = np.unpackbits(p, bitorder="little")[:n * bits].reshape(n, bits).astype(np.int64)
    return (bitarr << np.arange(bits, dtype=np.int64)[None, :]).sum(axis=1)


def _codebooks(w2: np.ndarray, per_channel: Optional[bool]):
    """(rows of sorted values with 0 included, per_channel) or None when a codebook needs > 256 values."""
    zero = np.zeros(1, dtype=w2.dtype)
    shared = np.union1d(np.unique(w2), zero)
    if per_channel is None:
        per_channel = shared.size > 256
    if not per_channel:
        return ([shared], False) if shared.size <= 256 else None
    rows = [np.union1d(np.unique(r), zero) for r in w2]
    if max(r.size for r in rows) > 256:
        return None
    return rows, True


def _positions(w2: np.ndarray, delta_bits: int):
    """Per row: (deltas, positions of the entries) with fillers; positions index into the row."""
    step = (1 << delta_bits) - 1
    out = []
    for row in w2:
        nz = np.flatnonzero(row)
        gaps = np.diff(np.concatenate([[-1], nz])) - 1          # zeros before each nonzero
        nfill = gaps // (step + 1)                               # fillers before it: each skips step, sits on a 0
        d, pos = [], []
        prev = -1
        for p, g, f in zip(nz.tolist(), gaps.tolist(), nfill.tolist()):
            for _ in range(f):
                prev += step + 1
                d.append(step)
                pos.append(prev)
            d.append(p - prev - 1)
            pos.append(p)
            prev = p
        out.append((np.asarray(d, dtype=np.int64), np.asarray(pos, dtype=np.int64)))
    return out


def entry_count(w2: np.ndarray, delta_bits: int) -> int:
    """Entries (nonzeros and fillers) of the layout with ``delta_bits``, without building it."""
    step1 = 1 << delta_bits
    n = 0
    for row in np.asarray(w2):
        nz = np.flatnonzero(row)
        if nz.size:
            gaps = np.diff(np.concatenate([[-1], nz])) - 1
            n += nz.size + int(np.sum(gaps // step1))
    return n


def best_delta_bits(w2: np.ndarray, index_bits: int) -> int:
    """The delta width of the smallest entries stream (ties: the wider, fewer entries to run)."""
    best, best_bits = DELTA_BITS[-1], None
    for db in DELTA_BITS:
        bits = entry_count(w2, db) * (db + index_bits)
        if best_bits is None or bits <= best_bits:
            best, best_bits = db, bits
    return best


def encode(w2: np.ndarray, delta_bits: Optional[int] = None, per_channel: Optional[bool] = None) -> Optional[SpCb]:
    """The layout of rows ``w2`` (out, K), integers or float32, or None when a codebook would need more
    than 256 values.  ``delta_bits`` None: the smallest (``best_delta_bits``)."""
    w2 = np.asarray(w2)
    cbs = _codebooks(w2, per_channel)
    if cbs is None:
        return None
    rows, pc = cbs
    values = max(r.size for r in rows)
    ibits = bit_width(values - 1)
    if delta_bits is None:
        delta_bits = best_delta_bits(w2, ibits)
    if not 1 <= delta_bits <= 8:
        raise ValueError(f"delta_bits {delta_bits}: 1..8")
    cb = np.zeros((len(rows), 1 << ibits), dtype=w2.dtype)
    for o, r in enumerate(rows):
        cb[o, :r.size] = r
    counts, deltas, indices = [], [], []
    for o, (d, pos) in enumerate(_positions(w2, delta_bits)):
        r = rows[o if pc else 0]
        counts.append(d.size)
        deltas.append(d)
        indices.append(np.searchsorted(r, w2[o, pos]).astype(np.int64))
    counts = np.asarray(counts, dtype=np.int64)
    cbits = bit_width(int(counts.max(initial=0)))
    if cbits > MAX_COUNT_BITS:
        raise ValueError(f"a row of {int(counts.max())} entries: over {MAX_COUNT_BITS}-bit counts")
    d = np.concatenate(deltas) if deltas else np.zeros(0, np.int64)
    ix = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    entries = np.concatenate([pack_fields(d | (ix << delta_bits), delta_bits + ibits), np.zeros(1, np.uint8)])
    return SpCb(cb, pack_fields(counts, cbits), entries,
                cbits, int(delta_bits), ibits, int(values), pc, int(d.size), counts, d, ix)


def decode(codebook, cb_stride: int, count, count_bits: int, entries, delta_bits: int, index_bits: int,
           out: int, k: int) -> np.ndarray:
    """The matrix [out, k] of an encoding (the kernels' specification: entry positions and values)."""
    cb = np.asarray(codebook).reshape(-1)
    counts = unpack_fields(count, count_bits, out)
    ebits = delta_bits + index_bits
    fields = unpack_fields(entries, ebits, int(counts.sum()))
    w = np.zeros((out, k), dtype=cb.dtype)
    e = 0
    for o in range(out):
        m = int(counts[o])
        f = fields[e:e + m]
        e += m
        pos = np.cumsum((f & ((1 << delta_bits) - 1)) + 1) - 1
        if m and pos[-1] >= k:
            raise ValueError(f"row {o}: an entry at position {int(pos[-1])} of {k}")
        w[o, pos] = cb[o * cb_stride + (f >> delta_bits)]
    return w


def huffman_bytes(enc: SpCb) -> int:
    """Codebook bytes + the Huffman-coded sizes of the count, delta and index streams."""
    from .huffman import huffman_bits
    bits = huffman_bits(enc.counts) + huffman_bits(enc.deltas) + huffman_bits(enc.indices)
    return int(enc.codebook.nbytes + (bits + 7) // 8)


def narrow_bias_bits(bias_q) -> int:
    """16 when every int32 bias fits int16 (the kernels' ``_b16`` variants), else 32."""
    b = np.asarray(bias_q)
    if b.size and np.issubdtype(b.dtype, np.integer) and b.min() >= -32768 and b.max() <= 32767:
        return 16
    return 32
