/* Float resize of NHWC maps through per-axis tables (nearest, bilinear). */
#include "resize_f32.h"

void resize_nearest_f32(const nnc_resize *p, const float *input, float *output)
{
    const int32_t ch = p->channels;
    int32_t n, y, x, c;
    float *out = output;
    for (n = 0; n < p->batch; ++n) {
        for (y = 0; y < p->out_h; ++y) {
            const float *row = input + (n * p->in_h + p->y0[y]) * p->in_w * ch;
            for (x = 0; x < p->out_w; ++x) {
                const float *src = row + p->x0[x] * ch;
                for (c = 0; c < ch; ++c) {
                    out[c] = src[c];
                }
                out += ch;
            }
        }
    }
}

void resize_bilinear_f32(const nnc_resize *p, const float *input, float *output)
{
    const int32_t ch = p->channels;
    int32_t n, y, x, c;
    float *out = output;
    for (n = 0; n < p->batch; ++n) {
        for (y = 0; y < p->out_h; ++y) {
            const float *r0 = input + (n * p->in_h + p->y0[y]) * p->in_w * ch;
            const float *r1 = input + (n * p->in_h + p->y1[y]) * p->in_w * ch;
            const float wy = p->wf_y[y];
            const float wy0 = 1.0f - wy;
            for (x = 0; x < p->out_w; ++x) {
                const int32_t c0 = p->x0[x] * ch;
                const int32_t c1 = p->x1[x] * ch;
                const float wx = p->wf_x[x];
                const float wx0 = 1.0f - wx;
                for (c = 0; c < ch; ++c) {
                    const float top = r0[c0 + c] * wx0 + r0[c1 + c] * wx;
                    const float bot = r1[c0 + c] * wx0 + r1[c1 + c] * wx;
                    out[c] = top * wy0 + bot * wy;
                }
                out += ch;
            }
        }
    }
}
