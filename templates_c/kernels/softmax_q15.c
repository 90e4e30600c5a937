/* nncodegen kernels: softmax over the last axis, q15.  Body in softmax_qn.inc. */
#include "softmax_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "softmax_qn.inc"
#undef NNC_T
#undef NNC_FN
