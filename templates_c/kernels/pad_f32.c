/* Float pad of a rank <= 4 tensor: constant, reflect or edge. */
#include "pad_f32.h"

/* Source index along one axis of output index o, or -1 for the constant value. */
static int32_t pad_f32_src(int32_t o, int32_t before, int32_t n, int32_t mode)
{
    int32_t i = o - before;
    int32_t period;
    if (i >= 0 && i < n) {
        return i;
    }
    if (mode == 0) {
        return -1;
    }
    if (mode == 2 || n == 1) {
        return i < 0 ? 0 : n - 1;
    }
    /* reflect: periodic with period 2 (n - 1), as repeated mirroring */
    period = 2 * (n - 1);
    i %= period;
    if (i < 0) {
        i += period;
    }
    return i >= n ? period - i : i;
}

void pad_f32(const nnc_pad *p, const float *input, float *output)
{
    const int32_t *is = p->in_shape;
    const int32_t *os = p->out_shape;
    int32_t o0, o1, o2, o3;
    float *out = output;
    for (o0 = 0; o0 < os[0]; ++o0) {
        const int32_t s0 = pad_f32_src(o0, p->before[0], is[0], p->mode);
        for (o1 = 0; o1 < os[1]; ++o1) {
            const int32_t s1 = pad_f32_src(o1, p->before[1], is[1], p->mode);
            for (o2 = 0; o2 < os[2]; ++o2) {
                const int32_t s2 = pad_f32_src(o2, p->before[2], is[2], p->mode);
                if (s0 < 0 || s1 < 0 || s2 < 0) {
                    for (o3 = 0; o3 < os[3]; ++o3) {
                        out[o3] = p->value_f32;
                    }
                } else {
                    const float *row = input + ((s0 * is[1] + s1) * is[2] + s2) * is[3];
                    for (o3 = 0; o3 < os[3]; ++o3) {
                        const int32_t s3 = pad_f32_src(o3, p->before[3], is[3], p->mode);
                        out[o3] = s3 < 0 ? p->value_f32 : row[s3];
                    }
                }
                out += os[3];
            }
        }
    }
}
