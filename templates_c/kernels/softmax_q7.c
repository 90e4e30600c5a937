/* nncodegen kernels: softmax over the last axis, q7.  Body in softmax_qn.inc. */
#include "softmax_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "softmax_qn.inc"
#undef NNC_T
#undef NNC_FN
