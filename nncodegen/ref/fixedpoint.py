"""Fixed-point rounding and saturation: the numpy twin of templates_c/include/nnc_fixed.h.

Every integer kernel twin rounds through these functions and nothing else.
All arithmetic is on int64 arrays; numpy's >> on signed ints is arithmetic,
like the C targets' (nnc_fixed.h refuses to build otherwise).
"""
from __future__ import annotations

import numpy as np

LEAKY_NONE = 32768  # Q15 slope that means "no leaky ReLU"


def sat(v, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.asarray(v, dtype=np.int64), lo, hi)


def shift_round(acc, shift) -> np.ndarray:
    """(acc + 2^(s-1)) >> s for s > 0, acc * 2^-s for s <= 0; shift broadcasts."""
    acc = np.asarray(acc, dtype=np.int64)
    shift = np.broadcast_to(np.asarray(shift, dtype=np.int64), acc.shape)
    pos = np.maximum(shift, 1)
    right = (acc + (np.int64(1) << (pos - 1))) >> pos
    left = acc * (np.int64(1) << np.maximum(-shift, 0))
    return np.where(shift > 0, right, left)


def leaky(acc, slope_q15: int) -> np.ndarray:
    acc = np.asarray(acc, dtype=np.int64)
    if slope_q15 == LEAKY_NONE:
        return acc
    return np.where(acc < 0, (acc * np.int64(slope_q15) + (1 << 14)) >> 15, acc)


def requant(acc, shift, out_min: int, out_max: int, leaky_q15: int = LEAKY_NONE) -> np.ndarray:
    """Epilogue of a MAC kernel; ``shift`` is per output channel (last axis)."""
    return sat(shift_round(leaky(acc, leaky_q15), shift), out_min, out_max)


def floor_div(n, d) -> np.ndarray:
    return np.floor_divide(np.asarray(n, dtype=np.int64), np.asarray(d, dtype=np.int64))


def div_round(n, d) -> np.ndarray:
    n = np.asarray(n, dtype=np.int64)
    d = np.asarray(d, dtype=np.int64)
    return floor_div(2 * n + d, 2 * d)


def lut_eval(table: np.ndarray, x_min: int, shift: int, x) -> np.ndarray:
    """Twin of nnc_lut_eval: piecewise-linear table of 257 int32 entries."""
    t = np.asarray(table, dtype=np.int64)
    off = np.asarray(x, dtype=np.int64) - x_min
    i = np.clip(off >> shift, 0, 256)
    r = off & ((1 << shift) - 1)
    i1 = np.minimum(i + 1, 256)
    if shift == 0:
        val = t[i]
    else:
        val = t[i] + (((t[i1] - t[i]) * r + (1 << (shift - 1))) >> shift)
    val = np.where(off < 0, t[0], val)
    return np.where((off >> shift) >= 256, t[256], val)


def leaky_slope_q15(alpha: float) -> int:
    q = int(np.floor(alpha * 32768 + 0.5))
    if not -32768 <= q <= 32767:
        raise ValueError(f"leaky slope {alpha} outside [-1, 1)")
    return q
