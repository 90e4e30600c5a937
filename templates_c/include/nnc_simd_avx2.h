/* nncodegen runtime: the AVX2 path (x86-64-v3) of the dot products (the templates of nnc_simd_sse.h with a
 * 256-bit first loop) and of the accumulator and eight-row blocks; its requantization: nnc_simd_avx2_rq.h.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_AVX2_H
#define NNC_SIMD_AVX2_H

#if defined(NNC_SIMD_AVX2)
/* ------------------------------------------------------------ x86: AVX2 */
static inline __m256i nnc_avx2_ld16_s8(const int8_t *p)
{
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* One step of the packed int8 kernels' AVX2 path (conv2d_pk_s8, conv2d_pk_q7): uv holds 4 uint8 products widened
 * to int16 (the same 4 in every group of lanes), wp 16 channels x 4 int8 weights; s[0..3] gather pairwise
 * partial sums [c0 c0 c1 c1 | c2 c2 c3 c3] of channels 0-3, 4-7, 8-11, 12-15. */
static inline void nnc_avx2_pk_step(__m256i uv, const int8_t *wp, __m256i s[4])
{
    s[0] = _mm256_add_epi32(s[0], _mm256_madd_epi16(uv, nnc_avx2_ld16_s8(wp)));
    s[1] = _mm256_add_epi32(s[1], _mm256_madd_epi16(uv, nnc_avx2_ld16_s8(wp + 16)));
    s[2] = _mm256_add_epi32(s[2], _mm256_madd_epi16(uv, nnc_avx2_ld16_s8(wp + 32)));
    s[3] = _mm256_add_epi32(s[3], _mm256_madd_epi16(uv, nnc_avx2_ld16_s8(wp + 48)));
}

/* nnc_avx2_pk_step's partial sums added pairwise, back in channel order, plus bias[0..15] -> acc[0..15] */
static inline void nnc_avx2_pk_store(const __m256i s[4], const int32_t *bias, int32_t *acc)
{
    const __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[0], s[1]), 0xD8);
    const __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(s[2], s[3]), 0xD8);
    _mm256_storeu_si256((__m256i *)(void *)acc,
                        _mm256_add_epi32(lo, _mm256_loadu_si256((const __m256i *)(const void *)bias)));
    _mm256_storeu_si256((__m256i *)(void *)(acc + 8),
                        _mm256_add_epi32(hi, _mm256_loadu_si256((const __m256i *)(const void *)(bias + 8))));
}

static inline __m256i nnc_avx2_ld16_s16(const int16_t *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline __m128i nnc_avx2_fold_s32(__m256i v)
{
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/* 8 biased q15 pair sums widened and added to 4 int64 lanes */
static inline __m256i nnc_avx2_add_q15_s64(__m256i acc, __m256i a, __m256i b)
{
    const __m256i v = _mm256_sub_epi32(_mm256_madd_epi16(a, b), _mm256_set1_epi32(65536));
    acc = _mm256_add_epi64(acc, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
    return _mm256_add_epi64(acc, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
}

static inline __m128i nnc_avx2_fold_s64(__m256i v)
{
    return _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/* the nnc_dot_f32 reduction of the 8 lanes of s (each of a, b, c, d for the 4-row form) */
static inline float nnc_avx_reduce8_ps(__m256 s)
{
    return nnc_x86_reduce8_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

static inline __m128 nnc_avx_reduce8x4_ps(__m256 a, __m256 b, __m256 c, __m256 d)
{
    /* HADDPS adds neighbours: [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7] ... */
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    /* h = [(a0+a1)+(a2+a3), (b..), (c..), (d..) | (a4+a5)+(a6+a7), ...] */
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/* ------------------------------------------------------------ dot products: the templates of nnc_simd_sse.h with
 * a 16-element loop first (8 for float, all in 256-bit registers) */
#define NNC_AVX2_LD16_S8O(p) _mm256_add_epi16(nnc_avx2_ld16_s8(p), o16)

/* the HEAD / HEAD4 of NNC_X86_DOTS_I32: DECL16 declarations (s8o: o16), XL16 / WL16 16 inputs / weights */
#define NNC_AVX2_HEAD_I32(DECL16, XL16, WL16)                                   \
    DECL16                                                                      \
    __m256i a8 = _mm256_setzero_si256();                                        \
    for (; i + 16 <= n; i += 16) {                                              \
        a8 = _mm256_add_epi32(a8, _mm256_madd_epi16(XL16(x + i), WL16(w + i))); \
    }                                                                           \
    acc = nnc_avx2_fold_s32(a8);

#define NNC_AVX2_HEAD4_I32(DECL16, XL16, WL16)                          \
    DECL16                                                              \
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;     \
    for (; i + 16 <= n; i += 16) {                                      \
        const __m256i xv = XL16(x + i);                                 \
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, WL16(w0 + i))); \
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, WL16(w1 + i))); \
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, WL16(w2 + i))); \
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, WL16(w3 + i))); \
    }                                                                   \
    a0 = nnc_avx2_fold_s32(b0);                                         \
    a1 = nnc_avx2_fold_s32(b1);                                         \
    a2 = nnc_avx2_fold_s32(b2);                                         \
    a3 = nnc_avx2_fold_s32(b3);

#define NNC_AVX2_HEAD_Q15_I64                                                              \
    __m256i a4 = _mm256_setzero_si256();                                                   \
    for (; i + 16 <= n; i += 16) {                                                         \
        a4 = nnc_avx2_add_q15_s64(a4, nnc_avx2_ld16_s16(x + i), nnc_avx2_ld16_s16(w + i)); \
    }                                                                                      \
    acc = nnc_avx2_fold_s64(a4);

#define NNC_AVX2_HEAD4_Q15_I64                                        \
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;   \
    for (; i + 16 <= n; i += 16) {                                    \
        const __m256i xv = nnc_avx2_ld16_s16(x + i);                  \
        b0 = nnc_avx2_add_q15_s64(b0, xv, nnc_avx2_ld16_s16(w0 + i)); \
        b1 = nnc_avx2_add_q15_s64(b1, xv, nnc_avx2_ld16_s16(w1 + i)); \
        b2 = nnc_avx2_add_q15_s64(b2, xv, nnc_avx2_ld16_s16(w2 + i)); \
        b3 = nnc_avx2_add_q15_s64(b3, xv, nnc_avx2_ld16_s16(w3 + i)); \
    }                                                                 \
    a0 = nnc_avx2_fold_s64(b0);                                       \
    a1 = nnc_avx2_fold_s64(b1);                                       \
    a2 = nnc_avx2_fold_s64(b2);                                       \
    a3 = nnc_avx2_fold_s64(b3);

NNC_X86_DOTS_I32(q7, int8_t, (), , nnc_x86_ld8_s8, nnc_x86_ld8_s8, NNC_X86_X,
                 NNC_AVX2_HEAD_I32(, nnc_avx2_ld16_s8, nnc_avx2_ld16_s8),
                 NNC_AVX2_HEAD4_I32(, nnc_avx2_ld16_s8, nnc_avx2_ld16_s8))
NNC_X86_DOTS_I32(s8o, int8_t, (, int32_t off), const __m128i o8 = _mm_set1_epi16((int16_t)off);, NNC_X86_LD8_S8O,
                 nnc_x86_ld8_s8, NNC_X86_XO,
                 NNC_AVX2_HEAD_I32(const __m256i o16 = _mm256_set1_epi16((int16_t)off);, NNC_AVX2_LD16_S8O,
                                   nnc_avx2_ld16_s8),
                 NNC_AVX2_HEAD4_I32(const __m256i o16 = _mm256_set1_epi16((int16_t)off);, NNC_AVX2_LD16_S8O,
                                    nnc_avx2_ld16_s8))
NNC_X86_DOTS_I32(q15, int16_t, (), , nnc_x86_ld8_s16, nnc_x86_ld8_s16, NNC_X86_X,
                 NNC_AVX2_HEAD_I32(, nnc_avx2_ld16_s16, nnc_avx2_ld16_s16),
                 NNC_AVX2_HEAD4_I32(, nnc_avx2_ld16_s16, nnc_avx2_ld16_s16))
NNC_X86_DOTS_Q15_I64(NNC_AVX2_HEAD_Q15_I64, NNC_AVX2_HEAD4_Q15_I64)

#define NNC_AVX2_HEAD_F32                                                                    \
    __m256 s = _mm256_setzero_ps();                                                          \
    for (; i + 8 <= n; i += 8) {                                                             \
        s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(w + i))); \
    }                                                                                        \
    acc = nnc_avx_reduce8_ps(s);

#define NNC_AVX2_HEAD4_F32                                                  \
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;             \
    for (; i + 8 <= n; i += 8) {                                            \
        const __m256 xv = _mm256_loadu_ps(x + i);                           \
        s0 = _mm256_add_ps(s0, _mm256_mul_ps(xv, _mm256_loadu_ps(w0 + i))); \
        s1 = _mm256_add_ps(s1, _mm256_mul_ps(xv, _mm256_loadu_ps(w1 + i))); \
        s2 = _mm256_add_ps(s2, _mm256_mul_ps(xv, _mm256_loadu_ps(w2 + i))); \
        s3 = _mm256_add_ps(s3, _mm256_mul_ps(xv, _mm256_loadu_ps(w3 + i))); \
    }                                                                       \
    _mm_storeu_ps(out, nnc_avx_reduce8x4_ps(s0, s1, s2, s3));

NNC_X86_DOTS_F32(NNC_AVX2_HEAD_F32, NNC_AVX2_HEAD4_F32)

/* ------------------------------------------------------------ accumulator blocks (contracts: nnc_simd_portable.h) */

typedef struct {
    __m256i v;
} nnc_acc8;

typedef struct {
    __m256 v;
} nnc_accf8;

static inline nnc_acc8 nnc_acc8_load(const int32_t *v)
{
    nnc_acc8 a;
    a.v = _mm256_loadu_si256((const __m256i *)(const void *)v);
    return a;
}

static inline void nnc_acc8_store(nnc_acc8 a, int32_t *out)
{
    _mm256_storeu_si256((__m256i *)(void *)out, a.v);
}

/* nnc_acc8_mac_s8 / _s16 / _bcast, written once for nnc_acc8 and nnc_acc8w (below): ADD(p) adds the eight
 * int32 products p to the block a and returns it */
#define NNC_AVX2_MACS(A, ADD)                                                                                        \
    static inline A A##_mac_s8(A a, const int8_t *x, int32_t off, const int16_t *w)                                  \
    {                                                                                                                \
        const __m256i xv = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)x)), \
                                            _mm256_set1_epi32(off));                                                 \
        const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));                 \
        ADD(_mm256_mullo_epi32(xv, wv));                                                                             \
    }                                                                                                                \
                                                                                                                     \
    static inline A A##_mac_s16(A a, const int16_t *x, const int16_t *w)                                             \
    {                                                                                                                \
        const __m256i xv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)x));                 \
        const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));                 \
        ADD(_mm256_mullo_epi32(xv, wv));                                                                             \
    }                                                                                                                \
                                                                                                                     \
    static inline A A##_mac_bcast(A a, int32_t x, const int16_t *w)                                                  \
    {                                                                                                                \
        const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));                 \
        ADD(_mm256_mullo_epi32(_mm256_set1_epi32(x), wv));                                                           \
    }

#define NNC_AVX2_ACC8_ADD(p)        \
    a.v = _mm256_add_epi32(a.v, p); \
    return a

NNC_AVX2_MACS(nnc_acc8, NNC_AVX2_ACC8_ADD)

static inline nnc_acc8 nnc_acc8_mac2_bcast(nnc_acc8 a, int32_t x0, int32_t x1, const int16_t *w)
{
    const __m256i xv = _mm256_set1_epi32((int32_t)(((uint32_t)x1 << 16) | ((uint32_t)x0 & 0xFFFFu)));
    a.v = _mm256_add_epi32(a.v, _mm256_madd_epi16(xv, _mm256_loadu_si256((const __m256i *)(const void *)w)));
    return a;
}

static inline void nnc_acc8_requant(nnc_acc8 a, const int8_t *shift, int32_t lo, int32_t hi, int32_t *out)
{
    const __m256i s = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)shift));
    const __m256i one = _mm256_set1_epi32(1);
    __m256i r = _mm256_add_epi32(_mm256_srav_epi32(a.v, s),
                                 _mm256_and_si256(_mm256_srav_epi32(a.v, _mm256_sub_epi32(s, one)), one));
    r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
    _mm256_storeu_si256((__m256i *)(void *)out, r);
}

static inline nnc_accf8 nnc_accf8_zero(void)
{
    nnc_accf8 a;
    a.v = _mm256_setzero_ps();
    return a;
}

static inline void nnc_accf8_store(nnc_accf8 a, float *out)
{
    _mm256_storeu_ps(out, a.v);
}

static inline nnc_accf8 nnc_accf8_mac(nnc_accf8 a, const float *x, const float *w)
{
    a.v = _mm256_add_ps(a.v, _mm256_mul_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(w)));
    return a;
}

static inline nnc_accf8 nnc_accf8_mac_bcast(nnc_accf8 a, float x, const float *w)
{
    a.v = _mm256_add_ps(a.v, _mm256_mul_ps(_mm256_set1_ps(x), _mm256_loadu_ps(w)));
    return a;
}
/* ------------------------------------------------------------ int64 accumulator blocks (SSE builds take the
 * portable ones) */
typedef struct {
    __m256i lo, hi;
} nnc_acc8w;

static inline nnc_acc8w nnc_acc8w_load(const int32_t *v)
{
    nnc_acc8w a;
    a.lo = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(const void *)v));
    a.hi = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(v + 4)));
    return a;
}

static inline void nnc_acc8w_store(nnc_acc8w a, int64_t *out)
{
    _mm256_storeu_si256((__m256i *)(void *)out, a.lo);
    _mm256_storeu_si256((__m256i *)(void *)(out + 4), a.hi);
}

static inline nnc_acc8w nnc_avx2_acc8w_add(nnc_acc8w a, __m256i p)
{
    a.lo = _mm256_add_epi64(a.lo, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(p)));
    a.hi = _mm256_add_epi64(a.hi, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(p, 1)));
    return a;
}

#define NNC_AVX2_ACC8W_ADD(p) return nnc_avx2_acc8w_add(a, p)

NNC_AVX2_MACS(nnc_acc8w, NNC_AVX2_ACC8W_ADD)

/* ------------------------------------------------------------ eight rows into a block (SSE builds take the
 * portable ones) */
static inline nnc_acc8 nnc_acc8_add(nnc_acc8 a, nnc_acc8 b)
{
    a.v = _mm256_add_epi32(a.v, b.v);
    return a;
}

/* the lane sums of b0 .. b7 as one vector (modulo 2^32) */
static inline __m256i nnc_avx2_hsum8(__m256i b0, __m256i b1, __m256i b2, __m256i b3, __m256i b4, __m256i b5,
                                     __m256i b6, __m256i b7)
{
    const __m256i h0 = _mm256_hadd_epi32(_mm256_hadd_epi32(b0, b1), _mm256_hadd_epi32(b2, b3));
    const __m256i h1 = _mm256_hadd_epi32(_mm256_hadd_epi32(b4, b5), _mm256_hadd_epi32(b6, b7));
    return _mm256_add_epi32(_mm256_permute2x128_si256(h0, h1, 0x20), _mm256_permute2x128_si256(h0, h1, 0x31));
}

/* 16 int8 widened to int16 (the upper 8 zero when half) */
static inline __m256i nnc_avx2_ld_s8(const int8_t *p, int half)
{
    return _mm256_cvtepi8_epi16(half ? _mm_loadl_epi64((const __m128i *)(const void *)p)
                                     : _mm_loadu_si128((const __m128i *)(const void *)p));
}

/* nnc_dot8_s8o_i32 and nnc_dot8_q15_i32, written once (parameters as NNC_X86_DOTS_I32's; XL / WL take the half
 * flag): 16 elements a step, 8 in a last half step (for s8o the upper 8 of x + off are then off, but the upper 8
 * weights are 0), the lane sums, then the last n % 8 element by element.  HEAD: for s8o, the VNNI loop of
 * nnc_simd_avx512.h, which also instantiates s8o in builds that have it. */
#define NNC_AVX2_LD_S8O(p, half) _mm256_add_epi16(nnc_avx2_ld_s8(p, half), o16)

#define NNC_AVX2_DOT8(V, T, PS, DECL, XL, WL, XS, HEAD)                                                     \
    static inline nnc_acc8 nnc_dot8_##V##_i32(const T *x, const T *w, int32_t ws, int32_t n NNC_ID PS)      \
    {                                                                                                       \
        DECL                                                                                                \
        __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0, b6 = b0, b7 = b0; \
        nnc_acc8 r;                                                                                         \
        int32_t i = 0;                                                                                      \
        HEAD                                                                                                \
        while (i + 8 <= n) {                                                                                \
            const int half = i + 16 > n;                                                                    \
            const __m256i xv = XL(x + i, half);                                                             \
            const T *wi = w + i;                                                                            \
            b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, WL(wi, half)));                                 \
            b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, WL(wi + ws, half)));                            \
            b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, WL(wi + 2 * ws, half)));                        \
            b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, WL(wi + 3 * ws, half)));                        \
            b4 = _mm256_add_epi32(b4, _mm256_madd_epi16(xv, WL(wi + 4 * ws, half)));                        \
            b5 = _mm256_add_epi32(b5, _mm256_madd_epi16(xv, WL(wi + 5 * ws, half)));                        \
            b6 = _mm256_add_epi32(b6, _mm256_madd_epi16(xv, WL(wi + 6 * ws, half)));                        \
            b7 = _mm256_add_epi32(b7, _mm256_madd_epi16(xv, WL(wi + 7 * ws, half)));                        \
            i += half ? 8 : 16;                                                                             \
        }                                                                                                   \
        r.v = nnc_avx2_hsum8(b0, b1, b2, b3, b4, b5, b6, b7);                                               \
        if (i < n) {                                                                                        \
            int32_t t[8], j, k;                                                                             \
            for (j = 0; j < 8; ++j) {                                                                       \
                uint32_t s = 0;                                                                             \
                for (k = i; k < n; ++k) {                                                                   \
                    s += (uint32_t)(XS(k) * w[j * ws + k]);                                                 \
                }                                                                                           \
                t[j] = (int32_t)s;                                                                          \
            }                                                                                               \
            r.v = _mm256_add_epi32(r.v, _mm256_loadu_si256((const __m256i *)(const void *)t));              \
        }                                                                                                   \
        return r;                                                                                           \
    }

#define NNC_AVX2_DECL_O16 const __m256i o16 = _mm256_set1_epi16((int16_t)off);

#if !defined(NNC_SIMD_VNNI)
NNC_AVX2_DOT8(s8o, int8_t, (, int32_t off), NNC_AVX2_DECL_O16, NNC_AVX2_LD_S8O, nnc_avx2_ld_s8, NNC_X86_XO, )
#else
static inline nnc_acc8 nnc_dot8_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off);
#endif

static inline nnc_acc8 nnc_dot8_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n)
{
    return nnc_dot8_s8o_i32(x, w, ws, n, 0);
}

static inline __m256i nnc_avx2_ld_s16(const int16_t *p, int half)
{
    return half ? _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_loadu_si128((const __m128i *)(const void *)p), 0)
                : _mm256_loadu_si256((const __m256i *)(const void *)p);
}

NNC_AVX2_DOT8(q15, int16_t, (), , nnc_avx2_ld_s16, nnc_avx2_ld_s16, NNC_X86_X, )

#endif /* NNC_SIMD_AVX2 */

#endif /* NNC_SIMD_AVX2_H */
