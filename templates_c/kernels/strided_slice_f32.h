/* nncodegen kernels: strided slice of float32 tensors (a row of a joined model input, TFLite's STRIDED_SLICE). */
#ifndef STRIDED_SLICE_F32_H
#define STRIDED_SLICE_F32_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* out[i0]...[i5] = input[p->offset + sum_k i_k * p->in_stride[k]] over p->out_shape (the layout struct
 * nnc_slice_s16 of nnc_s16.h, whatever the element type).  A copy: the values keep their bits.
 * Legal: every index read lies inside the input; output does not overlap input. */
void strided_slice_f32(const nnc_slice_s16 *p, const float *input, float *output);

#endif /* STRIDED_SLICE_F32_H */
