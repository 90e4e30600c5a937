/* nncodegen kernels: pad (constant, reflect, edge), q7.  Body in pad_qn.inc. */
#include "pad_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "pad_qn.inc"
#undef NNC_T
#undef NNC_FN
