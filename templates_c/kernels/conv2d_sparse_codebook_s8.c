/* nncodegen kernels: 2-D convolution with pruned and shared weights (sparse + codebook), s8.
 * Body in conv2d_sparse_codebook_qn.inc. */
#include "conv2d_sparse_codebook_s8.h"
#include "nnc_affine.h"
#include "nnc_spcb.h"

#define NNC_FMT_S8
#define NNC_WITH_PATCH
#define NNC_BODY "conv2d_sparse_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_S8
#undef NNC_WITH_PATCH
