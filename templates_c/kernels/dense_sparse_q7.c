/* nncodegen kernels: sparse fully connected layer, q7.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_q7.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"
#define NNC_SP_OUT_T int8_t

#define NNC_SP_STORE16(y, r) _mm_storeu_si128((__m128i *)(void *)(y), _mm512_cvtepi32_epi8(r))
#include "dense_sparse_rq.inc"

#define NNC_SP_WANT_S8
#include "dense_sparse_simd.inc"

#include "nnc_simd.h"
#if defined(NNC_SIMD_DSP)
#define NNC_SP_DSP_PAIRS 1 /* dense_sparse_qn.inc: the pair loops, SMLAD (int32) / SMLALD (q7_wide, int64) */
#endif

#define NNC_T int8_t
#define NNC_SP_R 16
#define NNC_SP_C 128
#define NNC_SP_E 4
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)

#define NNC_SP_ACC_BITS 32
#define NNC_FN(name) name##_q7
#include "dense_sparse_qn.inc"

#define NNC_SP_ACC_BITS 64
#define NNC_FN(name) name##_q7_wide
#include "dense_sparse_qn.inc"
