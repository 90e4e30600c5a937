/* nncodegen kernels: quantize / dequantize / uint8 <-> int8, affine int8.
 * Only models with a layer that runs in float use quantize_s8 and dequantize_s8. */
#include "quant_s8.h"

/* round half to even of a float, |v| <= 1e9 (exact: the integer part fits int32,
 * and v - t is exact for floats of that size) */
static int32_t quant_s8_rne(float v)
{
    const int32_t t = (int32_t)v; /* toward zero */
    const float frac = v - (float)t;
    if (frac > 0.5f || (frac == 0.5f && (t & 1))) {
        return t + 1;
    }
    if (frac < -0.5f || (frac == -0.5f && (t & 1))) {
        return t - 1;
    }
    return t;
}

/* round half away from zero (std::round, TFLite's TfLiteRound), same range */
static int32_t quant_s8_round_away(float v)
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

void quantize_s8(int32_t n, const nnc_quant_s8 *p, const float *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        float v = input[i] / p->scale;
        int32_t q;
        if (!(v == v)) {
            v = 0.0f; /* NaN */
        }
        v = v > 1e9f ? 1e9f : (v < -1e9f ? -1e9f : v);
        q = (p->round_away ? quant_s8_round_away(v) : quant_s8_rne(v)) + p->zero_point;
        output[i] = (int8_t)(q < p->qmin ? p->qmin : (q > p->qmax ? p->qmax : q));
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
