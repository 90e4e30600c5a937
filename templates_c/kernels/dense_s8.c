/* nncodegen kernels: dense, affine int8 (TFLite reference FullyConnected for
 * int8: per-channel multipliers, input offset, int32 accumulator; why it cannot
 * overflow: see conv2d_s8.c).  Body in dense_qn.inc, shared with q7 / q15. */
#include "dense_s8.h"
#include "nnc_affine.h"
#include "nnc_simd.h"

#define NNC_QN_FMT NNC_QN_S8
#define NNC_QN_ACC_BITS 32
#include "qn_variant.inc"
#include "dense_qn.inc"
