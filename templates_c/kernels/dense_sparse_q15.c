/* nncodegen kernels: sparse fully connected layer, q15.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"
#define NNC_SP_OUT_T int16_t

#define NNC_SP_STORE16(y, r) _mm256_storeu_si256((__m256i *)(void *)(y), _mm512_cvtepi32_epi16(r))
#include "dense_sparse_rq.inc"

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
