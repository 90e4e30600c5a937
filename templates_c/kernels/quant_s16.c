/* nncodegen kernels: QUANTIZE / DEQUANTIZE of TFLite 16x8 models.  The requantizations are integer-only;
 * quantize_s16 and dequantize_s16 exist for models with float inputs or outputs. */
#include "quant_s16.h"
#include "nnc_s16.h"

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

/* round half away from zero (TFLite's TfLiteRound), |v| <= 1e9 (the integer part fits int32) */
static int32_t quant_s16_round_away(float v)
{
    const int32_t t = (int32_t)v; /* toward zero */
    const float frac = v - (float)t;
    if (frac >= 0.5f) {
        return t + 1;
    }
    if (frac <= -0.5f) {
        return t - 1;
    }
    return t;
}

void quantize_s16(int32_t n, const nnc_quant_s16 *p, const float *input, int16_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        float v = input[i] / p->scale;
        int32_t q;
        if (!(v == v)) {
            v = 0.0f; /* NaN */
        }
        v = v > 1e9f ? 1e9f : (v < -1e9f ? -1e9f : v);
        q = quant_s16_round_away(v) + p->zero_point;
        output[i] = (int16_t)(q < p->qmin ? p->qmin : (q > p->qmax ? p->qmax : q));
    }
}

void dequantize_s16(int32_t n, const nnc_quant_s16 *p, const int16_t *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = (float)(input[i] - p->zero_point) * p->scale;
    }
}
