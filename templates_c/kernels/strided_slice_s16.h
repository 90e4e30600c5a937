/* nncodegen kernels: strided slice, int16 (TFLite 16x8 models). */
#ifndef STRIDED_SLICE_S16_H
#define STRIDED_SLICE_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* out[i0]...[i5] = input[p->offset + sum_k i_k * p->in_stride[k]] over p->out_shape (nnc_slice_s16;
 * TFLite's begin / end / strides and masks resolved by the compiler).  A copy: the values keep their format.
 * Legal: every index read lies inside the input. */
void strided_slice_s16(const nnc_slice_s16 *p, const int16_t *input, int16_t *output);

#endif /* STRIDED_SLICE_S16_H */
