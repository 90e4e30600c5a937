/* nncodegen kernels: pooling, q7.  Body in pool_qn.inc. */
#include "pool_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_T_MIN INT8_MIN
#define NNC_FN(name) name##_q7
#include "pool_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_FN
