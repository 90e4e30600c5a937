/* nncodegen kernels: piecewise-linear table functions, q15 (int16). */
#ifndef LUT_Q15_H
#define LUT_Q15_H

#include "nnc_types.h"

/* output[i] = sat(nnc_lut_eval(lut, input[i])) to the range of int16_t, for i < n
 * (sigmoid, tanh, hard-sigmoid, hard-swish, leaky ReLU).  lut->table has 257 entries;
 * input and output may be the same array. */
void lut_q15(int32_t n, const nnc_lut *lut, const int16_t *input, int16_t *output);

#endif /* LUT_Q15_H */
