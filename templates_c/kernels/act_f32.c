/* Element-wise float activations (in-place safe). */
#include <math.h>

#include "act_f32.h"

void act_f32(int32_t n, const nnc_act_f32 *act, const float *input, float *output)
{
    const float lo = act->out_min;
    const float hi = act->out_max;
    const float leaky = act->leaky;
    int32_t i;
    for (i = 0; i < n; ++i) {
        float y = input[i];
        if (y < 0.0f) {
            y *= leaky;
        }
        if (y < lo) {
            y = lo;
        }
        if (y > hi) {
            y = hi;
        }
        output[i] = y;
    }
}

void sigmoid_f32(int32_t n, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = 1.0f / (1.0f + expf(-input[i]));
    }
}

void tanh_f32(int32_t n, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = tanhf(input[i]);
    }
}

void hard_sigmoid_f32(int32_t n, float alpha, float beta, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        float y = alpha * input[i] + beta;
        if (y < 0.0f) {
            y = 0.0f;
        }
        if (y > 1.0f) {
            y = 1.0f;
        }
        output[i] = y;
    }
}

void hard_swish_f32(int32_t n, const float *input, float *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        const float x = input[i];
        float s = x / 6.0f + 0.5f;
        if (s < 0.0f) {
            s = 0.0f;
        }
        if (s > 1.0f) {
            s = 1.0f;
        }
        output[i] = x * s;
    }
}
