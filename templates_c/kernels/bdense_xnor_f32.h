/* nncodegen kernels: XNOR dense layers: packed {-1, +1} input, binary (or ternary: _tern) weights, float output.
 * Bodies in bdense_bin.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BDENSE_XNOR_F32_H
#define BDENSE_XNOR_F32_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in words], weights ceil(out_features*in_features/32) words (x2 for ternary; row o at bit o*in_features),
 * output [batch][out_features]
 * (bits: ceil(out_features/32) words per row).  residual: NULL or like the output. */
void bdense_xnor_f32(const nnc_bdense *p, const uint32_t *input, const uint32_t *weights, const float *residual, float *output);
void bdense_xnor_tern_f32(const nnc_bdense *p, const uint32_t *input, const uint32_t *weights, const float *residual, float *output);

#endif /* BDENSE_XNOR_F32_H */
