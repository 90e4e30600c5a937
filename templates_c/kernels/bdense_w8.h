/* nncodegen kernels: dense layers with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8).
 * Bodies in bdense_w8.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BDENSE_W8_H
#define BDENSE_W8_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in words] (packed: runs of `run` features, ceil(run/32) words each), weights int8
 * [out_features][in_features], output [batch][out_features] (bits: ceil(out_features/32) words per
 * row).  residual: NULL or like the output.  |acc| < 2^31 (checked by the compiler). */
void bdense_bits_w8_bits(const nnc_bdense *p, const uint32_t *input, const int8_t *weights, uint32_t *output);
void bdense_bits_w8_q7(const nnc_bdense *p, const uint32_t *input, const int8_t *weights, const int8_t *residual, int8_t *output);
void bdense_bits_w8_q15(const nnc_bdense *p, const uint32_t *input, const int8_t *weights, const int16_t *residual, int16_t *output);
void bdense_w8_q7_bits(const nnc_bdense *p, const int8_t *input, const int8_t *weights, uint32_t *output);
void bdense_w8_q7_q7(const nnc_bdense *p, const int8_t *input, const int8_t *weights, const int8_t *residual, int8_t *output);
void bdense_w8_q7_q15(const nnc_bdense *p, const int8_t *input, const int8_t *weights, const int16_t *residual, int16_t *output);
void bdense_w8_q15_bits(const nnc_bdense *p, const int16_t *input, const int8_t *weights, uint32_t *output);
void bdense_w8_q15_q7(const nnc_bdense *p, const int16_t *input, const int8_t *weights, const int8_t *residual, int8_t *output);
void bdense_w8_q15_q15(const nnc_bdense *p, const int16_t *input, const int8_t *weights, const int16_t *residual, int16_t *output);

#endif /* BDENSE_W8_H */
