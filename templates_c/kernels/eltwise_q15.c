/* nncodegen kernels: element-wise add / sub / mul, q15.  Body in eltwise_qn.inc. */
#include "eltwise_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "eltwise_qn.inc"
#undef NNC_T
#undef NNC_FN
