"""The *class-sliced* sparse layout of float32 fully connected layers (dense_sparse_sl_f32), built so that a SIMD
kernel adds every output's nonzero products in the dense float kernel's own order, into the same partial sums.

The dense float kernels define the order of a dot product of length k (nnc_simd.h, dense_pk_f32):
    eight partial sums s[c], c = p % 8, over the positions p < split, each from 0.0f in position order; then
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); then the positions split .. k - 1 one by one.
dense_f32 (nnc_dot_f32) has split = k - k % 8; dense_pk_f32 (each output summed in k order from 0.0f) is the
same with split = 0 (the tree of eight +0.0f is +0.0f).  ``split`` is a kernel argument; the lowering gives the
one of the dense kernel the layer would otherwise take.

Layout (R = 16 rows per slice, the last slice padded with empty rows):
  blocks of a slice, in this order:
    class blocks  ceil(split / 256) blocks b of 256 positions below split, each of eight groups c = 0..7:
                  group c holds the 32 positions p = 256 b + 8 i + c (i < 32, p < split) as table entry i;
    tail blocks   ceil((k - split) / 32) blocks b of one group: the positions p = split + 32 b + i (p < k).
  steps[slice][block] (uint8, <= 32): the most entries a row of the slice has in one group of the block.
  entries of a block: steps x groups x 16, entry (t, c, r) = row r's t-th nonzero in group c (in position order),
  G = 8 or 1 groups; a row with fewer entries in a group is padded with (index 0x80, value 0.0f) after its last one.
  values (float): entry (t, c, r) at t * 16 G + 16 c + r;
  index (uint8, i): in quads of steps, entry (t, c, r) at (t / 4) * 64 G + 64 c + 4 r + t % 4 (ceil(steps / 4) quads,
  the missing steps of the last quad 0x80), so that the 32-bit word r of a quad holds lane r's four indices and a
  step's index vector is that word shifted right by 8 (t % 4) (VPERMI2PS reads the low five bits).
A SIMD step is one 16-lane vector of a group: the table (32 inputs, in two registers) looked up by the indices
(VPERMI2PS), multiplied by the values and added into the group's partial sums of the 16 rows (a padding entry adds
x * 0.0f = +-0, which changes no partial sum: sums that start at +0.0f are never -0.0f; for finite inputs), class c's
register, or after the tree the row sums: every row adds exactly its own products, in position order, into the dense
kernel's partial sum.  The eight groups of a class block share one step count, so a step
of the block is eight independent additions (one per class register) and a slice has one loop per block.
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


def target_split(k: int, target: str = "generic"):
    """The split the lowering gives a sparse float fully connected layer of K = k on ``target``, or None where it
    keeps the delta layout (the ARM targets): 0 where the dense layer would take dense_pk_f32 (K <= NNC_PKF_K),
    else k - k % 8 (lower_compress.f32_dense_split; this mirror serves the size accounting)."""
    from ..ref.kernels_pk_f32 import PKF_K
    if str(target).startswith(("cortex", "arm")):
        return None
    return split_of(k, seq=k <= PKF_K)


def blocks(k: int, split: int) -> List[np.ndarray]:
    """For each block of a slice, the position of table entry i of each group: an array [groups][32], -1 where
    there is none (class blocks have 8 groups, tail blocks 1)."""
    if not 0 <= split <= k or split % 8:
        raise ValueError(f"split {split}: a multiple of 8 in 0..{k}")
    out = []
    i = np.arange(32)
    for b in range(-(-split // BLOCK8)):
        p = b * BLOCK8 + 8 * i[None, :] + np.arange(8)[:, None]
        out.append(np.where(p < split, p, -1))
    for b in range(-(-(k - split) // TAIL)):
        p = split + b * TAIL + i
        out.append(np.where(p < k, p, -1)[None, :])
    return out


def scratch_floats(split: int) -> int:
    """Floats of the kernel's scratch: the inputs below split regrouped by class (SIMD path)."""
    return -(-split // BLOCK8) * BLOCK8


def _blocks_w(w2: np.ndarray, split: int):
    """Per block: (positions [G][32], weights [rows padded to slices][G][32])."""
    out, k = w2.shape
    ns = -(-out // ROWS)
    wp = np.zeros((ns * ROWS, k + 1), dtype=np.float32)   # column k: a zero for the missing positions
    wp[:out, :k] = w2
    res = []
    for p in blocks(k, split):
        res.append((p, wp[:, np.where(p >= 0, p, k)]))
    return res


def quads(n: int) -> int:
    return -(-n // 4)


def _index_quads(ix: np.ndarray) -> np.ndarray:
    """index [n][G][16] in step order -> the stored quad order [ceil(n / 4)][G][16][4], flattened."""
    n, ng, r = ix.shape
    q = np.full((quads(n) * 4, ng, r), PAD, dtype=np.uint8)
    q[:n] = ix
    return q.reshape(quads(n), 4, ng, r).transpose(0, 2, 3, 1).reshape(-1)


def _index_steps(q: np.ndarray, n: int, ng: int) -> np.ndarray:
    return np.asarray(q).reshape(quads(n), ng, ROWS, 4).transpose(0, 3, 1, 2).reshape(quads(n) * 4, ng, ROWS)[:n]


def encode(w2: np.ndarray, split: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w2`` (out, k) float32 -> (steps uint8 [slices * blocks], index uint8 [quads * 64 G],
    values float32 [entries]); the layout above.  Zeros (+0.0 and -0.0) are not stored."""
    w2 = np.asarray(w2, dtype=np.float32)
    out, _k = w2.shape
    bw = _blocks_w(w2, split)
    ns = -(-out // ROWS)
    steps = np.zeros((ns, len(bw)), dtype=np.uint8)
    ix_parts, v_parts = [], []
    for bi, (p, wb) in enumerate(bw):
        nz = wb != 0                                       # [rows][G][32]
        rank = np.cumsum(nz, axis=2) - 1
        cnt = nz.sum(axis=2).reshape(ns, ROWS * p.shape[0]).max(axis=1)
        steps[:, bi] = cnt
        for s in range(ns):
            n = int(cnt[s])
            if n == 0:
                continue
            rows = slice(s * ROWS, (s + 1) * ROWS)
            ix = np.full((n, p.shape[0], ROWS), PAD, dtype=np.uint8)
            v = np.zeros((n, p.shape[0], ROWS), dtype=np.float32)
            r, c, i = np.nonzero(nz[rows])
            t = rank[rows][r, c, i]
            ix[t, c, r] = i
            v[t, c, r] = wb[rows][r, c, i]
            ix_parts.append((s, bi, _index_quads(ix)))
            v_parts.append((s, bi, v.reshape(-1)))
    order = sorted(range(len(ix_parts)), key=lambda j: ix_parts[j][:2])
    ixs = [ix_parts[j][2] for j in order]
    vs = [v_parts[j][2] for j in order]
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
    return steps.reshape(-1), cat(ixs, np.uint8), cat(vs, np.float32)


def decode(steps, index, values, out: int, k: int, split: int) -> np.ndarray:
    """The matrix [out, k] of an encoding (checks the padding: pad entries hold 0.0f and sit after a row's last
    entry of the group)."""
    bl = blocks(k, split)
    ns = -(-out // ROWS)
    st = np.asarray(steps, dtype=np.int64).reshape(ns, len(bl))
    ix = np.asarray(index, dtype=np.int64)
    v = np.asarray(values, dtype=np.float32)
    w = np.zeros((ns * ROWS, k), dtype=np.float32)
    e = ei = 0
    for s in range(ns):
        for bi, p in enumerate(bl):
            n, ng = int(st[s, bi]), p.shape[0]
            nq = quads(n) * 4 * ng * ROWS
            q = ix[ei:ei + nq]
            if q.size != nq or np.any(_index_steps(q, quads(n) * 4, ng)[n:] != PAD):
                raise ValueError("sliced f32 sparse: index quads short or not padded")
            bix = _index_steps(q, n, ng)
            ei += nq
            bv = v[e:e + n * ng * ROWS].reshape(n, ng, ROWS)
            e += n * ng * ROWS
            for c in range(ng):
                for r in range(ROWS):
                    pad = (bix[:, c, r] & PAD) != 0
                    last = int(np.argmax(pad)) if pad.any() else n
                    if pad[last:].sum() != n - last or np.any(bv[last:, c, r] != 0):
                        raise ValueError("sliced f32 sparse: padding inside a row's entries")
                    cols = p[c][bix[:last, c, r] & 31]
                    if np.any(cols < 0):
                        raise ValueError("sliced f32 sparse: an index past the group's positions")
                    w[s * ROWS + r, cols] = bv[:last, c, r]
    if ei != ix.size or e != v.size:
        raise ValueError(f"sliced f32 sparse: {ix.size} indices and {v.size} values stored, the steps give {ei}, {e}")
    return w[:out]


def entries(w2: np.ndarray, split: int) -> Tuple[int, int]:
    """(indices, values) that encode stores, padding included."""
    w2 = np.asarray(w2, dtype=np.float32)
    ns = -(-w2.shape[0] // ROWS)
    ni = nv = 0
    for p, wb in _blocks_w(w2, split):
        n = (wb != 0).sum(axis=2).reshape(ns, -1).max(axis=1)
        nv += int(n.sum()) * p.shape[0] * ROWS
        ni += int(((n + 3) // 4).sum()) * 4 * p.shape[0] * ROWS
    return ni, nv


def stored_bytes(w2: np.ndarray, split: int) -> int:
    """steps + indices (uint8) + values (float)."""
    w2 = np.asarray(w2)
    ns = -(-w2.shape[0] // ROWS)
    ni, nv = entries(w2, split)
    return ns * len(blocks(w2.shape[1], split)) + ni + 4 * nv
