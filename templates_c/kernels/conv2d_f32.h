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

/* conv2d_inplace_f32: conv2d_f32 with its output written over its input, one output row at a time
 * (inplace_rows.inc).  output == input (one buffer) or output not overlapping input; scratch holds
 * ring_rows * out_w * out_c elements, overlaps neither, and may be NULL when ring_rows is 0.
 * Legal: as conv2d_f32, plus every output row reads at least one input row and ring_rows >= the
 * rows its schedule keeps pending (nncodegen.lower.inplace.ring_rows(g, backward)); backward 0
 * visits the rows first to last, 1 last to first (layers whose rows grow).
 * Result: conv2d_f32's, bit for bit. */
void conv2d_inplace_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
                        const float *bias, float *scratch, int32_t ring_rows, int32_t backward,
                        float *output);

#endif /* NNC_CONV2D_F32_H */
