/* nncodegen kernels: PReLU with per-channel slope, q7.  Body in prelu_qn.inc. */
#include "prelu_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "prelu_qn.inc"
#undef NNC_T
#undef NNC_FN
