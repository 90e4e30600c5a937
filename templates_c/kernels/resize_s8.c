/* nncodegen kernels: nearest-neighbour resize, affine int8. */
#include "resize_s8.h"

void resize_nearest_s8(const nnc_resize *p, const int8_t *input, int8_t *output)
{
    const int32_t c_n = p->channels;
    int32_t n, oy, ox, c;
    int8_t *y = output;
    for (n = 0; n < p->batch; ++n) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int8_t *row = input + (n * p->in_h + p->y0[oy]) * p->in_w * c_n;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int8_t *x = row + p->x0[ox] * c_n;
                for (c = 0; c < c_n; ++c) {
                    *y++ = x[c];
                }
            }
        }
    }
}
