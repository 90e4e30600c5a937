/* nncodegen kernels: sparse fully connected layer, q15.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"
#define NNC_SP_OUT_T int16_t

#include "nnc_simd.h"
#if defined(NNC_SIMD_AVX2)
/* a full slice's 16 int32 accumulators requantized eight at a time (rounding shifts by 1..31, no leaky slope:
 * nnc_requant_shift_only; nnc_acc8_requant gives nnc_requantize's values) */
static void nnc_sp_epi16_q(const int32_t *acc, const nnc_requant *rq, int32_t c0, NNC_SP_OUT_T *y)
{
    int32_t v[8], j, i;
    for (j = 0; j < 16; j += 8) {
        nnc_acc8_requant(nnc_acc8_load(acc + j), rq->shift + c0 + j, rq->out_min, rq->out_max, v);
        for (i = 0; i < 8; ++i) {
            y[j + i] = (NNC_SP_OUT_T)v[i];
        }
    }
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
#define NNC_SP_EPI16_OK(rq, n) nnc_requant_shift_only(rq, n)
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
