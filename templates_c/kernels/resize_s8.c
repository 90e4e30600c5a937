/* nncodegen kernels: nearest-neighbour resize, affine int8.  Body in resize_nearest.inc. */
#include "resize_s8.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_s8
#include "resize_nearest.inc"
#undef NNC_T
#undef NNC_FN
