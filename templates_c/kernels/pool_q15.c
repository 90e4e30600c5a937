/* nncodegen kernels: pooling, q15.  Body in pool_qn.inc. */
#include "pool_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_T_MIN INT16_MIN
#define NNC_FN(name) name##_q15
#include "pool_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_FN
