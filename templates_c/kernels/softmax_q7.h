/* nncodegen kernels: softmax over the last axis, q7 (int8). */
#ifndef SOFTMAX_Q7_H
#define SOFTMAX_Q7_H

#include "nnc_types.h"

/* input, output [rows][cols], per row:
 *   m = max x;  e_j = nnc_lut_eval(exp_lut, x_j - m);
 *   out_j = min(div_round(e_j * 2^out_frac, sum_j e_j), out_max)   (clamped below at 0).
 * Legal: cols >= 1; exp_lut entries >= 0 with a positive value at 0 (a row
 * whose sum is 0 gives zeros); 0 <= out_frac <= 30; sum_j e_j * 2^out_frac < 2^61;
 * 0 <= out_max <= INT8_MAX. */
void softmax_q7(const nnc_softmax *p, const int8_t *input, int8_t *output);

#endif /* SOFTMAX_Q7_H */
