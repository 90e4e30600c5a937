/* nncodegen kernels: transpose / channel shuffle, q7.  Body in transpose_qn.inc. */
#include "transpose_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "transpose_qn.inc"
#undef NNC_T
#undef NNC_FN
