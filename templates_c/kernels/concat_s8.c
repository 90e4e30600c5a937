/* nncodegen kernels: concat part, affine int8. */
#include "concat_s8.h"

void concat_part_s8(const nnc_concat_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t o, i;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *x = input + o * p->inner;
        int8_t *y = output + o * p->out_inner + p->offset;
        if (p->table) {
            for (i = 0; i < p->inner; ++i) {
                y[i] = p->table[(int32_t)x[i] + 128];
            }
        } else {
            for (i = 0; i < p->inner; ++i) {
                y[i] = x[i];
            }
        }
    }
}
