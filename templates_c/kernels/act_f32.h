#ifndef NNC_ACT_F32_H
#define NNC_ACT_F32_H

#include "nnc_types.h"

/* Element-wise float activations over n >= 0 contiguous values; output may alias input. */

/* ReLU / ReLU6 / clip / leaky-ReLU: y = x < 0 ? x * leaky : x; out = min(max(y, out_min), out_max). */
void act_f32(int32_t n, const nnc_act_f32 *act, const float *input, float *output);

/* out = 1 / (1 + exp(-x)) */
void sigmoid_f32(int32_t n, const float *input, float *output);

/* out = tanh(x) */
void tanh_f32(int32_t n, const float *input, float *output);

/* out = min(max(alpha * x + beta, 0), 1) */
void hard_sigmoid_f32(int32_t n, float alpha, float beta, const float *input, float *output);

/* out = x * min(max(x / 6 + 0.5, 0), 1) */
void hard_swish_f32(int32_t n, const float *input, float *output);

#endif /* NNC_ACT_F32_H */
