/* nncodegen runtime: the portable definitions of the dot products and accumulator blocks.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_PORTABLE_H
#define NNC_SIMD_PORTABLE_H

/* ------------------------------------------------------------ portable definitions */
/* sum x[i] * w[i] with int32 products, T the element type, ACC the accumulator's */
#define NNC_DOT_PORTABLE(V, T, ACC)                                             \
    static inline ACC nnc_dot_##V##_portable(const T *x, const T *w, int32_t n) \
    {                                                                           \
        ACC acc = 0;                                                            \
        int32_t i;                                                              \
        for (i = 0; i < n; ++i) {                                               \
            acc += (int32_t)x[i] * w[i];                                        \
        }                                                                       \
        return acc;                                                             \
    }

NNC_DOT_PORTABLE(q7_i32, int8_t, int32_t)
NNC_DOT_PORTABLE(q7_i64, int8_t, int64_t)
NNC_DOT_PORTABLE(q15_i32, int16_t, int32_t)
NNC_DOT_PORTABLE(q15_i64, int16_t, int64_t)

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

/* Four rows at once: the definition of every dot4, nnc_dot4_<v> from nnc_dot_<v>: out[j] = DOT(x, w + j * ws, n)
 * for rows j < 4, T the element type, OT the result's; PS / AS, parenthesized, the extra parameters and
 * arguments (s8o: off), spliced in by NNC_ID (nnc_simd.h).  The other paths' dot4 forms below are built the
 * same way. */
#define NNC_DOT4_OVER(NAME, DOT, T, OT, PS, AS)                                               \
    static inline void NAME(const T *x, const T *w, int32_t ws, int32_t n NNC_ID PS, OT *out) \
    {                                                                                         \
        int32_t j;                                                                            \
        for (j = 0; j < 4; ++j) {                                                             \
            out[j] = DOT(x, w + j * ws, n NNC_ID AS);                                         \
        }                                                                                     \
    }

NNC_DOT4_OVER(nnc_dot4_q7_i32_portable, nnc_dot_q7_i32_portable, int8_t, int32_t, (), ())
NNC_DOT4_OVER(nnc_dot4_q7_i64_portable, nnc_dot_q7_i64_portable, int8_t, int64_t, (), ())
NNC_DOT4_OVER(nnc_dot4_q15_i32_portable, nnc_dot_q15_i32_portable, int16_t, int32_t, (), ())
NNC_DOT4_OVER(nnc_dot4_q15_i64_portable, nnc_dot_q15_i64_portable, int16_t, int64_t, (), ())
NNC_DOT4_OVER(nnc_dot4_s8o_i32_portable, nnc_dot_s8o_i32_portable, int8_t, int32_t, (, int32_t off), (, off))
NNC_DOT4_OVER(nnc_dot4_f32_portable, nnc_dot_f32_portable, float, float, (), ())

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
NNC_DOT4_OVER(nnc_dot4_q7_i32, nnc_dot_q7_i32, int8_t, int32_t, (), ())
#endif
NNC_DOT4_OVER(nnc_dot4_q7_i64, nnc_dot_q7_i64, int8_t, int64_t, (), ())
NNC_DOT4_OVER(nnc_dot4_q15_i32, nnc_dot_q15_i32, int16_t, int32_t, (), ())
NNC_DOT4_OVER(nnc_dot4_q15_i64, nnc_dot_q15_i64, int16_t, int64_t, (), ())
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

/* The blocks' operations, one statement per lane (v0 .. v7); load / store and the three MACs are the same for
 * nnc_acc8 (int32 lanes) and nnc_acc8w (int64 lanes, T: the lane type), written once in NNC_ACC8_LANE_OPS. */
#define NNC_LANES8(S) S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#define NNC_LANE_LOAD(j) a.v##j = v[j];
#define NNC_LANE_STORE(j) out[j] = a.v##j;
#define NNC_LANE_ZERO(j) a.v##j = 0.0f;
#define NNC_LANE_MAC_S8(j) a.v##j += ((int32_t)x[j] + off) * w[j];
#define NNC_LANE_MAC(j) a.v##j += x[j] * w[j];
#define NNC_LANE_MAC_S16(j) a.v##j += (int32_t)x[j] * w[j];
#define NNC_LANE_MAC_BCAST(j) a.v##j += x * w[j];

#define NNC_ACC8_LANE_OPS(A, T)                                                     \
    static inline A A##_load(const int32_t *v)                                      \
    {                                                                               \
        A a;                                                                        \
        NNC_LANES8(NNC_LANE_LOAD)                                                   \
        return a;                                                                   \
    }                                                                               \
                                                                                    \
    static inline void A##_store(A a, T *out)                                       \
    {                                                                               \
        NNC_LANES8(NNC_LANE_STORE)                                                  \
    }                                                                               \
                                                                                    \
    static inline A A##_mac_s8(A a, const int8_t *x, int32_t off, const int16_t *w) \
    {                                                                               \
        NNC_LANES8(NNC_LANE_MAC_S8)                                                 \
        return a;                                                                   \
    }                                                                               \
                                                                                    \
    static inline A A##_mac_s16(A a, const int16_t *x, const int16_t *w)            \
    {                                                                               \
        NNC_LANES8(NNC_LANE_MAC_S16)                                                \
        return a;                                                                   \
    }                                                                               \
                                                                                    \
    static inline A A##_mac_bcast(A a, int32_t x, const int16_t *w)                 \
    {                                                                               \
        NNC_LANES8(NNC_LANE_MAC_BCAST)                                              \
        return a;                                                                   \
    }

#if !defined(NNC_SIMD_X86)
/* named fields, so that compilers keep the eight accumulators in registers */
typedef struct {
    int32_t v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_acc8;

typedef struct {
    float v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_accf8;

NNC_ACC8_LANE_OPS(nnc_acc8, int32_t)

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
    NNC_LANES8(NNC_LANE_ZERO)
    return a;
}

static inline void nnc_accf8_store(nnc_accf8 a, float *out)
{
    NNC_LANES8(NNC_LANE_STORE)
}

static inline nnc_accf8 nnc_accf8_mac(nnc_accf8 a, const float *x, const float *w)
{
    NNC_LANES8(NNC_LANE_MAC)
    return a;
}

static inline nnc_accf8 nnc_accf8_mac_bcast(nnc_accf8 a, float x, const float *w)
{
    NNC_LANES8(NNC_LANE_MAC_BCAST)
    return a;
}
#endif

/* Eight int64 accumulators (nnc_acc8w), the same operations for the 64-bit kernel variants
 * (q15, q7_wide): the int32 products are widened before the addition, so nothing overflows. */
#if !defined(NNC_SIMD_AVX2)
typedef struct {
    int64_t v0, v1, v2, v3, v4, v5, v6, v7;
} nnc_acc8w;

NNC_ACC8_LANE_OPS(nnc_acc8w, int64_t)
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

/* nnc_dot8_<V>_i32 as two four-row forms (PS / AS as for NNC_DOT4_OVER) */
#define NNC_DOT8_OVER(V, T, PS, AS)                                                                    \
    static inline nnc_acc8 nnc_dot8_##V##_i32(const T *x, const T *w, int32_t ws, int32_t n NNC_ID PS) \
    {                                                                                                 \
        int32_t t[8];                                                                                 \
        nnc_dot4_##V##_i32(x, w, ws, n NNC_ID AS, t);                                                 \
        nnc_dot4_##V##_i32(x, w + 4 * ws, ws, n NNC_ID AS, t + 4);                                    \
        return nnc_acc8_load(t);                                                                      \
    }

NNC_DOT8_OVER(q7, int8_t, (), ())
NNC_DOT8_OVER(s8o, int8_t, (, int32_t off), (, off))
NNC_DOT8_OVER(q15, int16_t, (), ())
#endif

#endif /* NNC_SIMD_PORTABLE_H */
