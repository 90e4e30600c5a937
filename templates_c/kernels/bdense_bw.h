/* nncodegen kernels: binary-weight (bw) and ternary-weight (tw) dense layers of Q-format input.
 * Bodies in bdense_bin.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BDENSE_BW_H
#define BDENSE_BW_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in words], weights ceil(out_features*in_features/32) words (x2 for ternary; row o at bit o*in_features),
 * output [batch][out_features]
 * (bits: ceil(out_features/32) words per row).  residual: NULL or like the output. */
void bdense_bw_q7_bits(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, uint32_t *output);
void bdense_bw_q7_q7(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bdense_bw_q7_q15(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);
void bdense_tw_q7_bits(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, uint32_t *output);
void bdense_tw_q7_q7(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bdense_tw_q7_q15(const nnc_bdense *p, const int8_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);
void bdense_bw_q15_bits(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, uint32_t *output);
void bdense_bw_q15_q7(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bdense_bw_q15_q15(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);
void bdense_tw_q15_bits(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, uint32_t *output);
void bdense_tw_q15_q7(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const int8_t *residual, int8_t *output);
void bdense_tw_q15_q15(const nnc_bdense *p, const int16_t *input, const uint32_t *weights, const int16_t *residual, int16_t *output);

#endif /* BDENSE_BW_H */
