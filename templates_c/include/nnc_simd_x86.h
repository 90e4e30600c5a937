/* nncodegen runtime: the x86 paths (SSE2, SSE4.1, AVX2) of the dot products and accumulator blocks.
 * Included by nnc_simd.h, which documents the contracts and selects the path. */
#ifndef NNC_SIMD_X86_H
#define NNC_SIMD_X86_H

#if defined(NNC_SIMD_X86)
/* ------------------------------------------------------------ x86: SSE2 / SSE4.1 / AVX2 */
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

#if defined(NNC_SIMD_AVX2)
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
#endif

/* q7 --------------------------------------------------------------------------------------- */
static inline int32_t nnc_dot_q7_i32(const int8_t *x, const int8_t *w, int32_t n)
{
    __m128i acc;
    uint32_t sum;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i a8 = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        a8 = _mm256_add_epi32(a8, _mm256_madd_epi16(nnc_avx2_ld16_s8(x + i), nnc_avx2_ld16_s8(w + i)));
    }
    acc = nnc_avx2_fold_s32(a8);
#else
    acc = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        acc = _mm_add_epi32(acc, _mm_madd_epi16(nnc_x86_ld8_s8(x + i), nnc_x86_ld8_s8(w + i)));
    }
    sum = (uint32_t)nnc_x86_hsum_s32(acc);
    for (; i < n; ++i) {
        sum += (uint32_t)((int32_t)x[i] * w[i]);
    }
    return (int32_t)sum;
}

static inline void nnc_dot4_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t *out)
{
    const int8_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    __m128i a0, a1, a2, a3;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
    for (; i + 16 <= n; i += 16) {
        const __m256i xv = nnc_avx2_ld16_s8(x + i);
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w0 + i)));
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w1 + i)));
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w2 + i)));
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w3 + i)));
    }
    a0 = nnc_avx2_fold_s32(b0);
    a1 = nnc_avx2_fold_s32(b1);
    a2 = nnc_avx2_fold_s32(b2);
    a3 = nnc_avx2_fold_s32(b3);
#else
    a0 = a1 = a2 = a3 = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        const __m128i xv = nnc_x86_ld8_s8(x + i);
        a0 = _mm_add_epi32(a0, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w0 + i)));
        a1 = _mm_add_epi32(a1, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w1 + i)));
        a2 = _mm_add_epi32(a2, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w2 + i)));
        a3 = _mm_add_epi32(a3, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w3 + i)));
    }
    nnc_x86_hsum4_s32(a0, a1, a2, a3, out);
    for (; i < n; ++i) {
        const int32_t xi = x[i];
        out[0] = (int32_t)((uint32_t)out[0] + (uint32_t)(xi * w0[i]));
        out[1] = (int32_t)((uint32_t)out[1] + (uint32_t)(xi * w1[i]));
        out[2] = (int32_t)((uint32_t)out[2] + (uint32_t)(xi * w2[i]));
        out[3] = (int32_t)((uint32_t)out[3] + (uint32_t)(xi * w3[i]));
    }
}

/* int64: the int32 form on chunks of 2^16 elements, whose exact sums stay below 2^30 */
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

/* affine int8: x + off in int16, then as q7 */
static inline int32_t nnc_dot_s8o_i32(const int8_t *x, const int8_t *w, int32_t n, int32_t off)
{
    __m128i acc;
    const __m128i o8 = _mm_set1_epi16((int16_t)off);
    uint32_t sum;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    const __m256i o16 = _mm256_set1_epi16((int16_t)off);
    __m256i a8 = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        a8 = _mm256_add_epi32(a8, _mm256_madd_epi16(_mm256_add_epi16(nnc_avx2_ld16_s8(x + i), o16),
                                                    nnc_avx2_ld16_s8(w + i)));
    }
    acc = nnc_avx2_fold_s32(a8);
#else
    acc = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_add_epi16(nnc_x86_ld8_s8(x + i), o8), nnc_x86_ld8_s8(w + i)));
    }
    sum = (uint32_t)nnc_x86_hsum_s32(acc);
    for (; i < n; ++i) {
        sum += (uint32_t)(((int32_t)x[i] + off) * w[i]);
    }
    return (int32_t)sum;
}

static inline void nnc_dot4_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off,
                                    int32_t *out)
{
    const int8_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    const __m128i o8 = _mm_set1_epi16((int16_t)off);
    __m128i a0, a1, a2, a3;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    const __m256i o16 = _mm256_set1_epi16((int16_t)off);
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
    for (; i + 16 <= n; i += 16) {
        const __m256i xv = _mm256_add_epi16(nnc_avx2_ld16_s8(x + i), o16);
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w0 + i)));
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w1 + i)));
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w2 + i)));
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, nnc_avx2_ld16_s8(w3 + i)));
    }
    a0 = nnc_avx2_fold_s32(b0);
    a1 = nnc_avx2_fold_s32(b1);
    a2 = nnc_avx2_fold_s32(b2);
    a3 = nnc_avx2_fold_s32(b3);
#else
    a0 = a1 = a2 = a3 = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        const __m128i xv = _mm_add_epi16(nnc_x86_ld8_s8(x + i), o8);
        a0 = _mm_add_epi32(a0, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w0 + i)));
        a1 = _mm_add_epi32(a1, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w1 + i)));
        a2 = _mm_add_epi32(a2, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w2 + i)));
        a3 = _mm_add_epi32(a3, _mm_madd_epi16(xv, nnc_x86_ld8_s8(w3 + i)));
    }
    nnc_x86_hsum4_s32(a0, a1, a2, a3, out);
    for (; i < n; ++i) {
        const int32_t xi = (int32_t)x[i] + off;
        out[0] = (int32_t)((uint32_t)out[0] + (uint32_t)(xi * w0[i]));
        out[1] = (int32_t)((uint32_t)out[1] + (uint32_t)(xi * w1[i]));
        out[2] = (int32_t)((uint32_t)out[2] + (uint32_t)(xi * w2[i]));
        out[3] = (int32_t)((uint32_t)out[3] + (uint32_t)(xi * w3[i]));
    }
}

/* q15 -------------------------------------------------------------------------------------- */
static inline int32_t nnc_dot_q15_i32(const int16_t *x, const int16_t *w, int32_t n)
{
    __m128i acc;
    uint32_t sum;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i a8 = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        a8 = _mm256_add_epi32(a8, _mm256_madd_epi16(nnc_avx2_ld16_s16(x + i), nnc_avx2_ld16_s16(w + i)));
    }
    acc = nnc_avx2_fold_s32(a8);
#else
    acc = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        acc = _mm_add_epi32(acc, _mm_madd_epi16(nnc_x86_ld8_s16(x + i), nnc_x86_ld8_s16(w + i)));
    }
    sum = (uint32_t)nnc_x86_hsum_s32(acc);
    for (; i < n; ++i) {
        sum += (uint32_t)((int32_t)x[i] * w[i]);
    }
    return (int32_t)sum;
}

static inline void nnc_dot4_q15_i32(const int16_t *x, const int16_t *w, int32_t ws, int32_t n, int32_t *out)
{
    const int16_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    __m128i a0, a1, a2, a3;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
    for (; i + 16 <= n; i += 16) {
        const __m256i xv = nnc_avx2_ld16_s16(x + i);
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, nnc_avx2_ld16_s16(w0 + i)));
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, nnc_avx2_ld16_s16(w1 + i)));
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, nnc_avx2_ld16_s16(w2 + i)));
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, nnc_avx2_ld16_s16(w3 + i)));
    }
    a0 = nnc_avx2_fold_s32(b0);
    a1 = nnc_avx2_fold_s32(b1);
    a2 = nnc_avx2_fold_s32(b2);
    a3 = nnc_avx2_fold_s32(b3);
#else
    a0 = a1 = a2 = a3 = _mm_setzero_si128();
#endif
    for (; i + 8 <= n; i += 8) {
        const __m128i xv = nnc_x86_ld8_s16(x + i);
        a0 = _mm_add_epi32(a0, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w0 + i)));
        a1 = _mm_add_epi32(a1, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w1 + i)));
        a2 = _mm_add_epi32(a2, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w2 + i)));
        a3 = _mm_add_epi32(a3, _mm_madd_epi16(xv, nnc_x86_ld8_s16(w3 + i)));
    }
    nnc_x86_hsum4_s32(a0, a1, a2, a3, out);
    for (; i < n; ++i) {
        const int32_t xi = x[i];
        out[0] = (int32_t)((uint32_t)out[0] + (uint32_t)(xi * w0[i]));
        out[1] = (int32_t)((uint32_t)out[1] + (uint32_t)(xi * w1[i]));
        out[2] = (int32_t)((uint32_t)out[2] + (uint32_t)(xi * w2[i]));
        out[3] = (int32_t)((uint32_t)out[3] + (uint32_t)(xi * w3[i]));
    }
}

/* int64: biased pair sums widened to int64 lanes; 2^16 per pair (2^15 per element) added back */
static inline int64_t nnc_dot_q15_i64(const int16_t *x, const int16_t *w, int32_t n)
{
    __m128i acc = _mm_setzero_si128();
    int64_t sum;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i a4 = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        a4 = nnc_avx2_add_q15_s64(a4, nnc_avx2_ld16_s16(x + i), nnc_avx2_ld16_s16(w + i));
    }
    acc = nnc_avx2_fold_s64(a4);
#endif
    for (; i + 8 <= n; i += 8) {
        acc = nnc_x86_add_s32_s64(acc, nnc_x86_madd_q15_biased(nnc_x86_ld8_s16(x + i), nnc_x86_ld8_s16(w + i)));
    }
    sum = nnc_x86_hsum_s64(acc) + (int64_t)32768 * i;
    for (; i < n; ++i) {
        sum += (int32_t)x[i] * w[i];
    }
    return sum;
}

static inline void nnc_dot4_q15_i64(const int16_t *x, const int16_t *w, int32_t ws, int32_t n, int64_t *out)
{
    const int16_t *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    int64_t bias;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0;
    for (; i + 16 <= n; i += 16) {
        const __m256i xv = nnc_avx2_ld16_s16(x + i);
        b0 = nnc_avx2_add_q15_s64(b0, xv, nnc_avx2_ld16_s16(w0 + i));
        b1 = nnc_avx2_add_q15_s64(b1, xv, nnc_avx2_ld16_s16(w1 + i));
        b2 = nnc_avx2_add_q15_s64(b2, xv, nnc_avx2_ld16_s16(w2 + i));
        b3 = nnc_avx2_add_q15_s64(b3, xv, nnc_avx2_ld16_s16(w3 + i));
    }
    a0 = nnc_avx2_fold_s64(b0);
    a1 = nnc_avx2_fold_s64(b1);
    a2 = nnc_avx2_fold_s64(b2);
    a3 = nnc_avx2_fold_s64(b3);
#endif
    for (; i + 8 <= n; i += 8) {
        const __m128i xv = nnc_x86_ld8_s16(x + i);
        a0 = nnc_x86_add_s32_s64(a0, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w0 + i)));
        a1 = nnc_x86_add_s32_s64(a1, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w1 + i)));
        a2 = nnc_x86_add_s32_s64(a2, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w2 + i)));
        a3 = nnc_x86_add_s32_s64(a3, nnc_x86_madd_q15_biased(xv, nnc_x86_ld8_s16(w3 + i)));
    }
    bias = (int64_t)32768 * i;
    out[0] = nnc_x86_hsum_s64(a0) + bias;
    out[1] = nnc_x86_hsum_s64(a1) + bias;
    out[2] = nnc_x86_hsum_s64(a2) + bias;
    out[3] = nnc_x86_hsum_s64(a3) + bias;
    for (; i < n; ++i) {
        const int32_t xi = x[i];
        out[0] += xi * w0[i];
        out[1] += xi * w1[i];
        out[2] += xi * w2[i];
        out[3] += xi * w3[i];
    }
}

/* float ------------------------------------------------------------------------------------ */
static inline float nnc_dot_f32(const float *x, const float *w, int32_t n)
{
    float acc;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256 s = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(w + i)));
    }
    acc = nnc_avx_reduce8_ps(s);
#else
    __m128 lo = _mm_setzero_ps(), hi = _mm_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        lo = _mm_add_ps(lo, _mm_mul_ps(_mm_loadu_ps(x + i), _mm_loadu_ps(w + i)));
        hi = _mm_add_ps(hi, _mm_mul_ps(_mm_loadu_ps(x + i + 4), _mm_loadu_ps(w + i + 4)));
    }
    acc = nnc_x86_reduce8_ps(lo, hi);
#endif
    for (; i < n; ++i) {
        acc += x[i] * w[i];
    }
    return acc;
}

static inline void nnc_dot4_f32(const float *x, const float *w, int32_t ws, int32_t n, float *out)
{
    const float *w0 = w, *w1 = w + ws, *w2 = w + 2 * ws, *w3 = w + 3 * ws;
    int32_t i = 0;
#if defined(NNC_SIMD_AVX2)
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_loadu_ps(x + i);
        s0 = _mm256_add_ps(s0, _mm256_mul_ps(xv, _mm256_loadu_ps(w0 + i)));
        s1 = _mm256_add_ps(s1, _mm256_mul_ps(xv, _mm256_loadu_ps(w1 + i)));
        s2 = _mm256_add_ps(s2, _mm256_mul_ps(xv, _mm256_loadu_ps(w2 + i)));
        s3 = _mm256_add_ps(s3, _mm256_mul_ps(xv, _mm256_loadu_ps(w3 + i)));
    }
    _mm_storeu_ps(out, nnc_avx_reduce8x4_ps(s0, s1, s2, s3));
#else
    __m128 l0 = _mm_setzero_ps(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    for (; i + 8 <= n; i += 8) {
        const __m128 xl = _mm_loadu_ps(x + i), xh = _mm_loadu_ps(x + i + 4);
        l0 = _mm_add_ps(l0, _mm_mul_ps(xl, _mm_loadu_ps(w0 + i)));
        h0 = _mm_add_ps(h0, _mm_mul_ps(xh, _mm_loadu_ps(w0 + i + 4)));
        l1 = _mm_add_ps(l1, _mm_mul_ps(xl, _mm_loadu_ps(w1 + i)));
        h1 = _mm_add_ps(h1, _mm_mul_ps(xh, _mm_loadu_ps(w1 + i + 4)));
        l2 = _mm_add_ps(l2, _mm_mul_ps(xl, _mm_loadu_ps(w2 + i)));
        h2 = _mm_add_ps(h2, _mm_mul_ps(xh, _mm_loadu_ps(w2 + i + 4)));
        l3 = _mm_add_ps(l3, _mm_mul_ps(xl, _mm_loadu_ps(w3 + i)));
        h3 = _mm_add_ps(h3, _mm_mul_ps(xh, _mm_loadu_ps(w3 + i + 4)));
    }
    out[0] = nnc_x86_reduce8_ps(l0, h0);
    out[1] = nnc_x86_reduce8_ps(l1, h1);
    out[2] = nnc_x86_reduce8_ps(l2, h2);
    out[3] = nnc_x86_reduce8_ps(l3, h3);
#endif
    for (; i < n; ++i) {
        const float xi = x[i];
        out[0] += xi * w0[i];
        out[1] += xi * w1[i];
        out[2] += xi * w2[i];
        out[3] += xi * w3[i];
    }
}

/* ------------------------------------------------------------ accumulator blocks (contracts: nnc_simd_portable.h) */
#if defined(NNC_SIMD_AVX2)
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

static inline nnc_acc8 nnc_acc8_mac_s8(nnc_acc8 a, const int8_t *x, int32_t off, const int16_t *w)
{
    const __m256i xv = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)x)),
                                        _mm256_set1_epi32(off));
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    a.v = _mm256_add_epi32(a.v, _mm256_mullo_epi32(xv, wv));
    return a;
}

static inline nnc_acc8 nnc_acc8_mac_s16(nnc_acc8 a, const int16_t *x, const int16_t *w)
{
    const __m256i xv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)x));
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    a.v = _mm256_add_epi32(a.v, _mm256_mullo_epi32(xv, wv));
    return a;
}

static inline nnc_acc8 nnc_acc8_mac_bcast(nnc_acc8 a, int32_t x, const int16_t *w)
{
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    a.v = _mm256_add_epi32(a.v, _mm256_mullo_epi32(_mm256_set1_epi32(x), wv));
    return a;
}

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

#else
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

/* ------------------------------------------------------------ int64 accumulator blocks (AVX2; SSE builds take
 * the portable ones) */
#if defined(NNC_SIMD_AVX2)
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

static inline nnc_acc8w nnc_acc8w_mac_s8(nnc_acc8w a, const int8_t *x, int32_t off, const int16_t *w)
{
    const __m256i xv = _mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)x)),
                                        _mm256_set1_epi32(off));
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    return nnc_avx2_acc8w_add(a, _mm256_mullo_epi32(xv, wv));
}

static inline nnc_acc8w nnc_acc8w_mac_s16(nnc_acc8w a, const int16_t *x, const int16_t *w)
{
    const __m256i xv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)x));
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    return nnc_avx2_acc8w_add(a, _mm256_mullo_epi32(xv, wv));
}

static inline nnc_acc8w nnc_acc8w_mac_bcast(nnc_acc8w a, int32_t x, const int16_t *w)
{
    const __m256i wv = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(const void *)w));
    return nnc_avx2_acc8w_add(a, _mm256_mullo_epi32(_mm256_set1_epi32(x), wv));
}

#endif

/* ------------------------------------------------------------ eight rows into a block (AVX2; SSE builds take
 * the portable ones) */
#if defined(NNC_SIMD_AVX2)
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

static inline nnc_acc8 nnc_dot8_s8o_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n, int32_t off)
{
    const __m256i o16 = _mm256_set1_epi16((int16_t)off);
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0, b6 = b0, b7 = b0;
    nnc_acc8 r;
    int32_t i = 0;
#if defined(__AVX512VNNI__) && defined(__AVX512VL__) && !defined(NNC_NO_VNNI)
    /* VPDPBUSD on 32 elements per row and step: u = x ^ 0x80 = x + 128 as uint8, P = sum u * w and
     * W = sum w (ones as the uint8 operand), then sum (x + off) * w = P + (off - 128) * W, all
     * modulo 2^32 (the products are exact; see the top of nnc_simd.h for why the total is) */
    if (n >= 32) {
        const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi8(1);
        __m256i s0 = b0, s1 = b0, s2 = b0, s3 = b0, s4 = b0, s5 = b0, s6 = b0, s7 = b0;
        __m256i c;
        for (; i + 32 <= n; i += 32) {
            const __m256i u = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(x + i)), flip);
            const int8_t *wi = w + i;
            __m256i wv;
#define NNC_VNNI_ROW(b, s, k)                                                  \
    wv = _mm256_loadu_si256((const __m256i *)(const void *)(wi + (k) * ws)); \
    b = _mm256_dpbusd_epi32(b, u, wv);                                         \
    s = _mm256_dpbusd_epi32(s, ones, wv)
            NNC_VNNI_ROW(b0, s0, 0);
            NNC_VNNI_ROW(b1, s1, 1);
            NNC_VNNI_ROW(b2, s2, 2);
            NNC_VNNI_ROW(b3, s3, 3);
            NNC_VNNI_ROW(b4, s4, 4);
            NNC_VNNI_ROW(b5, s5, 5);
            NNC_VNNI_ROW(b6, s6, 6);
            NNC_VNNI_ROW(b7, s7, 7);
#undef NNC_VNNI_ROW
        }
        c = _mm256_set1_epi32(off - 128);
        b0 = _mm256_add_epi32(b0, _mm256_mullo_epi32(s0, c));
        b1 = _mm256_add_epi32(b1, _mm256_mullo_epi32(s1, c));
        b2 = _mm256_add_epi32(b2, _mm256_mullo_epi32(s2, c));
        b3 = _mm256_add_epi32(b3, _mm256_mullo_epi32(s3, c));
        b4 = _mm256_add_epi32(b4, _mm256_mullo_epi32(s4, c));
        b5 = _mm256_add_epi32(b5, _mm256_mullo_epi32(s5, c));
        b6 = _mm256_add_epi32(b6, _mm256_mullo_epi32(s6, c));
        b7 = _mm256_add_epi32(b7, _mm256_mullo_epi32(s7, c));
    }
#endif
    while (i + 8 <= n) {
        const int half = i + 16 > n;
        /* for half steps the upper 8 of x + off are off, but the upper 8 weights are 0 */
        const __m256i xv = _mm256_add_epi16(nnc_avx2_ld_s8(x + i, half), o16);
        const int8_t *wi = w + i;
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi, half)));
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + ws, half)));
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 2 * ws, half)));
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 3 * ws, half)));
        b4 = _mm256_add_epi32(b4, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 4 * ws, half)));
        b5 = _mm256_add_epi32(b5, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 5 * ws, half)));
        b6 = _mm256_add_epi32(b6, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 6 * ws, half)));
        b7 = _mm256_add_epi32(b7, _mm256_madd_epi16(xv, nnc_avx2_ld_s8(wi + 7 * ws, half)));
        i += half ? 8 : 16;
    }
    r.v = nnc_avx2_hsum8(b0, b1, b2, b3, b4, b5, b6, b7);
    if (i < n) {
        int32_t t[8], j, k;
        for (j = 0; j < 8; ++j) {
            uint32_t s = 0;
            for (k = i; k < n; ++k) {
                s += (uint32_t)(((int32_t)x[k] + off) * w[j * ws + k]);
            }
            t[j] = (int32_t)s;
        }
        r.v = _mm256_add_epi32(r.v, _mm256_loadu_si256((const __m256i *)(const void *)t));
    }
    return r;
}

static inline nnc_acc8 nnc_dot8_q7_i32(const int8_t *x, const int8_t *w, int32_t ws, int32_t n)
{
    return nnc_dot8_s8o_i32(x, w, ws, n, 0);
}

static inline __m256i nnc_avx2_ld_s16(const int16_t *p, int half)
{
    return half ? _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_loadu_si128((const __m128i *)(const void *)p), 0)
                : _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline nnc_acc8 nnc_dot8_q15_i32(const int16_t *x, const int16_t *w, int32_t ws, int32_t n)
{
    __m256i b0 = _mm256_setzero_si256(), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0, b6 = b0, b7 = b0;
    nnc_acc8 r;
    int32_t i = 0;
    while (i + 8 <= n) {
        const int half = i + 16 > n;
        const __m256i xv = nnc_avx2_ld_s16(x + i, half);
        const int16_t *wi = w + i;
        b0 = _mm256_add_epi32(b0, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi, half)));
        b1 = _mm256_add_epi32(b1, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + ws, half)));
        b2 = _mm256_add_epi32(b2, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 2 * ws, half)));
        b3 = _mm256_add_epi32(b3, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 3 * ws, half)));
        b4 = _mm256_add_epi32(b4, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 4 * ws, half)));
        b5 = _mm256_add_epi32(b5, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 5 * ws, half)));
        b6 = _mm256_add_epi32(b6, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 6 * ws, half)));
        b7 = _mm256_add_epi32(b7, _mm256_madd_epi16(xv, nnc_avx2_ld_s16(wi + 7 * ws, half)));
        i += half ? 8 : 16;
    }
    r.v = nnc_avx2_hsum8(b0, b1, b2, b3, b4, b5, b6, b7);
    if (i < n) {
        int32_t t[8], j, k;
        for (j = 0; j < 8; ++j) {
            uint32_t s = 0;
            for (k = i; k < n; ++k) {
                s += (uint32_t)((int32_t)x[k] * w[j * ws + k]);
            }
            t[j] = (int32_t)s;
        }
        r.v = _mm256_add_epi32(r.v, _mm256_loadu_si256((const __m256i *)(const void *)t));
    }
    return r;
}

#endif

/* ------------------------------------------------------------ affine int8 block requantization (AVX2)
 * nnc_acc8_requant_s8(a, mult, shift, rounding, out_offset, lo, hi, out): for eight int32
 * accumulators, out[j] = sat(nnc_mbqm(a[j], mult[j], shift[j], rounding) + out_offset, lo, hi),
 * TFLite's MultiplyByQuantizedMultiplier (nnc_affine.h) in both rounding modes, the same values:
 * 64-bit products from VPMULDQ on even and odd lanes, floor shifts of the 64-bit sums with the
 * truncation / arithmetic-shift corrections written out.  Only with AVX2 (NNC_HAVE_REQUANT8_S8);
 * the kernels requantize one accumulator at a time otherwise. */
#if defined(NNC_SIMD_AVX2)
#define NNC_HAVE_REQUANT8_S8 1
#include "nnc_affine.h" /* nnc_mbqm, for the onnxruntime rounding mode's lane-by-lane path */

/* lanes of b where mask (all ones or all zeros per lane) is set, else of a */
static inline __m256i nnc_avx2_select(__m256i a, __m256i b, __m256i mask)
{
    return _mm256_or_si256(_mm256_and_si256(mask, b), _mm256_andnot_si256(mask, a));
}

/* arithmetic right shift of int64 lanes by per-lane counts 0..63 (AVX2 has only the logical one) */
static inline __m256i nnc_avx2_srav_epi64(__m256i v, __m256i n)
{
    const __m256i ones = _mm256_set1_epi32(-1);
    const __m256i neg = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
    const __m256i pos = _mm256_srlv_epi64(v, n);
    const __m256i negs = _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, ones), n), ones);
    return nnc_avx2_select(pos, negs, neg);
}

/* the int32 in the low half of every int64 lane of e (lanes 0, 2, 4, 6) and of o (1, 3, 5, 7) */
static inline __m256i nnc_avx2_join_even_odd(__m256i e, __m256i o)
{
    return _mm256_blend_epi32(e, _mm256_slli_epi64(o, 32), 0xAA);
}

static inline void nnc_acc8_requant_s8(nnc_acc8 a, const int32_t *mult, const int32_t *shift, int32_t rounding,
                                       int32_t out_offset, int32_t lo, int32_t hi, int32_t *out)
{
    const __m256i zero = _mm256_setzero_si256();
    const __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)mult);
    const __m256i s = _mm256_loadu_si256((const __m256i *)(const void *)shift);
    const __m256i lo32 = _mm256_set1_epi64x(0xFFFFFFFFLL);
    __m256i r;
    if (rounding == 2) {
        /* onnxruntime's float requantization nearbyintf((float)x * M), M's float32 bits in mult.  Vector
         * path: the exact x * M rounded half up, from M's 24-bit mantissa as a 31-bit multiplier and a
         * shift t = 157 - biased exponent.  That is onnxruntime's integer unless x * M lies within 2^-15 of
         * a half (its two float32 roundings, relative error < 2^-23, can only move such values, and only
         * |x * M| < 256 reaches the int8 output unsaturated); lanes that close (about 1 in 10^4), and
         * multipliers outside 2^-29 .. 2^5, take nnc_sf_requant one lane at a time. */
        const __m256i mm = _mm256_slli_epi32(_mm256_or_si256(_mm256_and_si256(m, _mm256_set1_epi32(0x7FFFFF)),
                                                             _mm256_set1_epi32(0x800000)), 7);
        const __m256i t = _mm256_sub_epi32(_mm256_set1_epi32(157), _mm256_srli_epi32(m, 23));
        const __m256i te = _mm256_and_si256(t, lo32), to = _mm256_srli_epi64(t, 32);
        const __m256i one = _mm256_set1_epi64x(1);
        const __m256i pe = _mm256_mul_epi32(a.v, mm);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a.v, 32), _mm256_srli_epi64(mm, 32));
        const __m256i he = _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one));
        const __m256i ho = _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one));
        const __m256i de = _mm256_sllv_epi64(one, _mm256_sub_epi64(te, _mm256_set1_epi64x(15)));
        const __m256i dd = _mm256_sllv_epi64(one, _mm256_sub_epi64(to, _mm256_set1_epi64x(15)));
        /* remainder - half, compared with +-2^(t - 15) */
        const __m256i re_ = _mm256_sub_epi64(_mm256_and_si256(pe, _mm256_sub_epi64(_mm256_add_epi64(he, he), one)), he);
        const __m256i ro_ = _mm256_sub_epi64(_mm256_and_si256(po, _mm256_sub_epi64(_mm256_add_epi64(ho, ho), one)), ho);
        const __m256i near_e = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi64(re_, de),
                                                                    _mm256_cmpgt_epi64(_mm256_sub_epi64(zero, de), re_)),
                                                   _mm256_set1_epi32(-1));
        const __m256i near_o = _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi64(ro_, dd),
                                                                    _mm256_cmpgt_epi64(_mm256_sub_epi64(zero, dd), ro_)),
                                                   _mm256_set1_epi32(-1));
        const __m256i bad_t = _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(16), t),
                                              _mm256_cmpgt_epi32(t, _mm256_set1_epi32(62)));
        if (!_mm256_testz_si256(_mm256_or_si256(_mm256_or_si256(near_e, near_o), bad_t),
                                _mm256_set1_epi32(-1))) {
            int32_t x[8], j;
            nnc_acc8_store(a, x);
            for (j = 0; j < 8; ++j) {
                const int32_t v = nnc_sf_requant(x[j], (uint32_t)mult[j]) + out_offset;
                out[j] = v < lo ? lo : (v > hi ? hi : v);
            }
            return;
        }
        {
            const __m256i imax = _mm256_set1_epi64x(INT32_MAX), imin = _mm256_set1_epi64x(INT32_MIN);
            __m256i re = nnc_avx2_srav_epi64(_mm256_add_epi64(pe, he), te);
            __m256i ro = nnc_avx2_srav_epi64(_mm256_add_epi64(po, ho), to);
            re = nnc_avx2_select(re, imax, _mm256_cmpgt_epi64(re, imax));
            re = nnc_avx2_select(re, imin, _mm256_cmpgt_epi64(imin, re));
            ro = nnc_avx2_select(ro, imax, _mm256_cmpgt_epi64(ro, imax));
            ro = nnc_avx2_select(ro, imin, _mm256_cmpgt_epi64(imin, ro));
            r = nnc_avx2_join_even_odd(re, ro);
        }
    } else if (rounding == 1) { /* single rounding: sat32((x * m + 2^(t - 1)) >> t), t = 31 - shift in 1..62 */
        const __m256i t = _mm256_sub_epi32(_mm256_set1_epi32(31), s);
        const __m256i te = _mm256_and_si256(t, lo32), to = _mm256_srli_epi64(t, 32);
        const __m256i one = _mm256_set1_epi64x(1);
        const __m256i pe = _mm256_mul_epi32(a.v, m);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(a.v, 32), _mm256_srli_epi64(m, 32));
        const __m256i imax = _mm256_set1_epi64x(INT32_MAX), imin = _mm256_set1_epi64x(INT32_MIN);
        __m256i re = nnc_avx2_srav_epi64(_mm256_add_epi64(pe, _mm256_sllv_epi64(one, _mm256_sub_epi64(te, one))), te);
        __m256i ro = nnc_avx2_srav_epi64(_mm256_add_epi64(po, _mm256_sllv_epi64(one, _mm256_sub_epi64(to, one))), to);
        re = nnc_avx2_select(re, imax, _mm256_cmpgt_epi64(re, imax));
        re = nnc_avx2_select(re, imin, _mm256_cmpgt_epi64(imin, re));
        ro = nnc_avx2_select(ro, imax, _mm256_cmpgt_epi64(ro, imax));
        ro = nnc_avx2_select(ro, imin, _mm256_cmpgt_epi64(imin, ro));
        r = nnc_avx2_join_even_odd(re, ro);
    } else { /* double rounding: rdbpot(srdhm(sat32(x << left), m), right) */
        const __m256i left = _mm256_max_epi32(s, zero);
        const __m256i right = _mm256_max_epi32(_mm256_sub_epi32(zero, s), zero);
        const __m256i imin32 = _mm256_set1_epi32(INT32_MIN);
        const __m256i low31 = _mm256_set1_epi64x(0x7FFFFFFFLL);
        /* x << left, saturated where the shift loses bits */
        const __m256i xs = _mm256_sllv_epi32(a.v, left);
        const __m256i lost = _mm256_xor_si256(_mm256_cmpeq_epi32(_mm256_srav_epi32(xs, left), a.v),
                                              _mm256_set1_epi32(-1));
        const __m256i satv = _mm256_xor_si256(_mm256_set1_epi32(INT32_MAX), _mm256_srai_epi32(a.v, 31));
        const __m256i x1 = nnc_avx2_select(xs, satv, lost);
        /* srdhm: (x1 * m + nudge) / 2^31 truncated toward zero, nudge = 2^30 or 1 - 2^30 */
        const __m256i pe = _mm256_mul_epi32(x1, m);
        const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x1, 32), _mm256_srli_epi64(m, 32));
        const __m256i npos = _mm256_set1_epi64x((int64_t)1 << 30), nneg = _mm256_set1_epi64x(1 - ((int64_t)1 << 30));
        const __m256i ve = _mm256_add_epi64(pe, nnc_avx2_select(npos, nneg, _mm256_cmpgt_epi64(zero, pe)));
        const __m256i vo = _mm256_add_epi64(po, nnc_avx2_select(npos, nneg, _mm256_cmpgt_epi64(zero, po)));
        /* floor(v / 2^31) in the low half, plus 1 where v < 0 leaves a remainder (truncation) */
        const __m256i ce = _mm256_andnot_si256(_mm256_cmpeq_epi64(_mm256_and_si256(ve, low31), zero),
                                               _mm256_cmpgt_epi64(zero, ve));
        const __m256i co = _mm256_andnot_si256(_mm256_cmpeq_epi64(_mm256_and_si256(vo, low31), zero),
                                               _mm256_cmpgt_epi64(zero, vo));
        const __m256i qe = _mm256_sub_epi64(_mm256_srli_epi64(ve, 31), ce);
        const __m256i qo = _mm256_sub_epi64(_mm256_srli_epi64(vo, 31), co);
        __m256i q = nnc_avx2_join_even_odd(qe, qo);
        /* INT32_MIN * INT32_MIN saturates to INT32_MAX */
        const __m256i both_min = _mm256_and_si256(_mm256_cmpeq_epi32(x1, imin32), _mm256_cmpeq_epi32(m, imin32));
        q = nnc_avx2_select(q, _mm256_set1_epi32(INT32_MAX), both_min);
        { /* rdbpot(q, right): ties away from zero */
            const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right), _mm256_set1_epi32(1));
            const __m256i rem = _mm256_and_si256(q, mask);
            const __m256i thr = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_cmpgt_epi32(zero, q));
            r = _mm256_sub_epi32(_mm256_srav_epi32(q, right), _mm256_cmpgt_epi32(rem, thr));
        }
    }
    r = _mm256_add_epi32(r, _mm256_set1_epi32(out_offset));
    r = _mm256_min_epi32(_mm256_max_epi32(r, _mm256_set1_epi32(lo)), _mm256_set1_epi32(hi));
    _mm256_storeu_si256((__m256i *)(void *)out, r);
}
#endif

#if defined(NNC_SIMD_AVX2) && defined(__AVX512F__)
#define NNC_HAVE_RQ16_S8 1
/* AVX-512 requantization of 16 int32 accumulators of consecutive channels (conv2d_pk_s8's AVX-512 path,
 * add_s8's tables): 64-bit products of the even and the odd channels, VPSRAVQ, then stored with a byte
 * mask.  Every mode is one formula,
 *     r = floor((acc * m + R) / 2^T), out = min(max(r, out_min - off), out_max - off) + off   (int64)
 * with per channel (m, T, R):
 *   double, shift s in -31..-1   m = multiplier, T = 31 - s, R = 2^(30 - s) + 2^30, minus 2^31 when
 *                                acc * m < 0 (nnc_mbqm_pre_apply's two floor shifts, nnc_affine.h)
 *   double, s = 0                m = multiplier, T = 31, R = 2^30: srdhm's truncation of
 *                                (p + 2^30) or (p + 1 - 2^30) toward zero is floor((p + 2^30) / 2^31) for both signs
 *   single, s in -31..30         m = multiplier, T = 31 - s, R = 2^(T - 1)
 *   onnxruntime                  m = (M's 24-bit mantissa) << 7, T = 157 - M's biased exponent, R = 2^(T - 1):
 *                                the exact acc * M rounded half up, as nnc_acc8_requant_s8 (nnc_simd_x86.h)
 *                                argues, except lanes within 2^(T - 15) of a half or with T outside 16..62,
 *                                which take nnc_requant_s8_apply one channel at a time.
 * Clamping the exact int64 value is the twin's sat32-free arithmetic (nnc_sat32 only acts beyond the
 * int8 bounds).  nnc_rq16_s8_ok says whether out_c channels' double / single constants are in these
 * ranges (a left shift or a negative multiplier are not: the caller keeps its other path). */
#define NNC_RQ16_BLOCKS 8 /* blocks of 16 channels whose constants are prepared once per call */
typedef struct {
    __m512i me, mo, te, to, rpe, rpo, rne, rno, de, dob, lo, hi, off;
    __mmask8 bad_e, bad_o; /* onnxruntime: valid lanes whose T is outside 16..62 */
} nnc_rq16_s8;

static inline int nnc_rq16_s8_ok(const nnc_requant_s8 *rq, int32_t out_c)
{
    int32_t c;
    if (rq->rounding == NNC_ROUND_ORT) {
        return 1;
    }
    for (c = 0; c < out_c; ++c) {
        const int32_t s = rq->shift[c];
        if (rq->rounding == NNC_ROUND_DOUBLE ? (rq->multiplier[c] < 0 || s > 0 || s < -31)
                                             : (rq->rounding != NNC_ROUND_SINGLE || s > 30 || s < -31)) {
            return 0;
        }
    }
    return 1;
}

static inline void nnc_rq16_s8_prep(const nnc_requant_s8 *rq, int32_t c0, int32_t nc, nnc_rq16_s8 *q)
{
    const __mmask16 vm = (__mmask16)((1u << nc) - 1u);
    const __m512i m = _mm512_maskz_loadu_epi32(vm, rq->multiplier + c0);
    const __m512i one = _mm512_set1_epi64(1), lo32 = _mm512_set1_epi64(0xFFFFFFFFLL);
    __m512i mm, t, rp, rn;
    if (rq->rounding == NNC_ROUND_ORT) {
        const __m512i bad = _mm512_set1_epi32(0);
        mm = _mm512_slli_epi32(_mm512_or_si512(_mm512_and_si512(m, _mm512_set1_epi32(0x7FFFFF)),
                                               _mm512_set1_epi32(0x800000)), 7);
        t = _mm512_sub_epi32(_mm512_set1_epi32(157), _mm512_srli_epi32(m, 23));
        {
            const __mmask16 b = (__mmask16)((_mm512_cmplt_epi32_mask(t, _mm512_set1_epi32(16)) |
                                             _mm512_cmpgt_epi32_mask(t, _mm512_set1_epi32(62))) & vm);
            const __m512i bv = _mm512_mask_set1_epi32(bad, b, -1);
            q->bad_e = _mm512_cmpneq_epi64_mask(_mm512_and_si512(bv, lo32), _mm512_setzero_si512());
            q->bad_o = _mm512_cmpneq_epi64_mask(_mm512_srli_epi64(bv, 32), _mm512_setzero_si512());
        }
    } else {
        const __m512i s = _mm512_maskz_loadu_epi32(vm, rq->shift + c0);
        mm = m;
        t = _mm512_sub_epi32(_mm512_set1_epi32(31), s);
        q->bad_e = q->bad_o = 0;
    }
    q->me = mm;
    q->mo = _mm512_srli_epi64(mm, 32);
    q->te = _mm512_and_si512(t, lo32);
    q->to = _mm512_srli_epi64(t, 32);
    /* R for a non-negative product: 2^(T - 1), or for double rounding 2^(T - 1) + 2^30 (s < 0) / 2^30 (s = 0) */
    rp = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->te, one));
    rn = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->to, one));
    if (rq->rounding == NNC_ROUND_DOUBLE) {
        const __m512i b30 = _mm512_set1_epi64((int64_t)1 << 30), b31 = _mm512_set1_epi64((int64_t)1 << 31);
        const __m512i t31 = _mm512_set1_epi64(31);
        rp = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->te, t31), _mm512_add_epi64(rp, b30), b30);
        rn = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->to, t31), _mm512_add_epi64(rn, b30), b30);
        q->rpe = rp;
        q->rpo = rn;
        q->rne = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->te, t31), _mm512_sub_epi64(rp, b31), b30);
        q->rno = _mm512_mask_blend_epi64(_mm512_cmpeq_epi64_mask(q->to, t31), _mm512_sub_epi64(rn, b31), b30);
    } else {
        q->rpe = q->rne = rp;
        q->rpo = q->rno = rn;
    }
    q->de = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->te, _mm512_set1_epi64(15)));
    q->dob = _mm512_sllv_epi64(one, _mm512_sub_epi64(q->to, _mm512_set1_epi64(15)));
    q->off = _mm512_set1_epi64(rq->output_offset);
    q->lo = _mm512_set1_epi64((int64_t)rq->out_min - rq->output_offset);
    q->hi = _mm512_set1_epi64((int64_t)rq->out_max - rq->output_offset);
}

static inline void nnc_rq16_s8_prep_all(const nnc_requant_s8 *rq, int32_t out_c, nnc_rq16_s8 *qs)
{
    int32_t ob;
    for (ob = 0; ob < NNC_RQ16_BLOCKS && ob * 16 < out_c; ++ob) {
        nnc_rq16_s8_prep(rq, ob * 16, out_c - ob * 16 < 16 ? out_c - ob * 16 : 16, qs + ob);
    }
}

/* |remainder of p modulo 2^T - 2^(T - 1)| <= d in the lanes of the mask (onnxruntime's near-half test) */
static inline __attribute__((always_inline)) __mmask8 nnc_rq16_near(__m512i p, __m512i t, __m512i d)
{
    const __m512i one = _mm512_set1_epi64(1);
    const __m512i h = _mm512_sllv_epi64(one, _mm512_sub_epi64(t, one));
    const __m512i r = _mm512_sub_epi64(_mm512_and_si512(p, _mm512_sub_epi64(_mm512_add_epi64(h, h), one)), h);
    const __m512i nd = _mm512_sub_epi64(_mm512_setzero_si512(), d);
    return (__mmask8)(_mm512_cmple_epi64_mask(r, d) & _mm512_cmpge_epi64_mask(r, nd));
}

/* the 16 accumulators a of channels c0 .. c0 + nc - 1 requantized into y (nc bytes) */
static inline __attribute__((always_inline)) void nnc_rq16_s8_store(__m512i a, const nnc_rq16_s8 *q,
                                                                   const nnc_requant_s8 *rq, int32_t c0,
                                                                   int32_t nc, int8_t *y)
{
    const __m512i zero = _mm512_setzero_si512();
    const __m512i pe = _mm512_mul_epi32(a, q->me);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(a, 32), q->mo);
    __m512i re, ro;
    if (rq->rounding == NNC_ROUND_ORT) {
        const __mmask8 ve = (__mmask8)((1u << ((nc + 1) >> 1)) - 1u), vo = (__mmask8)((1u << (nc >> 1)) - 1u);
        if (((nnc_rq16_near(pe, q->te, q->de) & ve) | (nnc_rq16_near(po, q->to, q->dob) & vo) | q->bad_e |
             q->bad_o) != 0) {
            int32_t v[16], j;
            _mm512_storeu_si512((void *)v, a);
            for (j = 0; j < nc; ++j) {
                y[j] = (int8_t)nnc_requant_s8_apply(v[j], rq, c0 + j);
            }
            return;
        }
    }
    re = _mm512_srav_epi64(_mm512_add_epi64(pe, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(pe, zero), q->rpe,
                                                                         q->rne)), q->te);
    ro = _mm512_srav_epi64(_mm512_add_epi64(po, _mm512_mask_blend_epi64(_mm512_cmplt_epi64_mask(po, zero), q->rpo,
                                                                        q->rno)), q->to);
    re = _mm512_add_epi64(_mm512_min_epi64(_mm512_max_epi64(re, q->lo), q->hi), q->off);
    ro = _mm512_add_epi64(_mm512_min_epi64(_mm512_max_epi64(ro, q->lo), q->hi), q->off);
    {
        const __m512i r = _mm512_mask_blend_epi32((__mmask16)0xAAAA, re, _mm512_slli_epi64(ro, 32));
        const __m128i v = _mm512_cvtepi32_epi8(r);
        if (nc == 16) {
            _mm_storeu_si128((__m128i *)(void *)y, v);
        } else {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
            _mm_mask_storeu_epi8((void *)y, (__mmask16)((1u << nc) - 1u), v);
#else
            int8_t t[16];
            _mm_storeu_si128((__m128i *)(void *)t, v);
            memcpy(y, t, (size_t)nc);
#endif
        }
    }
}

#endif
#endif /* NNC_SIMD_X86 */

#endif /* NNC_SIMD_X86_H */
