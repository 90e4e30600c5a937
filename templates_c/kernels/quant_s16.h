/* nncodegen kernels: QUANTIZE / DEQUANTIZE of TFLite 16x8 models. */
#ifndef QUANT_S16_H
#define QUANT_S16_H

#include "nnc_types.h"
#include "nnc_s16.h"

/* TFLite's Requantize between integer types (formula in nnc_s16.h, nnc_requant_elt_s16):
 * int16 -> int16, int32 -> int16, int16 -> int32.  Legal: multiplier >= 0, -31 <= shift <= 30,
 * [out_min, out_max] inside the output type. */
void requantize_s16_s16(const nnc_requant_elt_s16 *p, const int16_t *input, int16_t *output);
void requantize_s32_s16(const nnc_requant_elt_s16 *p, const int32_t *input, int16_t *output);
void requantize_s16_s32(const nnc_requant_elt_s16 *p, const int16_t *input, int32_t *output);

/* Float model input -> int16 (TFLite's AffineQuantize, rounded half away from zero) and int16 -> float
 * (nnc_quant_s16). */
void quantize_s16(int32_t n, const nnc_quant_s16 *p, const float *input, int16_t *output);
void dequantize_s16(int32_t n, const nnc_quant_s16 *p, const int16_t *input, float *output);

#endif /* QUANT_S16_H */
