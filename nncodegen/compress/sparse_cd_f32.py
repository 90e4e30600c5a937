"""The *class-delta* sparse layout of float32 fully connected layers on the ARM targets (dense_sparse_cd_f32): each
row's nonzeros grouped by the partial sum they go to in the dense float kernel's order, so that a scalar kernel
keeps the eight partial sums in eight registers and adds each group in one loop.

The order (sparse_f32.py, nnc_simd.h): eight partial sums s[c], c = p % 8, over the positions p < split, each from
0.0f in position order; then ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); then the positions split .. k - 1
one by one (dense_f32: split = k - k % 8).

Layout, row after row, nine groups a row (class c = 0..7: the positions p = c + 8 q < split; the tail: the positions
split .. k - 1), each group the delta layout of storage.encode_sparse over its own positions (class c: over q, the
tail: over p - split): values (float) and uint8 deltas, entry j at q_j = q_(j-1) + delta[j] (q_(-1) = 0), gaps
over 255 taking filler entries (value 0.0f, delta 255); count (uint16 [out][9]): the entries of each group.
A filler adds x * 0.0f = +-0 to its partial sum, which changes no sum that starts at +0.0f (for finite inputs), so
the kernel equals the dense kernel bit for bit.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .storage import decode_sparse, encode_sparse

GROUPS = 9
COUNT_MAX = 0xFFFF


def _groups(k: int, split: int):
    """Per group, the positions it covers (class c: c, c + 8, .. below split; the tail: split .. k - 1)."""
    if not 0 <= split <= k or split % 8:
        raise ValueError(f"split {split}: a multiple of 8 in 0..{k}")
    return [np.arange(c, split, 8) for c in range(8)] + [np.arange(split, k)]


def encode(w2: np.ndarray, split: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w2`` (out, K) -> (count uint16 [out * 9], values float32, delta uint8)."""
    w2 = np.asarray(w2, dtype=np.float32)
    out = w2.shape[0]
    enc = [encode_sparse(w2[:, pos]) for pos in _groups(w2.shape[1], split)]
    count = np.stack([np.diff(rs) for rs, _v, _d in enc], axis=1)   # [out][9]
    if count.size and count.max() > COUNT_MAX:
        raise ValueError(f"class-delta f32 sparse: a group of {count.max()} entries (at most {COUNT_MAX})")
    vals, deltas = [], []
    for o in range(out):
        for rs, v, d in enc:
            vals.append(v[rs[o]:rs[o + 1]])
            deltas.append(d[rs[o]:rs[o + 1]])
    cat = lambda parts, dt: (np.concatenate(parts) if parts else np.zeros(0)).astype(dt)  # noqa: E731
    return count.reshape(-1).astype(np.uint16), cat(vals, np.float32), cat(deltas, np.uint8)


def decode(count, values, delta, out: int, k: int, split: int) -> np.ndarray:
    """The matrix [out, k] of an encoding."""
    groups = _groups(k, split)
    cnt = np.asarray(count, dtype=np.int64).reshape(out, GROUPS)
    v = np.asarray(values, dtype=np.float32).reshape(-1)
    d = np.asarray(delta, dtype=np.uint8).reshape(-1)
    if v.size != d.size or v.size != int(cnt.sum()):
        raise ValueError(f"class-delta f32 sparse: {v.size} values, {d.size} deltas, the counts give {cnt.sum()}")
    w = np.zeros((out, k), dtype=np.float32)
    starts = np.concatenate([[0], np.cumsum(cnt.reshape(-1))])
    for o in range(out):
        for j, pos in enumerate(groups):
            e0, e1 = starts[o * GROUPS + j], starts[o * GROUPS + j + 1]
            if e1 > e0 and int(np.sum(d[e0:e1], dtype=np.int64)) >= pos.size:
                raise ValueError(f"class-delta f32 sparse: row {o} group {j}: a position past the group's")
            w[o, pos] = decode_sparse(np.array([0, e1 - e0]), v[e0:e1], d[e0:e1], pos.size)[0]
    return w


def stored_bytes(w2: np.ndarray, split: int) -> int:
    """count (uint16) + values (float) + deltas (uint8)."""
    count, v, _d = encode(w2, split)
    return 2 * count.size + 5 * v.size
