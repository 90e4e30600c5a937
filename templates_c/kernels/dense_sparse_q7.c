/* nncodegen kernels: sparse fully connected layer, q7.  Body in dense_sparse_qn.inc. */
#include "dense_sparse_q7.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_T int8_t
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)

#define NNC_ACC int32_t
#define NNC_FN(name) name##_q7
#include "dense_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#define NNC_ACC int64_t
#define NNC_FN(name) name##_q7_wide
#include "dense_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
