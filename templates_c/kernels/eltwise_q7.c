/* nncodegen kernels: element-wise add / sub / mul, q7.  Body in eltwise_qn.inc. */
#include "eltwise_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "eltwise_qn.inc"
#undef NNC_T
#undef NNC_FN
