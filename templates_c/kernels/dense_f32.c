/* Float fully connected layer: float accumulation over i in order, bias added after the sum. */
#include "dense_f32.h"

static float dense_f32_act(const nnc_act_f32 *act, float y)
{
    if (act != 0) {
        if (y < 0.0f) {
            y *= act->leaky;
        }
        if (y < act->out_min) {
            y = act->out_min;
        }
        if (y > act->out_max) {
            y = act->out_max;
        }
    }
    return y;
}

void dense_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
               const float *bias, float *output)
{
    int32_t b, o, i;
    for (b = 0; b < g->batch; ++b) {
        const float *ip = input + b * g->in_features;
        float *op = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const float *wp = weights + o * g->in_features;
            float acc = 0.0f;
            for (i = 0; i < g->in_features; ++i) {
                acc += ip[i] * wp[i];
            }
            if (bias != 0) {
                acc += bias[o];
            }
            op[o] = dense_f32_act(act, acc);
        }
    }
}
