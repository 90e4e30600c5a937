"""The *class-sliced* sparse layout of float32 fully connected layers (dense_sparse_sl_f32), built so that a SIMD
kernel adds every output's nonzero products in the dense float kernel's own order, into the same partial sums.

The dense float kernels define the order of a dot product of length k (nnc_simd.h, dense_pk_f32):
    eight partial sums s[c], c = p % 8, over the positions p < split, each from 0.0f in position order; then
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)); then the positions split .. k - 1 one by one.
dense_f32 (nnc_dot_f32) has split = k - k % 8; dense_pk_f32 (each output summed in k order from 0.0f) is the
same with split = 0 (the tree of eight +0.0f is +0.0f).  ``split`` is a kernel argument; the lowering gives the
one of the dense kernel the layer would otherwise take.

Layout (R = 16 rows per slice, the last slice padded with empty rows):
  rows (int32 [out]): the output row of each slice lane (slice s, lane r: rows[16 s + r]); the encoder groups rows
  of alike counts into a slice (row_order), which cuts the padding below.
  blocks of a slice, in this order:
    class blocks  ceil(split / 256) blocks b of 256 positions below split, each of eight groups c = 0..7:
                  group c holds the 32 positions p = 256 b + 8 i + c (i < 32, p < split) as table entry i;
    tail blocks   ceil((k - split) / 32) blocks b of one group: the positions p = split + 32 b + i (p < k).
  steps (uint8, <= 32): per slice, per group (eight bytes for a class block, one for a tail block), the most
  entries a row of the slice has in that group: the group's steps.
  A step is 16 entries, entry r = lane r's t-th nonzero in the group (in position order); a lane with fewer entries
  is padded with (index 0x80, value 0.0f) after its last one.  The steps of a block are stored in the order
  (t, c) over the rounds t = 0, 1, .. and the groups c that have a step t (t < steps[c]); both arrays hold 16
  entries a step: index (uint8, i) and values (float), entry r of a step at 16 (the step's rank in that order) + r;
  both end with one spare step (index 0, value 0.0f), which no kernel reads now (the masked later rounds of the
  SIMD path read it; they branch since, and the layout stayed as it was).
A SIMD step is one 16-lane vector of a group: the table (32 inputs, in two registers) looked up by the indices
(VPERMI2PS), multiplied by the values and added into the group's partial sums of the 16 rows (a padding entry adds
x * 0.0f = +-0, which changes no partial sum: sums that start at +0.0f are never -0.0f; for finite inputs), class c's
register, or after the tree the row sums: every row adds exactly its own products, in position order, into the dense
kernel's partial sum.  A class block runs max(steps) rounds of one step per class register (independent
additions): the rounds below min(steps) as stored, the later ones branch per class (a class without a step t
reads and adds nothing, so the steps run are the ones stored).
Only each group's own steps are stored, not the block's most, and rows grouped by alike counts (row_order: greedy,
then rows swapped between slices) need fewer rounds and steps: the 1024 x 1024 layer at 10 % density of
benchmarks/bench_compress.py stores 11.6 k steps, 0.94 MB, all of them run (greedy grouping alone: 12.2 k, 0.98 MB;
masked rounds ran 14.3 k; before that, 16.8 k rounds of 8 steps, every one stored, 1.40 MB).
"""
from __future__ import annotations

import hashlib
from typing import Dict, List, Tuple

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
    takes another layout (the ARM targets: sparse_cd_f32's class-delta layout): 0 where the dense layer would take dense_pk_f32 (K <= NNC_PKF_K),
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


def _order(n) -> Tuple[np.ndarray, np.ndarray]:
    """(t, c) of the steps a block stores (t < n[c]), in their stored order: round by round, group by group."""
    n = np.asarray(n, dtype=np.int64)
    t, c = np.nonzero(np.arange(int(n.max(initial=0)))[:, None] < n[None, :])
    return t, c


def _group_counts(w2: np.ndarray, split: int) -> np.ndarray:
    """[out][groups]: each row's nonzeros in each group of a slice (class groups and tail groups, in order)."""
    return np.concatenate([(wb != 0).sum(axis=2) for _p, wb in _blocks_w(w2, split)], axis=1)[:w2.shape[0]]


WINDOW = 256     # row_order: the candidates weighed for each place of a slice


def row_order(w2: np.ndarray, split: int) -> np.ndarray:
    """``_row_order`` of w2, remembered for the last few weight matrices (the size accounting and the lowering ask
    for the same layer's order)."""
    w2 = np.ascontiguousarray(w2, dtype=np.float32)
    key = (w2.shape, int(split), hashlib.sha1(w2.view(np.uint8)).hexdigest())
    if key not in _ORDERS:
        if len(_ORDERS) >= 8:
            _ORDERS.pop(next(iter(_ORDERS)))
        _ORDERS[key] = _row_order(w2, split)
        _ORDERS[key].flags.writeable = False
    return _ORDERS[key]


_ORDERS: Dict[tuple, np.ndarray] = {}


def _row_order(w2: np.ndarray, split: int) -> np.ndarray:
    """The rows of ``w2`` in slice order (int32), grouped so that a slice's rows have alike counts: greedily, each
    slice starts with the remaining row of the most nonzeros and takes, 15 times, the row (of the next WINDOW
    remaining, most nonzeros first) that raises the slice's cost the least: 8 x its class blocks' rounds (the most
    steps of a group; the SIMD path's work) + its steps (the stored entries / 16); then _refine.  Deterministic."""
    cnt = _group_counts(np.asarray(w2, dtype=np.float32), split).astype(np.int32)
    nb8 = -(-split // BLOCK8)
    rem = [int(r) for r in np.argsort(-cnt.sum(axis=1), kind="stable")]
    out: List[int] = []
    while rem:
        r = rem.pop(0)
        out.append(r)
        m = cnt[r].copy()
        for _ in range(ROWS - 1):
            if not rem:
                break
            cand = np.asarray(rem[:WINDOW])
            mm = np.maximum(cnt[cand], m)
            rounds = mm[:, :8 * nb8].reshape(len(cand), nb8, 8).max(axis=2).sum(axis=1)
            j = int(np.argmin(8 * rounds + mm.sum(axis=1)))   # the first of the least: the most nonzeros
            r = rem.pop(j)
            out.append(r)
            m = np.maximum(m, cnt[r])
    return _refine(cnt, np.asarray(out, dtype=np.int32), nb8)


SWAPS = 80       # _refine: the slice pairs tried, per slice
BRANCH = 0.125   # _refine: a branch of the SIMD path's later rounds, in steps


def _cost(m: np.ndarray, nb8: int) -> np.ndarray:
    """The cost of slices of group maxima m [..][groups]: the steps stored, plus BRANCH per class branch of the
    SIMD path's later rounds (8 per round between a class block's least and most steps)."""
    r = m[..., :8 * nb8].reshape(m.shape[:-1] + (nb8, 8))
    return m.sum(axis=-1) + BRANCH * 8 * (r.max(axis=-1, initial=0) - r.min(axis=-1, initial=0)).sum(axis=-1)


def _others_max(sl: np.ndarray) -> np.ndarray:
    """[rows][groups] -> [rows][groups]: each group's most over the slice's other rows."""
    top = np.sort(sl, axis=0)
    lone = (sl == top[-1]) & ((sl == top[-1]).sum(axis=0) == 1)
    return np.where(lone, top[-2], top[-1])


def _refine(cnt: np.ndarray, order: np.ndarray, nb8: int) -> np.ndarray:
    """``order`` improved by swapping rows between full slices (a last, partial slice stays as it is): for SWAPS x
    slices pairs of slices (a fixed sequence), the swap of one row of each that lowers the two slices' cost (_cost)
    the most, if it does.  Deterministic.  The 1024 x 1024 layers of bench_compress.py: 12.17 k steps -> 11.61 k at
    10 % density, 7.33 k -> 6.97 k at 5 % (about 1 s); LeNet-300-100's pruned fc1 (8 %): 335 kB -> 189 kB."""
    ns = len(order) // ROWS
    if ns < 2:
        return order
    order = order.copy()
    idx = order[:ns * ROWS].reshape(ns, ROWS)           # a view: swaps write through to order
    sl = cnt[idx]
    mx = sl.max(axis=1)
    for it in range(SWAPS * ns):
        a = it % ns
        b = (a + 1 + (it * 40503 + it // ns) % (ns - 1)) % ns
        ea, eb = _others_max(sl[a]), _others_max(sl[b])
        d = (_cost(np.maximum(ea[:, None, :], sl[b][None, :, :]), nb8)
             + _cost(np.maximum(eb[None, :, :], sl[a][:, None, :]), nb8)
             - _cost(mx[a], nb8) - _cost(mx[b], nb8))          # [row of a][row of b]
        ra, rb = np.unravel_index(int(np.argmin(d)), d.shape)
        if d[ra, rb] < 0:
            sl[a, ra], sl[b, rb] = sl[b, rb].copy(), sl[a, ra].copy()
            idx[a, ra], idx[b, rb] = idx[b, rb], idx[a, ra]
            mx[a], mx[b] = sl[a].max(axis=0), sl[b].max(axis=0)
    return order


def encode(w2: np.ndarray, split: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w2`` (out, k) float32 -> (steps uint8 [slices * groups], index uint8 [(steps + 1) * 16],
    values float32 [(steps + 1) * 16], rows int32 [out]); the layout above.  Zeros (+0.0 and -0.0) are not
    stored."""
    w2 = np.asarray(w2, dtype=np.float32)
    rows = row_order(w2, split)
    steps, ix, v = _encode_rows(w2[rows], split)
    return steps, ix, v, rows.copy()


def _encode_rows(w2: np.ndarray, split: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    out, _k = w2.shape
    ns = -(-out // ROWS)
    steps, ix_parts, v_parts = [], [[] for _ in range(ns)], [[] for _ in range(ns)]
    for p, wb in _blocks_w(w2, split):
        ng = p.shape[0]
        nz = wb != 0                                       # [rows][G][32]
        rank = np.cumsum(nz, axis=2) - 1
        cnt = nz.sum(axis=2).reshape(ns, ROWS, ng).max(axis=1)   # [slices][G]
        steps.append(cnt)
        ix = np.full((ns, int(cnt.max(initial=0)), ng, ROWS), PAD, dtype=np.uint8)
        v = np.zeros(ix.shape, dtype=np.float32)
        rr, c, i = np.nonzero(nz)
        ix[rr // ROWS, rank[rr, c, i], c, rr % ROWS] = i
        v[rr // ROWS, rank[rr, c, i], c, rr % ROWS] = wb[rr, c, i]
        for s in range(ns):
            t, c = _order(cnt[s])
            ix_parts[s].append(ix[s][t, c].reshape(-1))
            v_parts[s].append(v[s][t, c].reshape(-1))
    st = np.concatenate(steps, axis=1).astype(np.uint8) if steps else np.zeros((ns, 0), np.uint8)
    spare = [[np.zeros(ROWS, np.uint8)]], [[np.zeros(ROWS, np.float32)]]
    cat = lambda parts, dt: np.concatenate([a for q in parts for a in q]).astype(dt)  # noqa: E731
    return st.reshape(-1), cat(ix_parts + spare[0], np.uint8), cat(v_parts + spare[1], np.float32)


def decode(steps, index, values, rows, out: int, k: int, split: int) -> np.ndarray:
    """The matrix [out, k] of an encoding (checks the padding: pad entries hold 0.0f and sit after a lane's last
    entry of the group; the spare step; rows a permutation)."""
    bl = blocks(k, split)
    ns = -(-out // ROWS)
    ng = sum(p.shape[0] for p in bl)
    st = np.asarray(steps, dtype=np.int64).reshape(ns, ng)
    ix = np.asarray(index, dtype=np.int64)
    v = np.asarray(values, dtype=np.float32)
    rows = np.asarray(rows, dtype=np.int64)
    if rows.shape != (out,) or not np.array_equal(np.sort(rows), np.arange(out)):
        raise ValueError("sliced f32 sparse: rows is not a permutation of the outputs")
    if ix.size != v.size or ix.size < ROWS or np.any(ix[-ROWS:] != 0) or np.any(v[-ROWS:] != 0):
        raise ValueError("sliced f32 sparse: index and values must end with the same spare step of zeros")
    ix, v = ix[:-ROWS], v[:-ROWS]
    if np.any(st > 32):
        raise ValueError("sliced f32 sparse: more than 32 steps in a group")
    w = np.zeros((ns * ROWS, k), dtype=np.float32)
    e = 0
    for s in range(ns):
        g0 = 0
        for p in bl:
            n = st[s, g0:g0 + p.shape[0]]
            g0 += p.shape[0]
            t, c = _order(n)
            m = t.size * ROWS
            if e + m > ix.size:
                raise ValueError("sliced f32 sparse: index and values shorter than the steps")
            bix = np.full((int(n.max(initial=0)), p.shape[0], ROWS), PAD, dtype=np.int64)
            bv = np.zeros(bix.shape, dtype=np.float32)
            bix[t, c], bv[t, c] = ix[e:e + m].reshape(-1, ROWS), v[e:e + m].reshape(-1, ROWS)
            e += m
            for c in range(p.shape[0]):
                for r in range(ROWS):
                    pad = (bix[:n[c], c, r] & PAD) != 0
                    last = int(np.argmax(pad)) if pad.any() else int(n[c])
                    if pad[last:].sum() != n[c] - last or np.any(bv[last:n[c], c, r] != 0):
                        raise ValueError("sliced f32 sparse: padding inside a row's entries")
                    cols = p[c][bix[:last, c, r] & 31]
                    if np.any(cols < 0):
                        raise ValueError("sliced f32 sparse: an index past the group's positions")
                    w[s * ROWS + r, cols] = bv[:last, c, r]
    if e != ix.size:
        raise ValueError(f"sliced f32 sparse: {ix.size} entries stored, the steps give {e}")
    if np.any(w[out:]):
        raise ValueError("sliced f32 sparse: entries in the empty lanes of the last slice")
    res = np.zeros((out, k), dtype=np.float32)
    res[rows] = w[:out]
    return res


def entries(w2: np.ndarray, split: int) -> int:
    """Entries (index bytes = values) that encode stores: the steps' 16 each, padding and the spare step included."""
    w2 = np.asarray(w2, dtype=np.float32)
    ns = -(-w2.shape[0] // ROWS)
    cnt = _group_counts(w2, split)[row_order(w2, split)]
    pad = np.zeros((ns * ROWS - w2.shape[0], cnt.shape[1]), dtype=cnt.dtype)
    return int(np.concatenate([cnt, pad]).reshape(ns, ROWS, -1).max(axis=1).sum() + 1) * ROWS


def stored_bytes(w2: np.ndarray, split: int) -> int:
    """steps + indices (uint8) + values (float) + rows (int32)."""
    w2 = np.asarray(w2)
    ns = -(-w2.shape[0] // ROWS)
    ng = sum(p.shape[0] for p in blocks(w2.shape[1], split))
    return ns * ng + 5 * entries(w2, split) + 4 * w2.shape[0]
