"""The *class-sliced* sparse layout of float32 fully connected layers (dense_sparse_sl_f32), built so that a SIMD
kernel adds every output's nonzero products in the dense float kernel's own order, into the same partial sums.

The dense float kernels define the order of a dot product of length k (nnc_simd.h, dense_pk_f32):
    eight partial sums s[c], c = p % 8, over the positions p < split, each from 0.0f in position order; then
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); then the positions split .. k - 1 one by one.
dense_f32 (nnc_dot_f32) has split = k - k % 8; dense_pk_f32 (each output summed in k order from 0.0f) is the
same with split = 0 (the tree of eight +0.0f is +0.0f).  ``split`` is a kernel argument; the lowering gives the
one of the dense kernel the layer would otherwise take.

Layout (R = 16 rows per slice, the last slice padded with empty rows):
  groups of a slice, in this order:
    class groups  for each block b of 256 positions below split (ceil(split / 256) blocks), for c = 0..7: the
                  32 positions p = 256 b + 8 i + c (i < 32, p < split): table entry i;
    tail groups   for each block b of 32 positions from split (ceil((k - split) / 32) blocks): p = split + 32 b + i.
  steps[slice][group] (uint8, <= 32): the most entries a row of the slice has in the group.
  entries of a group: steps x 16, entry (t, r) = row r's t-th nonzero of the group (in position order):
  index (uint8) = i, values (float) = the weight; rows with fewer entries are padded with (0x80, 0.0f) after
  their last one.
A SIMD step is one 16-lane vector of a group: the table (32 inputs, in two registers) looked up by the indices
(VPERMI2PS), multiplied by the values and added, masked by the pad bit, into the group's partial sums of the 16
rows (class c's register, or after the tree the row sums): every row adds exactly its own products, in position
order, into the dense kernel's partial sum.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

ROWS = 16
BLOCK8 = 256     # positions of a block of the eight classes (32 per class)
TAIL = 32        # positions of a tail block
PAD = 0x80


def split_of(k: int, seq: bool) -> int:
    """The split of the dense float kernel: dense_pk_f32 (seq) 0, dense_f32 k - k % 8."""
    return 0 if seq else k - k % 8


def groups(k: int, split: int) -> List[np.ndarray]:
    """For each group of a slice, the position of table entry i (i < 32), -1 where there is none."""
    if not 0 <= split <= k or split % 8:
        raise ValueError(f"split {split}: a multiple of 8 in 0..{k}")
    out = []
    i = np.arange(32)
    for b in range(-(-split // BLOCK8)):
        for c in range(8):
            p = b * BLOCK8 + 8 * i + c
            out.append(np.where(p < split, p, -1))
    for b in range(-(-(k - split) // TAIL)):
        p = split + b * TAIL + i
        out.append(np.where(p < k, p, -1))
    return out


def scratch_floats(split: int) -> int:
    """Floats of the kernel's scratch: the inputs below split regrouped by class (SIMD path)."""
    return -(-split // BLOCK8) * BLOCK8


def _counts(w2: np.ndarray, k: int, split: int):
    out = w2.shape[0]
    ns = -(-out // ROWS)
    wp = np.zeros((ns * ROWS, k), dtype=np.float32)
    wp[:out] = w2
    gs = groups(k, split)
    subs = []
    for p in gs:
        sub = np.zeros((ns * ROWS, 32), dtype=np.float32)
        ok = p >= 0
        sub[:, ok] = wp[:, p[ok]]
        subs.append(sub)
    return wp, subs


def encode(w2: np.ndarray, split: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w2`` (out, k) float32 -> (steps uint8 [slices * groups], index uint8 [entries],
    values float32 [entries]); the layout above.  Zeros (+0.0 and -0.0) are not stored."""
    w2 = np.asarray(w2, dtype=np.float32)
    out, k = w2.shape
    _wp, subs = _counts(w2, k, split)
    ns = -(-out // ROWS)
    steps = np.zeros((ns, len(subs)), dtype=np.uint8)
    ix_parts, v_parts = [], []
    nz_all = [sub != 0 for sub in subs]
    rank_all = [np.cumsum(m, axis=1) - 1 for m in nz_all]
    for s in range(ns):
        rows = slice(s * ROWS, (s + 1) * ROWS)
        for gi, sub in enumerate(subs):
            m = nz_all[gi][rows]
            n = int(m.sum(axis=1).max(initial=0))
            steps[s, gi] = n
            if n == 0:
                continue
            ix = np.full((n, ROWS), PAD, dtype=np.uint8)
            v = np.zeros((n, ROWS), dtype=np.float32)
            r, i = np.nonzero(m)
            t = rank_all[gi][rows][r, i]
            ix[t, r] = i
            v[t, r] = sub[rows][r, i]
            ix_parts.append(ix.reshape(-1))
            v_parts.append(v.reshape(-1))
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
    return steps.reshape(-1), cat(ix_parts, np.uint8), cat(v_parts, np.float32)


def decode(steps, index, values, out: int, k: int, split: int) -> np.ndarray:
    """The matrix [out, k] of an encoding (checks the padding: pad entries hold 0.0f and sit after a row's last
    entry of the group)."""
    gs = groups(k, split)
    ns = -(-out // ROWS)
    st = np.asarray(steps, dtype=np.int64).reshape(ns, len(gs))
    ix = np.asarray(index, dtype=np.int64)
    v = np.asarray(values, dtype=np.float32)
    w = np.zeros((ns * ROWS, k), dtype=np.float32)
    e = 0
    for s in range(ns):
        for gi, p in enumerate(gs):
            n = int(st[s, gi])
            bi = ix[e:e + n * ROWS].reshape(n, ROWS)
            bv = v[e:e + n * ROWS].reshape(n, ROWS)
            e += n * ROWS
            for r in range(ROWS):
                pad = (bi[:, r] & PAD) != 0
                last = int(np.argmax(pad)) if pad.any() else n
                if pad[last:].sum() != n - last or np.any(bv[last:, r] != 0):
                    raise ValueError("sliced f32 sparse: padding inside a row's entries")
                cols = p[bi[:last, r] & 31]
                if np.any(cols < 0):
                    raise ValueError("sliced f32 sparse: an index past the group's positions")
                w[s * ROWS + r, cols] = bv[:last, r]
    if e != ix.size or e != v.size:
        raise ValueError(f"sliced f32 sparse: {ix.size} entries stored, the steps give {e}")
    return w[:out]


def entries(w2: np.ndarray, split: int) -> int:
    """Entries (padding included) that encode stores."""
    w2 = np.asarray(w2, dtype=np.float32)
    _wp, subs = _counts(w2, w2.shape[1], split)
    ns = -(-w2.shape[0] // ROWS)
    return int(sum((sub != 0).sum(axis=1).reshape(ns, ROWS).max(axis=1).sum() for sub in subs) * ROWS)


def stored_bytes(w2: np.ndarray, split: int) -> int:
    """steps + entries * (uint8 index + float value)."""
    w2 = np.asarray(w2)
    ns = -(-w2.shape[0] // ROWS)
    return ns * len(groups(w2.shape[1], split)) + entries(w2, split) * 5
