#ifndef NNC_CONV2D_F32_H
#define NNC_CONV2D_F32_H

#include "nnc_types.h"

/* Float 2-D convolution, zero padding.
 * input  [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c],
 * weights [out_c][k_h][k_w][in_c / groups], bias [out_c] or NULL.
 * out[oy][ox][oc] = act(bias[oc] + sum_{ky,kx,ic} in[oy*stride_h - pad_top + ky*dil_h]
 *                                                  [ox*stride_w - pad_left + kx*dil_w][g*in_c/groups + ic]
 *                                               * w[oc][ky][kx][ic]),  g = oc / (out_c / groups).
 * Legal: all sizes >= 1, strides and dilations >= 1, pads >= 0 (bottom/right padding follows
 * from out_h/out_w), in_c and out_c multiples of groups (groups == in_c: depthwise).
 * act: fused leaky-ReLU then clamp (see nnc_act_f32); NULL means none.
 * output must not alias input. */
void conv2d_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
                const float *bias, float *output);

#endif /* NNC_CONV2D_F32_H */
