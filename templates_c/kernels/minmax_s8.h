/* nncodegen kernels: element-wise maximum and minimum of int8 tensors (TFLite MAXIMUM / MINIMUM). */
#ifndef MINMAX_S8_H
#define MINMAX_S8_H

#include "nnc_types.h"

/* out = max(a, b) or min(a, b) of the stored integers over the 4-D broadcast bc (output shape bc->shape,
 * operand strides in elements, 0 on broadcast axes), as TFLite's reference MaximumMinimumBroadcastSlow
 * computes it: the operands and the output share one format (the compiler checks it), so comparing the
 * integers compares the real values.  The output may be an operand of the output's shape. */
void maximum_s8(const nnc_broadcast *bc, const int8_t *a, const int8_t *b, int8_t *output);
void minimum_s8(const nnc_broadcast *bc, const int8_t *a, const int8_t *b, int8_t *output);

#endif /* MINMAX_S8_H */
