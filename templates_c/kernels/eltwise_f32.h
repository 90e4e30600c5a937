#ifndef NNC_ELTWISE_F32_H
#define NNC_ELTWISE_F32_H

#include "nnc_types.h"

/* Float binary ops (add, sub, mul, maximum, minimum) with 4-D broadcast.  output is contiguous of shape bc->shape (outer to inner,
 * ranks < 4 left-filled with 1); for index (i0, i1, i2, i3)
 *   out = act(a[sum_k i_k * a_stride[k]] op b[sum_k i_k * b_stride[k]]),
 * strides in elements, 0 on broadcast axes.  Legal: shape[k] >= 1.
 * act: fused leaky-ReLU then clamp (see nnc_act_f32); NULL means none.
 * output may alias a or b only where that operand is not broadcast (same index). */

/* out = a + b */
void add_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output);

/* out = a - b */
void sub_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output);

/* out = a * b */
void mul_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output);

/* out = a < b ? b : a (TFLite's std::max: a on equal operands, -0.0 / +0.0 included) */
void maximum_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output);

/* out = b < a ? b : a (TFLite's std::min) */
void minimum_f32(const nnc_broadcast *bc, const nnc_act_f32 *act, const float *a, const float *b, float *output);

#endif /* NNC_ELTWISE_F32_H */
