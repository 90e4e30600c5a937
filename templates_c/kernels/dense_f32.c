/* Float fully connected layer: out = act(nnc_dot_f32(input row, weight row) + bias), four outputs
 * per pass over the input row (nnc_dot4_f32: same sums, same bits).  nnc_dot_f32 (nnc_simd.h)
 * defines the summation order: eight partial sums, then the remaining products in order. */
#include "dense_f32.h"
#include "nnc_simd.h"

#include "epilogue_f32.inc"

void dense_f32(const nnc_dense_geom *g, const nnc_act_f32 *act, const float *input, const float *weights,
               const float *bias, float *output)
{
    const int32_t k = g->in_features;
    int32_t b, o, j;
    for (b = 0; b < g->batch; ++b) {
        const float *ip = input + b * k;
        float *op = output + b * g->out_features;
        for (o = 0; o + 4 <= g->out_features; o += 4) {
            float s[4];
            nnc_dot4_f32(ip, weights + o * k, k, k, s);
            for (j = 0; j < 4; ++j) {
                op[o + j] = nnc_act_f32_apply(act, bias != 0 ? s[j] + bias[o + j] : s[j]);
            }
        }
        for (; o < g->out_features; ++o) {
            const float acc = nnc_dot_f32(ip, weights + o * k, k);
            op[o] = nnc_act_f32_apply(act, bias != 0 ? acc + bias[o] : acc);
        }
    }
}
