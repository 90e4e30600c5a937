/* nncodegen kernels: element-wise function by table, affine int8. */
#ifndef LUT_S8_H
#define LUT_S8_H

#include "nnc_types.h"

/* output[i] = p->table[input[i] + 128] for i < n (256-entry int8 table filled by
 * the compiler: sigmoid, tanh, hard-sigmoid, hard-swish, leaky ReLU, ReLU / clip
 * with a format change, requantization).  input and output may be the same array. */
void lut_s8(int32_t n, const nnc_lut_s8 *p, const int8_t *input, int8_t *output);

#endif /* LUT_S8_H */
