/* nncodegen kernels: XNOR convolutions: packed {-1, +1} input, binary (or ternary: _tern) weights.
 * Bodies in bconv2d_bin.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BCONV2D_XNOR_H
#define BCONV2D_XNOR_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in_h][in_w][in_c] (XNOR: ceil(in_c/32) words per pixel), weights
 * ceil(out_c*k_h*k_w*(in_c/groups) / 32) words (x2 planes for ternary): filter c at bit c*k_h*k_w*in_c/groups, output
 * [batch][out_h][out_w][out_c] (bits: ceil(out_c/32) words per pixel).  residual: NULL or
 * a map of the output's shape and type added before the activation (epi.res_shift).
 * Legal: groups divides in_c and out_c; strides, dilations >= 1; pads >= 0; pad_kind 0
 * for Q-format input; |acc| < 2^31 (the compiler checks the bound). */
void bconv2d_xnor_bits(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, uint32_t *output);
void bconv2d_xnor_q7(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bconv2d_xnor_q15(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);
void bconv2d_xnor_tern_bits(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, uint32_t *output);
void bconv2d_xnor_tern_q7(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bconv2d_xnor_tern_q15(const nnc_conv_geom *g, const nnc_bconv *p, const uint32_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);

#endif /* BCONV2D_XNOR_H */
