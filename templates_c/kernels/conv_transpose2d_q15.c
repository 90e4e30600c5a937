/* nncodegen kernels: transposed 2-D convolution, q15.  Body in conv_transpose2d_qn.inc. */
#include "conv_transpose2d_q15.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_T int16_t

#define NNC_ACC int64_t
#define NNC_DOT nnc_dot_q15_i64
#define NNC_FN(name) name##_q15
#include "conv_transpose2d_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_FN

#define NNC_ACC int32_t
#define NNC_DOT nnc_dot_q15_i32
#define NNC_FN(name) name##_q15_acc32
#include "conv_transpose2d_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_FN

#undef NNC_T
