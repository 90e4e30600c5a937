/* nncodegen runtime: the fixed-point rounding and saturation rules.
 *
 * These few functions are the only place in C where rounding happens; their
 * Python twins live in nncodegen/ref/fixedpoint.py and the tests compare the
 * two bit for bit.
 *
 * Rules:
 *   requantize  r = shift > 0 ? (acc + 2^(shift-1)) >> shift   (round half up)
 *                             : acc * 2^(-shift)                 (exact)
 *               then saturate to [lo, hi].
 *   leaky       a negative accumulator becomes (acc * slope_q15 + 2^14) >> 15.
 *   division    round half up: floor((2n + d) / (2d)), d > 0.
 *
 * Right shifts of negative numbers must be arithmetic (true for gcc, clang
 * and armcc on every target we support; checked below).
 */
#ifndef NNC_FIXED_H
#define NNC_FIXED_H

#include <stdint.h>
#include "nnc_types.h"

#if ((-1) >> 1) != -1
#error "nncodegen needs arithmetic right shifts of negative integers"
#endif

static inline int32_t nnc_sat(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

static inline int64_t nnc_shift_round(int64_t acc, int32_t shift)
{
    if (shift > 0) {
        return (acc + ((int64_t)1 << (shift - 1))) >> shift;
    }
    return acc * ((int64_t)1 << (-shift));
}

static inline int64_t nnc_leaky(int64_t acc, int32_t slope_q15)
{
    if (acc < 0 && slope_q15 != 32768) {
        return (acc * slope_q15 + (1 << 14)) >> 15;
    }
    return acc;
}

/* Full epilogue of a MAC kernel for output channel c. */
static inline int32_t nnc_requantize(int64_t acc, const nnc_requant *rq, int32_t c)
{
    return nnc_sat(nnc_shift_round(nnc_leaky(acc, rq->leaky_q15), rq->shift[c]), rq->out_min, rq->out_max);
}

/* 1 when the epilogue of every one of the n output channels is a rounding right shift by 1..31
 * and no leaky slope: then the kernels may requantize eight int32 accumulators at once with
 * nnc_acc8_requant (nnc_simd.h), which computes the same values as nnc_requantize. */
static inline int nnc_requant_shift_only(const nnc_requant *rq, int32_t n)
{
    int32_t c;
    if (rq->leaky_q15 != 32768) {
        return 0;
    }
    for (c = 0; c < n; ++c) {
        if (rq->shift[c] < 1 || rq->shift[c] > 31) {
            return 0;
        }
    }
    return 1;
}

/* floor(n / d) for d > 0 */
static inline int64_t nnc_floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    if ((n % d) != 0 && n < 0) {
        q -= 1;
    }
    return q;
}

/* round-half-up n / d for d > 0 */
static inline int64_t nnc_div_round(int64_t n, int64_t d)
{
    return nnc_floor_div(2 * n + d, 2 * d);
}

/* Piecewise-linear table lookup (see nnc_lut in nnc_types.h). */
static inline int32_t nnc_lut_eval(const nnc_lut *lut, int32_t x)
{
    int64_t off = (int64_t)x - lut->x_min;
    int64_t i, r;
    if (off < 0) {
        return lut->table[0];
    }
    i = off >> lut->shift;
    if (i >= 256) {
        return lut->table[256];
    }
    r = off & (((int64_t)1 << lut->shift) - 1);
    if (lut->shift == 0) {
        return lut->table[i];
    }
    return lut->table[i] + (int32_t)((((int64_t)lut->table[i + 1] - lut->table[i]) * r
                                      + ((int64_t)1 << (lut->shift - 1))) >> lut->shift);
}

#endif /* NNC_FIXED_H */
