/* nncodegen kernels: strided slice, float32 (a strided copy of up to 6 axes). */
#include "strided_slice_f32.h"
#include "nnc_s16.h"

#define NNC_FN strided_slice_f32
#define NNC_T float
#include "strided_slice.inc"
#undef NNC_FN
#undef NNC_T
