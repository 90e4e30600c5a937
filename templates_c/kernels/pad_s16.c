/* nncodegen kernels: pad, int16 (a copy of whole input rows between runs of the pad value). */
#include "pad_s16.h"

void pad_s16(const nnc_pad *p, const int16_t *input, int16_t *output)
{
    const int32_t *in = p->in_shape;
    const int32_t *out = p->out_shape;
    const int16_t value = (int16_t)p->value;
    int32_t i0, i1, i2, i3;
    int16_t *y = output;
    for (i0 = 0; i0 < out[0]; ++i0) {
        const int32_t s0 = i0 - p->before[0];
        for (i1 = 0; i1 < out[1]; ++i1) {
            const int32_t s1 = i1 - p->before[1];
            for (i2 = 0; i2 < out[2]; ++i2) {
                const int32_t s2 = i2 - p->before[2];
                const int32_t inside = s0 >= 0 && s0 < in[0] && s1 >= 0 && s1 < in[1] && s2 >= 0 && s2 < in[2];
                const int16_t *row = inside ? input + ((s0 * in[1] + s1) * in[2] + s2) * in[3] : input;
                for (i3 = 0; i3 < out[3]; ++i3) {
                    const int32_t s3 = i3 - p->before[3];
                    *y++ = (inside && s3 >= 0 && s3 < in[3]) ? row[s3] : value;
                }
            }
        }
    }
}
