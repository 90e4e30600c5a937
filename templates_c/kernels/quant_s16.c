/* nncodegen kernels: QUANTIZE / DEQUANTIZE of TFLite 16x8 models.  The requantizations are integer-only;
 * quantize_s16 and dequantize_s16 exist for models with float inputs or outputs. */
#include "quant_s16.h"
#include "nnc_s16.h"
#include "quant_f32.inc"

static int32_t requant_s16_one(const nnc_requant_elt_s16 *p, int64_t x)
{
    const int32_t v = nnc_mbqm(nnc_sat32(x + p->input_offset), p->multiplier, p->shift, p->rounding);
    const int64_t o = (int64_t)v + p->output_offset;
    return o < p->out_min ? p->out_min : (o > p->out_max ? p->out_max : (int32_t)o);
}

void requantize_s16_s16(const nnc_requant_elt_s16 *p, const int16_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        output[i] = (int16_t)requant_s16_one(p, input[i]);
    }
}

void requantize_s32_s16(const nnc_requant_elt_s16 *p, const int32_t *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        output[i] = (int16_t)requant_s16_one(p, input[i]);
    }
}

void requantize_s16_s32(const nnc_requant_elt_s16 *p, const int16_t *input, int32_t *output)
{
    int32_t i;
    for (i = 0; i < p->n; ++i) {
        output[i] = requant_s16_one(p, input[i]);
    }
}

void quantize_s16(int32_t n, const nnc_quant_s16 *p, const float *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (int16_t)nnc_quantize_f32(input[i], p->scale, p->zero_point, p->qmin, p->qmax, 1);
    }
}

void dequantize_s16(int32_t n, const nnc_quant_s16 *p, const int16_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (float)(input[i] - p->zero_point) * p->scale;
    }
}
