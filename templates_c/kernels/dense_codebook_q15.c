/* nncodegen kernels: fully connected layer with shared weights (codebook), q15.  Body in dense_codebook_qn.inc. */
#include "dense_codebook_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_FMT_Q15
#define NNC_BODY "dense_codebook_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q15
