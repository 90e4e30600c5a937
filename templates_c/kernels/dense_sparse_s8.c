/* nncodegen kernels: sparse fully connected layer, s8.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"
#include "nnc_simd.h"

#if defined(NNC_HAVE_REQUANT8_S8)
/* a full slice's 16 int32 accumulators requantized eight at a time (nnc_acc8_requant_s8: nnc_requant_s8_apply's
 * values, every rounding mode) */
static int nnc_sp_epi16_s8(const int32_t *acc, const nnc_requant_s8 *rq, int32_t c0, int8_t *y)
{
    int32_t v[8], j, i;
    for (j = 0; j < 16; j += 8) {
        nnc_acc8_requant_s8(nnc_acc8_load(acc + j), rq->multiplier + c0 + j, rq->shift + c0 + j, rq->rounding,
                            rq->output_offset, rq->out_min, rq->out_max, v);
#if defined(__AVX512VL__) && !defined(NNC_NO_SIMD)
        (void)i; /* v is within [out_min, out_max]: the truncating pack is exact */
        _mm_storel_epi64((__m128i *)(void *)(y + j),
                         _mm256_cvtepi32_epi8(_mm256_loadu_si256((const __m256i *)(const void *)v)));
#else
        for (i = 0; i < 8; ++i) {
            y[j + i] = (int8_t)v[i];
        }
#endif
    }
    return 1;
}
#define NNC_SP_EPI16_OK(rq, n) 1
#define NNC_SP_EPI16(acc, rq, c0, y) nnc_sp_epi16_s8(acc, rq, c0, y)
#endif

#define NNC_SP_WANT_S8
#include "dense_sparse_simd.inc"

#define NNC_T int8_t
#define NNC_SP_R 16
#define NNC_SP_C 128
#define NNC_SP_E 4
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)

#define NNC_ACC int32_t
#ifdef NNC_SP_SLICE_S8
#define NNC_SP_SLICE NNC_SP_SLICE_S8
#endif
#define NNC_FN(name) name##_s8
#include "dense_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_SP_SLICE
#undef NNC_FN

#undef NNC_T
#undef NNC_SP_R
#undef NNC_SP_C
#undef NNC_SP_E
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
#undef NNC_SP_EPI16_OK
#undef NNC_SP_EPI16
