"""Numpy twins of the integer C kernels (templates_c/kernels/*_q7.c, *_q15.c).

One function per C kernel, with the C name and argument order minus the
output pointer: params are the dataclasses of nncodegen/lower/params.py,
buffers are numpy arrays (any shape holding the right number of elements),
and the output comes back as a new array of the kernel's element type.

These functions are the specification of the integer kernels: the C is
tested bit for bit against them (tests/test_kernels_q.py).  All arithmetic
is int64, and every rounding, saturation, division and table lookup goes
through nncodegen/ref/fixedpoint.py, the twin of nnc_fixed.h.

Accumulator variants: an int32 accumulator that cannot overflow gives the
same result as an int64 one, so ``conv2d_q7`` and ``conv2d_q7_wide`` (and
``conv2d_q15_acc32`` and ``conv2d_q15``) share their arithmetic.  The int32
variants (``*_q7`` and ``*_q15_acc32`` of conv2d, conv_transpose2d, dense)
additionally raise OverflowError when |bias| + sum |x * w| >= 2^31 for some
output: that quantity bounds every partial sum of the C loop in any order,
and the compiler's proof (|bias| + sum |w| * max|x| < 2^31) bounds it, so the
error exposes a wrong proof or a wrong kernel choice.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..lower.params import (ConvGeom, DenseGeom, Eltwise, Lut, Pad, Prelu, Requant, Rescale, Resize, Softmax,
                            Transpose)
from . import fixedpoint as fx
from .float_ops import avgpool_counts, im2col

Q7 = np.int8
Q15 = np.int16
ACC32_LIMIT = 1 << 31


# ---------------------------------------------------------------- helpers

def _arr(x, dtype, shape=None) -> np.ndarray:
    """x as an array of the kernel's element type (values must fit), reshaped."""
    a = np.asarray(x)
    if a.dtype != dtype:
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"expected {np.dtype(dtype).name} data, got {a.dtype}")
        info = np.iinfo(dtype)
        if a.size and (a.min() < info.min or a.max() > info.max):
            raise ValueError(f"values outside the range of {np.dtype(dtype).name}")
        a = a.astype(dtype)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if a.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"buffer of {a.size} elements, kernel expects shape {shape}")
        a = a.reshape(shape)
    return a


def _bounds(out_min: int, out_max: int, dtype) -> None:
    info = np.iinfo(dtype)
    if not info.min <= out_min <= out_max <= info.max:
        raise ValueError(f"saturation bounds [{out_min}, {out_max}] not inside {np.dtype(dtype).name}")


def _bias(b, n: int) -> np.ndarray:
    if b is None:
        return np.zeros(n, dtype=np.int64)
    return _arr(b, np.int32, (n,)).astype(np.int64)


def _epilogue(acc: np.ndarray, rq: Requant, dtype) -> np.ndarray:
    """nnc_requantize over the last (output channel) axis."""
    _bounds(rq.out_min, rq.out_max, dtype)
    shift = np.asarray(rq.shift, dtype=np.int64)
    if shift.shape != (acc.shape[-1],):
        raise ValueError(f"requant has {shift.size} shifts for {acc.shape[-1]} output channels")
    return fx.requant(acc, shift, rq.out_min, rq.out_max, rq.leaky_q15).astype(dtype)


def _check_acc32(bound: np.ndarray, kernel: str) -> None:
    if bound.size and int(bound.max()) >= ACC32_LIMIT:
        raise OverflowError(f"{kernel}: |bias| + sum |x*w| reaches {int(bound.max())} >= 2^31; "
                            f"the int32 accumulator may overflow (the kernel needs the int64 variant)")


def _pad_after(in_size: int, out_size: int, k: int, stride: int, pad_before: int, dil: int = 1) -> int:
    """Smallest bottom/right padding that gives out_size windows (C kernels derive it the same way)."""
    return max(0, (out_size - 1) * stride + dil * (k - 1) + 1 - in_size - pad_before)


def _windows(g: ConvGeom, x: np.ndarray, pad_value: int, dilated: bool) -> np.ndarray:
    """(N, OH, OW, KH, KW, C) patches of x (int64) with the geometry's padding."""
    dh, dw = (g.dil_h, g.dil_w) if dilated else (1, 1)
    pads = (g.pad_top, g.pad_left, _pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top, dh),
            _pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left, dw))
    if min(pads) < 0:
        raise ValueError("negative padding")
    cols = im2col(x.astype(np.int64), g.k_h, g.k_w, (g.stride_h, g.stride_w), pads, (dh, dw), pad_value)
    return cols[:, :g.out_h, :g.out_w]


def _check_groups(g) -> None:
    if g.groups < 1 or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"groups {g.groups} must divide in_c {g.in_c} and out_c {g.out_c}")


# ---------------------------------------------------------------- MAC kernels

def _conv2d_sum(g: ConvGeom, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum x * w of a grouped conv (no bias), (N, OH, OW, Cout) int64."""
    cols = _windows(g, x, 0, dilated=True)
    n, oh, ow = cols.shape[:3]
    cin_g = g.in_c // g.groups
    cols = cols.reshape(n, oh, ow, g.k_h, g.k_w, g.groups, cin_g)
    wg = w.astype(np.int64).reshape(g.groups, g.out_c // g.groups, g.k_h, g.k_w, cin_g)
    return np.einsum("nyxhwgc,gohwc->nyxgo", cols, wg).reshape(n, oh, ow, g.out_c)


def _conv2d(g: ConvGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    _check_groups(g)
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    w = _arr(w, dtype, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    bias = _bias(b, g.out_c)
    acc = _conv2d_sum(g, x, w) + bias
    if acc32:
        _check_acc32(_conv2d_sum(g, np.abs(x.astype(np.int64)), np.abs(w.astype(np.int64))) + np.abs(bias), name)
    return _epilogue(acc, rq, dtype)


def conv2d_q7(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    """Grouped conv, NHWC, weights [out_c][k_h][k_w][in_c/groups], zero padding; int32 accumulator."""
    return _conv2d(g, rq, x, w, b, Q7, True, "conv2d_q7")


def conv2d_q7_wide(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv2d(g, rq, x, w, b, Q7, False, "conv2d_q7_wide")


def conv2d_q15(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv2d(g, rq, x, w, b, Q15, False, "conv2d_q15")


def conv2d_q15_acc32(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv2d(g, rq, x, w, b, Q15, True, "conv2d_q15_acc32")


def _conv_transpose2d_sum(g: ConvGeom, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gather-form transposed conv (= float_ops.conv_transpose2d_raw in int64):
    out[oy] sums x[iy] * w[ky] over oy = iy * stride - pad_top + ky * dil."""
    n, h, wd = g.batch, g.in_h, g.in_w
    sh, sw, dh, dw = g.stride_h, g.stride_w, g.dil_h, g.dil_w
    pt, pl = g.pad_top, g.pad_left
    cin_g, cout_g = g.in_c // g.groups, g.out_c // g.groups
    full_h = max((h - 1) * sh + dh * (g.k_h - 1) + 1, pt + g.out_h)
    full_w = max((wd - 1) * sw + dw * (g.k_w - 1) + 1, pl + g.out_w)
    acc = np.zeros((n, full_h, full_w, g.out_c), dtype=np.int64)
    xg = x.astype(np.int64).reshape(n, h, wd, g.groups, cin_g)
    wg = w.astype(np.int64).reshape(g.groups, cout_g, g.k_h, g.k_w, cin_g)
    for ky in range(g.k_h):
        for kx in range(g.k_w):
            contrib = np.einsum("nyxgc,goc->nyxgo", xg, wg[:, :, ky, kx, :]).reshape(n, h, wd, g.out_c)
            acc[:, ky * dh: ky * dh + (h - 1) * sh + 1: sh, kx * dw: kx * dw + (wd - 1) * sw + 1: sw, :] += contrib
    return acc[:, pt:pt + g.out_h, pl:pl + g.out_w, :]


def _conv_transpose2d(g: ConvGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    _check_groups(g)
    if g.pad_top < 0 or g.pad_left < 0:
        raise ValueError("negative padding")
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    w = _arr(w, dtype, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups))
    bias = _bias(b, g.out_c)
    acc = _conv_transpose2d_sum(g, x, w) + bias
    if acc32:
        bound = _conv_transpose2d_sum(g, np.abs(x.astype(np.int64)), np.abs(w.astype(np.int64))) + np.abs(bias)
        _check_acc32(bound, name)
    return _epilogue(acc, rq, dtype)


def conv_transpose2d_q7(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    """Transposed conv in gather form (see _conv_transpose2d_sum); int32 accumulator."""
    return _conv_transpose2d(g, rq, x, w, b, Q7, True, "conv_transpose2d_q7")


def conv_transpose2d_q7_wide(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv_transpose2d(g, rq, x, w, b, Q7, False, "conv_transpose2d_q7_wide")


def conv_transpose2d_q15(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv_transpose2d(g, rq, x, w, b, Q15, False, "conv_transpose2d_q15")


def conv_transpose2d_q15_acc32(g: ConvGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _conv_transpose2d(g, rq, x, w, b, Q15, True, "conv_transpose2d_q15_acc32")


def _dense(g: DenseGeom, rq: Requant, x, w, b, dtype, acc32: bool, name: str) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_features)).astype(np.int64)
    w = _arr(w, dtype, (g.out_features, g.in_features)).astype(np.int64)
    bias = _bias(b, g.out_features)
    acc = x @ w.T + bias
    if acc32:
        _check_acc32(np.abs(x) @ np.abs(w).T + np.abs(bias), name)
    return _epilogue(acc, rq, dtype)


def dense_q7(g: DenseGeom, rq: Requant, x, w, b) -> np.ndarray:
    """output[b][o] = requant(bias[o] + sum_i x[b][i] * w[o][i]); int32 accumulator."""
    return _dense(g, rq, x, w, b, Q7, True, "dense_q7")


def dense_q7_wide(g: DenseGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _dense(g, rq, x, w, b, Q7, False, "dense_q7_wide")


def dense_q15(g: DenseGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _dense(g, rq, x, w, b, Q15, False, "dense_q15")


def dense_q15_acc32(g: DenseGeom, rq: Requant, x, w, b) -> np.ndarray:
    return _dense(g, rq, x, w, b, Q15, True, "dense_q15_acc32")


# ---------------------------------------------------------------- pools

def _maxpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    # padding with the type's minimum is the same as ignoring it; an all-padding window gives the minimum
    cols = _windows(g, x, int(np.iinfo(dtype).min), dilated=False)
    return cols.max(axis=(3, 4)).astype(dtype)


def maxpool_q7(g: ConvGeom, x) -> np.ndarray:
    return _maxpool(g, x, Q7)


def maxpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _maxpool(g, x, Q15)


def avgpool_divisors(g: ConvGeom, count_include_pad: int) -> np.ndarray:
    """Divisor of every output position, (out_h, out_w): float_ops.avgpool_counts with the
    bottom/right padding implied by out_h/out_w (0 where a window has no real element)."""
    pads = (g.pad_top, g.pad_left, _pad_after(g.in_h, g.out_h, g.k_h, g.stride_h, g.pad_top),
            _pad_after(g.in_w, g.out_w, g.k_w, g.stride_w, g.pad_left))
    attrs = {"kernel": (g.k_h, g.k_w), "strides": (g.stride_h, g.stride_w), "pads": pads,
             "count_include_pad": bool(count_include_pad)}
    return avgpool_counts((g.in_h, g.in_w), attrs)[:g.out_h, :g.out_w]


def _avgpool(g: ConvGeom, count_include_pad: int, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    s = _windows(g, x, 0, dilated=False).sum(axis=(3, 4))
    count = avgpool_divisors(g, count_include_pad)[None, :, :, None]
    q = fx.div_round(s, np.maximum(count, 1))
    return np.where(count > 0, q, 0).astype(dtype)


def avgpool_q7(g: ConvGeom, count_include_pad: int, x) -> np.ndarray:
    """div_round(sum of the real elements, count); count per avgpool_divisors."""
    return _avgpool(g, count_include_pad, x, Q7)


def avgpool_q15(g: ConvGeom, count_include_pad: int, x) -> np.ndarray:
    return _avgpool(g, count_include_pad, x, Q15)


def _global_avgpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    return fx.div_round(x.sum(axis=(1, 2), keepdims=True), g.in_h * g.in_w).astype(dtype)


def global_avgpool_q7(g: ConvGeom, x) -> np.ndarray:
    """(N, 1, 1, C): div_round(sum over H*W, H*W)."""
    return _global_avgpool(g, x, Q7)


def global_avgpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _global_avgpool(g, x, Q15)


def _global_maxpool(g: ConvGeom, x, dtype) -> np.ndarray:
    x = _arr(x, dtype, (g.batch, g.in_h, g.in_w, g.in_c))
    return x.max(axis=(1, 2), keepdims=True).astype(dtype)


def global_maxpool_q7(g: ConvGeom, x) -> np.ndarray:
    return _global_maxpool(g, x, Q7)


def global_maxpool_q15(g: ConvGeom, x) -> np.ndarray:
    return _global_maxpool(g, x, Q15)


# ---------------------------------------------------------------- element-wise

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


# ---------------------------------------------------------------- data movement

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


# the C kernels, by family, for tests and tools that enumerate them
KERNELS = {
    "conv2d": ["conv2d_q7", "conv2d_q7_wide", "conv2d_q15", "conv2d_q15_acc32"],
    "conv_transpose2d": ["conv_transpose2d_q7", "conv_transpose2d_q7_wide", "conv_transpose2d_q15",
                         "conv_transpose2d_q15_acc32"],
    "dense": ["dense_q7", "dense_q7_wide", "dense_q15", "dense_q15_acc32"],
    "pool": [f"{k}_{q}" for k in ("maxpool", "avgpool", "global_avgpool", "global_maxpool") for q in ("q7", "q15")],
    "eltwise": [f"{k}_{q}" for k in ("add", "sub", "mul") for q in ("q7", "q15")],
    "rescale": ["rescale_q7", "rescale_q15"],
    "lut": ["lut_q7", "lut_q15"],
    "prelu": ["prelu_q7", "prelu_q15"],
    "softmax": ["softmax_q7", "softmax_q15"],
    "pad": ["pad_q7", "pad_q15"],
    "resize": [f"resize_{m}_{q}" for m in ("nearest", "bilinear") for q in ("q7", "q15")],
    "transpose": ["transpose_q7", "transpose_q15"],
}
