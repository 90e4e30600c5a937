/* nncodegen kernels: sparse fully connected layer, s8.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"

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
