/* nncodegen kernels: sparse 2-D convolution (incl. depthwise, pointwise, grouped), q7.  Body in conv2d_sparse_qn.inc. */
#include "conv2d_sparse_q7.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_FMT_Q7
#define NNC_WITH_PATCH
#define NNC_BODY "conv2d_sparse_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q7
#undef NNC_WITH_PATCH
