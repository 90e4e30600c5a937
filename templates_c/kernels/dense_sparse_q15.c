/* nncodegen kernels: sparse fully connected layer, q15.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"
#define NNC_SP_OUT_T int16_t

#include "nnc_simd.h"
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
/* a full slice's 16 int32 accumulators requantized at once when their 16 shifts are all in 1..31 (and the layer has
 * no leaky slope: NNC_SP_EPI16_OK), as nnc_requant_shift_only asks: nnc_requant_shift_round_sat's
 * (a >> s) + ((a >> (s - 1)) & 1), saturated, in 16 lanes.  Returns 0 (nothing written) otherwise. */
static int nnc_sp_epi16_q(const int32_t *acc, const nnc_requant *rq, int32_t c0, NNC_SP_OUT_T *y)
{
    const __m512i s = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(rq->shift + c0)));
    const __m512i a = _mm512_loadu_si512((const void *)acc), one = _mm512_set1_epi32(1);
    __m512i r;
    if (_mm512_cmp_epu32_mask(_mm512_sub_epi32(s, one), _mm512_set1_epi32(30), _MM_CMPINT_LE) != 0xFFFF) {
        return 0;
    }
    r = _mm512_add_epi32(_mm512_srav_epi32(a, s),
                         _mm512_and_si512(_mm512_srav_epi32(a, _mm512_sub_epi32(s, one)), one));
    r = _mm512_min_epi32(_mm512_max_epi32(r, _mm512_set1_epi32(rq->out_min)), _mm512_set1_epi32(rq->out_max));
    _mm256_storeu_si256((__m256i *)(void *)y, _mm512_cvtepi32_epi16(r));
    return 1;
}
#define NNC_SP_EPI16_I32 1
#elif defined(NNC_SIMD_AVX2)
/* a full slice's 16 int32 accumulators requantized eight at a time when their 16 shifts are all in 1..31 (and the
 * layer has no leaky slope: NNC_SP_EPI16_OK), as nnc_requant_shift_only asks; nnc_acc8_requant gives
 * nnc_requantize's values.  Returns 0 (nothing written) otherwise. */
static int nnc_sp_epi16_q(const int32_t *acc, const nnc_requant *rq, int32_t c0, NNC_SP_OUT_T *y)
{
    int32_t v[8], j, i;
    const __m128i s = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)(rq->shift + c0)), _mm_set1_epi8(1));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(s, _mm_set1_epi8(30)), s)) != 0xFFFF) {
        return 0;
    }
    for (j = 0; j < 16; j += 8) {
        nnc_acc8_requant(nnc_acc8_load(acc + j), rq->shift + c0 + j, rq->out_min, rq->out_max, v);
        for (i = 0; i < 8; ++i) {
            y[j + i] = (NNC_SP_OUT_T)v[i];
        }
    }
    return 1;
}
#define NNC_SP_EPI16_I32 1
#endif

#define NNC_SP_WANT_S16
#include "dense_sparse_simd.inc"

#define NNC_T int16_t
#define NNC_SP_R 16
#define NNC_SP_C 64
#define NNC_SP_E 2
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)

#define NNC_ACC int64_t
#define NNC_FN(name) name##_q15
#include "dense_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#define NNC_ACC int32_t
#ifdef NNC_SP_SLICE_S16
#define NNC_SP_SLICE NNC_SP_SLICE_S16
#endif
#define NNC_FN(name) name##_q15_acc32
#ifdef NNC_SP_EPI16_I32
#define NNC_SP_EPI16_OK(rq, n) ((rq)->leaky_q15 == 32768)
#define NNC_SP_EPI16(acc, rq, c0, y) nnc_sp_epi16_q(acc, rq, c0, y)
#endif
#include "dense_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_SP_SLICE
#undef NNC_SP_EPI16_OK
#undef NNC_SP_EPI16
#undef NNC_FN

#undef NNC_T
#undef NNC_SP_R
#undef NNC_SP_C
#undef NNC_SP_E
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
