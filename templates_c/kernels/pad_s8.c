/* nncodegen kernels: pad, affine int8. */
#include "pad_s8.h"

/* Source index of (output index - before) along an axis of n elements; -1 = the pad value. */
static int32_t pad_s8_src(int32_t i, int32_t n, int32_t mode)
{
    if (i >= 0 && i < n) {
        return i;
    }
    if (mode == 1) {
        const int32_t period = 2 * (n - 1);
        int32_t j;
        if (period == 0) {
            return 0;
        }
        j = i % period;
        if (j < 0) {
            j += period;
        }
        return j < n ? j : period - j;
    }
    if (mode == 2) {
        return i < 0 ? 0 : n - 1;
    }
    return -1;
}

void pad_s8(const nnc_pad *p, const int8_t *input, int8_t *output)
{
    const int32_t *in = p->in_shape;
    const int32_t *out = p->out_shape;
    const int8_t value = (int8_t)p->value;
    int32_t i0, i1, i2, i3;
    int8_t *y = output;
    for (i0 = 0; i0 < out[0]; ++i0) {
        const int32_t s0 = pad_s8_src(i0 - p->before[0], in[0], p->mode);
        for (i1 = 0; i1 < out[1]; ++i1) {
            const int32_t s1 = pad_s8_src(i1 - p->before[1], in[1], p->mode);
            for (i2 = 0; i2 < out[2]; ++i2) {
                const int32_t s2 = pad_s8_src(i2 - p->before[2], in[2], p->mode);
                const int32_t row = ((s0 * in[1] + s1) * in[2] + s2) * in[3];
                const int32_t inside = s0 >= 0 && s1 >= 0 && s2 >= 0;
                for (i3 = 0; i3 < out[3]; ++i3) {
                    const int32_t s3 = pad_s8_src(i3 - p->before[3], in[3], p->mode);
                    *y++ = (inside && s3 >= 0) ? input[row + s3] : value;
                }
            }
        }
    }
}
