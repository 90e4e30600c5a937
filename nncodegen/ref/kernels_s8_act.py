"""Twins of the affine int8 softmax family and TFLite's fixed-point activations (softmax_s8.c,
act_tfl_s8.c, hard_swish_tfl_s8.c); see kernels_s8.py."""
from __future__ import annotations

import numpy as np

from ..lower.params import ActTflS8, HardSwishTflS8, LogSoftmaxTflS8, SoftmaxOrtS8, SoftmaxS8, SoftmaxTflS8
from . import affine as af
from . import sf32
from .kernels_common import _arr
from .kernels_s8_mac import S8, _bounds, _table_f32


def softmax_s8(p: SoftmaxS8, x) -> np.ndarray:
    """Table-based softmax over the last axis (see nnc_softmax_s8); int64 arithmetic."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    t = np.asarray(p.exp_table, dtype=np.int64)
    if t.shape != (256,) or t.min() < 0 or t.max() > (1 << 24):
        raise ValueError("exp_table must hold 256 entries in [0, 2^24]")
    if not 0 <= p.den_shift <= 40 or not 0 <= p.multiplier < (1 << 31):
        raise ValueError("softmax multiplier / den_shift out of range")
    e = t[x.max(axis=1, keepdims=True) - x]
    den = e.sum(axis=1, keepdims=True) << p.den_shift
    num = e * p.multiplier
    q = (2 * num + den) // (2 * den)
    return np.clip(q + p.out_offset, p.out_min, p.out_max).astype(S8)


def softmax_ort_s8(p: SoftmaxOrtS8, x) -> np.ndarray:
    """onnxruntime's QLinearSoftmax (see nnc_softmax_ort_s8), in numpy float32, the sum in column order."""
    _bounds(p.out_min, p.out_max)
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    t = _table_f32(p.exp_table, "softmax_ort_s8 exp_table")
    e = t[255 - (x.max(axis=1, keepdims=True) - x)]
    total = np.zeros(p.rows, dtype=np.float32)
    with np.errstate(all="ignore"):
        for j in range(p.cols):
            total = (total + e[:, j]).astype(np.float32)
        ys = sf32.from_bits([p.y_scale])[0]
        q = np.rint(((e * ys).astype(np.float32) / total[:, None]).astype(np.float32).astype(np.float64))
    v = np.minimum(q.astype(np.int64) + p.out_zero_point, 255) - 128
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def softmax_tfl_s8(p: SoftmaxTflS8, x) -> np.ndarray:
    """TFLite's reference int8 softmax (see nnc_softmax_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31):
        raise ValueError("softmax_tfl_s8 multiplier / left shift out of range")
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    d = x - x.max(axis=1, keepdims=True)
    used = d >= p.diff_min
    e = af.gl_exp_on_negative_values(af.gl_mbqm_gt1(np.where(used, d, 0), p.input_multiplier,
                                                    p.input_left_shift), af.SOFTMAX_SCALED_DIFF_BITS)
    total = np.where(used, af.rdbpot(e, 12), 0).sum(axis=1, keepdims=True)  # Q12.19
    scale, nbits = af.gl_get_reciprocal(af.sat32(total), 12)
    exponent = nbits + 31 - 8
    q = af.rdbpot(af.srdhm(scale, e), np.minimum(exponent, 31))
    v = np.where(used, np.where(exponent <= 31, q, 0) - 128, -128)
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def log_softmax_tfl_s8(p: LogSoftmaxTflS8, x) -> np.ndarray:
    """TFLite's reference int8 log-softmax (see nnc_log_softmax_tfl_s8): gemmlowp fixed point, int64
    arithmetic; output scale 16/256, zero point 127."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31) \
            or not 0 <= p.reverse_scaling_right_shift <= 31 or not 0 <= p.reverse_scaling_divisor < (1 << 31) \
            or not af.INT32_MIN < p.diff_min <= 0:
        raise ValueError("log_softmax_tfl_s8 multipliers / shifts / diff_min out of range")
    x = _arr(x, S8, (p.rows, p.cols)).astype(np.int64)
    d = x - x.max(axis=1, keepdims=True)
    ib = af.SOFTMAX_SCALED_DIFF_BITS
    # Q5.26 differences; only d >= diff_min is used, where d * 2^left_shift fits in int32
    scaled = af.gl_mbqm_gt1(np.where(d >= p.diff_min, d, 0), p.input_multiplier, p.input_left_shift)
    e = af.gl_exp_on_negative_values(scaled, ib)
    total = np.where(d >= p.diff_min, af.rdbpot(e, 12), 0).sum(axis=1, keepdims=True)  # Q12.19
    log_sum = af.gl_log_x_ge_1(af.sat32(total), 12, ib)  # Q5.26
    adjusted = af.rdbpot(af.srdhm(af.wrap32(log_sum + af.INT32_MIN), p.reverse_scaling_divisor),
                         p.reverse_scaling_right_shift)  # t: times the reverse scaling (< 1), double rounding
    adjusted = np.maximum(adjusted, p.diff_min - 1)
    v = af.rdbpot(af.wrap32(scaled - log_sum), 31 - ib - 4) + 127
    v = np.where(d > adjusted, np.clip(v, -128, 127), -128)
    return np.clip(v, p.out_min, p.out_max).astype(S8)


def _act_tfl_s8(p: ActTflS8, x, name: str):
    """The input differences v and their Q4.27 values of nnc_act_tfl_s8 (0 where saturated)."""
    _bounds(p.out_min, p.out_max)
    if not 0 <= p.input_left_shift <= 31 or not 0 <= p.input_multiplier < (1 << 31) or \
            not 0 <= p.input_range_radius <= (15 << 27) >> p.input_left_shift or not -128 <= p.input_zero_point <= 127:
        raise ValueError(f"{name} zero point / multiplier / left shift / radius out of range")
    v = _arr(x, S8, (p.n,)).astype(np.int64) - p.input_zero_point
    inside = np.abs(v) < p.input_range_radius
    a = af.mbqm(np.where(inside, v, 0), p.input_multiplier, p.input_left_shift, af.ROUND_DOUBLE)
    return v, inside, a


def _act_tfl_out(p: ActTflS8, v, inside, y) -> np.ndarray:
    y = np.where(inside, y, np.where(v <= -p.input_range_radius, -128, 127))
    return np.clip(np.clip(y, -128, 127), p.out_min, p.out_max).astype(S8)


def logistic_tfl_s8(p: ActTflS8, x) -> np.ndarray:
    """TFLite's reference int8 logistic (see nnc_act_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    v, inside, a = _act_tfl_s8(p, x, "logistic_tfl_s8")
    return _act_tfl_out(p, v, inside, af.rdbpot(af.gl_logistic(a, af.ACT_INPUT_INTEGER_BITS), 31 - 8) - 128)


def tanh_tfl_s8(p: ActTflS8, x) -> np.ndarray:
    """TFLite's reference int8 tanh (see nnc_act_tfl_s8): gemmlowp fixed point, int64 arithmetic."""
    v, inside, a = _act_tfl_s8(p, x, "tanh_tfl_s8")
    return _act_tfl_out(p, v, inside, af.rdbpot(af.gl_tanh(a, af.ACT_INPUT_INTEGER_BITS), 31 - 7))


def _srdhm16(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16 values (ties toward +infinity)."""
    a, b = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(b, np.int64))
    ab = a * b
    r = af._trunc_div_pow2(ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14)), 15)
    return np.where((a == -32768) & (b == -32768), 32767, r)


def _dhm16(a, b) -> np.ndarray:
    """TFLite SaturatingDoublingHighMul on int16 values (truncated toward zero)."""
    a, b = np.broadcast_arrays(np.asarray(a, np.int64), np.asarray(b, np.int64))
    return np.where((a == -32768) & (b == -32768), 32767, af._trunc_div_pow2(a * b, 15))


def _sat16(v) -> np.ndarray:
    return np.clip(v, -32768, 32767)


def hard_swish_tfl_s8(p: HardSwishTflS8, x) -> np.ndarray:
    """TFLite's reference int8 HARD_SWISH in 16-bit fixed point (see nnc_hard_swish_tfl_s8)."""
    _bounds(p.out_min, p.out_max)
    e = p.reluish_exponent
    if not (-15 <= p.output_exponent <= 0 and -15 <= e <= 15 and 0 <= p.output_multiplier <= 32767
            and 0 <= p.reluish_multiplier <= 32767):
        raise ValueError("hard_swish_tfl_s8: exponents or multipliers outside the legal range")
    h = (_arr(x, S8, (p.n,)).astype(np.int64) - p.input_zero_point) * 128
    pre = _srdhm16(h, p.output_multiplier)
    r = _sat16(h << (e - 1)) if e > 0 else h
    r = _srdhm16(r, p.reluish_multiplier)
    if e > 0:
        r = _sat16(r * 2)
    elif e < 0:
        r = af.rdbpot(r, -e)
    r = (r + (1 << 15)) >> 1
    y = af.rdbpot(_dhm16(r, pre), -p.output_exponent) + p.output_zero_point
    return np.clip(y, p.out_min, p.out_max).astype(S8)
