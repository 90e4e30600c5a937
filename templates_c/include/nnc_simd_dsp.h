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

/* SMLAD: both products of a 16-bit pair (x packed in xp, two int16 at w) and the accumulation in
 * one instruction; nnc_acc8_mac2_bcast (nnc_simd_portable.h) runs it on its eight lanes */
static inline int32_t nnc_dsp_mac2(int32_t acc, int32_t xp, const int16_t *w)
{
    return __smlad(xp, nnc_dsp_load4(w), acc);
}
#endif

#endif /* NNC_SIMD_DSP_H */
