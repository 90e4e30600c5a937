#ifndef NNC_CONV_TRANSPOSE2D_F32_H
#define NNC_CONV_TRANSPOSE2D_F32_H

#include "nnc_types.h"

/* Float transposed 2-D convolution in gather form.
 * input  [batch][in_h][in_w][in_c], output [batch][out_h][out_w][out_c],
 * weights [out_c][k_h][k_w][in_c / groups], bias [out_c] or NULL.
 * out[oy][ox][oc] = act(bias[oc] + sum of in[iy][ix][g*in_c/groups + ic] * w[oc][ky][kx][ic]
 *                   over every (iy, ky, ix, kx, ic) with oy = iy*stride_h - pad_top + ky*dil_h
 *                   and ox = ix*stride_w - pad_left + kx*dil_w),  g = oc / (out_c / groups).
 * Legal: all sizes >= 1, strides and dilations >= 1, pads >= 0, out_h/out_w any size >= 1
 * (positions reached by no input get bias only), in_c and out_c multiples of groups.
 * act: fused leaky-ReLU then clamp (see nnc_act_f32); NULL means none.
 * output must not alias input. */
void conv_transpose2d_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input,
                          const float *weights, const float *bias, float *output);

#endif /* NNC_CONV_TRANSPOSE2D_F32_H */
