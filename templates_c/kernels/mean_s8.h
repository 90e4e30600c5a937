/* nncodegen kernels: TFLite's int8 MEAN over any set of axes, affine int8. */
#ifndef MEAN_S8_H
#define MEAN_S8_H

#include "nnc_types.h"

/* Mean over the axes with p->reduce[k] != 0 of the rank-4 tensor input (shape p->in_shape, row-major;
 * see nnc_mean_s8 for the arithmetic, TFLite's reference QuantizedMeanOrSum bit for bit).  output holds
 * the product of the kept extents, in row-major order.
 * Legal: extents >= 1; 256 * (product of the reduced extents) < 2^31; -31 <= shift <= 30. */
void mean_s8(const nnc_mean_s8 *p, const int8_t *input, int8_t *output);

#endif /* MEAN_S8_H */
