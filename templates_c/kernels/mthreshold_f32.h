/* nncodegen kernels: QONNX MultiThreshold on float inputs.
 *
 * input [outer][channels] floats (NHWC: channels last), thresholds [rows][n_thr] floats with rows =
 * channels, or 1 when shared is 1.  count = #{ k : x >= thr[c][k] } (IEEE comparison: a NaN input
 * counts nothing), then
 *     mthreshold_f32:            y = out_scale_f * (float)count + out_bias_f   (two float roundings,
 *                                    as QONNX computes out_scale * count + out_bias in float32)
 *     mthreshold_f32_q7 / _q15:  y = saturate(out_bias + out_scale * count, out_min, out_max), integers
 *                                    (the output's Q-format integers; lowering bounds the sum below 2^31). */
#ifndef MTHRESHOLD_F32_H
#define MTHRESHOLD_F32_H

#include <stdint.h>

#include "nnc_types.h"

typedef struct {
    int32_t outer;      /* elements per channel: N * H * W */
    int32_t channels;
    int32_t n_thr;      /* thresholds per row, >= 1 */
    int32_t shared;     /* 1: one threshold row for every channel */
    int32_t out_scale;  /* integer outputs */
    int32_t out_bias;
    int32_t out_min;
    int32_t out_max;
    float out_scale_f;  /* float output */
    float out_bias_f;
} nnc_mthreshold_f32;

void mthreshold_f32(const nnc_mthreshold_f32 *p, const float *input, const float *thr, float *output);
void mthreshold_f32_q7(const nnc_mthreshold_f32 *p, const float *input, const float *thr, int8_t *output);
void mthreshold_f32_q15(const nnc_mthreshold_f32 *p, const float *input, const float *thr, int16_t *output);

#endif /* MTHRESHOLD_F32_H */
