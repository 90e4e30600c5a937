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

/* TFLite MultiplyByQuantizedMultiplier(x, multiplier, shift) in either rounding mode. */
static inline int32_t nnc_mbqm(int32_t x, int32_t multiplier, int32_t shift, int32_t rounding)
{
    if (rounding == NNC_ROUND_ORT) {
        return nnc_sf_rint(nnc_sf_mul(nnc_sf_from_i32(x), (uint32_t)multiplier));
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
