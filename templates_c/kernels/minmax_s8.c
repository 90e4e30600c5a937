/* nncodegen kernels: element-wise maximum and minimum of int8 tensors, 4-D broadcast. */
#include "minmax_s8.h"

/* want_max: 1 maximum, 0 minimum */
static void minmax_s8_run(const nnc_broadcast *bc, int32_t want_max, const int8_t *a, const int8_t *b,
                          int8_t *output)
{
    const int32_t *sh = bc->shape;
    const int32_t *as = bc->a_stride;
    const int32_t *bs = bc->b_stride;
    int32_t i0, i1, i2, i3;
    int8_t *y = output;
    for (i0 = 0; i0 < sh[0]; ++i0) {
        for (i1 = 0; i1 < sh[1]; ++i1) {
            for (i2 = 0; i2 < sh[2]; ++i2) {
                const int8_t *pa = a + i0 * as[0] + i1 * as[1] + i2 * as[2];
                const int8_t *pb = b + i0 * bs[0] + i1 * bs[1] + i2 * bs[2];
                for (i3 = 0; i3 < sh[3]; ++i3) {
                    const int8_t va = pa[i3 * as[3]];
                    const int8_t vb = pb[i3 * bs[3]];
                    *y++ = want_max ? (va > vb ? va : vb) : (va < vb ? va : vb);
                }
            }
        }
    }
}

void maximum_s8(const nnc_broadcast *bc, const int8_t *a, const int8_t *b, int8_t *output)
{
    minmax_s8_run(bc, 1, a, b, output);
}

void minimum_s8(const nnc_broadcast *bc, const int8_t *a, const int8_t *b, int8_t *output)
{
    minmax_s8_run(bc, 0, a, b, output);
}
