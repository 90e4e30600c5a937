#ifndef NNC_TRANSPOSE_F32_H
#define NNC_TRANSPOSE_F32_H

#include "nnc_types.h"

/* Float transpose of rank <= 6 (also channel shuffle): output is contiguous of shape out_shape
 * (left-filled with 1) and walked in order; out[i0..i5] = in[sum_k i_k * in_stride[k]].
 * Legal: out_shape[k] >= 1; output must not alias input. */
void transpose_f32(const nnc_transpose *p, const float *input, float *output);

#endif /* NNC_TRANSPOSE_F32_H */
