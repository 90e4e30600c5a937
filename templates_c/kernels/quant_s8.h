/* nncodegen kernels: number-format changes at the edges of affine int8 layers. */
#ifndef QUANT_S8_H
#define QUANT_S8_H

#include "nnc_types.h"

/* output[i] = sat(round_half_even(input[i] / p->scale) + p->zero_point, p->qmin, p->qmax)
 * (ONNX QuantizeLinear; the division in float; NaN gives the zero point).
 * Used before a layer that runs in float stops; no libm needed. */
void quantize_s8(int32_t n, const nnc_quant_s8 *p, const float *input, int8_t *output);

/* output[i] = (float)(input[i] - p->zero_point) * p->scale (ONNX DequantizeLinear). */
void dequantize_s8(int32_t n, const nnc_quant_s8 *p, const int8_t *input, float *output);

/* uint8 <-> int8 of the same real values: q - 128 with zero point - 128 (and back). */
void convert_u8_s8(int32_t n, const uint8_t *input, int8_t *output);
void convert_s8_u8(int32_t n, const int8_t *input, uint8_t *output);

#endif /* QUANT_S8_H */
