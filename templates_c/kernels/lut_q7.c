/* nncodegen kernels: piecewise-linear table functions, q7.  Body in lut_qn.inc. */
#include "lut_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_T_MIN INT8_MIN
#define NNC_T_MAX INT8_MAX
#define NNC_FN(name) name##_q7
#include "lut_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_T_MAX
#undef NNC_FN
