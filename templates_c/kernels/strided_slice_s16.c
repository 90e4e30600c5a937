/* nncodegen kernels: strided slice, int16 (a strided copy of up to 6 axes). */
#include "strided_slice_s16.h"
#include "nnc_s16.h"

#define NNC_FN strided_slice_s16
#define NNC_T int16_t
#include "strided_slice.inc"
#undef NNC_FN
#undef NNC_T
