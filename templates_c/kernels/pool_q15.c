/* nncodegen kernels: pooling, q15.  Body in pool_qn.inc. */
#include "pool_q15.h"
#include "nnc_fixed.h"

#if defined(__SSE2__) && !defined(NNC_NO_SIMD)
#include <emmintrin.h>
/* maxpool's running maxima of 8 channels: PMAXSW */
#define NNC_POOL_VN 8
#define NNC_POOL_V __m128i
#define NNC_POOL_VMIN() _mm_set1_epi16(-32768)
#define NNC_POOL_VMAX(a, x) _mm_max_epi16(a, _mm_loadu_si128((const __m128i *)(const void *)(x)))
#define NNC_POOL_VSTORE(y, a) _mm_storeu_si128((__m128i *)(void *)(y), a)
#endif

#define NNC_T int16_t
#define NNC_T_MIN INT16_MIN
#define NNC_FN(name) name##_q15
#include "pool_qn.inc"

/* maxpool_inplace_q15: maxpool_q15 one output row at a time, output over its input (inplace_rows.inc) */
#define NNC_IP_NAME maxpool_inplace_q15
#define NNC_IP_T int16_t
#define NNC_IP_PARAMS const int16_t *input
#define NNC_IP_CALL(s, x, y) maxpool_q15(s, x, y)
#include "inplace_rows.inc"
