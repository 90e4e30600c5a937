/* nncodegen kernels: 2-D convolution, TFLite 16x8.
 *
 * TFLite's reference 16x8 convolution (reference/integer_ops/conv.h, ConvPerChannel with int16 input
 * and an int64 accumulator): products of int16 inputs and int8 weights summed in int64, the int64 bias
 * added, then TFLite's 64-bit MultiplyByQuantizedMultiplier (nnc_mbqm64) per output channel.
 * Integer sums are exact, so the loop order does not change the result; the compiler proves
 * |bias| + sum |x| |w| < 2^47, the range of nnc_mbqm64. */
#include "conv2d_s16.h"
#include "nnc_s16.h"

void conv2d_s16(const nnc_conv_geom *g, const nnc_requant_s16 *rq, const int16_t *input, const int8_t *weights,
                const int64_t *bias, int16_t *output)
{
    const int32_t cin_g = g->in_c / g->groups;
    const int32_t cout_g = g->out_c / g->groups;
    const int32_t wsize = g->k_h * g->k_w * cin_g;
    int32_t n, oy, ox, oc, ky, kx, ic;
    int16_t *y = output;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                for (oc = 0; oc < g->out_c; ++oc) {
                    const int32_t cbase = (oc / cout_g) * cin_g;
                    const int8_t *w = weights + (int64_t)oc * wsize;
                    int64_t acc = 0;
                    int64_t v;
                    for (ky = 0; ky < g->k_h; ++ky) {
                        const int32_t iy = oy * g->stride_h - g->pad_top + ky * g->dil_h;
                        if (iy < 0 || iy >= g->in_h) {
                            continue;
                        }
                        for (kx = 0; kx < g->k_w; ++kx) {
                            const int32_t ix = ox * g->stride_w - g->pad_left + kx * g->dil_w;
                            const int16_t *x;
                            const int8_t *wk;
                            if (ix < 0 || ix >= g->in_w) {
                                continue;
                            }
                            x = input + (((int64_t)n * g->in_h + iy) * g->in_w + ix) * g->in_c + cbase;
                            wk = w + (ky * g->k_w + kx) * cin_g;
                            for (ic = 0; ic < cin_g; ++ic) {
                                acc += (int32_t)x[ic] * (int32_t)wk[ic];
                            }
                        }
                    }
                    if (bias) {
                        acc += bias[oc];
                    }
                    v = (int64_t)nnc_mbqm64(acc, rq->multiplier[oc], rq->shift[oc]) + rq->output_offset;
                    *y++ = (int16_t)(v < rq->out_min ? rq->out_min : (v > rq->out_max ? rq->out_max : (int32_t)v));
                }
            }
        }
    }
}
