/* nncodegen kernels: pad (constant, reflect, edge), q15.  Body in pad_qn.inc. */
#include "pad_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "pad_qn.inc"
#undef NNC_T
#undef NNC_FN
