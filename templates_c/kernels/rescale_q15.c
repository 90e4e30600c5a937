/* nncodegen kernels: requantizing strided copy (concat part, ReLU, clip, format change), q15.
 * Body in rescale_qn.inc. */
#include "rescale_q15.h"
#include "nnc_fixed.h"

#define NNC_T int16_t
#define NNC_FN(name) name##_q15
#include "rescale_qn.inc"
#undef NNC_T
#undef NNC_FN
