/* nncodegen kernels: fully connected layer with hashed weights (HashedNets), q15.  Body in dense_hashed_qn.inc. */
#include "dense_hashed_q15.h"
#include "nnc_fixed.h"
#include "nnc_compress.h"

#define NNC_FMT_Q15
#define NNC_BODY "dense_hashed_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_Q15
