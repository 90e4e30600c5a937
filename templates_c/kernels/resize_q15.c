/* nncodegen kernels: resize (nearest, bilinear) by compiler tables, q15.  Body in resize_qn.inc. */
#include "resize_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "resize_qn.inc"
#undef NNC_T
#undef NNC_FN
