"""Twins of the Q-format element-wise kernels (add / sub / mul with broadcasting, rescale, lut, prelu,
softmax); see kernels_q.py."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..lower.params import Eltwise, Lut, Prelu, Rescale, Softmax
from . import fixedpoint as fx
from .kernels_common import _arr
from .kernels_q_mac import Q7, Q15, _bounds


def broadcast_index(shape, strides) -> np.ndarray:
    """Element offsets sum_k i_k * strides[k] over a 4-D index grid of ``shape``."""
    idx = np.zeros(tuple(shape), dtype=np.int64)
    for k in range(4):
        view = [1, 1, 1, 1]
        view[k] = shape[k]
        idx = idx + np.arange(shape[k], dtype=np.int64).reshape(view) * strides[k]
    return idx


def _eltwise(op: str, p: Eltwise, a, b, dtype) -> np.ndarray:
    _bounds(p.out_min, p.out_max, dtype)
    shape = tuple(p.bc.shape)
    a = _arr(a, dtype).reshape(-1).astype(np.int64)
    b = _arr(b, dtype).reshape(-1).astype(np.int64)
    av = a[broadcast_index(shape, p.bc.a_stride)]
    bv = b[broadcast_index(shape, p.bc.b_stride)]
    if op == "mul":
        s = av * bv
    else:
        if not (0 <= p.a_lshift <= 31 and 0 <= p.b_lshift <= 31):
            raise ValueError(f"operand shifts {p.a_lshift}, {p.b_lshift} outside [0, 31]")
        s = av * (np.int64(1) << p.a_lshift)
        t = bv * (np.int64(1) << p.b_lshift)
        s = s + t if op == "add" else s - t
    return fx.sat(fx.shift_round(s, p.shift), p.out_min, p.out_max).astype(dtype)


def add_q7(p: Eltwise, a, b) -> np.ndarray:
    """Shape p.bc.shape: sat(shift_round(a * 2^a_lshift + b * 2^b_lshift, shift))."""
    return _eltwise("add", p, a, b, Q7)


def add_q15(p: Eltwise, a, b) -> np.ndarray:
    return _eltwise("add", p, a, b, Q15)


def sub_q7(p: Eltwise, a, b) -> np.ndarray:
    return _eltwise("sub", p, a, b, Q7)


def sub_q15(p: Eltwise, a, b) -> np.ndarray:
    return _eltwise("sub", p, a, b, Q15)


def mul_q7(p: Eltwise, a, b) -> np.ndarray:
    return _eltwise("mul", p, a, b, Q7)


def mul_q15(p: Eltwise, a, b) -> np.ndarray:
    return _eltwise("mul", p, a, b, Q15)


def _rescale(p: Rescale, x, output, dtype) -> np.ndarray:
    _bounds(p.out_min, p.out_max, dtype)
    if p.offset < 0 or p.offset + p.inner > p.out_inner:
        raise ValueError(f"part [{p.offset}, {p.offset + p.inner}) outside rows of {p.out_inner}")
    x = _arr(x, dtype, (p.outer, p.inner))
    if output is None:
        y = np.zeros((p.outer, p.out_inner), dtype=dtype)
    else:
        y = _arr(output, dtype, (p.outer, p.out_inner)).copy()
    y[:, p.offset:p.offset + p.inner] = fx.sat(fx.shift_round(x, p.shift), p.out_min, p.out_max)
    return y


def rescale_q7(p: Rescale, x, output: Optional[np.ndarray] = None) -> np.ndarray:
    """(outer, out_inner): columns [offset, offset + inner) = sat(shift_round(x, shift)); the
    other columns come from ``output`` (the C leaves them untouched), zeros when None."""
    return _rescale(p, x, output, Q7)


def rescale_q15(p: Rescale, x, output: Optional[np.ndarray] = None) -> np.ndarray:
    return _rescale(p, x, output, Q15)


def _flat_n(n: int, x, dtype):
    x = _arr(x, dtype)
    flat = x.reshape(-1)
    if flat.size < n:
        raise ValueError(f"buffer of {flat.size} elements, kernel reads {n}")
    shape = x.shape if flat.size == n else (n,)
    return flat[:n], shape


def _lut(n: int, lut: Lut, x, dtype) -> np.ndarray:
    flat, shape = _flat_n(n, x, dtype)
    info = np.iinfo(dtype)
    v = fx.lut_eval(np.asarray(lut.table, dtype=np.int64), lut.x_min, lut.shift, flat)
    return fx.sat(v, int(info.min), int(info.max)).astype(dtype).reshape(shape)


def lut_q7(n: int, lut: Lut, x) -> np.ndarray:
    """sat(lut_eval(x)) to int8 for the first n elements."""
    return _lut(n, lut, x, Q7)


def lut_q15(n: int, lut: Lut, x) -> np.ndarray:
    return _lut(n, lut, x, Q15)


def _prelu(p: Prelu, x, slope, dtype) -> np.ndarray:
    _bounds(p.out_min, p.out_max, dtype)
    if not 0 <= p.slope_frac <= 31:
        raise ValueError(f"slope_frac {p.slope_frac} outside [0, 31]")
    xa = _arr(x, dtype)
    x2 = xa.reshape(p.outer, p.channels).astype(np.int64)
    s = _arr(slope, np.int16, (p.channels,)).astype(np.int64)
    v = np.where(x2 >= 0, x2 * (np.int64(1) << p.slope_frac), x2 * s)
    return fx.sat(fx.shift_round(v, p.shift), p.out_min, p.out_max).astype(dtype).reshape(xa.shape)


def prelu_q7(p: Prelu, x, slope) -> np.ndarray:
    """[outer][channels]: sat(shift_round(x >= 0 ? x * 2^slope_frac : x * slope[c], shift))."""
    return _prelu(p, x, slope, Q7)


def prelu_q15(p: Prelu, x, slope) -> np.ndarray:
    return _prelu(p, x, slope, Q15)


def _softmax(p: Softmax, x, dtype) -> np.ndarray:
    if p.cols < 1:
        raise ValueError("softmax needs cols >= 1")
    if not 0 <= p.out_max <= np.iinfo(dtype).max or not 0 <= p.out_frac <= 30:
        raise ValueError(f"softmax out_max {p.out_max} / out_frac {p.out_frac} out of range")
    xa = _arr(x, dtype)
    x2 = xa.reshape(p.rows, p.cols).astype(np.int64)
    d = x2 - x2.max(axis=1, keepdims=True)
    lut = p.exp_lut
    e = fx.lut_eval(np.asarray(lut.table, dtype=np.int64), lut.x_min, lut.shift, d)
    s = e.sum(axis=1, keepdims=True)
    q = fx.div_round(e * (np.int64(1) << p.out_frac), np.maximum(s, 1))
    # a row whose sum is not positive (only with an illegal table) gives zeros, like the C
    out = np.where(s > 0, fx.sat(q, 0, p.out_max), 0)
    return out.astype(dtype).reshape(xa.shape)


def softmax_q7(p: Softmax, x) -> np.ndarray:
    """Per row: min(div_round(e_j * 2^out_frac, sum e), out_max), e_j = lut(x_j - max x)."""
    return _softmax(p, x, Q7)


def softmax_q15(p: Softmax, x) -> np.ndarray:
    return _softmax(p, x, Q15)
