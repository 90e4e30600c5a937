/* nncodegen kernels: transposed 2-D convolution, affine int8 (see conv_transpose2d_s8.h). */
#include "conv_transpose2d_s8.h"
#include "nnc_affine.h"

#include "conv_transpose_src.inc"

void conv_transpose2d_s8(const nnc_conv_geom *g, const nnc_requant_s8 *rq, const int8_t *input,
                         const int8_t *weights, const int32_t *bias, int8_t *output)
{
    const int32_t wsize = g->k_h * g->k_w * g->in_c;
    int32_t n, oy, ox, oc, ky, kx, ic;
    int8_t *y = output;
    for (n = 0; n < g->batch; ++n) {
        for (oy = 0; oy < g->out_h; ++oy) {
            for (ox = 0; ox < g->out_w; ++ox) {
                for (oc = 0; oc < g->out_c; ++oc) {
                    const int8_t *w = weights + (int32_t)oc * wsize;
                    int32_t acc = bias ? bias[oc] : 0;
                    for (ky = 0; ky < g->k_h; ++ky) {
                        const int32_t iy = nnc_convt_src(oy, ky, g->stride_h, g->pad_top, g->dil_h, g->in_h);
                        if (iy < 0) {
                            continue;
                        }
                        for (kx = 0; kx < g->k_w; ++kx) {
                            const int32_t ix = nnc_convt_src(ox, kx, g->stride_w, g->pad_left, g->dil_w, g->in_w);
                            const int8_t *x;
                            const int8_t *wk;
                            if (ix < 0) {
                                continue;
                            }
                            x = input + ((n * g->in_h + iy) * g->in_w + ix) * g->in_c;
                            wk = w + (ky * g->k_w + kx) * g->in_c;
                            for (ic = 0; ic < g->in_c; ++ic) {
                                acc += ((int32_t)x[ic] + rq->input_offset) * (int32_t)wk[ic];
                            }
                        }
                    }
                    *y++ = (int8_t)nnc_requant_s8_apply(acc, rq, oc);
                }
            }
        }
    }
}
