/* nncodegen kernels: max pool of packed {-1, +1} maps (see bmaxpool.h). */
#include <stddef.h>

#include "bmaxpool.h"

void bmaxpool(const nnc_conv_geom *g, const uint32_t *input, uint32_t *output)
{
    const int32_t wpp = (g->in_c + 31) / 32;
    int32_t b, oy, ox, ky, kx, j;
    for (b = 0; b < g->batch; b++) {
        for (oy = 0; oy < g->out_h; oy++) {
            for (ox = 0; ox < g->out_w; ox++) {
                uint32_t *out = output + (((size_t)b * g->out_h + oy) * g->out_w + ox) * wpp;
                int32_t any = 0;
                for (j = 0; j < wpp; j++) {
                    out[j] = 0xFFFFFFFFu;
                }
                for (ky = 0; ky < g->k_h; ky++) {
                    const int32_t iy = oy * g->stride_h - g->pad_top + ky;
                    if (iy < 0 || iy >= g->in_h) {
                        continue;
                    }
                    for (kx = 0; kx < g->k_w; kx++) {
                        const int32_t ix = ox * g->stride_w - g->pad_left + kx;
                        const uint32_t *x;
                        if (ix < 0 || ix >= g->in_w) {
                            continue;
                        }
                        x = input + (((size_t)b * g->in_h + iy) * g->in_w + ix) * wpp;
                        for (j = 0; j < wpp; j++) {
                            out[j] &= x[j];
                        }
                        any = 1;
                    }
                }
                if (!any) {
                    for (j = 0; j < wpp; j++) {
                        out[j] = 0;
                    }
                }
            }
        }
    }
}
