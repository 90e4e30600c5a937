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


# ---------------------------------------------------------------- gemmlowp fixed point
# Twins of nnc_affine.h nnc_gl_*: gemmlowp's fixedpoint/fixedpoint.h as TFLite's reference int8 softmax
# uses it.  A FixedPoint<int32, I> raw value v stands for v / 2^(31 - I).  Arguments broadcast; int64
# arrays holding int32 values; gemmlowp's plain int32 additions wrap modulo 2^32 (they never overflow
# for the documented input ranges).

def wrap32(v) -> np.ndarray:
    """v modulo 2^32 as a signed int32 value (nnc_gl_add / nnc_gl_sub)."""
    return ((_i64(v) + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def gl_srmbpot(x, exponent) -> np.ndarray:
    """gemmlowp SaturatingRoundingMultiplyByPOT, -31 <= exponent <= 31 (twin of nnc_gl_srmbpot)."""
    x, e = np.broadcast_arrays(_i64(x), _i64(exponent))
    ep = np.clip(e, 1, 31)
    threshold = (np.int64(1) << (31 - ep)) - 1
    up = np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << ep))
    down = rdbpot(x, np.clip(-e, 0, 31))
    return np.where(e > 0, up, np.where(e < 0, down, x))


def gl_rounding_half_sum(a, b) -> np.ndarray:
    """gemmlowp RoundingHalfSum: (a + b) / 2, ties away from zero (twin of nnc_gl_rounding_half_sum)."""
    total = _i64(a) + _i64(b)
    num = total + np.where(total >= 0, 1, -1)
    return np.where(num >= 0, num >> 1, -((-num) >> 1))


def clz32(v) -> np.ndarray:
    """Leading zero bits of uint32 values, 32 for 0 (twin of nnc_gl_clz32)."""
    v = _i64(v) & 0xFFFFFFFF
    _, e = np.frexp(v.astype(np.float64))  # exact: v < 2^53; v = f * 2^e with f in [0.5, 1)
    return np.where(v == 0, 32, 32 - e.astype(np.int64))


def gl_exp_on_interval(a) -> np.ndarray:
    """gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl: exp(a), Q0.31, a in [-2^29, 0]."""
    constant_term, one_third = 1895147668, 715827883
    x = wrap32(_i64(a) + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    poly = rdbpot(wrap32(srdhm(wrap32(rdbpot(x4, 2) + x3), one_third) + x2), 1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
              (3, 720401), (4, 242))  # exp(-2^k) in Q0.31


def gl_exp_on_negative_values(a, integer_bits: int) -> np.ndarray:
    """gemmlowp exp_on_negative_values: exp(a) in Q0.31 for a <= 0 in Q(integer_bits), 0 <= integer_bits <= 29."""
    a = _i64(a)
    ib = int(integer_bits)
    quarter = 1 << (29 - ib)
    amq = (a & (quarter - 1)) - quarter
    remainder = wrap32(amq - a)
    result = gl_exp_on_interval(gl_srmbpot(amq, ib))
    for k, m in EXP_BARREL:
        if ib > k:
            result = np.where((remainder >> (31 - ib + k)) & 1 != 0, srdhm(result, m), result)
    if ib > 5:
        result = np.where(a < -(1 << (36 - ib)), 0, result)
    return np.where(a == 0, INT32_MAX, result)


def gl_one_over_one_plus_x(a) -> np.ndarray:
    """gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out, a in [0, 2^31)."""
    half_denominator = gl_rounding_half_sum(a, INT32_MAX)
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))
    for _ in range(3):
        one_minus_dx = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + gl_srmbpot(srdhm(x, one_minus_dx), 2))
    return gl_srmbpot(x, 1)


def gl_one_minus_x_over_one_plus_x(a) -> np.ndarray:
    """gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1 - a) / (1 + a), Q0.31 in and out, a in [0, 2^31)
    (twin of nnc_gl_one_minus_x_over_one_plus_x)."""
    half_denominator = gl_rounding_half_sum(a, INT32_MAX)
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))
    for _ in range(3):
        one_minus_dx = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + gl_srmbpot(srdhm(x, one_minus_dx), 2))
    return gl_srmbpot(wrap32(x - (1 << 29)), 2)


def gl_logistic(a, integer_bits: int) -> np.ndarray:
    """gemmlowp logistic on Q(integer_bits), Q0.31 out, 0 <= integer_bits <= 29 (twin of nnc_gl_logistic)."""
    a = _i64(a)
    pos = gl_one_over_one_plus_x(gl_exp_on_negative_values(np.where(a > 0, wrap32(-a), a), integer_bits))
    return np.where(a == 0, 1 << 30, np.where(a > 0, pos, wrap32(INT32_MAX - pos)))


def gl_tanh(a, integer_bits: int) -> np.ndarray:
    """gemmlowp tanh on Q(integer_bits), Q0.31 out, 0 <= integer_bits <= 28 (twin of nnc_gl_tanh)."""
    a = _i64(a)
    t = gl_one_minus_x_over_one_plus_x(gl_exp_on_negative_values(np.where(a < 0, a, wrap32(-a)), integer_bits + 1))
    return np.where(a == 0, 0, np.where(a < 0, wrap32(-t), t))


def gl_get_reciprocal(x, x_integer_digits: int):
    """TFLite GetReciprocal: (scale, num_bits_over_unit) with 1 / x ~= scale * 2^-(31 + n) for x > 0
    in Q(x_integer_digits) (twin of nnc_gl_get_reciprocal; x <= 0 is taken as 1)."""
    ux = np.where(_i64(x) > 0, _i64(x), 1)
    hp1 = clz32(ux)
    shifted_minus_one = ((ux << hp1) & 0xFFFFFFFF) - (1 << 31)
    return gl_one_over_one_plus_x(shifted_minus_one), x_integer_digits - hp1


def gl_sat_add(a, b) -> np.ndarray:
    """TFLite SaturatingAddNonGemmlowp on int32: a + b saturated (twin of nnc_gl_sat_add)."""
    return sat32(_i64(a) + _i64(b))


def gl_sat_sub(a, b) -> np.ndarray:
    """TFLite SaturatingSub on int32: a - b saturated (twin of nnc_gl_sat_sub)."""
    return sat32(_i64(a) - _i64(b))


LOG_SQRT_SQRT_HALF, LOG_SQRT_HALF, LOG_ONE_QUARTER, LOG_2 = 1805811301, 1518500250, 536870912, 1488522236
LOG_ALPHA_N, LOG_ALPHA_D, LOG_ALPHA_I, LOG_ALPHA_F = 117049297, 127690142, 1057819769, 638450708


def gl_log_x_ge_1(x, input_integer_bits: int, output_integer_bits: int) -> np.ndarray:
    """TFLite log_x_for_x_greater_than_or_equal_to_1<output_integer_bits>(x in Q(input_integer_bits)):
    log(x) in Q(output_integer_bits), the raw value (twin of nnc_gl_log_x_ge_1).

    x = 2^k * z with z in [1, 2): k from the leading zeros (twice: for x and for x * sqrt(1/2), the
    closer of the two power-of-two adjustments kept), log(z) from a rational approximation in
    r = z / 2^k (Q0.31) around sqrt(sqrt(1/2)), one reciprocal (gl_one_over_one_plus_x), summed in
    Q(output_integer_bits + 1) and rescaled.  TFLite's domain is x > 0; the arithmetic here is defined
    for every int32 (plain int32 additions wrap, SaturatingRoundingMultiplyByPOTParam with a negative
    exponent, reached only for x <= 0, rounds)."""
    x = _i64(x)
    ib, acc_bits = int(input_integer_bits), int(output_integer_bits) + 1
    shifted_quarter = rdbpot(LOG_ONE_QUARTER, acc_bits)  # Rescale<acc_bits>(1/4)
    hp1 = clz32(x)
    r_a = gl_srmbpot(srdhm(gl_srmbpot(x, hp1 - 1), LOG_SQRT_HALF), 1)
    z_a_adj = gl_sat_add(gl_srmbpot(ib - hp1, 31 - acc_bits), shifted_quarter)
    z_b_headroom = clz32(srdhm(x, LOG_SQRT_HALF)) - 1
    r_b = gl_srmbpot(x, z_b_headroom)
    z_b_adj = gl_sat_sub(gl_srmbpot(ib - z_b_headroom, 31 - acc_bits), shifted_quarter)
    r = np.minimum(r_a, r_b)
    z_adj = np.maximum(z_a_adj, z_b_adj)
    p = gl_rounding_half_sum(r, LOG_SQRT_SQRT_HALF)
    q = wrap32(2 * wrap32(r - LOG_SQRT_SQRT_HALF))
    common_sq = srdhm(q, q)
    num = wrap32(srdhm(q, r) + srdhm(srdhm(q, common_sq), LOG_ALPHA_N))
    denom_minus_one = wrap32(srdhm(p, wrap32(wrap32(LOG_ALPHA_I + q) + srdhm(LOG_ALPHA_D, common_sq)))
                             + srdhm(LOG_ALPHA_F, q))
    recip_denom = gl_one_over_one_plus_x(denom_minus_one)
    num_scaled = rdbpot(num, acc_bits)  # Rescale<acc_bits> from Q0.31
    return gl_srmbpot(wrap32(srdhm(z_adj, LOG_2) + srdhm(num_scaled, recip_denom)), 1)


def gl_mbqm_gt1(x, multiplier, left_shift) -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplierGreaterThanOne (twin of nnc_gl_mbqm_gt1), 0 <= left_shift <= 31."""
    x, m, s = np.broadcast_arrays(_i64(x), _i64(multiplier), _i64(left_shift))
    return srdhm(sat32(x << s), m)


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


SOFTMAX_SCALED_DIFF_BITS = 5  # TFLite's kScaledDiffIntegerBits


def tflite_softmax_params(input_scale: float, beta: float = 1.0,
                          rounding: int = ROUND_DOUBLE) -> Tuple[int, int, int]:
    """TFLite's int8 softmax parameters: (input_multiplier, input_left_shift, diff_min).

    PreprocessSoftmaxScaling(beta, s_in, 5): min(beta * s_in * 2^26, cap) in double (beta and the
    scale are float32 in a TFLite model), QuantizeMultiplierGreaterThanOne; then
    diff_min = -CalculateInputRadius(5, left_shift) = -floor((2^5 - 1) * 2^26 / 2^left_shift)
    (tensorflow/lite/kernels/internal/quantization_util.cc; TFLite Micro's softmax_common.cc).
    Input differences >= diff_min times 2^left_shift stay inside int32.
    cap = 2^31 - 1, or 2^30 - 1 in a TFLITE_SINGLE_ROUNDING build (``rounding`` ROUND_SINGLE), whose
    QuantizeMultiplier also keeps the shift <= 30.  The kernel is the same in both builds: the
    single-rounding MultiplyByQuantizedMultiplierGreaterThanOne, floor(x * m / 2^(31 - shift) + 1/2),
    equals srdhm(x * 2^shift, m) (gl_mbqm_gt1) wherever x * 2^shift fits in int32.
    """
    ib = SOFTMAX_SCALED_DIFF_BITS
    single = rounding == ROUND_SINGLE
    real = float(f32(beta)) * float(f32(input_scale)) * float(1 << (31 - ib))
    real = min(real, float((1 << 30) - 1) if single else float((1 << 31) - 1))
    if not real > 1.0:  # TFLITE_CHECK_GT(double_multiplier, 1.)
        raise ValueError(f"softmax input scale {input_scale} * beta {beta} too small for TFLite's kernel")
    multiplier, left_shift = quantize_multiplier(real, ROUND_SINGLE if single else ROUND_DOUBLE)
    if not 0 <= left_shift <= 31:
        raise ValueError(f"softmax left shift {left_shift} out of range")
    radius = math.floor(1.0 * ((1 << ib) - 1) * float(1 << (31 - ib)) / float(1 << left_shift))
    return multiplier, left_shift, -int(radius)


LOG_SOFTMAX_OUTPUT = (16.0 / 256, 127)  # TFLite's int8 LOG_SOFTMAX output format (scale, zero point)


def tflite_log_softmax_params(input_scale: float, rounding: int = ROUND_DOUBLE) -> Tuple[int, int, int, int, int]:
    """TFLite's int8 log-softmax parameters: (input_multiplier, input_left_shift, reverse_scaling_divisor,
    reverse_scaling_right_shift, diff_min).

    PreprocessLogSoftmaxScalingExp(beta 1, s_in, 5) (tensorflow/lite/kernels/activations.cc
    LogSoftmaxPrepare; TFLite Micro's log_softmax.cc): the input multiplier, left shift and diff_min of
    the softmax (tflite_softmax_params with beta 1, so the same cap per build), then the reverse scaling
    2^(31 - left_shift) / input_multiplier (double) through QuantizeMultiplierSmallerThanOneExp, whose
    shift (<= 0) TFLite negates into reverse_scaling_right_shift (>= 0).
    """
    multiplier, left_shift, diff_min = tflite_softmax_params(input_scale, 1.0, rounding)
    real_reverse = float(1 << (31 - left_shift)) / float(multiplier)
    if not 0.0 < real_reverse < 1.0:  # TFLITE_CHECK_LT(double_multiplier, 1.) (an input multiplier of exactly 1)
        raise ValueError(f"log_softmax input scale {input_scale} too close to 2^-26 for TFLite's kernel")
    rev, rev_shift = quantize_multiplier(real_reverse, ROUND_SINGLE if rounding == ROUND_SINGLE else ROUND_DOUBLE)
    if not -31 <= rev_shift <= 0:
        raise ValueError(f"log_softmax reverse shift {rev_shift} out of range")
    return multiplier, left_shift, rev, -rev_shift, diff_min


LOGISTIC_OUTPUT = (1.0 / 256, -128)  # TFLite's int8 LOGISTIC output format (scale, zero point)
TANH_OUTPUT = (1.0 / 128, 0)  # TFLite's int8 TANH output format
ACT_INPUT_INTEGER_BITS = 4  # TFLite's kInputIntegerBits of both


def tflite_act_params(input_scale: float) -> Tuple[int, int, int]:
    """TFLite's int8 LOGISTIC / TANH parameters: (input_multiplier, input_left_shift, input_range_radius).

    TFLite Micro's CalculateArithmeticOpDataLogistic / tanh.cc CalculateArithmeticOpData: frexp of the
    double s_in * 2^27 (the scale a float32) = q * 2^left_shift, multiplier = TfLiteRound(q * 2^31) (no
    single-rounding variant), radius = CalculateInputRadius(4, left_shift, 31)
    = floor(15 * 2^27 / 2^left_shift).  Inputs |x - zp| < radius keep x * 2^left_shift inside int32.
    Input scales outside [2^-28, 16) (a left shift outside 0 .. 31) are refused.
    """
    ib = ACT_INPUT_INTEGER_BITS
    real = float(f32(input_scale)) * float(1 << (31 - ib))
    if not math.isfinite(real) or real <= 0.0:
        raise ValueError(f"logistic / tanh input scale {input_scale} not usable")
    q, left_shift = math.frexp(real)
    multiplier = _round_away(q * float(1 << 31))
    if not 0 <= left_shift <= 31 or multiplier >= 1 << 31:
        raise ValueError(f"logistic / tanh input scale {input_scale} outside TFLite's range [2^-28, 16)")
    radius = (((1 << ib) - 1) << (31 - ib)) >> left_shift
    return int(multiplier), int(left_shift), int(radius)


def tflite_mean_params(input_scale: float, output_scale: float, count: int,
                       rounding: int = ROUND_DOUBLE) -> Tuple[int, int]:
    """TFLite's int8 MEAN multiplier and shift (TFLite Micro's PrepareMeanOrSum, then
    reference_ops::QuantizedMeanOrSum): QuantizeMultiplier(double(s_in) / double(s_out)), then 1 / count
    folded in: k = min(floor(log2 count), 32, 31 + shift), multiplier = (multiplier << k) // count
    (int64, truncated), shift -= k."""
    m, s = quantize_multiplier(float(f32(input_scale)) / float(f32(output_scale)), rounding)
    if count < 1:
        raise ValueError(f"mean over {count} values")
    k = min(int(count).bit_length() - 1, 32, 31 + s)
    return int((m << k) // count), int(s - k)


def downscale_multiplier_int16(m: int) -> int:
    """TFLite's DownScaleInt32ToInt16Multiplier: an int32 fixed-point multiplier rounded to int16."""
    if m < 0:
        raise ValueError(f"negative multiplier {m}")
    if m >= INT32_MAX - (1 << 15):
        return (1 << 15) - 1
    return (m + (1 << 15)) >> 16


def tflite_hard_swish_params(input_scale: float, output_scale: float) -> Tuple[int, int, int, int]:
    """TFLite's int8 HARD_SWISH parameters (HardSwishPrepare in LiteRT and TFLite Micro):
    (output_multiplier, output_exponent, reluish_multiplier, reluish_exponent), the multipliers int16.

    In float32: hires = (1/128) * s_in, output = hires / s_out, reluish = hires / (3 / 32768); each
    QuantizeMultiplier'd and rounded to int16.  TFLite requires output_exponent <= 0; exponents outside
    what the int16 arithmetic handles (-15 .. 0 and -15 .. 15) are refused."""
    hires = f32(f32(1.0 / 128.0) * f32(input_scale))
    om, oe = quantize_multiplier(float(f32(hires / f32(output_scale))))
    rm, re_ = quantize_multiplier(float(f32(hires / f32(3.0 / 32768.0))))
    if not -15 <= oe <= 0:
        raise ValueError(f"hard-swish input scale {input_scale} / output scale {output_scale}: output exponent {oe} "
                         "outside [-15, 0] (TFLite needs s_in / s_out < 128)")
    if not -15 <= re_ <= 15:
        raise ValueError(f"hard-swish input scale {input_scale}: reluish exponent {re_} outside [-15, 15]")
    return downscale_multiplier_int16(om), int(oe), downscale_multiplier_int16(rm), int(re_)
