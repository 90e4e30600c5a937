/* nncodegen kernels: PReLU, affine int8 (TFLite semantics). */
#ifndef PRELU_S8_H
#define PRELU_S8_H

#include "nnc_types.h"

/* [outer][channels], formula in nnc_types.h (nnc_prelu_s8); alpha, neg_multiplier
 * and neg_shift have `channels` entries.  input and output may be the same array. */
void prelu_s8(const nnc_prelu_s8 *p, const int8_t *input, int8_t *output);

#endif /* PRELU_S8_H */
