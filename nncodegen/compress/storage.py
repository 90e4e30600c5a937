"""Storage kinds of a weight tensor and their encodings (the layouts the C kernels read).

See the package docstring for the meaning of ``Tensor.meta["storage"]``.  Every encoder here is
exact: decoding (``decode_sparse``, ``decode_codebook``, ``hashed_matrix``) gives back the same
integers (or floats), which the tests check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

KINDS = ("dense", "sparse", "codebook", "hashed", "sparse_codebook")
REQUESTS = ("auto",) + KINDS + ("sparse_codebook_huffman",)  # the last: sparse_codebook stored Huffman-coded
DELTA_MAX = 255                 # uint8 index deltas; longer gaps take filler entries of value 0
SIGN_SEED_XOR = 0x5BD1E995


@dataclass(frozen=True)
class Storage:
    kind: str = "dense"
    nnz: int = 0                 # sparse: nonzero weights
    density: float = 1.0         # sparse: nnz / size
    bits: int = 0                # codebook: index bits (2..8)
    values: int = 0              # codebook: entries used
    per_channel: bool = False    # codebook: one codebook per output channel
    buckets: int = 0             # hashed
    seed: int = 0                # hashed
    sign: bool = True            # hashed
    delta_bits: int = 0          # sparse_codebook: bits of a relative position (compress/sparse_codebook.py)
    bias_bits: int = 0           # sparse_codebook: 16 when the int32 biases are stored as int16, else 32 / 0
    huffman: bool = False        # sparse_codebook: count / entries stored Huffman-coded (compress/huffman_store.py)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"storage kind {self.kind!r}: choose one of {', '.join(KINDS)}")

    @staticmethod
    def of(tensor) -> "Storage":
        d = tensor.meta.get("storage") or {"kind": "dense"}
        return Storage(**d)

    def to_meta(self) -> dict:
        if self.kind == "sparse":
            return {"kind": "sparse", "nnz": int(self.nnz), "density": float(self.density)}
        if self.kind == "codebook":
            return {"kind": "codebook", "bits": int(self.bits), "values": int(self.values),
                    "per_channel": bool(self.per_channel)}
        if self.kind == "sparse_codebook":
            return {"kind": "sparse_codebook", "nnz": int(self.nnz), "density": float(self.density),
                    "bits": int(self.bits), "values": int(self.values), "per_channel": bool(self.per_channel),
                    "delta_bits": int(self.delta_bits), "bias_bits": int(self.bias_bits),
                    **({"huffman": True} if self.huffman else {})}
        if self.kind == "hashed":
            return {"kind": "hashed", "buckets": int(self.buckets), "seed": int(self.seed), "sign": bool(self.sign)}
        return {"kind": "dense"}


# ---------------------------------------------------------------- sparse

def encode_sparse(w2: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w2`` (out, K) -> (row_start int32 [out + 1], values [entries] (w2's dtype),
    delta uint8 [entries]).  Entry j of a row sits at index prev + delta[j] (prev = 0 before the
    first entry); gaps over 255 take filler entries (value 0, delta 255)."""
    w2 = np.asarray(w2)
    starts, vals, deltas = [0], [], []
    for row in w2:
        prev = 0
        for i in np.flatnonzero(row):
            gap = int(i) - prev
            while gap > DELTA_MAX:
                vals.append(0)
                deltas.append(DELTA_MAX)
                gap -= DELTA_MAX
                prev += DELTA_MAX
            vals.append(row[i])
            deltas.append(gap)
            prev = int(i)
        starts.append(len(vals))
    return (np.asarray(starts, dtype=np.int32), np.asarray(vals, dtype=w2.dtype).reshape(-1),
            np.asarray(deltas, dtype=np.uint8).reshape(-1))


def decode_sparse(row_start, values, delta, k: int) -> np.ndarray:
    rs = np.asarray(row_start, dtype=np.int64)
    vals = np.asarray(values)
    out = np.zeros((len(rs) - 1, k), dtype=vals.dtype)
    d = np.asarray(delta, dtype=np.int64)
    for o in range(len(rs) - 1):
        idx = np.cumsum(d[rs[o]:rs[o + 1]])
        out[o, idx] += vals[rs[o]:rs[o + 1]]
    return out


def sparse_entries(w2: np.ndarray) -> int:
    """Entries encode_sparse stores (nonzeros and fillers), without building them."""
    n = 0
    for row in np.asarray(w2):
        nz = np.flatnonzero(row)
        if nz.size:
            gaps = np.maximum(np.diff(np.concatenate([[0], nz])) - 1, 0)
            n += nz.size + int(np.sum(gaps // DELTA_MAX))
    return n


# ---------------------------------------------------------------- sparse, sliced (integer dense layers)
#
# Fully connected layers in q7 / q15 / affine int8 store their nonzeros "sliced": the output rows in
# slices of R = 16 rows, the input columns in blocks of C columns, E entries of a row per step
# ((C, E) = (128, 4) for 8-bit weights, (64, 2) for 16-bit ones; the last slice / block may be shorter:
# nr rows, fewer columns).  Per slice s and block c the entries form ``steps[s][c]`` steps of E * nr
# entries, entry (t, r, e) being row r's entry E t + e in the block, at offset t * E nr + E r + e;
# ``index`` (uint8) is the column inside the block, ``values`` the weight; rows with fewer entries are
# padded with (index 0, value 0).  ``steps[s][c]`` = ceil(max over the slice's rows of count / E);
# ``count[s][c][r]`` = row r's nonzeros in the block.  A last slice of nr < R rows, which no SIMD step
# reads, has ``steps`` 0 and stores each row's entries of the block one after the other, no padding.
# One SIMD step reads 64 bytes of indices or
# values: a table lookup of the block's inputs (AVX-512 VBMI VPERMI2B over 128 int8, VPERMI2W over 64
# int16) and a multiply-add of each row's E products into its int32 lane (VNNI VPDPBUSD, VPMADDWD).
# The portable loop walks each row's own count, so the padding costs it little but bytes.


def sliced_dims(itemsize: int) -> Tuple[int, int, int]:
    """(rows per slice R, columns per block C, entries of a row per step E) of the sliced sparse layout for
    weights of itemsize bytes."""
    return (16, 128, 4) if itemsize == 1 else (16, 64, 2)


def sparse_layout(node_op: str, dtype) -> str:
    """'sliced' for integer fully connected layers, 'delta' (encode_sparse) for convolutions and float."""
    return "sliced" if node_op == "dense" and np.issubdtype(np.dtype(dtype), np.integer) else "delta"


def _sliced_counts(w2: np.ndarray):
    out, k = w2.shape
    r, c, e = sliced_dims(w2.itemsize)
    ns, nb = -(-out // r), -(-k // c)
    m = np.zeros((ns * r, nb * c), dtype=bool)
    m[:out, :k] = w2 != 0
    counts = m.reshape(ns, r, nb, c).sum(-1)                      # [slice][row][block]
    nrows = np.minimum(r, out - np.arange(ns) * r)
    steps = (counts.max(axis=1) + e - 1) // e                      # [slice][block]
    steps[nrows < r] = 0                                           # a partial slice: rows one after the other
    return counts, steps, nrows


def sliced_entries(w2: np.ndarray) -> int:
    """Entries (with padding) encode_sparse_sliced stores, without building them."""
    w2 = np.asarray(w2)
    counts, steps, nrows = _sliced_counts(w2)
    r = sliced_dims(w2.itemsize)[0]
    return int(np.sum(steps * sliced_dims(w2.itemsize)[2] * nrows[:, None]) + counts[nrows < r].sum())


def sliced_bytes(w2: np.ndarray) -> int:
    """Stored bytes of the sliced layout: steps + counts (uint8) + entries * (uint8 index + value) + the rows' weight
    sums (int32, sliced_wsum)."""
    w2 = np.asarray(w2)
    _counts, steps, _nrows = _sliced_counts(w2)
    return int(steps.size + w2.shape[0] * steps.shape[1] + sliced_entries(w2) * (1 + w2.itemsize) + 4 * w2.shape[0])


def sliced_wsum(w2: np.ndarray) -> np.ndarray:
    """The sum of each row's weights modulo 2^32 (int32 [out]), stored beside the sliced layout: the 8-bit SIMD path
    multiplies x + 128 (unsigned) by w and adds (offset - 128) * sum w per row instead of summing w at run time."""
    s = np.asarray(w2).astype(np.int64).sum(axis=1) & 0xFFFFFFFF
    return np.where(s >= 1 << 31, s - (1 << 32), s).astype(np.int32)


def encode_sparse_sliced(w2: np.ndarray):
    """Rows of ``w2`` (out, K), integers -> (steps uint8 [slices * blocks], count uint8 [slices][blocks][nr],
    index uint8 [entries], values [entries] (w2's dtype)); the layout above."""
    w2 = np.asarray(w2)
    out, k = w2.shape
    r, c, e = sliced_dims(w2.itemsize)
    counts, steps, nrows = _sliced_counts(w2)
    idx_parts, val_parts, cnt_parts = [], [], []
    for s in range(steps.shape[0]):
        nr = int(nrows[s])
        for b in range(steps.shape[1]):
            n = int(steps[s, b])
            if nr < r:
                for row in range(nr):
                    blk = w2[s * r + row, b * c:(b + 1) * c]
                    nz = np.flatnonzero(blk)
                    idx_parts.append(nz.astype(np.uint8))
                    val_parts.append(blk[nz])
                cnt_parts.append(counts[s, :nr, b].astype(np.uint8))
                continue
            idx = np.zeros((n, nr, e), dtype=np.uint8)
            val = np.zeros((n, nr, e), dtype=w2.dtype)
            for row in range(nr):
                blk = w2[s * r + row, b * c:(b + 1) * c]
                nz = np.flatnonzero(blk)
                j = np.arange(nz.size)
                idx[j // e, row, j % e] = nz
                val[j // e, row, j % e] = blk[nz]
            idx_parts.append(idx.reshape(-1))
            val_parts.append(val.reshape(-1))
            cnt_parts.append(counts[s, :nr, b].astype(np.uint8))
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
    return (steps.reshape(-1).astype(np.uint8), cat(cnt_parts, np.uint8), cat(idx_parts, np.uint8),
            cat(val_parts, w2.dtype))


def decode_sparse_sliced(steps, count, index, values, out: int, k: int) -> np.ndarray:
    """The matrix [out, k] of a sliced encoding (padding entries are read and must be zeros)."""
    vals = np.asarray(values)
    r, c, e = sliced_dims(vals.itemsize)
    nb = -(-k // c)
    w = np.zeros((out, nb * c), dtype=vals.dtype)
    steps = np.asarray(steps, dtype=np.int64).reshape(-1, nb)
    cnt = np.asarray(count, dtype=np.int64)
    ix = np.asarray(index, dtype=np.int64)
    pe = pc = 0
    for s in range(steps.shape[0]):
        nr = min(r, out - s * r)
        for b in range(nb):
            n = int(steps[s, b])
            if nr < r:
                for row in range(nr):
                    m = int(cnt[pc + row])
                    w[s * r + row, b * c + ix[pe:pe + m]] = vals[pe:pe + m]
                    pe += m
                pc += nr
                continue
            e_idx = ix[pe:pe + n * nr * e].reshape(n, nr, e)
            e_val = vals[pe:pe + n * nr * e].reshape(n, nr, e)
            for row in range(nr):
                m = int(cnt[pc + row])
                j = np.arange(m)
                w[s * r + row, b * c + e_idx[j // e, row, j % e]] = e_val[j // e, row, j % e]
            pe += n * nr * e
            pc += nr
    return w[:, :k]


# ---------------------------------------------------------------- codebook

def index_bits(k: int) -> int:
    """Bits of an index into k values (2..8)."""
    return max(2, int(np.ceil(np.log2(max(k, 2)))))


def pack_bits(idx: np.ndarray, bits: int) -> np.ndarray:
    """Indices (< 2**bits) packed LSB first into bytes, index j at bit j * bits; one byte of padding
    at the end so the C can always read two bytes."""
    idx = np.asarray(idx, dtype=np.int64).reshape(-1)
    nbits = idx.size * bits
    out = np.zeros((nbits + 7) // 8 + 1, dtype=np.uint8)
    pos = np.arange(idx.size, dtype=np.int64) * bits
    for b in range(bits):
        bit = (idx >> b) & 1
        p = pos + b
        np.add.at(out, p >> 3, (bit << (p & 7)).astype(np.uint8))
    return out


def unpack_bits(packed: np.ndarray, bits: int, n: int) -> np.ndarray:
    """Twin of nnc_unpack_index (nnc_types.h): index j = 16 bits at byte (j*bits)>>3, shifted, masked."""
    p = np.asarray(packed, dtype=np.int64)
    pos = np.arange(n, dtype=np.int64) * bits
    lo = p[pos >> 3]
    hi = p[(pos >> 3) + 1]
    return ((lo | (hi << 8)) >> (pos & 7)) & ((1 << bits) - 1)


def encode_codebook(w2: np.ndarray, per_channel: Optional[bool] = None):
    """(codebook [rows][2**bits] (w2's dtype), packed indices, bits, values, per_channel) or None when a
    codebook would need more than 256 entries.  rows = 1 (shared) or out (per channel)."""
    w2 = np.asarray(w2)
    shared = np.unique(w2)
    if per_channel is None:
        per_channel = shared.size > 256
    if not per_channel:
        if shared.size > 256:
            return None
        bits = index_bits(shared.size)
        cb = np.zeros((1, 1 << bits), dtype=w2.dtype)
        cb[0, :shared.size] = shared
        idx = np.searchsorted(shared, w2)
        return cb, pack_bits(idx, bits), bits, int(shared.size), False
    rows = [np.unique(r) for r in w2]
    k = max(r.size for r in rows)
    if k > 256:
        return None
    bits = index_bits(k)
    cb = np.zeros((w2.shape[0], 1 << bits), dtype=w2.dtype)
    idx = np.zeros(w2.shape, dtype=np.int64)
    for o, r in enumerate(rows):
        cb[o, :r.size] = r
        idx[o] = np.searchsorted(r, w2[o])
    return cb, pack_bits(idx, bits), bits, int(k), True


def decode_codebook(cb: np.ndarray, packed: np.ndarray, bits: int, out: int, k: int) -> np.ndarray:
    cb = np.asarray(cb).reshape(-1, 1 << bits)
    idx = unpack_bits(packed, bits, out * k).reshape(out, k)
    rows = cb if cb.shape[0] == out else np.broadcast_to(cb, (out, 1 << bits))
    return np.take_along_axis(rows, idx, axis=1)


# ---------------------------------------------------------------- hashed

M32 = 0xFFFFFFFF


def nnc_hash32(seed, k) -> np.ndarray:
    """Twin of nnc_hash32 (templates_c/include/nnc_hash.h), all arithmetic modulo 2**32:
    h = seed + k * 0x9E3779B1; h ^= h >> 15; h *= 0x85EBCA77; h ^= h >> 13; h *= 0xC2B2AE3D; h ^= h >> 16
    (xxhash32's multiplier and avalanche constants)."""
    k = np.asarray(k, dtype=np.uint64)
    h = (np.uint64(int(seed) & M32) + k * np.uint64(0x9E3779B1)) & np.uint64(M32)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x85EBCA77)) & np.uint64(M32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE3D)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    return h


def hash_index_sign(out_f: int, in_f: int, buckets: int, seed: int, sign: bool):
    """(bucket index [out, in] int64, sign [out, in] int64 of +-1) of every virtual weight."""
    k = np.arange(out_f * in_f, dtype=np.uint64)
    idx = (nnc_hash32(seed, k) % np.uint64(buckets)).astype(np.int64).reshape(out_f, in_f)
    if sign:
        s = 1 - 2 * (nnc_hash32((int(seed) ^ SIGN_SEED_XOR) & M32, k) & np.uint64(1)).astype(np.int64)
    else:
        s = np.ones(out_f * in_f, dtype=np.int64)
    return idx, s.reshape(out_f, in_f)


def hashed_matrix(buckets: np.ndarray, out_f: int, in_f: int, seed: int, sign: bool) -> np.ndarray:
    """The virtual weight matrix [out, in] of the buckets (any dtype; signs applied by negation)."""
    b = np.asarray(buckets)
    idx, s = hash_index_sign(out_f, in_f, b.size, seed, sign)
    w = b[idx]
    return np.where(s < 0, -w, w).astype(b.dtype)


def recover_buckets(w2: np.ndarray, buckets: int, seed: int, sign: bool) -> Optional[np.ndarray]:
    """The quantized buckets whose virtual matrix is exactly ``w2`` (integers), or None if there are none
    (a bucket whose positions disagree).  Unused buckets are 0."""
    w2 = np.asarray(w2)
    wide = np.float64 if np.issubdtype(w2.dtype, np.floating) else np.int64
    idx, s = hash_index_sign(w2.shape[0], w2.shape[1], buckets, seed, sign)
    v = w2.astype(wide) * s
    out = np.zeros(buckets, dtype=wide)
    out[idx.ravel()] = v.ravel()
    if not np.array_equal(out[idx] * s, w2.astype(wide)):
        return None
    if wide is np.int64:
        info = np.iinfo(w2.dtype)
        if out.min(initial=0) < info.min or out.max(initial=0) > info.max:
            return None
    return out.astype(w2.dtype)
