/* nncodegen kernels: leaky ReLU, TFLite 16x8. */
#ifndef LEAKY_RELU_S16_H
#define LEAKY_RELU_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* TFLite's QuantizeLeakyRelu on int16 (formula in nnc_s16.h, nnc_leaky_s16): non-negative inputs are
 * scaled by the identity multiplier s_in / s_out, negative ones by alpha * s_in / s_out.
 * Legal: multipliers >= 0; [out_min, out_max] inside int16. */
void leaky_relu_s16(const nnc_leaky_s16 *p, const int16_t *input, int16_t *output);

#endif /* LEAKY_RELU_S16_H */
