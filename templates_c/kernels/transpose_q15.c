/* nncodegen kernels: transpose / channel shuffle, q15.  Body in transpose_qn.inc. */
#include "transpose_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "transpose_qn.inc"
#undef NNC_T
#undef NNC_FN
