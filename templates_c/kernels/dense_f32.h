#ifndef NNC_DENSE_F32_H
#define NNC_DENSE_F32_H

#include "nnc_types.h"

/* Float fully connected layer.
 * input [batch][in_features], weights [out_features][in_features], bias [out_features] or NULL,
 * output [batch][out_features]:  out[b][o] = act(bias[o] + sum_i in[b][i] * w[o][i]).
 * Legal: batch, in_features, out_features >= 1.
 * act: fused leaky-ReLU then clamp (see nnc_act_f32); NULL means none.
 * output must not alias input. */
void dense_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
               const float *bias, float *output);

#endif /* NNC_DENSE_F32_H */
