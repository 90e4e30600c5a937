/* nncodegen kernels: fully connected layer with hashed weights (HashedNets), s8.  Body in dense_hashed_qn.inc. */
#include "dense_hashed_s8.h"
#include "nnc_affine.h"
#include "nnc_compress.h"

#define NNC_FMT_S8
#define NNC_BODY "dense_hashed_qn.inc"
#include "compress_int.inc"
#undef NNC_BODY
#undef NNC_FMT_S8
