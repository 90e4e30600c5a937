/* nncodegen runtime: the SSE2 / SSE4.1 path (every x86-64) of the dot products and accumulator blocks,
 * and the 128-bit loops that the AVX2 dot products (nnc_simd_avx2.h) finish with.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_SSE_H
#define NNC_SIMD_SSE_H

#if defined(NNC_SIMD_X86)
/* ------------------------------------------------------------ x86: SSE2 / SSE4.1 */
/* 8 int8 at p sign-extended to int16 */
static inline __m128i nnc_x86_ld8_s8(const int8_t *p)
{
    const __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)p);
#if defined(__SSE4_1__)
    return _mm_cvtepi8_epi16(v);
#else
    return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
#endif
}

static inline __m128i nnc_x86_ld8_s16(const int16_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* the four int32 lanes of v added modulo 2^32 */
static inline int32_t nnc_x86_hsum_s32(__m128i v)
{
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(v);
}

/* the lane sums of a, b, c, d (modulo 2^32) stored to out[0..3] */
static inline void nnc_x86_hsum4_s32(__m128i a, __m128i b, __m128i c, __m128i d, int32_t *out)
{
    const __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    const __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    _mm_storeu_si128((__m128i *)(void *)out,
                     _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd)));
}

/* the four int32 lanes of v, sign-extended, added to the two int64 lanes of acc */
static inline __m128i nnc_x86_add_s32_s64(__m128i acc, __m128i v)
{
#if defined(__SSE4_1__)
    acc = _mm_add_epi64(acc, _mm_cvtepi32_epi64(v));
    return _mm_add_epi64(acc, _mm_cvtepi32_epi64(_mm_unpackhi_epi64(v, v)));
#else
    const __m128i sign = _mm_srai_epi32(v, 31);
    acc = _mm_add_epi64(acc, _mm_unpacklo_epi32(v, sign));
    return _mm_add_epi64(acc, _mm_unpackhi_epi32(v, sign));
#endif
}

static inline int64_t nnc_x86_hsum_s64(__m128i v)
{
    int64_t t[2];
    _mm_storeu_si128((__m128i *)(void *)t, v);
    return t[0] + t[1];
}

/* q15 pair sums (PMADDWD) minus 2^16, exact in int32 (see the top of this file) */
static inline __m128i nnc_x86_madd_q15_biased(__m128i a, __m128i b)
{
    return _mm_sub_epi32(_mm_madd_epi16(a, b), _mm_set1_epi32(65536));
}

/* ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) of lo = s0..s3, hi = s4..s7 */
static inline float nnc_x86_reduce8_ps(__m128 lo, __m128 hi)
{
    const __m128 p = _mm_add_ps(_mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)),
                                _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
    const __m128 q = _mm_add_ps(_mm_shuffle_ps(p, p, _MM_SHUFFLE(0, 0, 2, 0)),
                                _mm_shuffle_ps(p, p, _MM_SHUFFLE(0, 0, 3, 1)));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, _MM_SHUFFLE(0, 0, 0, 1))));
}

/* ------------------------------------------------------------ dot products
 * Written once as templates, instantiated here for SSE builds and in nnc_simd_avx2.h for AVX2 builds, which
 * run 16 elements at a time before the 8-element loop.  HEAD / HEAD4 are the statements that start the lanes
 * (acc, or a0 .. a3 for four rows): zero here, the AVX2 loop there.  The int32 forms serve q7 (int8), s8o
 * (int8 inputs plus off) and q15 (int16):
 *   V, T      the name and the element type
 *   PS        the extra parameters, parenthesized: (, int32_t off) for s8o, spliced in by NNC_ID (nnc_simd.h)
 *   DECL      declarations before the loops (s8o: o8, off in eight int16 lanes)
 *   XL, WL    8 inputs / weights at p as int16 lanes (s8o: the inputs plus o8);  XS(k)  input k as int32 */
#define NNC_X86_X(k) (int32_t)x[k]
#define NNC_X86_XO(k) ((int32_t)x[k] + off)
#define NNC_X86_LD8_S8O(p) _mm_add_epi16(nnc_x86_ld8_s8(p), o8)
#define NNC_X86_ZERO acc = _mm_setzero_si128();
#define NNC_X86_ZERO4 a0 = a1 = a2 = a3 = _mm_setzero_si128();

#define NNC_X86_DOTS_I32(V, T, PS, DECL, XL, WL, XS, HEAD, HEAD4)                                  \
    static inline int32_t nnc_dot_##V##_i32(const T *x, const T *w, int32_t n NNC_ID PS)           \
    {                                                                                              \
        __m128i acc;                                                                               \
        DECL                                                                                       \
        uint32_t sum;                                                                              \
        int32_t i = 0;                                                                             \
        HEAD                                                                                       \
        for (; i + 8 <= n; i += 8) {                                                               \
            acc = _mm_add_epi32(acc, _mm_madd_epi16(XL(x + i), WL(w + i)));                        \
        }                                                                                          \
        sum = (uint32_t)nnc_x86_hsum_s32(acc);                                                     \
        for (; i < n; ++i) {                                                                       \
            sum += (uint32_t)(XS(i) * w[i]);                                                       \
        }                                                                                          \
        return (int32_t)sum;                                                                       \
    }                                                                                              \
                                                                                                   \
    static inline void nnc_dot4_##V##_i32(const T *x, const T *w, int32_t ws, int32_t n NNC_ID PS, \
                                          int32_t *out)                                            \
    {                                                                                              \
        const T *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;                         \
        DECL                                                                                       \
        __m128i a0, a1, a2, a3;                                                                    \
        int32_t i = 0;                                                                             \
        HEAD4                                                                                      \
        for (; i + 8 <= n; i += 8) {                                                               \
            const __m128i xv = XL(x + i);                                                          \
            a0 = _mm_add_epi32(a0, _mm_madd_epi16(xv, WL(w0 + i)));                                \
            a1 = _mm_add_epi32(a1, _mm_madd_epi16(xv, WL(w1 + i)));                                \
            a2 = _mm_add_epi32(a2, _mm_madd_epi16(xv, WL(w2 + i)));                                \
            a3 = _mm_add_epi32(a3, _mm_madd_epi16(xv, WL(w3 + i)));                                \
        }                                                                                          \
        nnc_x86_hsum4_s32(a0, a1, a2, a3, out);                                                    \
        for (; i < n; ++i) {                                                                       \
            const int32_t xi = XS(i);                                                              \
            out[0] = (int32_t)((uint32_t)out[0] + (uint32_t)(xi * w0[i]));                         \
            out[1] = (int32_t)((uint32_t)out[1] + (uint32_t)(xi * w1[i]));                         \
            out[2] = (int32_t)((uint32_t)out[2] + (uint32_t)(xi * w2[i]));                         \
            out[3] = (int32_t)((uint32_t)out[3] + (uint32_t)(xi * w3[i]));                         \
        }                                                                                          \
    }

/* the last n % 8 products of a four-row form, XT the type of an input */
#define NNC_X86_DOT4_TAIL(XT) \
    for (; i < n; ++i) {      \
        const XT xi = x[i];   \
        out[0] += xi * w0[i]; \
        out[1] += xi * w1[i]; \
        out[2] += xi * w2[i]; \
        out[3] += xi * w3[i]; \
    }

/* q15 in int64: biased pair sums widened to int64 lanes; 2^16 per pair (2^15 per element) added back */
#define NNC_X86_DOTS_Q15_I64(HEAD, HEAD4)                                                                        \
    static inline int64_t nnc_dot_q15_i64(const int16_t *x, const int16_t *w, int32_t n)                         \
    {                                                                                                            \
        __m128i acc = _mm_setzero_si128();                                                                       \
        int64_t sum;                                                                                             \
        int32_t i = 0;                                                                                           \
        HEAD                                                                                                     \
        for (; i + 8 <= n; i += 8) {                                                                             \
            acc = nnc_x86_add_s32_s64(acc,                                                                       \
                                      nnc_x86_madd_q15_biased(nnc_x86_ld8_s16(x + i), nnc_x86_ld8_s16(w + i)));  \
        }                                                                                                        \
        sum = nnc_x86_hsum_s64(acc) + (int64_t)32768 * i;                                                        \
        for (; i < n; ++i) {                                                                                     \
            sum += (int32_t)x[i] * w[i];                                                                         \
        }                                                                                                        \
        return sum;                                                                                              \
    }                                                                                                            \
                                                                                                                 \
    static inline void nnc_dot4_q15_i64(const int16_t *x, const int16_t *w, int32_t ws, int32_t n, int64_t *out) \
    {                                                                                                            \
        const int16_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;                                 \
        __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;                                             \
        int64_t bias;                                                                                            \
        int32_t i = 0;                                                                                           \
        HEAD4                                                                                                    \
        for (; i + 8 <= n; i += 8) {                                                                             \
            const __m128i xv = nnc_x86_ld8_s16(x + i);                                                           \
            a0 = nnc_x86_add_s32_s64(a0, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w0 + i)));                  \
            a1 = nnc_x86_add_s32_s64(a1, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w1 + i)));                  \
            a2 = nnc_x86_add_s32_s64(a2, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w2 + i)));                  \
            a3 = nnc_x86_add_s32_s64(a3, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w3 + i)));                  \
        }                                                                                                        \
        bias = (int64_t)32768 * i;                                                                               \
        out[0] = nnc_x86_hsum_s64(a0) + bias;                                                                    \
        out[1] = nnc_x86_hsum_s64(a1) + bias;                                                                    \
        out[2] = nnc_x86_hsum_s64(a2) + bias;                                                                    \
        out[3] = nnc_x86_hsum_s64(a3) + bias;                                                                    \
        NNC_X86_DOT4_TAIL(int32_t)                                                                               \
    }

/* float: HEAD / HEAD4 set acc / out[0..3] from the whole blocks of eight (the order of nnc_dot_f32), i after them */
#define NNC_X86_DOTS_F32(HEAD, HEAD4)                                                                  \
    static inline float nnc_dot_f32(const float *x, const float *w, int32_t n)                         \
    {                                                                                                  \
        float acc;                                                                                     \
        int32_t i = 0;                                                                                 \
        HEAD                                                                                           \
        for (; i < n; ++i) {                                                                           \
            acc += x[i] * w[i];                                                                        \
        }                                                                                              \
        return acc;                                                                                    \
    }                                                                                                  \
                                                                                                       \
    static inline void nnc_dot4_f32(const float *x, const float *w, int32_t ws, int32_t n, float *out) \
    {                                                                                                  \
        const float *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;                         \
        int32_t i = 0;                                                                                 \
        HEAD4                                                                                          \
        NNC_X86_DOT4_TAIL(float)                                                                       \
    }

#define NNC_SSE_HEAD_F32                                                                   \
    __m128 lo = _mm_setzero_ps(), hi = _mm_setzero_ps();                                   \
    for (; i + 8 <= n; i += 8) {                                                           \
        lo = _mm_add_ps(lo, _mm_mul_ps(_mm_loadu_ps(x + i), _mm_loadu_ps(w + i)));         \
        hi = _mm_add_ps(hi, _mm_mul_ps(_mm_loadu_ps(x + i + 4), _mm_loadu_ps(w + i + 4))); \
    }                                                                                      \
    acc = nnc_x86_reduce8_ps(lo, hi);

#define NNC_SSE_HEAD4_F32                                                                        \
    __m128 l0 = _mm_setzero_ps(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0; \
    for (; i + 8 <= n; i += 8) {                                                                 \
        const __m128 xl = _mm_loadu_ps(x + i), xh = _mm_loadu_ps(x + i + 4);                     \
        l0 = _mm_add_ps(l0, _mm_mul_ps(xl, _mm_loadu_ps(w0 + i)));                               \
        h0 = _mm_add_ps(h0, _mm_mul_ps(xh, _mm_loadu_ps(w0 + i + 4)));                           \
        l1 = _mm_add_ps(l1, _mm_mul_ps(xl, _mm_loadu_ps(w1 + i)));                               \
        h1 = _mm_add_ps(h1, _mm_mul_ps(xh, _mm_loadu_ps(w1 + i + 4)));                           \
        l2 = _mm_add_ps(l2, _mm_mul_ps(xl, _mm_loadu_ps(w2 + i)));                               \
        h2 = _mm_add_ps(h2, _mm_mul_ps(xh, _mm_loadu_ps(w2 + i + 4)));                           \
        l3 = _mm_add_ps(l3, _mm_mul_ps(xl, _mm_loadu_ps(w3 + i)));                               \
        h3 = _mm_add_ps(h3, _mm_mul_ps(xh, _mm_loadu_ps(w3 + i + 4)));                           \
    }                                                                                            \
    out[0] = nnc_x86_reduce8_ps(l0, h0);                                                         \
    out[1] = nnc_x86_reduce8_ps(l1, h1);                                                         \
    out[2] = nnc_x86_reduce8_ps(l2, h2);                                                         \
    out[3] = nnc_x86_reduce8_ps(l3, h3);

#if !defined(NNC_SIMD_AVX2)
NNC_X86_DOTS_I32(q7, int8_t, (), , nnc_x86_ld8_s8, nnc_x86_ld8_s8, NNC_X86_X, NNC_X86_ZERO, NNC_X86_ZERO4)
NNC_X86_DOTS_I32(s8o, int8_t, (, int32_t off), const __m128i o8 = _mm_set1_epi16((int16_t)off);, NNC_X86_LD8_S8O,
                 nnc_x86_ld8_s8, NNC_X86_XO, NNC_X86_ZERO, NNC_X86_ZERO4)
NNC_X86_DOTS_I32(q15, int16_t, (), , nnc_x86_ld8_s16, nnc_x86_ld8_s16, NNC_X86_X, NNC_X86_ZERO, NNC_X86_ZERO4)
NNC_X86_DOTS_Q15_I64(, )

NNC_X86_DOTS_F32(NNC_SSE_HEAD_F32, NNC_SSE_HEAD4_F32)
#else
/* defined in nnc_simd_avx2.h */
static inline int32_t nnc_dot_q7_i32(const int8_t *x, const int8_t *w, int32_t n);
static inline void nnc_dot4_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t *out);
#endif

/* q7 in int64: the int32 form on chunks of 2^16 elements, whose exact sums stay below 2^30 */
#define NNC_X86_Q7_CHUNK 65536

static inline int64_t nnc_dot_q7_i64(const int8_t *x, const int8_t *w, int32_t n)
{
    int64_t sum = 0;
    int32_t done = 0;
    while (done < n) {
        const int32_t len = n - done > NNC_X86_Q7_CHUNK ? NNC_X86_Q7_CHUNK : n - done;
        sum += nnc_dot_q7_i32(x + done, w + done, len);
        done += len;
    }
    return sum;
}

static inline void nnc_dot4_q7_i64(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int64_t *out)
{
    int32_t part[4], j, done = 0;
    out[0] = out[1] = out[2] = out[3] = 0;
    while (done < n) {
        const int32_t len = n - done > NNC_X86_Q7_CHUNK ? NNC_X86_Q7_CHUNK : n - done;
        nnc_dot4_q7_i32(x + done, w + done, ws, len, part);
        for (j = 0; j < 4; ++j) {
            out[j] += part[j];
        }
        done += len;
    }
}

/* ------------------------------------------------------------ accumulator blocks (contracts: nnc_simd_portable.h;
 * AVX2 builds: nnc_simd_avx2.h) */
#if !defined(NNC_SIMD_AVX2)
typedef struct {
    __m128i lo, hi;
} nnc_acc8;

typedef struct {
    __m128 lo, hi;
} nnc_accf8;

static inline nnc_acc8 nnc_acc8_load(const int32_t *v)
{
    nnc_acc8 a;
    a.lo = _mm_loadu_si128((const __m128i *)(const void *)v);
    a.hi = _mm_loadu_si128((const __m128i *)(const void *)(v + 4));
    return a;
}

static inline void nnc_acc8_store(nnc_acc8 a, int32_t *out)
{
    _mm_storeu_si128((__m128i *)(void *)out, a.lo);
    _mm_storeu_si128((__m128i *)(void *)(out + 4), a.hi);
}

/* a[j] += x16[j] * w16[j] for eight int16 pairs: PMULLW / PMULHW give the low and high halves of
 * the 32-bit products, interleaved back into int32 */
static inline nnc_acc8 nnc_x86_acc8_mac16(nnc_acc8 a, __m128i x16, __m128i w16)
{
    const __m128i plo = _mm_mullo_epi16(x16, w16), phi = _mm_mulhi_epi16(x16, w16);
    a.lo = _mm_add_epi32(a.lo, _mm_unpacklo_epi16(plo, phi));
    a.hi = _mm_add_epi32(a.hi, _mm_unpackhi_epi16(plo, phi));
    return a;
}

static inline nnc_acc8 nnc_acc8_mac_s8(nnc_acc8 a, const int8_t *x, int32_t off, const int16_t *w)
{
    return nnc_x86_acc8_mac16(a, _mm_add_epi16(nnc_x86_ld8_s8(x), _mm_set1_epi16((int16_t)off)),
                              nnc_x86_ld8_s16(w));
}

static inline nnc_acc8 nnc_acc8_mac_s16(nnc_acc8 a, const int16_t *x, const int16_t *w)
{
    return nnc_x86_acc8_mac16(a, nnc_x86_ld8_s16(x), nnc_x86_ld8_s16(w));
}

static inline nnc_acc8 nnc_acc8_mac_bcast(nnc_acc8 a, int32_t x, const int16_t *w)
{
    return nnc_x86_acc8_mac16(a, _mm_set1_epi16((int16_t)x), nnc_x86_ld8_s16(w));
}

static inline nnc_acc8 nnc_acc8_mac2_bcast(nnc_acc8 a, int32_t x0, int32_t x1, const int16_t *w)
{
    const __m128i xv = _mm_set1_epi32((int32_t)(((uint32_t)x1 << 16) | ((uint32_t)x0 & 0xFFFFu)));
    a.lo = _mm_add_epi32(a.lo, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w)));
    a.hi = _mm_add_epi32(a.hi, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w + 8)));
    return a;
}

/* 2^e (e in 0..31) as uint32 bits: the float 2^e from its exponent field, truncated back (2^31
 * converts to 0x80000000, the "integer indefinite", which is 2^31 as unsigned) */
static inline __m128i nnc_x86_pow2_u32(__m128i e)
{
    return _mm_cvttps_epi32(_mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(e, _mm_set1_epi32(127)), 23)));
}

/* high / low 32 bits of the unsigned 64-bit products of four uint32 pairs (PMULUDQ) */
static inline __m128i nnc_x86_mulhi_u32(__m128i a, __m128i b)
{
    const __m128i e = _mm_mul_epu32(a, b), o = _mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32));
    return _mm_or_si128(_mm_srli_epi64(e, 32), _mm_and_si128(o, _mm_set_epi32(-1, 0, -1, 0)));
}

static inline __m128i nnc_x86_mullo_u32(__m128i a, __m128i b)
{
    const __m128i e = _mm_mul_epu32(a, b), o = _mm_mul_epu32(_mm_srli_epi64(a, 32), _mm_srli_epi64(b, 32));
    return _mm_or_si128(_mm_and_si128(e, _mm_set_epi32(0, -1, 0, -1)), _mm_slli_epi64(o, 32));
}

/* four lanes of nnc_acc8_requant: floor(a / 2^s) from the offset-binary a + 2^31 times 2^(32 - s)
 * (SSE has no per-lane shifts), the rounding bit from the remainder, then the bounds */
static inline __m128i nnc_x86_requant4(__m128i a, __m128i s, __m128i lo, __m128i hi)
{
    const __m128i one = _mm_set1_epi32(1);
    const __m128i m1 = nnc_x86_pow2_u32(_mm_sub_epi32(_mm_set1_epi32(32), s)); /* 2^(32 - s) */
    const __m128i m2 = nnc_x86_pow2_u32(s);                                     /* 2^s */
    const __m128i u = _mm_xor_si128(a, _mm_set1_epi32(INT32_MIN));
    const __m128i fl = _mm_sub_epi32(nnc_x86_mulhi_u32(u, m1), _mm_srli_epi32(m1, 1));
    const __m128i rem = _mm_sub_epi32(a, nnc_x86_mullo_u32(fl, m2));
    __m128i r = _mm_sub_epi32(fl, _mm_cmpgt_epi32(rem, _mm_sub_epi32(_mm_srli_epi32(m2, 1), one)));
    __m128i m = _mm_cmpgt_epi32(r, hi);
    r = _mm_or_si128(_mm_and_si128(m, hi), _mm_andnot_si128(m, r));
    m = _mm_cmpgt_epi32(lo, r);
    return _mm_or_si128(_mm_and_si128(m, lo), _mm_andnot_si128(m, r));
}

static inline void nnc_acc8_requant(nnc_acc8 a, const int8_t *shift, int32_t lo, int32_t hi, int32_t *out)
{
    const __m128i sv = _mm_loadl_epi64((const __m128i *)(const void *)shift);
    const __m128i s16 = _mm_srai_epi16(_mm_unpacklo_epi8(sv, sv), 8);
    const __m128i l = _mm_set1_epi32(lo), h = _mm_set1_epi32(hi);
    _mm_storeu_si128((__m128i *)(void *)out,
                     nnc_x86_requant4(a.lo, _mm_srai_epi32(_mm_unpacklo_epi16(s16, s16), 16), l, h));
    _mm_storeu_si128((__m128i *)(void *)(out + 4),
                     nnc_x86_requant4(a.hi, _mm_srai_epi32(_mm_unpackhi_epi16(s16, s16), 16), l, h));
}

static inline nnc_accf8 nnc_accf8_zero(void)
{
    nnc_accf8 a;
    a.lo = a.hi = _mm_setzero_ps();
    return a;
}

static inline void nnc_accf8_store(nnc_accf8 a, float *out)
{
    _mm_storeu_ps(out, a.lo);
    _mm_storeu_ps(out + 4, a.hi);
}

static inline nnc_accf8 nnc_accf8_mac(nnc_accf8 a, const float *x, const float *w)
{
    a.lo = _mm_add_ps(a.lo, _mm_mul_ps(_mm_loadu_ps(x), _mm_loadu_ps(w)));
    a.hi = _mm_add_ps(a.hi, _mm_mul_ps(_mm_loadu_ps(x + 4), _mm_loadu_ps(w + 4)));
    return a;
}

static inline nnc_accf8 nnc_accf8_mac_bcast(nnc_accf8 a, float x, const float *w)
{
    const __m128 xv = _mm_set1_ps(x);
    a.lo = _mm_add_ps(a.lo, _mm_mul_ps(xv, _mm_loadu_ps(w)));
    a.hi = _mm_add_ps(a.hi, _mm_mul_ps(xv, _mm_loadu_ps(w + 4)));
    return a;
}

#endif
#endif /* NNC_SIMD_X86 */

#endif /* NNC_SIMD_SSE_H */
