/* nncodegen kernels: pad (constant, reflect, edge), affine int8: the q7 body (pad_qn.inc), the pad value
 * being already quantized in the tensor's format. */
#include "pad_s8.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_s8
#include "pad_qn.inc"
#undef NNC_T
#undef NNC_FN
