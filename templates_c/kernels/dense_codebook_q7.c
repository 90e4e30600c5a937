/* nncodegen kernels: fully connected layer with shared weights (codebook), q7.  Body in dense_codebook_qn.inc. */
#include "dense_codebook_q7.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_FMT_Q7
#define NNC_BODY "dense_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q7
