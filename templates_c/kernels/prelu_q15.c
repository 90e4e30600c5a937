/* nncodegen kernels: PReLU with per-channel slope, q15.  Body in prelu_qn.inc. */
#include "prelu_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "prelu_qn.inc"
#undef NNC_T
#undef NNC_FN
