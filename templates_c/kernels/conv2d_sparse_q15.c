/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), q15.  Body in conv2d_sparse_qn.inc. */
#include "conv2d_sparse_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_T int16_t
#define NNC_RQ nnc_requant
#define NNC_XOFF(rq) 0
#define NNC_REQUANT(acc, rq, c) nnc_requantize(acc, rq, c)
#include "compress_patch.inc"

#define NNC_ACC int64_t
#define NNC_FN(name) name##_q15
#include "conv2d_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#define NNC_ACC int32_t
#define NNC_FN(name) name##_q15_acc32
#include "conv2d_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
