/* nncodegen kernels: requantizing strided copy (concat part, ReLU, clip, format change), q7.
 * Body in rescale_qn.inc. */
#include "rescale_q7.h"
#include "nnc_fixed.h"

#define NNC_T int8_t
#define NNC_FN(name) name##_q7
#include "rescale_qn.inc"
#undef NNC_T
#undef NNC_FN
