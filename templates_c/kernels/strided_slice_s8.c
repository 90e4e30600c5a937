/* nncodegen kernels: strided slice, int8 (a strided copy of up to 6 axes). */
#include "strided_slice_s8.h"
#include "nnc_s16.h" /* nnc_slice_s16, the layout struct (runtime_files copies headers the .c names) */

#define NNC_FN strided_slice_s8
#define NNC_T int8_t
#include "strided_slice.inc"
#undef NNC_FN
#undef NNC_T
