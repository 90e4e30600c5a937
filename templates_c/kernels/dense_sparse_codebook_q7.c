/* nncodegen kernels: fully connected layer with pruned and shared weights (sparse + codebook), q7.
 * Body in dense_sparse_codebook_qn.inc. */
#include "dense_sparse_codebook_q7.h"
#include "nnc_fixed.h"
#include "nnc_spcb.h"

#define NNC_FMT_Q7
#define NNC_BODY "dense_sparse_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q7
