/* nncodegen runtime: dot products of int8 / int16 vectors, the inner loop of the integer MAC
 * kernels (conv2d, conv_transpose2d, dense), with SIMD paths behind the standard feature macros.
 *
 *   nnc_dot_q7_i32(x, w, n)   sum x[i] * w[i], int8 inputs, in int32
 *   nnc_dot_q7_i64(x, w, n)   the same in int64 (any n)
 *   nnc_dot_q15_i32(x, w, n)  int16 inputs, in int32
 *   nnc_dot_q15_i64(x, w, n)  int16 inputs, in int64 (any n)
 *
 * Paths (NNC_SIMD_PATH names the one this build uses; define NNC_NO_SIMD for the portable one):
 *   "neon"     __ARM_NEON (AArch64, ARMv7-A): VMULL.S8 + VPADAL.S16 (q7), VMLAL.S16 (q15 int32),
 *              VMULL.S16 + VPADAL.S32 (q15 int64)
 *   "arm-dsp"  __ARM_FEATURE_DSP with __ARM_FEATURE_SIMD32 (Cortex-M4/M7, ARMv7E-M): SXTB16 splits
 *              four int8 into two int16 pairs, SMLAD / SMLALD multiply-accumulate two pairs at once
 *   "portable" plain C loops, the definition the others must equal
 *
 * Why the results are bit-identical to the portable loops: every product is exact (|int8 x int8|
 * <= 2^14 fits int16, |int16 x int16| <= 2^30 fits int32) and integer addition is associative, so
 * only overflow could tell orders apart.
 *   - _i64: no overflow at all.  NEON q7 sums at most 2^12 elements in each int32 lane (below 2^25)
 *     before widening; NEON q15 widens every product pair to int64 (VPADAL.S32); DSP uses SMLALD,
 *     a 64-bit accumulate.
 *   - _i32: the kernels call these only where the compiler proved |bias| + sum |w| * max|x| < 2^31,
 *     so the exact total fits int32.  The SIMD paths add modulo 2^32 (lanes, SMLAD), which gives
 *     the exact total whenever it fits, whatever the intermediate values.
 * Unaligned data is fine: the DSP path loads through memcpy (one LDR on ARMv7E-M), NEON VLD1 has
 * no alignment requirement.
 */
#ifndef NNC_SIMD_H
#define NNC_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(NNC_NO_SIMD)
#define NNC_SIMD_PATH "portable"
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#define NNC_SIMD_NEON 1
#define NNC_SIMD_PATH "neon"
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define NNC_SIMD_DSP 1
#define NNC_SIMD_PATH "arm-dsp"
#else
#define NNC_SIMD_PATH "portable"
#endif

/* The path this translation unit was compiled with, for reports. */
static inline const char *nnc_simd_path(void)
{
    return NNC_SIMD_PATH;
}

/* ------------------------------------------------------------ portable definitions */
static inline int32_t nnc_dot_q7_i32_portable(const int8_t *x, const int8_t *w, int32_t n)
{
    int32_t acc = 0, i;
    for (i = 0; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int64_t nnc_dot_q7_i64_portable(const int8_t *x, const int8_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int32_t nnc_dot_q15_i32_portable(const int16_t *x, const int16_t *w, int32_t n)
{
    int32_t acc = 0, i;
    for (i = 0; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int64_t nnc_dot_q15_i64_portable(const int16_t *x, const int16_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t i;
    for (i = 0; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

#if defined(NNC_SIMD_NEON)
/* ------------------------------------------------------------ NEON */
static inline int64_t nnc_neon_sum_s64x2(int64x2_t v)
{
    return vgetq_lane_s64(v, 0) + vgetq_lane_s64(v, 1);
}

/* int32 lanes, summed modulo 2^32 (the _i32 contract) */
static inline int32_t nnc_neon_sum_s32x4(int32x4_t v)
{
    return (int32_t)((uint32_t)vgetq_lane_s32(v, 0) + (uint32_t)vgetq_lane_s32(v, 1) +
                     (uint32_t)vgetq_lane_s32(v, 2) + (uint32_t)vgetq_lane_s32(v, 3));
}

/* q7 products summed pairwise into int32 lanes; at most `n` <= 4096 elements per call */
static inline int32x4_t nnc_neon_q7_block(const int8_t *x, const int8_t *w, int32_t n, int32_t *done)
{
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const int8x16_t a = vld1q_s8(x + i);
        const int8x16_t b = vld1q_s8(w + i);
        acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
        acc = vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
    }
    for (; i + 8 <= n; i += 8) {
        acc = vpadalq_s16(acc, vmull_s8(vld1_s8(x + i), vld1_s8(w + i)));
    }
    *done = i;
    return acc;
}

static inline int32_t nnc_dot_q7_i32(const int8_t *x, const int8_t *w, int32_t n)
{
    int32_t done = 0, acc = 0, i;
    while (n - done >= 8) {
        int32_t chunk = n - done > 4096 ? 4096 : n - done, got;
        acc = (int32_t)((uint32_t)acc + (uint32_t)nnc_neon_sum_s32x4(nnc_neon_q7_block(x + done, w + done, chunk, &got)));
        done += got;
    }
    for (i = done; i < n; ++i) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return acc;
}

static inline int64_t nnc_dot_q7_i64(const int8_t *x, const int8_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t done = 0, i;
    while (n - done >= 8) {
        int32_t chunk = n - done > 4096 ? 4096 : n - done, got;
        acc += nnc_neon_sum_s64x2(vpaddlq_s32(nnc_neon_q7_block(x + done, w + done, chunk, &got)));
        done += got;
    }
    for (i = done; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int32_t nnc_dot_q15_i32(const int16_t *x, const int16_t *w, int32_t n)
{
    int32x4_t acc = vdupq_n_s32(0);
    int32_t i = 0, sum;
    for (; i + 8 <= n; i += 8) {
        acc = vmlal_s16(acc, vld1_s16(x + i), vld1_s16(w + i));
        acc = vmlal_s16(acc, vld1_s16(x + i + 4), vld1_s16(w + i + 4));
    }
    for (; i + 4 <= n; i += 4) {
        acc = vmlal_s16(acc, vld1_s16(x + i), vld1_s16(w + i));
    }
    sum = nnc_neon_sum_s32x4(acc);
    for (; i < n; ++i) {
        sum = (int32_t)((uint32_t)sum + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return sum;
}

static inline int64_t nnc_dot_q15_i64(const int16_t *x, const int16_t *w, int32_t n)
{
    int64x2_t acc = vdupq_n_s64(0);
    int64_t sum;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i), vld1_s16(w + i)));
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i + 4), vld1_s16(w + i + 4)));
    }
    for (; i + 4 <= n; i += 4) {
        acc = vpadalq_s32(acc, vmull_s16(vld1_s16(x + i), vld1_s16(w + i)));
    }
    sum = nnc_neon_sum_s64x2(acc);
    for (; i < n; ++i) {
        sum += (int32_t)x[i] * w[i];
    }
    return sum;
}

#elif defined(NNC_SIMD_DSP)
/* ------------------------------------------------------------ ARMv7E-M DSP */
static inline int32_t nnc_dsp_load4(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* bytes 1 and 3 of v sign-extended into two int16 (SXTB16 with its ROR #8 operand) */
static inline int16x2_t nnc_dsp_sxtb16_ror8(int8x4_t v)
{
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

/* four int8 pairs: bytes 0 and 2 (SXTB16), then bytes 1 and 3 */
#define NNC_DSP_Q7_STEP(acc, mac, a, b)                                       \
    do {                                                                      \
        (acc) = mac(__sxtb16(a), __sxtb16(b), (acc));                         \
        (acc) = mac(nnc_dsp_sxtb16_ror8(a), nnc_dsp_sxtb16_ror8(b), (acc));   \
    } while (0)

static inline int32_t nnc_dot_q7_i32(const int8_t *x, const int8_t *w, int32_t n)
{
    int32_t acc = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        const int8x4_t a0 = nnc_dsp_load4(x + i), b0 = nnc_dsp_load4(w + i);
        const int8x4_t a1 = nnc_dsp_load4(x + i + 4), b1 = nnc_dsp_load4(w + i + 4);
        NNC_DSP_Q7_STEP(acc, __smlad, a0, b0);
        NNC_DSP_Q7_STEP(acc, __smlad, a1, b1);
    }
    for (; i + 4 <= n; i += 4) {
        const int8x4_t a = nnc_dsp_load4(x + i), b = nnc_dsp_load4(w + i);
        NNC_DSP_Q7_STEP(acc, __smlad, a, b);
    }
    for (; i < n; ++i) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return acc;
}

static inline int64_t nnc_dot_q7_i64(const int8_t *x, const int8_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8x4_t a = nnc_dsp_load4(x + i), b = nnc_dsp_load4(w + i);
        NNC_DSP_Q7_STEP(acc, __smlald, a, b);
    }
    for (; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

static inline int32_t nnc_dot_q15_i32(const int16_t *x, const int16_t *w, int32_t n)
{
    int32_t acc = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        acc = __smlad(nnc_dsp_load4(x + i), nnc_dsp_load4(w + i), acc);
        acc = __smlad(nnc_dsp_load4(x + i + 2), nnc_dsp_load4(w + i + 2), acc);
    }
    for (; i < n; ++i) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)((int32_t)x[i] * w[i]));
    }
    return acc;
}

static inline int64_t nnc_dot_q15_i64(const int16_t *x, const int16_t *w, int32_t n)
{
    int64_t acc = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        acc = __smlald(nnc_dsp_load4(x + i), nnc_dsp_load4(w + i), acc);
        acc = __smlald(nnc_dsp_load4(x + i + 2), nnc_dsp_load4(w + i + 2), acc);
    }
    for (; i < n; ++i) {
        acc += (int32_t)x[i] * w[i];
    }
    return acc;
}

#else
/* ------------------------------------------------------------ portable */
#define nnc_dot_q7_i32 nnc_dot_q7_i32_portable
#define nnc_dot_q7_i64 nnc_dot_q7_i64_portable
#define nnc_dot_q15_i32 nnc_dot_q15_i32_portable
#define nnc_dot_q15_i64 nnc_dot_q15_i64_portable
#endif

#endif /* NNC_SIMD_H */
