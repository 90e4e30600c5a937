/* nncodegen kernels: packing Q-format maps into {-1, +1} bits and back (see bpack.h). */
#include <stddef.h>

#include "bpack.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "bpack_qn.inc"
#undef NNC_T
#undef NNC_FN

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "bpack_qn.inc"
#undef NNC_T
#undef NNC_FN
