/* nncodegen kernels: 2-D convolution with pruned and shared weights (sparse + codebook), q7.
 * Body in conv2d_sparse_codebook_qn.inc. */
#include "conv2d_sparse_codebook_q7.h"
#include "nnc_fixed.h"
#include "nnc_spcb.h"

#define NNC_FMT_Q7
#define NNC_WITH_PATCH
#define NNC_BODY "conv2d_sparse_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q7
#undef NNC_WITH_PATCH
