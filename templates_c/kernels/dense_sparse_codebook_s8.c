/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), s8.
 * Body in dense_sparse_codebook_qn.inc. */
#include "dense_sparse_codebook_s8.h"
#include "nnc_affine.h"
#include "nnc_spcb.h"

#define NNC_FMT_S8
#define NNC_BODY "dense_sparse_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_S8
