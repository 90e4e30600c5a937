/* nncodegen kernels: fully connected layer, q7.  Body in dense_qn.inc. */
#include "dense_q7.h"
#include "nnc_fixed.h"
#include "nnc_simd.h"

#define NNC_T int8_t

#define NNC_ACC int32_t
#define NNC_DOT nnc_dot_q7_i32
#define NNC_FN(name) name##_q7
#include "dense_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_FN

#define NNC_ACC int64_t
#define NNC_DOT nnc_dot_q7_i64
#define NNC_FN(name) name##_q7_wide
#include "dense_qn.inc"
#undef NNC_ACC
#undef NNC_DOT
#undef NNC_FN

#undef NNC_T
