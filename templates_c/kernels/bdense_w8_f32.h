/* nncodegen kernels: dense layers with int8 weights inside a binarized network (8-bit first / last layers): Q-format input (w8_q7, w8_q15) or packed {-1, +1} input (bits_w8), float output.
 * Bodies in bdense_w8.inc; layouts, bit convention and epilogue in nnc_types.h. */
#ifndef BDENSE_W8_F32_H
#define BDENSE_W8_F32_H

#include <stdint.h>
#include "nnc_types.h"

/* input [batch][in words] (packed: runs of `run` features, ceil(run/32) words each), weights int8
 * [out_features][in_features], output [batch][out_features] (bits: ceil(out_features/32) words per
 * row).  residual: NULL or like the output.  |acc| < 2^31 (checked by the compiler). */
void bdense_bits_w8_f32(const nnc_bdense *p, const uint32_t *input, const int8_t *weights, const float *residual, float *output);
void bdense_w8_q7_f32(const nnc_bdense *p, const int8_t *input, const int8_t *weights, const float *residual, float *output);
void bdense_w8_q15_f32(const nnc_bdense *p, const int16_t *input, const int8_t *weights, const float *residual, float *output);

#endif /* BDENSE_W8_F32_H */
