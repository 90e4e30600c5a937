/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), s8.  Body in conv2d_sparse_qn.inc. */
#include "conv2d_sparse_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"

#define NNC_FMT_S8
#define NNC_WITH_PATCH
#define NNC_BODY "conv2d_sparse_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_S8
#undef NNC_WITH_PATCH
