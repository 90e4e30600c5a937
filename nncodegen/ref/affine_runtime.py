"""The run-time half of ref/affine.py: the numpy twin of templates_c/include/nnc_affine.h (requantization in
the three rounding modes, averages, and TFLite's gemmlowp fixed point); see affine.py."""
from __future__ import annotations

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
