/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), s8.  Body in conv2d_sparse_qn.inc. */
#include "conv2d_sparse_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"

#define NNC_T int8_t
#define NNC_RQ nnc_requant_s8
#define NNC_XOFF(rq) ((rq)->input_offset)
#define NNC_REQUANT(acc, rq, c) nnc_requant_s8_apply(acc, rq, c)
#include "compress_patch.inc"

#define NNC_ACC int32_t
#define NNC_FN(name) name##_s8
#include "conv2d_sparse_qn.inc"
#undef NNC_ACC
#undef NNC_FN

#undef NNC_T
#undef NNC_RQ
#undef NNC_XOFF
#undef NNC_REQUANT
