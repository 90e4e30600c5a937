/* nncodegen kernels: one-group 2-D convolution and fully connected layer, float32, weights packed at
 * generation time in blocks of 16 output channels (the channels in the vector lanes). */
#ifndef CONV2D_PK_F32_H
#define CONV2D_PK_F32_H

#include "nnc_types.h"

/* Largest K = k_h * k_w * in_c the packed float kernels take (NNC_PKF_PIX * NNC_PKF_K floats of stack). */
#ifndef NNC_PKF_K
#define NNC_PKF_K 384
#endif
#define NNC_PKF_PIX 8

/* conv2d_f32 (not depthwise) with its own summation order, the same in every build; per group grp
 * (K = k_h * k_w * in_c / groups, OB = ceil((out_c / groups) / 16) blocks of the group's channels):
 *   wpk[grp * OB * K * 16 + (ob * K + k) * 16 + j] = w[grp * out_c / groups + ob * 16 + j][k]
 *                                                      (0 past the group's channels; w[c] its [k_h][k_w][in_c / groups] row)
 *   s = 0; for k = 0 .. K - 1: s = s + x[k] * w[c][k]  (each product rounded to float, then added;
 *                                                       taps outside the input read 0.0f)
 *   y = act(bias ? s + bias[c] : s)                    (act as conv2d_f32: leaky slope, then clamp)
 * Legal: groups divides in_c and out_c, K <= NNC_PKF_K, output not aliasing input.  With finite weights a padded tap
 * adds a signed zero, which leaves every sum as conv2d_f32's definition has it. */
void conv2d_pk_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                   const float *bias, float *output);

/* dense_f32 with the same packing and order (K = in_features). */
void dense_pk_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                  const float *bias, float *output);

/* conv2d_inplace_pk_f32: conv2d_pk_f32 with its output written over its input, one output row at a
 * time (inplace_rows.inc); arguments and legality as conv2d_inplace_f32. */
void conv2d_inplace_pk_f32(const nnc_conv_geom *g, const nnc_act_f32 *act, const float *input, const float *wpk,
                           const float *bias, float *scratch, int32_t ring_rows, int32_t backward, float *output);

#endif /* CONV2D_PK_F32_H */
