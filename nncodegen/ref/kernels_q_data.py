"""Twins of the Q-format data movement kernels (pad, resize, transpose); see kernels_q.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import Pad, Resize, Transpose
from . import fixedpoint as fx
from .kernels_common import _arr
from .kernels_q_mac import Q7, Q15, _bounds


def pad_source_index(i: np.ndarray, n: int, mode: int) -> np.ndarray:
    """Input index read by (output index - before) = i along an axis of n elements; -1 = constant."""
    i = np.asarray(i, dtype=np.int64)
    inside = (i >= 0) & (i < n)
    if mode == 1:
        period = 2 * (n - 1)
        if period == 0:
            return np.zeros_like(i)
        j = np.mod(i, period)
        return np.where(inside, i, np.where(j < n, j, period - j))
    if mode == 2:
        return np.clip(i, 0, n - 1)
    if mode != 0:
        raise ValueError(f"pad mode {mode}")
    return np.where(inside, i, -1)


def _pad(p: Pad, x, dtype) -> np.ndarray:
    ins, outs = tuple(p.in_shape), tuple(p.out_shape)
    x = _arr(x, dtype, ins)
    if min(ins) < 1:
        raise ValueError("pad input shape must be >= 1 on every axis")
    value = _arr(np.array(p.value), dtype)
    src = [pad_source_index(np.arange(outs[k]) - p.before[k], ins[k], p.mode) for k in range(4)]
    ok = np.ones(outs, dtype=bool)
    for k in range(4):
        view = [1, 1, 1, 1]
        view[k] = outs[k]
        ok &= (src[k] >= 0).reshape(view)
    clipped = [np.maximum(s, 0) for s in src]
    y = x[np.ix_(*clipped)]
    return np.where(ok, y, value).astype(dtype)


def pad_q7(p: Pad, x) -> np.ndarray:
    """Shape p.out_shape (4-D); constant / reflect / edge as nnc_pad."""
    return _pad(p, x, Q7)


def pad_q15(p: Pad, x) -> np.ndarray:
    return _pad(p, x, Q15)


def _resize_nearest(p: Resize, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (p.batch, p.in_h, p.in_w, p.channels))
    y0 = np.asarray(p.y0, dtype=np.int64)[:p.out_h]
    x0 = np.asarray(p.x0, dtype=np.int64)[:p.out_w]
    return x[:, y0][:, :, x0]


def resize_nearest_q7(p: Resize, x) -> np.ndarray:
    """(N, out_h, out_w, C): x[n][y0[y]][x0[x]][c]."""
    return _resize_nearest(p, x, Q7)


def resize_nearest_q15(p: Resize, x) -> np.ndarray:
    return _resize_nearest(p, x, Q15)


def _resize_bilinear(p: Resize, x, dtype) -> np.ndarray:
    _bounds(p.out_min, p.out_max, dtype)
    x = _arr(x, dtype, (p.batch, p.in_h, p.in_w, p.channels)).astype(np.int64)
    tab = {k: np.asarray(getattr(p, k), dtype=np.int64) for k in ("y0", "y1", "wy", "x0", "x1", "wx")}
    wy = tab["wy"][:p.out_h][None, :, None, None]
    wx = tab["wx"][:p.out_w][None, None, :, None]
    if np.any(wy < 0) or np.any(wy > 1024) or np.any(wx < 0) or np.any(wx > 1024):
        raise ValueError("bilinear weights outside [0, 1024]")

    def top(rows):  # (N, out_h, out_w, C), int32 in C
        r = x[:, rows[:p.out_h]]
        return r[:, :, tab["x0"][:p.out_w]] * (1024 - wx) + r[:, :, tab["x1"][:p.out_w]] * wx

    s = top(tab["y0"]) * (1024 - wy) + top(tab["y1"]) * wy
    return fx.sat(fx.shift_round(s, p.shift), p.out_min, p.out_max).astype(dtype)


def resize_bilinear_q7(p: Resize, x) -> np.ndarray:
    """(N, out_h, out_w, C): sat(shift_round(Q10 x Q10 bilinear sum, shift)) as nnc_resize."""
    return _resize_bilinear(p, x, Q7)


def resize_bilinear_q15(p: Resize, x) -> np.ndarray:
    return _resize_bilinear(p, x, Q15)


def _transpose(p: Transpose, x, dtype) -> np.ndarray:
    flat = _arr(x, dtype).reshape(-1)
    shape = tuple(p.out_shape)
    idx = np.zeros(shape, dtype=np.int64)
    for k in range(6):
        view = [1] * 6
        view[k] = shape[k]
        idx = idx + np.arange(shape[k], dtype=np.int64).reshape(view) * p.in_stride[k]
    return flat[idx]


def transpose_q7(p: Transpose, x) -> np.ndarray:
    """Shape p.out_shape (6-D): element (i0..i5) = x.flat[sum_k ik * in_stride[k]]."""
    return _transpose(p, x, Q7)


def transpose_q15(p: Transpose, x) -> np.ndarray:
    return _transpose(p, x, Q15)
