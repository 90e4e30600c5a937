/* nncodegen kernels: piecewise-linear table functions, q15.  Body in lut_qn.inc. */
#include "lut_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_T_MIN INT16_MIN
#define NNC_T_MAX INT16_MAX
#define NNC_FN(name) name##_q15
#include "lut_qn.inc"
#undef NNC_T
#undef NNC_T_MIN
#undef NNC_T_MAX
#undef NNC_FN
