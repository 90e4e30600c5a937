"""Twins of the affine int8 element-wise kernels (eltwise_s8.c, minmax_s8.c, lut_s8.c, concat_s8.c,
prelu_s8.c, leaky_relu_s8.c); see kernels_s8.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import Broadcast, ConcatS8, EltwiseS8, LeakyS8, LutS8, PreluS8
from . import affine as af
from . import sf32
from .kernels_common import _arr
from .kernels_q import broadcast_index
from .kernels_s8_mac import S8, _bounds


def _operands(p: EltwiseS8, a, b):
    _bounds(p.out_min, p.out_max)
    shape = tuple(p.bc.shape)
    a = _arr(a, S8).reshape(-1).astype(np.int64)
    b = _arr(b, S8).reshape(-1).astype(np.int64)
    return (a[broadcast_index(shape, p.bc.a_stride)] + p.a_offset,
            b[broadcast_index(shape, p.bc.b_stride)] + p.b_offset)


def _add_ort(p: EltwiseS8, av: np.ndarray, bv: np.ndarray) -> np.ndarray:
    """onnxruntime's QLinearAdd (see nnc_eltwise_s8): nearbyintf(fma(a', A, fma(b', B, F)))."""
    A = sf32.from_bits([p.a_multiplier & 0xFFFFFFFF])[0]
    table = np.asarray(p.ort_table, dtype=np.int64)
    if table.shape != (256,):
        raise ValueError("add_s8 (onnxruntime): ort_table must hold 256 float32 bit patterns")
    t = sf32.from_bits(table[bv - p.b_offset + 128])
    v = np.rint(sf32.fma_f32(av.astype(np.float32), A, t).astype(np.float64)).astype(np.int64)
    return np.clip(np.clip(v, 0, 255) + p.out_offset, p.out_min, p.out_max).astype(S8)


def _addsub(p: EltwiseS8, a, b, sign: int) -> np.ndarray:
    av, bv = _operands(p, a, b)
    if p.rounding == af.ROUND_ORT:
        if sign != 1:
            raise ValueError("rounding 'onnxruntime' is defined for add only")
        return _add_ort(p, av, bv)
    if not 0 <= p.left_shift <= 22:
        raise ValueError(f"left_shift {p.left_shift} outside [0, 22]")
    return tfl_addsub(p, av, bv, sign).astype(S8)


def tfl_addsub(p, av, bv, sign: int) -> np.ndarray:
    """TFLite's integer add (sign 1) / sub (-1) of offset operands av, bv (int64), shared by add_s8 / sub_s8
    and add_s16 / sub_s16 (p: EltwiseS8 or EltwiseS16): each operand times 2^left_shift scaled by its
    multiplier, the two summed (saturated to int32) and requantized."""
    sa = af.mbqm(av << p.left_shift, p.a_multiplier, p.a_shift, p.rounding)
    sb = af.mbqm(bv << p.left_shift, p.b_multiplier, p.b_shift, p.rounding)
    raw = af.sat32(sa + sign * sb)
    v = af.mbqm(raw, p.out_multiplier, p.out_shift, p.rounding) + p.out_offset
    return np.clip(v, p.out_min, p.out_max)


def add_s8(p: EltwiseS8, a, b) -> np.ndarray:
    """TFLite's int8 add over a 4-D broadcast (see nnc_eltwise_s8)."""
    return _addsub(p, a, b, 1)


def sub_s8(p: EltwiseS8, a, b) -> np.ndarray:
    return _addsub(p, a, b, -1)


def mul_s8(p: EltwiseS8, a, b) -> np.ndarray:
    """TFLite's int8 mul: sat(mbqm((a + a_offset) * (b + b_offset), out_multiplier, out_shift) + out_offset)."""
    av, bv = _operands(p, a, b)
    v = af.mbqm(av * bv, p.out_multiplier, p.out_shift, p.rounding) + p.out_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def lut_s8(n: int, p: LutS8, x) -> np.ndarray:
    """out[i] = table[x[i] + 128]."""
    t = _arr(p.table, S8, (256,))
    x = _arr(x, S8, (n,)).astype(np.int64)
    return t[x + 128]


def concat_part_s8(p: ConcatS8, x, out) -> np.ndarray:
    """Writes [outer][inner] into out viewed as [outer][out_inner] at column offset (copy or table)."""
    x = _arr(x, S8, (p.outer, p.inner))
    o = _arr(out, S8).copy()
    shape = o.shape
    o = o.reshape(p.outer, p.out_inner)
    if p.offset < 0 or p.offset + p.inner > p.out_inner:
        raise ValueError("concat part outside the output")
    if p.table is not None:
        x = _arr(p.table, S8, (256,))[x.astype(np.int64) + 128]
    o[:, p.offset:p.offset + p.inner] = x
    return o.reshape(shape)


def prelu_s8(p: PreluS8, x) -> np.ndarray:
    """TFLite's int8 PReLU over [outer][channels] (see nnc_prelu_s8)."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.outer, p.channels)).astype(np.int64) + p.input_offset
    alpha = _arr(p.alpha, S8, (p.channels,)).astype(np.int64) + p.alpha_offset
    pos = af.mbqm(x, p.pos_multiplier, p.pos_shift, p.rounding)
    neg = af.mbqm(x * alpha, np.asarray(p.neg_multiplier, np.int64), np.asarray(p.neg_shift, np.int64),
                  p.rounding)
    v = np.where(x >= 0, pos, neg) + p.output_offset
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def leaky_relu_s8(p: LeakyS8, x) -> np.ndarray:
    """TFLite's QuantizeLeakyRelu on int8 (see nnc_leaky_s8)."""
    _bounds(p.out_min, p.out_max)
    v = _arr(x, S8, (p.n,)).astype(np.int64) + p.input_offset
    y = np.where(v >= 0, af.mbqm(v, p.identity_multiplier, p.identity_shift, p.rounding),
                 af.mbqm(v, p.alpha_multiplier, p.alpha_shift, p.rounding)) + p.output_offset
    return np.clip(y, p.out_min, p.out_max).astype(S8)


def _minmax(bc: Broadcast, a, b, fn) -> np.ndarray:
    shape = tuple(bc.shape)
    a = _arr(a, S8).reshape(-1)
    b = _arr(b, S8).reshape(-1)
    return fn(a[broadcast_index(shape, bc.a_stride)], b[broadcast_index(shape, bc.b_stride)]).astype(S8)


def maximum_s8(bc: Broadcast, a, b) -> np.ndarray:
    """max(a, b) of the stored integers over a 4-D broadcast (operands and output in one format)."""
    return _minmax(bc, a, b, np.maximum)


def minimum_s8(bc: Broadcast, a, b) -> np.ndarray:
    return _minmax(bc, a, b, np.minimum)
