/* nncodegen kernels: strided slice of int8 tensors (TFLite STRIDED_SLICE, SPLIT, SPLIT_V). */
#ifndef STRIDED_SLICE_S8_H
#define STRIDED_SLICE_S8_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* out[i0]...[i5] = input[p->offset + sum_k i_k * p->in_stride[k]] over p->out_shape (the layout struct
 * nnc_slice_s16 of nnc_s16.h, whatever the element type; TFLite's begin / end / strides and masks, or a
 * split's part, resolved by the compiler).  A copy: the values keep their format.
 * Legal: every index read lies inside the input; output does not overlap input. */
void strided_slice_s8(const nnc_slice_s16 *p, const int8_t *input, int8_t *output);

#endif /* STRIDED_SLICE_S8_H */
