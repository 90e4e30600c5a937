"""Affine int8 rounding rules: the numpy twin of templates_c/include/nnc_affine.h.

Every affine kernel twin (ref/kernels_s8.py) rounds through these functions.
All arithmetic is on int64 arrays holding int32 values.  The compile-time half
(``quantize_multiplier`` and the effective scales of each op) follows TFLite's
kernels (tensorflow/lite/kernels/kernel_util.cc, quantization_util.cc), so a
model gets the multipliers TFLite would give it.

Rounding modes (per model, ``graph.meta["quantization"]["rounding"]``):
* ``"double"`` (TFLite's default): SaturatingRoundingDoublingHighMul (ties
  toward +infinity), then RoundingDivideByPOT (ties away from zero).
* ``"single"`` (TFLITE_SINGLE_ROUNDING): one rounding, half up.
* ``"onnxruntime"``: onnxruntime's float requantization, ``nearbyintf((float)x * M_f)`` with
  the float32 multiplier ``M_f`` stored as its bit pattern in ``multiplier`` (``shift`` unused);
  the C does the float32 steps in integers (nnc_sf32.h, twin ref/sf32.py).
"""
from __future__ import annotations

import math
from typing import Tuple

import numpy as np

ROUND_DOUBLE, ROUND_SINGLE, ROUND_ORT = 0, 1, 2
ROUNDING = {"double": ROUND_DOUBLE, "single": ROUND_SINGLE, "onnxruntime": ROUND_ORT}
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def _i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def sat32(v) -> np.ndarray:
    return np.clip(_i64(v), INT32_MIN, INT32_MAX)


def _trunc_div_pow2(v: np.ndarray, k: int) -> np.ndarray:
    """v / 2^k truncated toward zero (C integer division)."""
    return np.where(v >= 0, v >> k, -((-v) >> k))


def srdhm(a, b) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul (twin of nnc_srdhm)."""
    a, b = np.broadcast_arrays(_i64(a), _i64(b))
    ab = a * b
    nudge = np.where(ab >= 0, np.int64(1 << 30), np.int64(1 - (1 << 30)))
    r = _trunc_div_pow2(ab + nudge, 31)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, r)


def rdbpot(x, exponent) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT, 0 <= exponent <= 31 (twin of nnc_rdbpot)."""
    x, e = np.broadcast_arrays(_i64(x), _i64(exponent))
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def mbqm(x, multiplier, shift, rounding: int = ROUND_DOUBLE) -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplier (twin of nnc_mbqm); arguments broadcast."""
    x, m, s = np.broadcast_arrays(_i64(x), _i64(multiplier), _i64(shift))
    if rounding == ROUND_ORT:
        from . import sf32
        return sf32.sf_rint(sf32.sf_mul(sf32.sf_from_i32(x), m & 0xFFFFFFFF))
    if rounding == ROUND_SINGLE:
        total = 31 - s
        return sat32((x * m + (np.int64(1) << (total - 1))) >> total)
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    return rdbpot(srdhm(sat32(x * (np.int64(1) << left)), m), right)


def requant_s8(acc, multiplier, shift, output_offset: int, out_min: int, out_max: int,
               rounding: int) -> np.ndarray:
    """Twin of nnc_requant_s8_apply over the last (channel) axis."""
    v = mbqm(acc, multiplier, shift, rounding) + output_offset
    return np.clip(v, out_min, out_max)


def avg_round(total, count) -> np.ndarray:
    """TFLite's rounded average, ties away from zero (twin of nnc_avg_round)."""
    total, count = np.broadcast_arrays(_i64(total), _i64(count))
    half = count // 2
    num = np.where(total > 0, total + half, total - half)
    q = np.abs(num) // count
    return np.where(num < 0, -q, q)


def div_round_even(n, d) -> np.ndarray:
    """n / d to nearest, ties to even, d > 0 (twin of nnc_div_round_even)."""
    n, d = np.broadcast_arrays(_i64(n), _i64(d))
    q = n // d
    r = n - q * d
    return q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1)))


# ---------------------------------------------------------------- compile time

def _round_away(v: float) -> int:
    """std::round for a finite double: half away from zero, exactly."""
    r = math.floor(abs(v))
    if abs(v) - r >= 0.5:
        r += 1
    return int(r if v >= 0 else -r)


def quantize_multiplier(m: float, rounding: int = ROUND_DOUBLE) -> Tuple[int, int]:
    """TFLite QuantizeMultiplier: (multiplier, shift) with m ~= multiplier * 2^(shift - 31)."""
    m = float(m)
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"cannot quantize the multiplier {m}")
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = _round_away(q * float(1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    if rounding == ROUND_SINGLE and shift > 30:
        shift, q_fixed = 30, (1 << 31) - 1
    return int(q_fixed), int(shift)


def ort_multiplier(m) -> int:
    """The bit pattern of a float32 multiplier (rounding mode "onnxruntime")."""
    m = np.float32(m)
    if not np.isfinite(m) or m < 0:
        raise ValueError(f"cannot use the multiplier {m}")
    return int(np.asarray([m], np.float32).view(np.uint32)[0])


def f32(v) -> np.float32:
    return np.float32(v)


def conv_scale(s_in: float, s_w: float, s_out: float) -> float:
    """TFLite's effective scale of a conv / dense channel: float32 s_in * s_w, then a double division."""
    return float(f32(s_in) * f32(s_w)) / float(f32(s_out))


def add_params(s_a: float, s_b: float, s_out: float, rounding: int, left_shift: int = 20):
    """TFLite's add/sub multipliers: ((a_mult, a_shift), (b_mult, b_shift), (out_mult, out_shift))."""
    twice_max = 2.0 * float(max(f32(s_a), f32(s_b)))
    ra = float(f32(s_a)) / twice_max
    rb = float(f32(s_b)) / twice_max
    ro = twice_max / ((1 << left_shift) * float(f32(s_out)))
    return (quantize_multiplier(ra, rounding), quantize_multiplier(rb, rounding),
            quantize_multiplier(ro, rounding))


def mul_scale(s_a: float, s_b: float, s_out: float) -> float:
    """TFLite's mul: float32 s_a * s_b, then a double division by s_out."""
    return float(f32(s_a) * f32(s_b)) / float(f32(s_out))


def quantize_value_away(x: float, scale: float, zero_point: int, qmin: int, qmax: int) -> int:
    """TFLite's quantization of a constant (activation bounds): zp + round(x / scale), half away."""
    v = zero_point + _round_away(float(f32(x) / f32(scale)))
    return int(min(max(v, qmin), qmax))
