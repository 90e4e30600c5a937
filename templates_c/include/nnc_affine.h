/* nncodegen runtime: the integer rules of affine int8 (TFLite / ONNX QDQ) kernels.
 *
 * real = scale * (q - zero_point).  A real multiplier M (for example
 * s_in * s_w / s_out) is stored as a 32-bit fixed-point `multiplier` in
 * [2^30, 2^31) and a power-of-two `shift` (> 0: left, < 0: right), with
 * M ~= multiplier * 2^(shift - 31), exactly as TFLite's QuantizeMultiplier
 * makes them (nncodegen/ref/affine.py quantize_multiplier).
 *
 * x * M is evaluated in one of TFLite's two ways, chosen per model
 * (the `rounding` field of the kernel parameters, never a build flag):
 *   NNC_ROUND_DOUBLE (TFLite's default, gemmlowp):
 *     RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^left, multiplier), right)
 *     with left = max(shift, 0), right = max(-shift, 0): two roundings, the
 *     first with ties toward +infinity, the second with ties away from zero.
 *   NNC_ROUND_SINGLE (TFLite built with TFLITE_SINGLE_ROUNDING):
 *     (x * multiplier + 2^(30 - shift)) >> (31 - shift): one rounding, half up.
 *   NNC_ROUND_ORT (onnxruntime's MlasRequantizeOutput): nearbyintf((float)x * M)
 *     with the float32 multiplier M stored as its bit pattern in `multiplier`
 *     (shift unused), evaluated in integers by nnc_sf32.h: the same bits as
 *     onnxruntime's float arithmetic, no float in the C.
 * Where TFLite's arithmetic would overflow int32 (x * 2^left, or the single
 * rounding result) these helpers saturate; the compiler never chooses such
 * multipliers for the values a layer can see.
 *
 * The numpy twin is nncodegen/ref/affine.py; tests/test_affine.py compares the
 * two bit for bit over random and edge values (INT32_MIN, ties).
 */
#ifndef NNC_AFFINE_H
#define NNC_AFFINE_H

#include <stdint.h>
#include "nnc_types.h"
#include "nnc_sf32.h"

#if ((-1) >> 1) != -1
#error "nncodegen needs arithmetic right shifts of negative integers"
#endif

#define NNC_ROUND_DOUBLE 0
#define NNC_ROUND_SINGLE 1
#define NNC_ROUND_ORT 2

static inline int32_t nnc_sat32(int64_t v)
{
    return v < INT32_MIN ? INT32_MIN : (v > INT32_MAX ? INT32_MAX : (int32_t)v);
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31); the nudge
 * (2^30, or 1 - 2^30 for negative products) and C's truncating division make
 * ties go toward +infinity.  The one overflow (INT32_MIN * INT32_MIN) saturates
 * to INT32_MAX. */
static inline int32_t nnc_srdhm(int32_t a, int32_t b)
{
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates toward zero */
}

/* gemmlowp RoundingDivideByPOT: round(x / 2^exponent), ties away from zero; 0 <= exponent <= 31. */
static inline int32_t nnc_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* ---------------------------------------------------------------- gemmlowp fixed point
 * The parts of gemmlowp's fixedpoint/fixedpoint.h (and TFLite's own fixed-point
 * helpers of kernels/internal/common.h) that TFLite's reference int8 softmax,
 * log-softmax, logistic and tanh use (tensorflow/lite/kernels/internal/reference/softmax.h,
 * reference/integer_ops/log_softmax.h, logistic.h, tanh.h), on raw
 * int32 values: a FixedPoint<int32, I> value v stands for v / 2^(31 - I).
 * A product of two fixed-point values is nnc_srdhm (integer bits add up); a
 * Rescale from I to J integer bits is nnc_gl_srmbpot(v, I - J).  gemmlowp's
 * plain int32 additions never overflow for the documented input ranges; they
 * are done modulo 2^32 here (nnc_gl_add / nnc_gl_sub) so that no input is
 * undefined behaviour.  Twins: nncodegen/ref/affine.py (gl_*). */

static inline int32_t nnc_gl_add(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t nnc_gl_sub(int32_t a, int32_t b)
{
    return (int32_t)((uint32_t)a - (uint32_t)b);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent>, -31 <= exponent <= 31:
 * exponent > 0: x * 2^exponent, saturated to [INT32_MIN, INT32_MAX] when
 * |x| > 2^(31 - exponent) - 1; exponent < 0: nnc_rdbpot(x, -exponent). */
static inline int32_t nnc_gl_srmbpot(int32_t x, int32_t exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return (int32_t)((int64_t)x * ((int64_t)1 << exponent));
    }
    return exponent < 0 ? nnc_rdbpot(x, -exponent) : x;
}

/* gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero. */
static inline int32_t nnc_gl_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* C division truncates toward zero */
}

/* Leading zero bits of a 32-bit word (32 for 0): TFLite's CountLeadingZeros. */
static inline int32_t nnc_gl_clz32(uint32_t v)
{
    int32_t n = 0;
    if (v == 0u) {
        return 32;
    }
    if (v <= 0x0000FFFFu) { n += 16; v <<= 16; }
    if (v <= 0x00FFFFFFu) { n += 8; v <<= 8; }
    if (v <= 0x0FFFFFFFu) { n += 4; v <<= 4; }
    if (v <= 0x3FFFFFFFu) { n += 2; v <<= 2; }
    if (v <= 0x7FFFFFFFu) { n += 1; }
    return n;
}

/* gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in
 * and out, for a in [-2^29, 0]: the Taylor expansion of exp around -1/8 to
 * degree 4 (x = a + 1/8; constants exp(-1/8) = 1895147668, 1/3 = 715827883). */
static inline int32_t nnc_gl_exp_on_interval(int32_t a)
{
    const int32_t constant_term = 1895147668;
    const int32_t one_third = 715827883;
    const int32_t x = nnc_gl_add(a, (int32_t)1 << 28);
    const int32_t x2 = nnc_srdhm(x, x);
    const int32_t x3 = nnc_srdhm(x2, x);
    const int32_t x4 = nnc_srdhm(x2, x2);
    const int32_t x4_over_4 = nnc_rdbpot(x4, 2);
    const int32_t poly = nnc_rdbpot(nnc_gl_add(nnc_srdhm(nnc_gl_add(x4_over_4, x3), one_third), x2), 1);
    return nnc_gl_add(constant_term, nnc_srdhm(constant_term, nnc_gl_add(x, poly)));
}

/* One step of exp_on_negative_values' barrel shifter: multiply by
 * exp(-2^k) (Q0.31 constant m) when bit (fractional_bits + k) of remainder is set. */
static inline int32_t nnc_gl_exp_barrel(int32_t result, int32_t remainder, int32_t integer_bits, int32_t k,
                                        int32_t m)
{
    if (integer_bits > k && (remainder & ((int32_t)1 << (31 - integer_bits + k))) != 0) {
        return nnc_srdhm(result, m);
    }
    return result;
}

/* gemmlowp exp_on_negative_values: exp(a) in Q0.31 for a <= 0 in
 * Q(integer_bits).(31 - integer_bits), 0 <= integer_bits <= 29 (TFLite's
 * softmax: 5).  a = -(k/4 + r) with r in (0, 1/4]: exp(-r) from the interval
 * polynomial, times exp(-2^j) for each bit j of k/4 (j = -2 .. 4); inputs
 * below -32 give 0 when integer_bits > 5; exp(0) = INT32_MAX. */
static inline int32_t nnc_gl_exp_on_negative_values(int32_t a, int32_t integer_bits)
{
    const int32_t quarter = (int32_t)1 << (29 - integer_bits);
    const int32_t a_mod_quarter_minus_quarter = (a & (quarter - 1)) - quarter;
    const int32_t remainder = nnc_gl_sub(a_mod_quarter_minus_quarter, a);
    int32_t result = nnc_gl_exp_on_interval(nnc_gl_srmbpot(a_mod_quarter_minus_quarter, integer_bits));
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, -2, 1672461947);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, -1, 1302514674);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, 0, 790015084);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, 1, 290630308);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, 2, 39332535);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, 3, 720401);
    result = nnc_gl_exp_barrel(result, remainder, integer_bits, 4, 242);
    if (integer_bits > 5 && a < -((int32_t)1 << (36 - integer_bits))) {
        result = 0;
    }
    return a == 0 ? INT32_MAX : result;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) in Q0.31 for a in
 * [0, 2^31) (Q0.31): Newton-Raphson division of 1 by d = (1 + a) / 2 in Q2.29,
 * starting at 48/17 - 32/17 d, three steps, then halved. */
static inline int32_t nnc_gl_one_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = nnc_gl_rounding_half_sum(a, INT32_MAX);
    int32_t x = nnc_gl_add(1515870810, nnc_srdhm(half_denominator, -1010580540));
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus_dx = nnc_gl_sub((int32_t)1 << 29, nnc_srdhm(half_denominator, x));
        x = nnc_gl_add(x, nnc_gl_srmbpot(nnc_srdhm(x, one_minus_dx), 2));
    }
    return nnc_gl_srmbpot(x, 1);
}

/* gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: (1 - a) / (1 + a) in Q0.31 for a in
 * [0, 2^31) (Q0.31): the same Newton-Raphson reciprocal x ~= 2 / (1 + a) in Q2.29, then
 * Rescale<0>(x - 1), i.e. (x - 2^29) * 4 saturated. */
static inline int32_t nnc_gl_one_minus_x_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = nnc_gl_rounding_half_sum(a, INT32_MAX);
    int32_t x = nnc_gl_add(1515870810, nnc_srdhm(half_denominator, -1010580540));
    int32_t i;
    for (i = 0; i < 3; ++i) {
        const int32_t one_minus_dx = nnc_gl_sub((int32_t)1 << 29, nnc_srdhm(half_denominator, x));
        x = nnc_gl_add(x, nnc_gl_srmbpot(nnc_srdhm(x, one_minus_dx), 2));
    }
    return nnc_gl_srmbpot(nnc_gl_sub(x, (int32_t)1 << 29), 2);
}

/* gemmlowp logistic on FixedPoint<int32, integer_bits> (TFLite's int8 LOGISTIC: 4), 0 <= integer_bits
 * <= 29: 1 / (1 + exp(-|a|)) from exp_on_negative_values and one_over_one_plus_x, mirrored to
 * INT32_MAX - that for a < 0; a = 0 gives 1/2 (2^30).  Q0.31 out.  (gemmlowp negates a as an int32;
 * here modulo 2^32, which matters for a = INT32_MIN only.) */
static inline int32_t nnc_gl_logistic(int32_t a, int32_t integer_bits)
{
    const int32_t neg_abs = a > 0 ? nnc_gl_sub(0, a) : a;
    const int32_t pos = nnc_gl_one_over_one_plus_x(nnc_gl_exp_on_negative_values(neg_abs, integer_bits));
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    return a > 0 ? pos : nnc_gl_sub(INT32_MAX, pos);
}

/* gemmlowp tanh on FixedPoint<int32, integer_bits> (TFLite's int8 TANH: 4), 0 <= integer_bits <= 28:
 * t = (1 - e) / (1 + e) with e = exp(-2|a|) (exp_on_negative_values of -|a| read with integer_bits + 1,
 * gemmlowp's ExactMulByPot<1>), negated for a < 0; a = 0 gives 0.  Q0.31 out. */
static inline int32_t nnc_gl_tanh(int32_t a, int32_t integer_bits)
{
    const int32_t neg_abs = a < 0 ? a : nnc_gl_sub(0, a);
    const int32_t t = nnc_gl_one_minus_x_over_one_plus_x(nnc_gl_exp_on_negative_values(neg_abs, integer_bits + 1));
    if (a == 0) {
        return 0;
    }
    return a < 0 ? nnc_gl_sub(0, t) : t;
}

/* TFLite GetReciprocal (kernels/internal/common.h): for x > 0 in
 * Q(x_integer_digits), returns 1 / (x / 2^n) in Q0.31 with
 * n = *num_bits_over_unit = x_integer_digits - clz(x), so 1/x ~= result * 2^-(31 + n).
 * (x <= 0 is outside TFLite's domain; it is taken as 1 here.) */
static inline int32_t nnc_gl_get_reciprocal(int32_t x, int32_t x_integer_digits, int32_t *num_bits_over_unit)
{
    const uint32_t ux = x > 0 ? (uint32_t)x : 1u;
    const int32_t headroom_plus_one = nnc_gl_clz32(ux);
    const int32_t shifted_minus_one = (int32_t)((ux << headroom_plus_one) - 0x80000000u);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    return nnc_gl_one_over_one_plus_x(shifted_minus_one);
}

/* TFLite SaturatingAddNonGemmlowp / SaturatingSub on int32: a + b, a - b saturated. */
static inline int32_t nnc_gl_sat_add(int32_t a, int32_t b)
{
    return nnc_sat32((int64_t)a + (int64_t)b);
}

static inline int32_t nnc_gl_sat_sub(int32_t a, int32_t b)
{
    return nnc_sat32((int64_t)a - (int64_t)b);
}

/* TFLite log_x_for_x_greater_than_or_equal_to_1<output_integer_bits> (kernels/internal/common.h, as
 * TFLite's int8 log-softmax uses it with input_integer_bits 12, output_integer_bits 5): log(x) in
 * Q(output_integer_bits) for x > 0 in Q(input_integer_bits), 0 <= both <= 30.  x = 2^k * z: k from
 * the leading zeros, computed twice (for x and for x * sqrt(1/2)) and the closer adjustment kept;
 * log(z) by a rational approximation in r (z normalized to Q0.31) around sqrt(sqrt(1/2)) with one
 * reciprocal (nnc_gl_one_over_one_plus_x); the sum in Q(output_integer_bits + 1), then rescaled.
 * Defined for every int32 x (x <= 0 is outside TFLite's domain: shifts of -1 round there). */
static inline int32_t nnc_gl_log_x_ge_1(int32_t x, int32_t input_integer_bits, int32_t output_integer_bits)
{
    const int32_t log_2 = 1488522236;          /* log(2)                           Q0.31 */
    const int32_t sqrt_sqrt_half = 1805811301; /* sqrt(sqrt(1/2)) */
    const int32_t sqrt_half = 1518500250;      /* sqrt(1/2) */
    const int32_t alpha_n = 117049297;         /* 11/240 * sqrt(sqrt(2)) */
    const int32_t alpha_d = 127690142;         /* 1/20 * sqrt(sqrt(2)) */
    const int32_t alpha_i = 1057819769;        /* 2 / sqrt(sqrt(2)) - sqrt(sqrt(2)) */
    const int32_t alpha_f = 638450708;         /* 1/4 * sqrt(sqrt(2)) */
    const int32_t accum_bits = output_integer_bits + 1;
    const int32_t shifted_quarter = nnc_rdbpot((int32_t)1 << 29, accum_bits); /* 1/4, Q(accum_bits) */
    const int32_t z_a_headroom_plus_1 = nnc_gl_clz32((uint32_t)x);
    const int32_t r_a = nnc_gl_srmbpot(nnc_srdhm(nnc_gl_srmbpot(x, z_a_headroom_plus_1 - 1), sqrt_half), 1);
    const int32_t z_a_pow_2_adj = nnc_gl_sat_add(
        nnc_gl_srmbpot(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits), shifted_quarter);
    const int32_t z_b_headroom = nnc_gl_clz32((uint32_t)nnc_srdhm(x, sqrt_half)) - 1;
    const int32_t r_b = nnc_gl_srmbpot(x, z_b_headroom);
    const int32_t z_b_pow_2_adj = nnc_gl_sat_sub(
        nnc_gl_srmbpot(input_integer_bits - z_b_headroom, 31 - accum_bits), shifted_quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
    const int32_t pp = nnc_gl_rounding_half_sum(r, sqrt_sqrt_half);
    const int32_t q_half = nnc_gl_sub(r, sqrt_sqrt_half);
    const int32_t q = nnc_gl_add(q_half, q_half);
    const int32_t common_sq = nnc_srdhm(q, q);
    const int32_t num = nnc_gl_add(nnc_srdhm(q, r), nnc_srdhm(nnc_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one = nnc_gl_add(
        nnc_srdhm(pp, nnc_gl_add(nnc_gl_add(alpha_i, q), nnc_srdhm(alpha_d, common_sq))), nnc_srdhm(alpha_f, q));
    const int32_t recip_denom = nnc_gl_one_over_one_plus_x(denom_minus_one);
    const int32_t num_scaled = nnc_rdbpot(num, accum_bits); /* Rescale<accum_bits> from Q0.31 */
    return nnc_gl_srmbpot(nnc_gl_add(nnc_srdhm(z_pow_2_adj, log_2), nnc_srdhm(num_scaled, recip_denom)), 1);
}

/* TFLite MultiplyByQuantizedMultiplierGreaterThanOne (double rounding):
 * srdhm(x * 2^left_shift, multiplier), 0 <= left_shift <= 31; the product
 * saturates where TFLite's int32 x * (1 << left_shift) would overflow. */
static inline int32_t nnc_gl_mbqm_gt1(int32_t x, int32_t multiplier, int32_t left_shift)
{
    return nnc_srdhm(nnc_sat32((int64_t)x * ((int64_t)1 << left_shift)), multiplier);
}

/* MultiplyByQuantizedMultiplier with a right shift (-31 <= shift <= -1) and multiplier >= 0, the case of
 * (nearly) every convolution, as one 64-bit multiply-add and a shift of its high word, with constants
 * prepared once per output channel (nnc_mbqm_prep; 0 when the case does not apply):
 *   SINGLE: (x * m + 2^(30 + r)) >> (31 + r), r = -shift: TFLite's formula itself.
 *   DOUBLE: rdbpot(srdhm(x, m), r) = (x * m + 2^30 + 2^31 * (2^(r-1) - (x < 0))) >> (31 + r).  Why: srdhm(x, m)
 *     is y = floor((x * m + 2^30) / 2^31) (no saturation: m >= 0 > INT32_MIN); rdbpot(y, r), ties away from
 *     zero, is floor((y + 2^(r-1) - (y < 0)) / 2^r); floor((floor(a / b) + k) / c) = floor((a + k b) / (b c));
 *     and y < 0 may be replaced by x < 0, which differs only where y = 0, and there both give 0 since
 *     0 <= 2^(r-1) - 1 < 2^(r-1) < 2^r.
 * Both shifts are at least 32: the result is the high word of the sum shifted right by r - 1, no 64-bit
 * shift (SMLAL and ASR on 32-bit cores).  tests/test_affine.py checks nnc_mbqm, which takes this form,
 * against the twin's two roundings. */
typedef struct {
    int64_t round[2];   /* [x >= 0, x < 0]: 2^(30 + r), plus 2^30 for DOUBLE; minus 2^31 for DOUBLE and x < 0 */
    int32_t multiplier;
    int32_t shift;      /* r - 1: the shift of the high word */
} nnc_mbqm_pre;

static inline int nnc_mbqm_prep(int32_t multiplier, int32_t shift, int32_t rounding, nnc_mbqm_pre *p)
{
    if ((rounding != NNC_ROUND_DOUBLE && rounding != NNC_ROUND_SINGLE) || shift > -1 || shift < -31 ||
        multiplier < 0) {
        return 0;
    }
    p->round[0] = ((int64_t)1 << (30 - shift)) + (rounding == NNC_ROUND_DOUBLE ? ((int64_t)1 << 30) : 0);
    p->round[1] = p->round[0] - (rounding == NNC_ROUND_DOUBLE ? ((int64_t)1 << 31) : 0);
    p->multiplier = multiplier;
    p->shift = -shift - 1;
    return 1;
}

static inline int32_t nnc_mbqm_pre_apply(int32_t x, const nnc_mbqm_pre *p)
{
    const int64_t t = (int64_t)x * p->multiplier + p->round[(uint32_t)x >> 31];
    return (int32_t)(t >> 32) >> p->shift; /* = t >> (31 + r): both shifts round toward -infinity */
}

/* TFLite MultiplyByQuantizedMultiplier(x, multiplier, shift) in either rounding mode. */
static inline int32_t nnc_mbqm(int32_t x, int32_t multiplier, int32_t shift, int32_t rounding)
{
    nnc_mbqm_pre pre;
    if (rounding == NNC_ROUND_ORT) {
        return nnc_sf_requant(x, (uint32_t)multiplier);
    }
    if (nnc_mbqm_prep(multiplier, shift, rounding, &pre)) {
        return nnc_mbqm_pre_apply(x, &pre);
    }
    if (rounding == NNC_ROUND_SINGLE) {
        const int32_t total = 31 - shift; /* 1 .. 62 */
        const int64_t round = (int64_t)1 << (total - 1);
        return nnc_sat32(((int64_t)x * multiplier + round) >> total);
    } else {
        const int32_t left = shift > 0 ? shift : 0;
        const int32_t right = shift > 0 ? 0 : -shift;
        return nnc_rdbpot(nnc_srdhm(nnc_sat32((int64_t)x * ((int64_t)1 << left)), multiplier), right);
    }
}

/* Requantize an accumulator for output channel c and saturate: the epilogue of
 * conv2d_s8 / dense_s8 (bias already added). */
static inline int32_t nnc_requant_s8_apply(int32_t acc, const nnc_requant_s8 *rq, int32_t c)
{
    const int32_t v = nnc_mbqm(acc, rq->multiplier[c], rq->shift[c], rq->rounding) + rq->output_offset;
    return v < rq->out_min ? rq->out_min : (v > rq->out_max ? rq->out_max : v);
}

/* TFLite's rounded integer average: sum / count, ties away from zero (count > 0). */
static inline int32_t nnc_avg_round(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

/* n / d rounded to nearest, ties to even (d > 0): QuantizeLinear's rounding of an exact quotient. */
static inline int32_t nnc_div_round_even(int32_t n, int32_t d)
{
    int32_t q = n / d;
    int32_t r = n % d;
    if (r < 0) { /* make it floor division */
        r += d;
        q -= 1;
    }
    if (2 * r > d || (2 * r == d && (q & 1))) {
        q += 1;
    }
    return q;
}

#endif /* NNC_AFFINE_H */
