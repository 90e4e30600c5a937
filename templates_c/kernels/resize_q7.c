/* nncodegen kernels: resize (nearest, bilinear) by compiler tables, q7.  Body in resize_qn.inc. */
#include "resize_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "resize_qn.inc"
#undef NNC_T
#undef NNC_FN
