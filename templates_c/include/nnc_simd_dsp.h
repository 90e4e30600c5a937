/* nncodegen runtime: the ARMv7E-M DSP path of the dot products.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_DSP_H
#define NNC_SIMD_DSP_H

#if defined(NNC_SIMD_DSP)
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

/* (x1 + off, x3 + off) of the four int8 in v, off2 holding off in both halves: SXTAB16 with ROR #8
 * (ACLE's __sxtab16 gives bytes 0 and 2) */
static inline int16x2_t nnc_dsp_sxtab16_ror8(int16x2_t off2, int8x4_t v)
{
    int16x2_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(off2), "r"(v));
    return r;
}

/* two words of a word-aligned table into a and b, the pointer p moved past them: one LDRD (gcc's
 * Cortex-M4 tuning makes two LDR of adjacent words) */
#define NNC_DSP_LDRD_POSTINC(a, b, p) __asm__("ldrd %0, %1, [%2], #8" : "=r"(a), "=r"(b), "+r"(p) : : "memory")

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

/* affine int8: sum (x[i] + off) * w[i].  SXTAB16 adds off to each widened input in the same instruction
 * (|x + off| <= 256 fits the int16 lane), SXTB16 widens the weights, SMLAD multiplies and adds both pairs;
 * the int32 sum wraps like the portable loop's exact total (the _i32 contract). */
#define NNC_HAVE_DOT_S8O 1
static inline int32_t nnc_dot_s8o_i32(const int8_t *x, const int8_t *w, int32_t n, int32_t off)
{
    const int16x2_t off2 = (int16x2_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
    int32_t acc = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8x4_t a = nnc_dsp_load4(x + i), b = nnc_dsp_load4(w + i);
        acc = __smlad(__sxtab16(off2, a), __sxtb16(b), acc);
        acc = __smlad(nnc_dsp_sxtab16_ror8(off2, a), nnc_dsp_sxtb16_ror8(b), acc);
    }
    for (; i < n; ++i) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)(((int32_t)x[i] + off) * w[i]));
    }
    return acc;
}

/* four rows w + j * ws sharing the widened inputs */
static inline void nnc_dot4_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off,
                                    int32_t *out)
{
    const int16x2_t off2 = (int16x2_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
    const int8_t *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const int8x4_t v = nnc_dsp_load4(x + i);
        const int16x2_t xa = __sxtab16(off2, v), xb = nnc_dsp_sxtab16_ror8(off2, v);
        int8x4_t b = nnc_dsp_load4(w + i);
        a0 = __smlad(xa, __sxtb16(b), a0);
        a0 = __smlad(xb, nnc_dsp_sxtb16_ror8(b), a0);
        b = nnc_dsp_load4(w1 + i);
        a1 = __smlad(xa, __sxtb16(b), a1);
        a1 = __smlad(xb, nnc_dsp_sxtb16_ror8(b), a1);
        b = nnc_dsp_load4(w2 + i);
        a2 = __smlad(xa, __sxtb16(b), a2);
        a2 = __smlad(xb, nnc_dsp_sxtb16_ror8(b), a2);
        b = nnc_dsp_load4(w3 + i);
        a3 = __smlad(xa, __sxtb16(b), a3);
        a3 = __smlad(xb, nnc_dsp_sxtb16_ror8(b), a3);
    }
    for (; i < n; ++i) {
        const int32_t xi = (int32_t)x[i] + off;
        a0 = (int32_t)((uint32_t)a0 + (uint32_t)(xi * w[i]));
        a1 = (int32_t)((uint32_t)a1 + (uint32_t)(xi * w1[i]));
        a2 = (int32_t)((uint32_t)a2 + (uint32_t)(xi * w2[i]));
        a3 = (int32_t)((uint32_t)a3 + (uint32_t)(xi * w3[i]));
    }
    out[0] = a0;
    out[1] = a1;
    out[2] = a2;
    out[3] = a3;
}

/* SMLAD: both products of a 16-bit pair (x packed in xp, two int16 at w) and the accumulation in
 * one instruction; nnc_acc8_mac2_bcast (nnc_simd_portable.h) runs it on its eight lanes */
static inline int32_t nnc_dsp_mac2(int32_t acc, int32_t xp, const int16_t *w)
{
    return __smlad(xp, nnc_dsp_load4(w), acc);
}

/* TFLite's double-rounding requantization into the int8 range, for accumulators held doubled (A = 2 a, the
 * convolution's widened inputs doubled), as SUB + SMMLAR + ASR + SSAT:
 *   sat8(rdbpot(srdhm(a, m), r) + off) = SSAT8((k - (A < 0) + SMMULR(A, m)) >> r),  k = 2^(r-1) + off 2^r,
 * for 1 <= r = -shift <= 31, m >= 0, |a| <= bound < 2^30.  Why: nnc_mbqm_prep's form is
 * floor((a m + 2^30 + 2^31 (2^(r-1) - s)) / 2^(31+r)), s = (a < 0); times 2 over 2: floor((S + 2^(r-1) - s) / 2^r)
 * with S = floor((2 a m + 2^31) / 2^32) = SMMULR(A, m) (floor(floor(u) / v) = floor(u / v), 2^(31+r) / 2^32 an
 * integer); off 2^r is a multiple of 2^r, so adding it inside the floor adds off outside; SSAT #8 is the clamp
 * to [-128, 127].  SMMLAR returns Ra + S modulo 2^32 and 2 a must fit: nnc_dsp_rqd_prep accepts a channel only
 * when |2a| < 2^31 and |k| + 1 + |S| < 2^31 (|S| <= |a| m / 2^31 + 1), else returns 0 (the caller keeps the
 * general form; the caller checks that the rounding is the double one).  tests/test_kernels_arm.py checks the identity
 * against the twin (hypothesis, corner cases) and the kernels using it under qemu. */
static inline int nnc_dsp_rqd_prep(int32_t multiplier, int32_t shift, int64_t bound, int32_t out_offset, int32_t *m,
                                   int32_t *k, int32_t *r)
{
    int64_t kk, lim;
    if (shift <= -1 && shift >= -22 && multiplier >= 0 && bound >= 0 && bound < ((int64_t)1 << 30) &&
        out_offset >= -128 && out_offset <= 128) {
        /* the common case without 64-bit steps: |k| <= 2^21 + 2^29 and (bound m) >> 31 < 2^30, so lim < 2^31 */
        *m = multiplier;
        *k = (int32_t)((1u << (-shift - 1)) + (uint32_t)out_offset * (1u << -shift));
        *r = -shift;
        return 1;
    }
    if (shift > -1 || shift < -31 || multiplier < 0 || bound < 0 ||
        bound >= ((int64_t)1 << 30)) {
        return 0;
    }
    kk = ((int64_t)1 << (-shift - 1)) + (int64_t)out_offset * ((int64_t)1 << -shift);
    lim = (kk < 0 ? -kk : kk) + 3 + ((bound * multiplier) >> 31);
    if (lim >= ((int64_t)1 << 31)) {
        return 0;
    }
    *m = multiplier;
    *k = (int32_t)kk;
    *r = -shift;
    return 1;
}

/* the output of a doubled accumulator a2 with nnc_dsp_rqd_prep's constants */
static inline int32_t nnc_dsp_rqd_s8(int32_t a2, int32_t m, int32_t k, int32_t r)
{
    int32_t h;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(h) : "r"(a2), "r"(m), "r"(k - (int32_t)((uint32_t)a2 >> 31)));
    return __ssat(h >> r, 8);
}

/* y[0..3] = nnc_dsp_rqd_s8 of the doubled accumulators a0 .. a3 with four channels' constants at q (m, k, r
 * each, in that order: twelve words): per output one LDM of the constants (into three registers named in the
 * text, so that the list is in register order), SUB, SMMLAR, ASR, SSAT, STRB.  nnc_dsp_rqd4_s8 takes r8, r9,
 * r12, nnc_dsp_rqd4lo_s8 r0-r2: whichever gcc leaves free where the accumulators come from (the depthwise
 * paths keep them in r0-r3, the one-channel 3x3 path does not), saving the moves around the block. */
#define NNC_DSP_RQD1_S(A, OFS, M, K, R)                                       \
    "ldmia %[q]!, {" M ", " K ", " R "}\n\t"                                   \
    "sub " K ", " K ", %[" A "], lsr #31\n\t"                                 \
    "smmlar %[" A "], %[" A "], " M ", " K "\n\t"                              \
    "asr %[" A "], %[" A "], " R "\n\t"                                       \
    "ssat %[" A "], #8, %[" A "]\n\t"                                         \
    "strb %[" A "], [%[y], #" OFS "]\n\t"
#if defined(__OPTIMIZE__)
#define NNC_DSP_RQD4_DEF(NAME, M, K, R)                                                                            \
    static inline void NAME(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *q, int8_t *y)           \
    {                                                                                                              \
        __asm__ volatile(NNC_DSP_RQD1_S("a0", "0", M, K, R) NNC_DSP_RQD1_S("a1", "1", M, K, R)                     \
                             NNC_DSP_RQD1_S("a2", "2", M, K, R) NNC_DSP_RQD1_S("a3", "3", M, K, R)                 \
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [q] "+r"(q)                 \
                         : [y] "r"(y)                                                                              \
                         : M, K, R, "memory");                                                                     \
    }
#else /* gcc -O0 finds no registers for the asm: the same steps one output at a time */
#define NNC_DSP_RQD4_DEF(NAME, M, K, R)                                                                            \
    static inline void NAME(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *q, int8_t *y)           \
    {                                                                                                              \
        y[0] = (int8_t)nnc_dsp_rqd_s8(a0, q[0], q[1], q[2]);                                                       \
        y[1] = (int8_t)nnc_dsp_rqd_s8(a1, q[3], q[4], q[5]);                                                       \
        y[2] = (int8_t)nnc_dsp_rqd_s8(a2, q[6], q[7], q[8]);                                                       \
        y[3] = (int8_t)nnc_dsp_rqd_s8(a3, q[9], q[10], q[11]);                                                     \
    }
#endif
NNC_DSP_RQD4_DEF(nnc_dsp_rqd4_s8, "r8", "r9", "r12")
NNC_DSP_RQD4_DEF(nnc_dsp_rqd4lo_s8, "r0", "r1", "r2")
#undef NNC_DSP_RQD4_DEF
#undef NNC_DSP_RQD1_S
#endif

#endif /* NNC_SIMD_DSP_H */
