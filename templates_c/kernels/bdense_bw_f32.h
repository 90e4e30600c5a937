/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) dense layers of Q-format input, float output.
 * Bodies in bdense_bin.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BDENSE_BW_F32_H
#define BDENSE_BW_F32_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in words], weights ceil(out_features*in_features/32) words (x2 for ternary; row o at bit o*in_features),
 * output [batch][out_features]
 * (bits: ceil(out_features/32) words per row).  residual: NULL or like the output. */
void bdense_bw_q7_f32(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const float *residual, float *output);
void bdense_tw_q7_f32(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const float *residual, float *output);
void bdense_bw_q15_f32(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const float *residual, float *output);
void bdense_tw_q15_f32(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const float *residual, float *output);

#endif /* BDENSE_BW_F32_H */
