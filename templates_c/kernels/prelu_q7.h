/* nncodegen kernels: PReLU with per-channel slope, q7 (int8). */
#ifndef PRELU_Q7_H
#define PRELU_Q7_H

#include "nnc_types.h"

/* input, output [outer][channels]; slope [channels] in Q(16, slope_frac):
 *   p = x >= 0 ? x * 2^slope_frac : x * slope[c];  out = sat(shift_round(p, shift), out_min, out_max).
 * Legal: 0 <= slope_frac <= 31; shift >= -31 (no int64 overflow);
 * [out_min, out_max] inside the range of int8_t. */
void prelu_q7(const nnc_prelu *p, const int8_t *input, const int16_t *slope, int8_t *output);

#endif /* PRELU_Q7_H */
