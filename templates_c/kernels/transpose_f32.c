/* Float transpose of rank <= 6: the output is walked in order, the input through strides. */
#include "transpose_f32.h"

void transpose_f32(const nnc_transpose *p, const float *input, float *output)
{
    const int32_t *n = p->out_shape;
    const int32_t *s = p->in_stride;
    int32_t i0, i1, i2, i3, i4, i5;
    float *out = output;
    for (i0 = 0; i0 < n[0]; ++i0) {
        const float *p0 = input + i0 * s[0];
        for (i1 = 0; i1 < n[1]; ++i1) {
            const float *p1 = p0 + i1 * s[1];
            for (i2 = 0; i2 < n[2]; ++i2) {
                const float *p2 = p1 + i2 * s[2];
                for (i3 = 0; i3 < n[3]; ++i3) {
                    const float *p3 = p2 + i3 * s[3];
                    for (i4 = 0; i4 < n[4]; ++i4) {
                        const float *p4 = p3 + i4 * s[4];
                        for (i5 = 0; i5 < n[5]; ++i5) {
                            out[i5] = p4[i5 * s[5]];
                        }
                        out += n[5];
                    }
                }
            }
        }
    }
}
