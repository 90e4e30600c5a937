"""The *pair-run* sparse layout of affine int8 fully connected layers on the ARM DSP targets (Cortex-M4 / M7:
dense_sparse_pr_s8).

Each row's columns in blocks of BLOCK = 256 (uint8 positions); in a block, the nonzeros are split into *pairs* (two
nonzero columns p, p + 1 side by side, taken greedily from the left: a run of L nonzeros gives L // 2 pairs) and
*singles* (the rest):

  count[2 (o nb + c)]      pair steps of row o in block c, two pairs a step (the last one padded with a pair of
                           zeros at position 0)
  count[2 (o nb + c) + 1]  single steps, four singles a step (padded with zeros at position 0)

and, row by row, block by block, first the pair steps, then the single steps:

  pair step    index: p of pair a, p of pair b (2 bytes); values: w[p]a, w[p]b, w[p + 1]a, w[p + 1]b (4 bytes),
               so that SXTB16 gives pair a's two weights (bytes 0 and 2) and pair b's (bytes 1 and 3)
  single step  index: four positions; values: their four weights (as one step of the sliced layout)

A pair costs the Cortex-M4 loop one table load (the inputs p and p + 1 as one int16 pair, built once per input row
in scratch) and one SMLAD for two weights: 4.5 instructions a pair, against 3.75 a weight for singles; so at 50 %
density (two thirds of the nonzeros in pairs) the loop spends about 2.75 instructions a weight instead of 3.75.  A pair
stores 3 bytes for two weights, a single 2 (as the sliced layout), and the padding is per row, not per slice of 16
rows: the layout stores about as much as the sliced one, less where pairs are common (small layers, whose partial
slices the sliced layout stores unpadded, may take a few bytes more).
Counts fit uint8: at most 128 pairs (64 steps) or 256 singles (64 steps) in a block.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

BLOCK = 256
PAIRS_PER_STEP = 2
SINGLES_PER_STEP = 4


def target_uses(target: str = "generic") -> bool:
    """True on the targets whose int8 sparse fully connected layers take this layout (lower_compress): the ARM DSP
    ones without NEON (Cortex-M4 / M7); the others keep the sliced layout (storage.encode_sparse_sliced)."""
    from ..codegen.targets import target_info
    f = target_info(str(target)).features
    return "__ARM_FEATURE_DSP" in f and "__ARM_NEON" not in f


def blocks(k: int) -> int:
    return -(-k // BLOCK)


def split_block(nz) -> Tuple[list, list]:
    """(pair starts, singles) of one block's sorted nonzero positions: runs of adjacent positions cut into pairs
    from the left, an odd run's last position a single."""
    pairs, singles = [], []
    i, n = 0, len(nz)
    while i < n:
        if i + 1 < n and nz[i + 1] == nz[i] + 1:
            pairs.append(int(nz[i]))
            i += 2
        else:
            singles.append(int(nz[i]))
            i += 1
    return pairs, singles


def encode(w2: np.ndarray):
    """Rows of w2 (out, K), int8 -> (count uint8 [out * nb * 2], index uint8, values int8)."""
    w2 = np.asarray(w2)
    if w2.dtype != np.int8:
        raise ValueError(f"pair-run sparse: int8 weights, not {w2.dtype}")
    out, k = w2.shape
    nb = blocks(k)
    count = np.zeros(out * nb * 2, np.uint8)
    idx_parts, val_parts = [], []
    for o in range(out):
        for c in range(nb):
            blk = w2[o, c * BLOCK:(c + 1) * BLOCK]
            pairs, singles = split_block(np.flatnonzero(blk))
            n_p = -(-len(pairs) // PAIRS_PER_STEP)
            n_s = -(-len(singles) // SINGLES_PER_STEP)
            count[2 * (o * nb + c)], count[2 * (o * nb + c) + 1] = n_p, n_s
            pi = np.zeros((n_p, 2), np.uint8)
            pv = np.zeros((n_p, 2, 2), np.int8)       # [step][column p / p + 1][pair a / b]
            for j, p in enumerate(pairs):
                pi[j // 2, j % 2] = p
                pv[j // 2, 0, j % 2] = blk[p]
                pv[j // 2, 1, j % 2] = blk[p + 1]
            si = np.zeros(n_s * SINGLES_PER_STEP, np.uint8)
            sv = np.zeros(n_s * SINGLES_PER_STEP, np.int8)
            si[:len(singles)] = singles
            sv[:len(singles)] = blk[singles]
            idx_parts += [pi.reshape(-1), si]
            val_parts += [pv.reshape(-1), sv]
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)  # noqa: E731
    return count, cat(idx_parts, np.uint8), cat(val_parts, np.int8)


def decode(count, index, values, out: int, k: int) -> np.ndarray:
    """The matrix [out, k] of an encoding (int8).  Every position the kernel reads must lie below k (a pair's two
    inside its block), each nonzero column be given once (padding entries are zeros at position 0)."""
    nb = blocks(k)
    cnt = np.asarray(count, dtype=np.int64).reshape(-1)
    ix = np.asarray(index, dtype=np.int64).reshape(-1)
    v = np.asarray(values).astype(np.int64).reshape(-1)
    if cnt.size != out * nb * 2:
        raise ValueError(f"pair-run sparse: {cnt.size} counts for {out} rows of {nb} blocks")
    need_i = int(2 * cnt[0::2].sum() + 4 * cnt[1::2].sum())
    need_v = int(4 * cnt.sum())
    if ix.size != need_i or v.size != need_v:
        raise ValueError(f"pair-run sparse: {ix.size} indices / {v.size} values, the counts give {need_i} / {need_v}")
    w = np.zeros((out, nb * BLOCK + 1), np.int64)
    seen = np.zeros((out, nb * BLOCK + 1), bool)
    pi = pv = 0

    def put(o, col, val):
        if val == 0:
            return
        if col >= k or seen[o, col]:
            raise ValueError(f"pair-run sparse: row {o}: column {col} past the row or given twice")
        seen[o, col] = True
        w[o, col] = val

    for o in range(out):
        for c in range(nb):
            base = c * BLOCK
            n_p, n_s = int(cnt[2 * (o * nb + c)]), int(cnt[2 * (o * nb + c) + 1])
            for _t in range(n_p):
                for j in range(2):
                    p = int(ix[pi + j])
                    if p + 1 >= BLOCK or base + p >= k:
                        raise ValueError(f"pair-run sparse: row {o}: a pair at {p} leaves its block or the row")
                    put(o, base + p, v[pv + j])
                    put(o, base + p + 1, v[pv + 2 + j])
                pi += 2
                pv += 4
            for _t in range(n_s * SINGLES_PER_STEP):
                if base + int(ix[pi]) >= k:
                    raise ValueError(f"pair-run sparse: row {o}: a single at {int(ix[pi])} past the row")
                put(o, base + int(ix[pi]), v[pv])
                pi += 1
                pv += 1
    return w[:, :k].astype(np.int8)


def stored_bytes(w2: np.ndarray) -> int:
    """Bytes of count + index + values + the rows' weight sums (int32), without building them."""
    w2 = np.asarray(w2)
    out, k = w2.shape
    total = out * blocks(k) * 2 + 4 * out
    for o in range(out):
        for c in range(blocks(k)):
            pairs, singles = split_block(np.flatnonzero(w2[o, c * BLOCK:(c + 1) * BLOCK]))
            total += 6 * (-(-len(pairs) // PAIRS_PER_STEP)) + 8 * (-(-len(singles) // SINGLES_PER_STEP))
    return int(total)


def table(x_row: np.ndarray) -> np.ndarray:
    """The kernel's scratch for one input row: entry i = x[i] (low int16) and x[i + 1] (high int16; 0 past the
    row), as int32."""
    x = np.asarray(x_row).astype(np.int64).reshape(-1)
    nxt = np.concatenate([x[1:], [0]])
    t = (x & 0xFFFF) | ((nxt & 0xFFFF) << 16)
    return np.where(t >= 1 << 31, t - (1 << 32), t).astype(np.int32)
