/* nncodegen kernels: piecewise-linear table functions, q7 (int8). */
#ifndef LUT_Q7_H
#define LUT_Q7_H

#include "nnc_types.h"

/* output[i] = sat(nnc_lut_eval(lut, input[i])) to the range of int8_t, for i < n
 * (sigmoid, tanh, hard-sigmoid, hard-swish, leaky ReLU).  lut->table has 257 entries;
 * input and output may be the same array. */
void lut_q7(int32_t n, const nnc_lut *lut, const int8_t *input, int8_t *output);

#endif /* LUT_Q7_H */
