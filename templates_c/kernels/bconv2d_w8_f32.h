/* nncodegen kernels: convolutions with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8), float output.
 * Bodies in bconv2d_w8.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BCONV2D_W8_F32_H
#define BCONV2D_W8_F32_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in_h][in_w][in_c] (packed: ceil(in_c/32) words per pixel), weights int8
 * [groups][k_h][k_w][in_c/groups][out_c/groups] (filters innermost), output [batch][out_h][out_w][out_c] (bits: ceil(out_c/32) words per
 * pixel).  residual: NULL or a map of the output's shape and type.  Legal: groups divides in_c
 * and out_c; strides, dilations >= 1; pads >= 0; pad_kind 0 for Q-format input; |acc| < 2^31
 * (the compiler checks the bound from the weights). */
void bconv2d_bits_w8_f32(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const int8_t *weights, const float *residual, float *output);
void bconv2d_w8_q7_f32(const nnc_conv_geom *g, const nnc_bconv *p, const int8_t *input, const int8_t *weights, const float *residual, float *output);
void bconv2d_w8_q15_f32(const nnc_conv_geom *g, const nnc_bconv *p, const int16_t *input, const int8_t *weights, const float *residual, float *output);

#endif /* BCONV2D_W8_F32_H */
