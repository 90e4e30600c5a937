/* nncodegen kernels: quantize / dequantize / uint8 <-> int8, affine int8.
 * Only models with a layer that runs in float use quantize_s8 and dequantize_s8. */
#include "quant_s8.h"
#include "quant_f32.inc"

void quantize_s8(int32_t n, const nnc_quant_s8 *p, const float *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (int8_t)nnc_quantize_f32(input[i], p->scale, p->zero_point, p->qmin, p->qmax, p->round_away);
    }
}

void dequantize_s8(int32_t n, const nnc_quant_s8 *p, const int8_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (float)((int32_t)input[i] - p->zero_point) * p->scale;
    }
}

void convert_u8_s8(int32_t n, const uint8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (int8_t)((int32_t)input[i] - 128);
    }
}

void convert_s8_u8(int32_t n, const int8_t *input, uint8_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (uint8_t)((int32_t)input[i] + 128);
    }
}
