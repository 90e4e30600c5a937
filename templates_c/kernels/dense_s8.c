/* nncodegen kernels: dense, affine int8 (TFLite reference FullyConnected for
 * int8: per-channel multipliers, input offset, int32 accumulator; why it cannot
 * overflow: see conv2d_s8.c). */
#include "dense_s8.h"
#include "nnc_affine.h"

void dense_s8(const nnc_dense_geom *g, const nnc_requant_s8 *rq, const int8_t *input, const int8_t *weights,
              const int32_t *bias, int8_t *output)
{
    const int32_t off = rq->input_offset;
    int32_t b, o, i;
    for (b = 0; b < g->batch; ++b) {
        const int8_t *x = input + b * g->in_features;
        int8_t *y = output + b * g->out_features;
        for (o = 0; o < g->out_features; ++o) {
            const int8_t *w = weights + o * g->in_features;
            int32_t acc = 0;
            for (i = 0; i < g->in_features; ++i) {
                acc += ((int32_t)x[i] + off) * w[i];
            }
            if (bias) {
                acc += bias[o];
            }
            y[o] = (int8_t)nnc_requant_s8_apply(acc, rq, o);
        }
    }
}
