/* nncodegen kernels: element-wise table, affine int8. */
#include "lut_s8.h"

void lut_s8(int32_t n, const nnc_lut_s8 *p, const int8_t *input, int8_t *output)
{
    int32_t i;
    for (i = 0; i < n; ++i) {
        output[i] = p->table[(int32_t)input[i] + 128];
    }
}
