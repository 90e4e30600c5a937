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

#define NNC_T int8_t
#define NNC_T_MIN INT8_MIN
#define NNC_FN(name) name##_q7
#include "pool_qn.inc"

/* maxpool_inplace_q7: maxpool_q7 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_q7
#define NNC_IP_T int8_t
#define NNC_IP_PARAMS const int8_t *input
#define NNC_IP_CALL(s, x, y) maxpool_q7(s, x, y)
#include "inplace_rows.inc"
