"""Numpy twins of the TFLite 16x8 C kernels (templates_c/kernels/*_s16.c).

One function per C kernel, with the C name and argument order minus the output pointer; params are the
dataclasses of nncodegen/lower/params_s16.py.  These functions are the specification:
tests/test_kernels_s16.py compares the C with them bit for bit.  Arithmetic is int64 numpy on the values
TFLite's reference kernels hold in int32 / int64 (tensorflow/lite/kernels/internal/reference/: integer_ops/
conv.h and transpose_conv.h with int64 accumulators, add.h / sub.h with left shift 15, leaky_relu.h,
requantize.h, quantize.h), and every int32 rescaling goes through nncodegen/ref/affine.py (mbqm, both of
TFLite's rounding builds); the 64-bit one is ``mbqm64`` below (twin of nnc_mbqm64 in nnc_s16.h).
"""
from __future__ import annotations

import numpy as np

from ..lower.params import ConvGeom, Pad
from ..lower.params_s16 import EltwiseS16, LeakyS16, QuantS16, RequantEltS16, RequantS16, SliceS16
from . import affine as af
from .kernels_q import _arr, broadcast_index
from .kernels_s8 import _conv_sum, _windows, quantize_f32, strided_slice, tfl_addsub

S16 = np.int16
ACC_LIMIT = 1 << 47  # |acc| bound of TFLite's 64-bit MultiplyByQuantizedMultiplier


def _bounds(lo: int, hi: int, bits: int = 16) -> None:
    if not -(1 << (bits - 1)) <= lo <= hi <= (1 << (bits - 1)) - 1:
        raise ValueError(f"saturation bounds [{lo}, {hi}] not inside int{bits}")


def mbqm64(x, multiplier, shift) -> np.ndarray:
    """TFLite's MultiplyByQuantizedMultiplier(int64 x, multiplier, shift) (twin of nnc_mbqm64): the multiplier
    rounded to 15 bits, one rounding half up, saturated to int32."""
    x, m, s = np.broadcast_arrays(np.asarray(x, np.int64), np.asarray(multiplier, np.int64),
                                  np.asarray(shift, np.int64))
    if (m < 0).any() or (s < -31).any() or (s > 7).any():
        raise ValueError("mbqm64: multiplier must be >= 0 and shift in [-31, 7]")
    if (np.abs(x) >= ACC_LIMIT).any():
        raise OverflowError("mbqm64: |x| >= 2^47")
    reduced = np.where(m < 0x7FFF0000, (m + (1 << 15)) >> 16, 0x7FFF)
    total = 15 - s
    return af.sat32((x * reduced + (np.int64(1) << (total - 1))) >> total)


def _epilogue(acc: np.ndarray, rq: RequantS16) -> np.ndarray:
    _bounds(rq.out_min, rq.out_max)
    n = acc.shape[-1]
    if len(rq.multiplier) != n or len(rq.shift) != n:
        raise ValueError(f"requant has {len(rq.multiplier)} multipliers for {n} output channels")
    v = mbqm64(acc, np.asarray(rq.multiplier, np.int64), np.asarray(rq.shift, np.int64)) + rq.output_offset
    return np.clip(v, rq.out_min, rq.out_max).astype(S16)


def _bias64(b, n: int) -> np.ndarray:
    if b is None:
        return np.zeros(n, dtype=np.int64)
    return _arr(b, np.int64, (n,))


def _check_acc(bound, kernel: str) -> None:
    if bound.size and int(bound.max()) >= ACC_LIMIT:
        raise OverflowError(f"{kernel}: |bias| + sum |x * w| reaches {int(bound.max())} >= 2^47")


def conv2d_s16(g: ConvGeom, rq: RequantS16, x, w, b) -> np.ndarray:
    """Grouped conv, NHWC, int16 input, weights [out_c][k_h][k_w][in_c/groups] int8, bias int64 or None:
    acc = bias + sum x * w (padded taps skipped), out = sat(mbqm64(acc) + output_offset)."""
    if g.groups < 1 or g.in_c % g.groups or g.out_c % g.groups:
        raise ValueError(f"groups {g.groups} must divide in_c {g.in_c} and out_c {g.out_c}")
    x = _arr(x, S16, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    w = _arr(w, np.int8, (g.out_c, g.k_h, g.k_w, g.in_c // g.groups)).astype(np.int64)
    bias = _bias64(b, g.out_c)
    _check_acc(_conv_sum(g, np.abs(x), np.abs(w)) + np.abs(bias), "conv2d_s16")
    return _epilogue(_conv_sum(g, x, w) + bias, rq)


def _convt_sum(g: ConvGeom, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """TFLite's scatter: input pixel (iy, ix) adds x * w[ky, kx] to output (iy*s - pad + ky*dil, ...)."""
    n = g.batch
    full_h = (g.in_h - 1) * g.stride_h + (g.k_h - 1) * g.dil_h + 1
    full_w = (g.in_w - 1) * g.stride_w + (g.k_w - 1) * g.dil_w + 1
    h = max(full_h, g.out_h + g.pad_top)
    wd = max(full_w, g.out_w + g.pad_left)
    acc = np.zeros((n, h, wd, g.out_c), dtype=np.int64)
    for ky in range(g.k_h):
        for kx in range(g.k_w):
            contrib = np.einsum("nyxc,oc->nyxo", x, w[:, ky, kx, :])
            y0, x0 = ky * g.dil_h, kx * g.dil_w
            acc[:, y0:y0 + (g.in_h - 1) * g.stride_h + 1:g.stride_h,
                x0:x0 + (g.in_w - 1) * g.stride_w + 1:g.stride_w] += contrib
    return acc[:, g.pad_top:g.pad_top + g.out_h, g.pad_left:g.pad_left + g.out_w]


def conv_transpose2d_s16(g: ConvGeom, rq: RequantS16, x, w, b) -> np.ndarray:
    """TFLite's 16x8 TRANSPOSE_CONV (see conv_transpose2d_s16.h), weights [out_c][k_h][k_w][in_c]."""
    if g.groups != 1:
        raise ValueError("conv_transpose2d_s16: groups must be 1")
    x = _arr(x, S16, (g.batch, g.in_h, g.in_w, g.in_c)).astype(np.int64)
    w = _arr(w, np.int8, (g.out_c, g.k_h, g.k_w, g.in_c)).astype(np.int64)
    bias = _bias64(b, g.out_c)
    _check_acc(_convt_sum(g, np.abs(x), np.abs(w)) + np.abs(bias), "conv_transpose2d_s16")
    return _epilogue(_convt_sum(g, x, w) + bias, rq)


def _addsub(p: EltwiseS16, a, b, sign: int) -> np.ndarray:
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.left_shift <= 15:
        raise ValueError(f"left_shift {p.left_shift} outside [0, 15]")
    shape = tuple(p.bc.shape)
    av = _arr(a, S16).reshape(-1).astype(np.int64)[broadcast_index(shape, p.bc.a_stride)] + p.a_offset
    bv = _arr(b, S16).reshape(-1).astype(np.int64)[broadcast_index(shape, p.bc.b_stride)] + p.b_offset
    if np.abs(av).max(initial=0) > 65535 or np.abs(bv).max(initial=0) > 65535:
        raise ValueError("operand plus offset outside [-65535, 65535]")
    return tfl_addsub(p, av, bv, sign).astype(S16)


def add_s16(p: EltwiseS16, a, b) -> np.ndarray:
    """TFLite's general int16 add over a 4-D broadcast (see nnc_eltwise_s16)."""
    return _addsub(p, a, b, 1)


def sub_s16(p: EltwiseS16, a, b) -> np.ndarray:
    """TFLite's general int16 sub over a 4-D broadcast (see nnc_eltwise_s16)."""
    return _addsub(p, a, b, -1)


def leaky_relu_s16(p: LeakyS16, x) -> np.ndarray:
    """TFLite's QuantizeLeakyRelu on int16 (see nnc_leaky_s16)."""
    _bounds(p.out_min, p.out_max)
    v = _arr(x, S16, (p.n,)).astype(np.int64) + p.input_offset
    pos = af.mbqm(v, p.identity_multiplier, p.identity_shift, p.rounding)
    neg = af.mbqm(v, p.alpha_multiplier, p.alpha_shift, p.rounding)
    return np.clip(np.where(v >= 0, pos, neg) + p.output_offset, p.out_min, p.out_max).astype(S16)


def _requant(p: RequantEltS16, x, in_dtype, out_bits: int) -> np.ndarray:
    _bounds(p.out_min, p.out_max, out_bits)
    v = af.sat32(_arr(x, in_dtype, (p.n,)).astype(np.int64) + p.input_offset)
    return np.clip(af.mbqm(v, p.multiplier, p.shift, p.rounding) + p.output_offset, p.out_min, p.out_max)


def requantize_s16_s16(p: RequantEltS16, x) -> np.ndarray:
    """TFLite's Requantize int16 -> int16 (see nnc_requant_elt_s16)."""
    return _requant(p, x, S16, 16).astype(S16)


def requantize_s32_s16(p: RequantEltS16, x) -> np.ndarray:
    """TFLite's Requantize int32 -> int16."""
    return _requant(p, x, np.int32, 16).astype(S16)


def requantize_s16_s32(p: RequantEltS16, x) -> np.ndarray:
    """TFLite's Requantize int16 -> int32."""
    return _requant(p, x, S16, 32).astype(np.int32)


def quantize_s16(n: int, p: QuantS16, x) -> np.ndarray:
    """q = sat(round_half_away(x / scale) + zero_point), the division in float32 (TFLite's AffineQuantize)."""
    x = np.asarray(x, dtype=np.float32).reshape(n)
    return quantize_f32(x, p.scale, p.zero_point, p.qmin, p.qmax, 1).astype(S16)


def dequantize_s16(n: int, p: QuantS16, x) -> np.ndarray:
    """(float)(q - zero_point) * scale in float32."""
    q = _arr(x, S16, (n,)).astype(np.int64)
    return (q - p.zero_point).astype(np.float32) * np.float32(p.scale)


def pad_s16(p: Pad, x) -> np.ndarray:
    """Constant pad of rank <= 4 (shapes left-filled with 1) with p.value."""
    if p.mode != 0:
        raise ValueError("pad_s16 pads with a constant only")
    x = _arr(x, S16, tuple(p.in_shape))
    widths = [(int(p.before[k]), int(p.out_shape[k] - p.in_shape[k] - p.before[k])) for k in range(4)]
    if any(a < 0 or b < 0 for a, b in widths):
        raise ValueError("pad shapes do not fit")
    return np.pad(x, widths, mode="constant", constant_values=p.value).astype(S16)


def strided_slice_s16(p: SliceS16, x) -> np.ndarray:
    """A strided copy of int16 values (see kernels_s8.strided_slice)."""
    return strided_slice(p, _arr(x, S16).reshape(-1), "strided_slice_s16")


KERNELS = ["conv2d_s16", "conv_transpose2d_s16", "eltwise_s16", "leaky_relu_s16", "quant_s16", "pad_s16",
           "strided_slice_s16"]
