/* nncodegen kernels: pooling, q7.  Body in pool_qn.inc. */
#include "pool_q7.h"
#include "nnc_fixed.h"

#if defined(__SSE2__) && !defined(NNC_NO_SIMD)
#if defined(__SSE4_1__)
#include <smmintrin.h>
#else
#include <emmintrin.h>
#endif
/* maxpool's running maxima of 8 channels in the low half of an SSE register: PMAXSB (SSE4.1), or PMAXUB
 * on the offset-binary values */
static inline __m128i nnc_pool_vmax_q7(__m128i a, const int8_t *x)
{
    const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)x);
#if defined(__SSE4_1__)
    return _mm_max_epi8(a, b);
#else
    const __m128i f = _mm_set1_epi8(-128);
    return _mm_xor_si128(_mm_max_epu8(_mm_xor_si128(a, f), _mm_xor_si128(b, f)), f);
#endif
}
#define NNC_POOL_VN 8
#define NNC_POOL_V __m128i
#define NNC_POOL_VMIN() _mm_set1_epi8(-128)
#define NNC_POOL_VMAX(a, x) nnc_pool_vmax_q7(a, x)
#define NNC_POOL_VSTORE(y, a) _mm_storel_epi64((__m128i *)(void *)(y), a)
#endif

#if defined(__AVX2__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define NNC_POOL_GB 16 /* channels per block: 16 int32 lanes, the last block masked */
#else
#define NNC_POOL_GB 8 /* channels per block: 8 int32 lanes, whole blocks only */
#endif
/* global_avgpool's sums for one image, NNC_POOL_GB channels at a time, pixels inner (two accumulators):
 * the bytes widened with VPMOVSXBD and added in int32 (exact: pixels < 65536), then nnc_div_round as the
 * loop of pool_qn.inc.  Returns the channels done (AVX-512: all of them; AVX2: the whole blocks of 8). */
static int32_t nnc_pool_gsum_q7(const int8_t *x, int32_t c_n, int32_t pixels, int8_t *y)
{
    int32_t c0, p, j;
    for (c0 = 0; NNC_POOL_GB == 16 ? c0 < c_n : c0 + 8 <= c_n; c0 += NNC_POOL_GB) {
        int32_t s[16];
        const int32_t nc = c_n - c0 < NNC_POOL_GB ? c_n - c0 : NNC_POOL_GB;
#if NNC_POOL_GB == 16
        const __mmask16 m = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
        for (p = 0; p + 2 <= pixels; p += 2) {
            const int8_t *xp = x + p * c_n + c0;
            a0 = _mm512_add_epi32(a0, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, xp)));
            a1 = _mm512_add_epi32(a1, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, xp + c_n)));
        }
        if (p < pixels) {
            a0 = _mm512_add_epi32(a0, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, x + p * c_n + c0)));
        }
        _mm512_storeu_si512((void *)s, _mm512_add_epi32(a0, a1));
#else
        __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
        for (p = 0; p + 2 <= pixels; p += 2) {
            const int8_t *xp = x + p * c_n + c0;
            a0 = _mm256_add_epi32(a0, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)xp)));
            a1 = _mm256_add_epi32(a1, _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(xp + c_n))));
        }
        if (p < pixels) {
            a0 = _mm256_add_epi32(a0, _mm256_cvtepi8_epi32(
                                          _mm_loadl_epi64((const __m128i *)(const void *)(x + p * c_n + c0))));
        }
        _mm256_storeu_si256((__m256i *)(void *)s, _mm256_add_epi32(a0, a1));
#endif
        for (j = 0; j < nc; ++j) {
            y[c0 + j] = (int8_t)nnc_div_round(s[j], pixels);
        }
    }
    return c0;
}
#define NNC_POOL_GSUM(x, c_n, pixels, y) nnc_pool_gsum_q7(x, c_n, pixels, y)
#endif

#define NNC_T int8_t
#define NNC_T_MIN INT8_MIN
#define NNC_FN(name) name##_q7
#include "pool_qn.inc"
#undef NNC_POOL_GB

/* maxpool_inplace_q7: maxpool_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const int8_t *input
#define NNC_IP_CALL(s, x, y) maxpool_q7(s, x, y)
#include "inplace_rows.inc"
