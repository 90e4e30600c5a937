/* nncodegen kernels: PReLU with per-channel slope, q15 (int16). */
#ifndef PRELU_Q15_H
#define PRELU_Q15_H

#include "nnc_types.h"

/* input, output [outer][channels]; slope [channels] in Q(16, slope_frac):
 *   p = x >= 0 ? x * 2^slope_frac : x * slope[c];  out = sat(shift_round(p, shift), out_min, out_max).
 * Legal: 0 <= slope_frac <= 31; shift >= -31 (no int64 overflow);
 * [out_min, out_max] inside the range of int16_t. */
void prelu_q15(const nnc_prelu *p, const int16_t *input, const int16_t *slope, int16_t *output);

#endif /* PRELU_Q15_H */
