/* nncodegen runtime: the portable definitions of the dot products and accumulator blocks.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_PORTABLE_H
#define NNC_SIMD_PORTABLE_H

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

static inline int32_t nnc_dot_s8o_i32_portable(const int8_t *x, const int8_t *w, int32_t n, int32_t off)
{
    int32_t acc = 0, i;
    for (i = 0; i < n; ++i) {
        acc += ((int32_t)x[i] + off) * w[i];
    }
    return acc;
}

static inline float nnc_dot_f32_portable(const float *x, const float *w, int32_t n)
{
    /* eight named partial sums (registers even on a scalar FPU) */
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f, s4 = 0.0f, s5 = 0.0f, s6 = 0.0f, s7 = 0.0f;
    float acc;
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 += x[i] * w[i];
        s1 += x[i + 1] * w[i + 1];
        s2 += x[i + 2] * w[i + 2];
        s3 += x[i + 3] * w[i + 3];
        s4 += x[i + 4] * w[i + 4];
        s5 += x[i + 5] * w[i + 5];
        s6 += x[i + 6] * w[i + 6];
        s7 += x[i + 7] * w[i + 7];
    }
    acc = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    for (; i < n; ++i) {
        acc += x[i] * w[i];
    }
    return acc;
}

/* four rows at once: the definition of every dot4 */
static inline void nnc_dot4_q7_i32_portable(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q7_i32_portable(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_q7_i64_portable(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int64_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q7_i64_portable(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_q15_i32_portable(const int16_t *x, const int16_t *w, int32_t ws,
                                             int32_t n, int32_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q15_i32_portable(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_q15_i64_portable(const int16_t *x, const int16_t *w, int32_t ws,
                                             int32_t n, int64_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q15_i64_portable(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_s8o_i32_portable(const int8_t *x, const int8_t *w, int32_t ws,
                                             int32_t n, int32_t off, int32_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_s8o_i32_portable(x, w + j * ws, n, off);
    }
}

static inline void nnc_dot4_f32_portable(const float *x, const float *w, int32_t ws, int32_t n, float *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_f32_portable(x, w + j * ws, n);
    }
}

#if !defined(NNC_SIMD_X86) && !defined(NNC_SIMD_NEON) && !defined(NNC_SIMD_DSP)
/* ------------------------------------------------------------ portable */
#define nnc_dot_q7_i32 nnc_dot_q7_i32_portable
#define nnc_dot_q7_i64 nnc_dot_q7_i64_portable
#define nnc_dot_q15_i32 nnc_dot_q15_i32_portable
#define nnc_dot_q15_i64 nnc_dot_q15_i64_portable
#endif

#if !defined(NNC_SIMD_X86)
/* ------------------------------------------------------------ other paths: s8o, f32 and the dot4
 * forms from the portable definitions, over this path's own single dot products */
#if !defined(NNC_HAVE_DOT_S8O) /* the path file's own s8o forms (ARM DSP, NEON) */
#define nnc_dot_s8o_i32 nnc_dot_s8o_i32_portable
#define nnc_dot4_s8o_i32 nnc_dot4_s8o_i32_portable
#endif
#define nnc_dot_f32 nnc_dot_f32_portable
#define nnc_dot4_f32 nnc_dot4_f32_portable

#if !defined(NNC_HAVE_DOT4_Q7) /* the path file's own (NEON with SDOT) */
static inline void nnc_dot4_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q7_i32(x, w + j * ws, n);
    }
}
#endif

static inline void nnc_dot4_q7_i64(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int64_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q7_i64(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_q15_i32(const int16_t *x, const int16_t *w, int32_t ws, int32_t n, int32_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q15_i32(x, w + j * ws, n);
    }
}

static inline void nnc_dot4_q15_i64(const int16_t *x, const int16_t *w, int32_t ws, int32_t n, int64_t *out)
{
    int32_t j;
    for (j = 0; j < 4; ++j) {
        out[j] = nnc_dot_q15_i64(x, w + j * ws, n);
    }
}
#endif

/* ------------------------------------------------------------ accumulator blocks
 * Eight int32 (nnc_acc8) or eight float (nnc_accf8) accumulators for the kernels' channel-block
 * loops (depthwise conv, small-K conv), kept in registers on x86 and as arrays elsewhere:
 *   nnc_acc8_load(v) / nnc_acc8_store(a, out)   eight int32 in / out
 *   nnc_acc8_mac_s8(a, x, off, w)   a[j] += (x[j] + off) * w[j]   x int8, |off| <= 255, w int16
 *   nnc_acc8_mac_s16(a, x, w)       a[j] += x[j] * w[j]           x int16, w int16
 *   nnc_acc8_mac_bcast(a, x, w)     a[j] += x * w[j]              x in int16 range, w int16
 *   nnc_acc8_mac2_bcast(a, x0, x1, w)  a[j] += x0 * w[2j] + x1 * w[2j + 1]   (w: 16 int16, pairs per lane;
 *                                   x0, x1 in int16 range; PMADDWD / SMLAD: two products per lane and
 *                                   instruction, hence NNC_HAVE_MAC2 on x86 and ARM DSP only)
 *   nnc_acc8_requant(a, shift, lo, hi, out)   out[j] = sat((a[j] + 2^(shift[j]-1)) >> shift[j], lo, hi),
 *                                   for 1 <= shift[j] <= 31 only (nnc_requantize without leaky slope)
 *   nnc_accf8_zero() / nnc_accf8_store(a, out)
 *   nnc_accf8_mac(a, x, w)          a[j] += x[j] * w[j]      (product rounded, then the addition)
 *   nnc_accf8_mac_bcast(a, x, w)    a[j] += x * w[j]
 * Each product is exact in int32 (both factors fit int16); the int32 lanes add modulo 2^32, which
 * is exact under the kernels' int32 bound.  Each float lane sees the same operations in the same
 * order as the array form, so every path gives the same bits. */
#if !defined(NNC_SIMD_X86)
/* named fields, so that compilers keep the eight accumulators in registers */
typedef struct {
    int32_t v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_acc8;

typedef struct {
    float v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_accf8;

static inline nnc_acc8 nnc_acc8_load(const int32_t *v)
{
    nnc_acc8 a;
    a.v0 = v[0];
    a.v1 = v[1];
    a.v2 = v[2];
    a.v3 = v[3];
    a.v4 = v[4];
    a.v5 = v[5];
    a.v6 = v[6];
    a.v7 = v[7];
    return a;
}

static inline void nnc_acc8_store(nnc_acc8 a, int32_t *out)
{
    out[0] = a.v0;
    out[1] = a.v1;
    out[2] = a.v2;
    out[3] = a.v3;
    out[4] = a.v4;
    out[5] = a.v5;
    out[6] = a.v6;
    out[7] = a.v7;
}

static inline nnc_acc8 nnc_acc8_mac_s8(nnc_acc8 a, const int8_t *x, int32_t off, const int16_t *w)
{
    a.v0 += ((int32_t)x[0] + off) * w[0];
    a.v1 += ((int32_t)x[1] + off) * w[1];
    a.v2 += ((int32_t)x[2] + off) * w[2];
    a.v3 += ((int32_t)x[3] + off) * w[3];
    a.v4 += ((int32_t)x[4] + off) * w[4];
    a.v5 += ((int32_t)x[5] + off) * w[5];
    a.v6 += ((int32_t)x[6] + off) * w[6];
    a.v7 += ((int32_t)x[7] + off) * w[7];
    return a;
}

static inline nnc_acc8 nnc_acc8_mac_s16(nnc_acc8 a, const int16_t *x, const int16_t *w)
{
    a.v0 += (int32_t)x[0] * w[0];
    a.v1 += (int32_t)x[1] * w[1];
    a.v2 += (int32_t)x[2] * w[2];
    a.v3 += (int32_t)x[3] * w[3];
    a.v4 += (int32_t)x[4] * w[4];
    a.v5 += (int32_t)x[5] * w[5];
    a.v6 += (int32_t)x[6] * w[6];
    a.v7 += (int32_t)x[7] * w[7];
    return a;
}

static inline nnc_acc8 nnc_acc8_mac_bcast(nnc_acc8 a, int32_t x, const int16_t *w)
{
    a.v0 += x * w[0];
    a.v1 += x * w[1];
    a.v2 += x * w[2];
    a.v3 += x * w[3];
    a.v4 += x * w[4];
    a.v5 += x * w[5];
    a.v6 += x * w[6];
    a.v7 += x * w[7];
    return a;
}

#if defined(NNC_SIMD_DSP)
/* SMLAD: both products of a 16-bit pair and the accumulation in one instruction (nnc_simd_dsp.h) */
static inline nnc_acc8 nnc_acc8_mac2_bcast(nnc_acc8 a, int32_t x0, int32_t x1, const int16_t *w)
{
    const int32_t xp = (int32_t)(((uint32_t)x1 << 16) | ((uint32_t)x0 & 0xFFFFu));
    a.v0 = nnc_dsp_mac2(a.v0, xp, w + 0);
    a.v1 = nnc_dsp_mac2(a.v1, xp, w + 2);
    a.v2 = nnc_dsp_mac2(a.v2, xp, w + 4);
    a.v3 = nnc_dsp_mac2(a.v3, xp, w + 6);
    a.v4 = nnc_dsp_mac2(a.v4, xp, w + 8);
    a.v5 = nnc_dsp_mac2(a.v5, xp, w + 10);
    a.v6 = nnc_dsp_mac2(a.v6, xp, w + 12);
    a.v7 = nnc_dsp_mac2(a.v7, xp, w + 14);
    return a;
}
#else
static inline nnc_acc8 nnc_acc8_mac2_bcast(nnc_acc8 a, int32_t x0, int32_t x1, const int16_t *w)
{
    a.v0 += x0 * w[0] + x1 * w[1];
    a.v1 += x0 * w[2] + x1 * w[3];
    a.v2 += x0 * w[4] + x1 * w[5];
    a.v3 += x0 * w[6] + x1 * w[7];
    a.v4 += x0 * w[8] + x1 * w[9];
    a.v5 += x0 * w[10] + x1 * w[11];
    a.v6 += x0 * w[12] + x1 * w[13];
    a.v7 += x0 * w[14] + x1 * w[15];
    return a;
}
#endif

static inline int32_t nnc_requant_shift_round_sat(int32_t v, int32_t sh, int32_t lo, int32_t hi)
{
    const int32_t r = (v >> sh) + ((v >> (sh - 1)) & 1);
    return r < lo ? lo : (r > hi ? hi : r);
}

static inline void nnc_acc8_requant(nnc_acc8 a, const int8_t *shift, int32_t lo, int32_t hi, int32_t *out)
{
    out[0] = nnc_requant_shift_round_sat(a.v0, shift[0], lo, hi);
    out[1] = nnc_requant_shift_round_sat(a.v1, shift[1], lo, hi);
    out[2] = nnc_requant_shift_round_sat(a.v2, shift[2], lo, hi);
    out[3] = nnc_requant_shift_round_sat(a.v3, shift[3], lo, hi);
    out[4] = nnc_requant_shift_round_sat(a.v4, shift[4], lo, hi);
    out[5] = nnc_requant_shift_round_sat(a.v5, shift[5], lo, hi);
    out[6] = nnc_requant_shift_round_sat(a.v6, shift[6], lo, hi);
    out[7] = nnc_requant_shift_round_sat(a.v7, shift[7], lo, hi);
}

static inline nnc_accf8 nnc_accf8_zero(void)
{
    nnc_accf8 a;
    a.v0 = 0.0f;
    a.v1 = 0.0f;
    a.v2 = 0.0f;
    a.v3 = 0.0f;
    a.v4 = 0.0f;
    a.v5 = 0.0f;
    a.v6 = 0.0f;
    a.v7 = 0.0f;
    return a;
}

static inline void nnc_accf8_store(nnc_accf8 a, float *out)
{
    out[0] = a.v0;
    out[1] = a.v1;
    out[2] = a.v2;
    out[3] = a.v3;
    out[4] = a.v4;
    out[5] = a.v5;
    out[6] = a.v6;
    out[7] = a.v7;
}

static inline nnc_accf8 nnc_accf8_mac(nnc_accf8 a, const float *x, const float *w)
{
    a.v0 += x[0] * w[0];
    a.v1 += x[1] * w[1];
    a.v2 += x[2] * w[2];
    a.v3 += x[3] * w[3];
    a.v4 += x[4] * w[4];
    a.v5 += x[5] * w[5];
    a.v6 += x[6] * w[6];
    a.v7 += x[7] * w[7];
    return a;
}

static inline nnc_accf8 nnc_accf8_mac_bcast(nnc_accf8 a, float x, const float *w)
{
    a.v0 += x * w[0];
    a.v1 += x * w[1];
    a.v2 += x * w[2];
    a.v3 += x * w[3];
    a.v4 += x * w[4];
    a.v5 += x * w[5];
    a.v6 += x * w[6];
    a.v7 += x * w[7];
    return a;
}
#endif

/* Eight int64 accumulators (nnc_acc8w), the same operations for the 64-bit kernel variants
 * (q15, q7_wide): the int32 products are widened before the addition, so nothing overflows. */
#if !defined(NNC_SIMD_AVX2)
typedef struct {
    int64_t v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_acc8w;

static inline nnc_acc8w nnc_acc8w_load(const int32_t *v)
{
    nnc_acc8w a;
    a.v0 = v[0];
    a.v1 = v[1];
    a.v2 = v[2];
    a.v3 = v[3];
    a.v4 = v[4];
    a.v5 = v[5];
    a.v6 = v[6];
    a.v7 = v[7];
    return a;
}

static inline void nnc_acc8w_store(nnc_acc8w a, int64_t *out)
{
    out[0] = a.v0;
    out[1] = a.v1;
    out[2] = a.v2;
    out[3] = a.v3;
    out[4] = a.v4;
    out[5] = a.v5;
    out[6] = a.v6;
    out[7] = a.v7;
}

static inline nnc_acc8w nnc_acc8w_mac_s8(nnc_acc8w a, const int8_t *x, int32_t off, const int16_t *w)
{
    a.v0 += ((int32_t)x[0] + off) * w[0];
    a.v1 += ((int32_t)x[1] + off) * w[1];
    a.v2 += ((int32_t)x[2] + off) * w[2];
    a.v3 += ((int32_t)x[3] + off) * w[3];
    a.v4 += ((int32_t)x[4] + off) * w[4];
    a.v5 += ((int32_t)x[5] + off) * w[5];
    a.v6 += ((int32_t)x[6] + off) * w[6];
    a.v7 += ((int32_t)x[7] + off) * w[7];
    return a;
}

static inline nnc_acc8w nnc_acc8w_mac_s16(nnc_acc8w a, const int16_t *x, const int16_t *w)
{
    a.v0 += (int32_t)x[0] * w[0];
    a.v1 += (int32_t)x[1] * w[1];
    a.v2 += (int32_t)x[2] * w[2];
    a.v3 += (int32_t)x[3] * w[3];
    a.v4 += (int32_t)x[4] * w[4];
    a.v5 += (int32_t)x[5] * w[5];
    a.v6 += (int32_t)x[6] * w[6];
    a.v7 += (int32_t)x[7] * w[7];
    return a;
}

static inline nnc_acc8w nnc_acc8w_mac_bcast(nnc_acc8w a, int32_t x, const int16_t *w)
{
    a.v0 += x * w[0];
    a.v1 += x * w[1];
    a.v2 += x * w[2];
    a.v3 += x * w[3];
    a.v4 += x * w[4];
    a.v5 += x * w[5];
    a.v6 += x * w[6];
    a.v7 += x * w[7];
    return a;
}
#endif

/* ------------------------------------------------------------ eight rows into a block
 *   nnc_dot8_q7_i32(x, w, ws, n), nnc_dot8_s8o_i32(x, w, ws, n, off), nnc_dot8_q15_i32(x, w, ws, n):
 *   lane j of the result = the dot product of x with row w + j * ws (the int32 contract above), so
 *   that the bias and the requantization of eight outputs run on one register block;
 *   nnc_acc8_add(a, b) adds two blocks lane by lane (modulo 2^32). */
#if !defined(NNC_SIMD_AVX2)
static inline nnc_acc8 nnc_acc8_add(nnc_acc8 a, nnc_acc8 b)
{
    int32_t t[8], u[8], j;
    nnc_acc8_store(a, t);
    nnc_acc8_store(b, u);
    for (j = 0; j < 8; ++j) {
        t[j] = (int32_t)((uint32_t)t[j] + (uint32_t)u[j]);
    }
    return nnc_acc8_load(t);
}

static inline nnc_acc8 nnc_dot8_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n)
{
    int32_t t[8];
    nnc_dot4_q7_i32(x, w, ws, n, t);
    nnc_dot4_q7_i32(x, w + 4 * ws, ws, n, t + 4);
    return nnc_acc8_load(t);
}

static inline nnc_acc8 nnc_dot8_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off)
{
    int32_t t[8];
    nnc_dot4_s8o_i32(x, w, ws, n, off, t);
    nnc_dot4_s8o_i32(x, w + 4 * ws, ws, n, off, t + 4);
    return nnc_acc8_load(t);
}

static inline nnc_acc8 nnc_dot8_q15_i32(const int16_t *x, const int16_t *w, int32_t ws, int32_t n)
{
    int32_t t[8];
    nnc_dot4_q15_i32(x, w, ws, n, t);
    nnc_dot4_q15_i32(x, w + 4 * ws, ws, n, t + 4);
    return nnc_acc8_load(t);
}
#endif

#endif /* NNC_SIMD_PORTABLE_H */
