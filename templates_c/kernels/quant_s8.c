/* nncodegen kernels: quantize / dequantize / uint8 <-> int8, affine int8.
 * Only models with a layer that runs in float use quantize_s8 and dequantize_s8. */
#include "quant_s8.h"
#include "quant_f32.inc"

#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
#include <immintrin.h>
/* nnc_quantize_f32 of 16 floats: the same IEEE float32 division, NaN -> 0, clamp to +-1e9, then VRNDSCALEPS
 * (to nearest even, or toward zero and the exact remainder v - t compared with +-0.5 for half away from zero),
 * each step the scalar one's value (both round the same exact quotient). */
static inline __m128i quantize_s8_16(__m512 x, __m512 scale, __m512i zp, __m512i lo, __m512i hi, int32_t away)
{
    __m512 v = _mm512_div_ps(x, scale), r;
    v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-1e9f)), _mm512_set1_ps(1e9f));
    if (away) {
        const __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), f = _mm512_sub_ps(v, t);
        r = _mm512_mask_add_ps(t, _mm512_cmp_ps_mask(f, _mm512_set1_ps(0.5f), _CMP_GE_OQ), t, _mm512_set1_ps(1.0f));
        r = _mm512_mask_sub_ps(r, _mm512_cmp_ps_mask(f, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), t, _mm512_set1_ps(1.0f));
    } else {
        r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    return _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(r), zp), lo), hi));
}
#endif

void quantize_s8(int32_t n, const nnc_quant_s8 *p, const float *input, int8_t *output)
{
    int32_t i = 0;
#if defined(__AVX512F__) && !defined(NNC_NO_SIMD)
    const __m512 scale = _mm512_set1_ps(p->scale);
    const __m512i zp = _mm512_set1_epi32(p->zero_point), lo = _mm512_set1_epi32(p->qmin);
    const __m512i hi = _mm512_set1_epi32(p->qmax);
    for (; i + 16 <= n; i += 16) {
        _mm_storeu_si128((__m128i *)(void *)(output + i),
                         quantize_s8_16(_mm512_loadu_ps(input + i), scale, zp, lo, hi, p->round_away));
    }
#endif
    for (; i < n; ++i) {
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
