/* nncodegen kernels: strided slice, int8 (a strided copy of up to 6 axes). */
#include "strided_slice_s8.h"
#include "nnc_s16.h" /* nnc_slice_s16, the layout struct (runtime_files copies headers the .c names) */

void strided_slice_s8(const nnc_slice_s16 *p, const int8_t *input, int8_t *output)
{
    const int32_t *sh = p->out_shape;
    const int32_t *st = p->in_stride;
    int32_t i0, i1, i2, i3, i4, i5;
    int8_t *y = output;
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                for (i3 = 0; i3 < sh[3]; ++i3) {
                    for (i4 = 0; i4 < sh[4]; ++i4) {
                        const int8_t *x = input + p->offset + i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3] +
                                          i4 * st[4];
                        if (st[5] == 1) {
                            for (i5 = 0; i5 < sh[5]; ++i5) {
                                y[i5] = x[i5];
                            }
                        } else {
                            for (i5 = 0; i5 < sh[5]; ++i5) {
                                y[i5] = x[i5 * st[5]];
                            }
                        }
                        y += sh[5];
                    }
                }
            }
        }
    }
}
