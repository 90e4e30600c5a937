/* nncodegen kernels: leaky ReLU, affine int8 (TFLite semantics). */
#ifndef LEAKY_RELU_S8_H
#define LEAKY_RELU_S8_H

#include "nnc_types.h"

/* TFLite's QuantizeLeakyRelu on int8 (formula in nnc_types.h, nnc_leaky_s8): non-negative inputs are
 * scaled by the identity multiplier s_in / s_out, negative ones by the alpha multiplier alpha * s_in / s_out.
 * Legal: multipliers >= 0; [out_min, out_max] inside int8.  input and output may be the same array. */
void leaky_relu_s8(const nnc_leaky_s8 *p, const int8_t *input, int8_t *output);

#endif /* LEAKY_RELU_S8_H */
